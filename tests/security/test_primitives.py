"""Passwords, TOTP and the pure permission policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secondopinion.errors import InputError
from secondopinion.security import passwords, totp
from secondopinion.security.permissions import POLICY, RequestParties, allowed, relation

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_passwords_are_hashed_with_argon2id_and_verified():
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password("correct horse battery", hashed)
    assert not passwords.verify_password("correct horse batterY", hashed)
    assert passwords.hash_password("correct horse battery") != hashed  # salted


@pytest.mark.parametrize("weak", ["short", "aaaaaaaaaaaaaaaa", "x" * 300])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(InputError):
        passwords.check_strength(weak)


def test_a_totp_code_is_accepted_once_with_one_step_of_drift():
    secret = totp.new_secret()
    code = totp.code_at(secret, NOW)
    counter = totp.verify(secret, code, NOW, 0)
    assert counter == int(NOW.timestamp()) // 30
    assert totp.verify(secret, code, NOW, counter) is None  # replay
    assert totp.verify(secret, code, NOW + timedelta(seconds=30), 0) is not None  # drift of one step
    assert totp.verify(secret, code, NOW + timedelta(seconds=95), 0) is None  # too old
    assert totp.verify(secret, "12345", NOW, 0) is None and totp.verify(secret, "abcdef", NOW, 0) is None
    assert totp.provisioning_uri(secret, "a@example.org").startswith("otpauth://totp/SecondOpinion")


PARTIES = RequestParties(
    patient_id="p",
    caregiver_ids=frozenset({"c"}),
    reviewer_ids=frozenset({"r"}),
    blinded_reviewer_ids=frozenset({"b"}),
)


@pytest.mark.parametrize(
    "user, role, expected",
    [
        ("p", "patient", "owner"),
        ("p2", "patient", "none"),
        ("c", "caregiver", "caregiver"),
        ("c2", "caregiver", "none"),
        ("r", "reviewer", "reviewer"),
        ("b", "reviewer", "blinded_reviewer"),
        ("r2", "reviewer", "none"),
        ("x", "coordinator", "coordinator"),
        ("x", "admin", "none"),
        ("c", "patient", "none"),
        ("p", "caregiver", "none"),  # the role must match the relation
    ],
)
def test_relations(user, role, expected):
    assert relation(user, role, PARTIES) == expected


def test_deny_by_default():
    assert not allowed("request.delete", "owner")  # an action nobody listed
    assert not any(allowed(a, "none") for a in POLICY)
    assert allowed("request.triage", "coordinator") and not allowed("request.triage", "owner")
    assert not allowed("opinion.write", "coordinator") and not allowed("comparison.read", "blinded_reviewer")
    assert not allowed("request.consent", "caregiver")
