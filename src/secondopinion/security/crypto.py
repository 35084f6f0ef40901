"""Encryption at rest with AES-256-GCM and the data key it needs.

The key comes from `SECONDOPINION_DATA_KEY` (64 hex characters or base64 of 32 bytes) or from the
file named by `SECONDOPINION_DATA_KEY_FILE`. Outside demo mode the platform refuses to start
without one; demo mode makes an ephemeral key (its documents die with the process).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secondopinion.errors import InputError, SecondOpinionError

ENV_KEY = "SECONDOPINION_DATA_KEY"
ENV_KEY_FILE = "SECONDOPINION_DATA_KEY_FILE"
NONCE_BYTES = 12
FORMAT = b"SO1"


class IntegrityError(SecondOpinionError):
    """Stored data was changed or damaged since it was written."""


def parse_key(text: str) -> bytes:
    """A 32-byte key from hex or base64 text; anything else is refused with a way to make one."""
    text = text.strip()
    key: bytes | None = None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            key = None
    if key is None or len(key) != 32:
        raise InputError(
            "the data key must be 32 random bytes as 64 hex characters or base64; "
            "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return key


def _read_key_text(path: Path) -> str:
    """The file's text; raw bytes are refused without echoing any of them (a decode error would)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(
            f"{path} is not a text key file: write the key as 64 hex characters or base64"
        ) from None


def load_key(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The configured data key, or None when none is configured."""
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY):
        return parse_key(env[ENV_KEY])
    if path := env.get(ENV_KEY_FILE):
        try:
            return parse_key(_read_key_text(Path(path)))
        except OSError as exc:
            raise InputError(f"{ENV_KEY_FILE}: cannot read {path} ({exc.strerror})") from None
        except InputError as exc:
            raise InputError(f"{ENV_KEY_FILE}: {exc}") from None
    return None


def read_key_file(path: Path, what: str = "key file") -> bytes:
    """A key from a file (as SECONDOPINION_DATA_KEY_FILE names one), refused in one line."""
    try:
        return parse_key(_read_key_text(path))
    except OSError as exc:
        raise InputError(f"{what}: cannot read {path} ({exc.strerror})") from None
    except InputError as exc:
        raise InputError(f"{what} {path}: {exc}") from None


def ephemeral_key() -> bytes:
    return secrets.token_bytes(32)


def new_key_text() -> str:
    """A fresh data key as 64 hex characters, the form the settings and `keys rotate` read."""
    return secrets.token_hex(32)


def same_key(a: bytes, b: bytes) -> bool:
    """Constant-time, so comparing keys tells nothing about them through timing."""
    return hmac.compare_digest(a, b)


class Vault:
    """Seals and opens bytes. The associated data binds a ciphertext to its record, so a stored
    file cannot be swapped for another's without detection."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return FORMAT + nonce + self._aead.encrypt(nonce, plaintext, associated.encode())

    def open(self, sealed: bytes, associated: str) -> bytes:
        if not sealed.startswith(FORMAT) or len(sealed) < len(FORMAT) + NONCE_BYTES + 16:
            raise IntegrityError("stored data is not in the expected format")
        nonce = sealed[len(FORMAT) : len(FORMAT) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[len(FORMAT) + NONCE_BYTES :], associated.encode())
        except InvalidTag:
            raise IntegrityError("stored data failed authentication: changed, damaged or wrong key") from None

    def seal_text(self, text: str, associated: str) -> str:
        return base64.b64encode(self.seal(text.encode(), associated)).decode()

    def open_text(self, sealed: str, associated: str) -> str:
        return self.open(base64.b64decode(sealed), associated).decode()
