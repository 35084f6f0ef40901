"""Security of the platform: passwords, sessions, CSRF, throttling, TOTP, permissions, encryption at
rest, upload sniffing and the hash-chained audit trail. See docs/platform.md."""
