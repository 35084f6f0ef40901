"""Running the platform: `secondopinion serve [--host 127.0.0.1] [--port 8000] [--demo]`."""

from __future__ import annotations

import ipaddress
import logging
import shutil

from rich.console import Console

from secondopinion.errors import InputError
from secondopinion.platform.context import Platform
from secondopinion.platform.settings import PlatformSettings


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def print_demo_accounts(console: Console, made: list, url: str) -> None:  # type: ignore[type-arg]
    console.print(
        f"\nSecondOpinion demo at {url} (data is thrown away when the server stops)\n", markup=False
    )
    for a in made:
        line = f"  {a.role:<12} {a.email:<40} password: {a.password}"
        if a.totp_secret:
            line += (
                f'\n  {"":<12} TOTP secret: {a.totp_secret}  (code: python3 -c "import pyotp; '
                f"print(pyotp.TOTP('{a.totp_secret}').now())\")"
            )
        console.print(line, markup=False)
    console.print("", markup=False)


def run(host: str, port: int, demo: bool) -> None:
    """Open the platform (migrating the database), seed it in demo mode, and serve until stopped."""
    import uvicorn

    from secondopinion.web.app import create_app
    from secondopinion.web.logging import configure_logging

    if demo and not is_loopback(host):
        raise InputError("--demo only runs on a loopback address (127.0.0.1, ::1 or localhost)")
    settings = PlatformSettings.from_env(demo=demo)
    configure_logging(logging.INFO)
    platform = Platform.open(settings)
    if demo:
        from secondopinion.platform.demo import seed

        made = seed(platform)
        shown = f"[{host}]" if ":" in host else host
        print_demo_accounts(Console(highlight=False, soft_wrap=True), made, f"http://{shown}:{port}/")
    app = create_app(platform=platform)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
    finally:
        platform.close()
        if demo:
            shutil.rmtree(settings.data_dir, ignore_errors=True)
