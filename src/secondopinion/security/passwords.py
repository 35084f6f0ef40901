"""Password hashing with argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane):
about 50 ms on a small server, so logins stay cheap for us and costly for an attacker with a
stolen database. Hashes carry their parameters, so raising them later keeps old hashes valid."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from secondopinion.errors import InputError

MIN_LENGTH = 12
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(memory_cost=19456, time_cost=2, parallelism=1),))


def check_strength(password: str) -> None:
    """Length is what makes a password strong; composition rules only annoy people."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"the password is too short; use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(f"the password is too long; use at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        raise InputError("the password repeats too few characters; choose a phrase of several words")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _hasher().verify(password, hashed)


_DUMMY: list[str] = []


def burn_time(password: str) -> None:
    """Spend the time of one verification when the account does not exist, so response times do
    not reveal which e-mail addresses are registered."""
    if not _DUMMY:
        _DUMMY.append(hash_password("not a real password, only a timing shield"))
    _hasher().verify(password, _DUMMY[0])
