"""Time-based one-time passwords (RFC 6238) for staff accounts, with replay protection."""

from __future__ import annotations

from datetime import datetime

import pyotp

ISSUER = "SecondOpinion"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def verify(secret: str, code: str, when: datetime, last_counter: int) -> int | None:
    """The time step the code belongs to (one step of clock drift allowed either way), or None.

    A step at or before `last_counter` was already used and is refused, so an overheard code
    cannot be replayed."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_counter = int(when.timestamp()) // STEP
    for counter in (now_counter - 1, now_counter, now_counter + 1):
        if counter > last_counter and pyotp.utils.strings_equal(totp.generate_otp(counter), code):
            return counter
    return None
