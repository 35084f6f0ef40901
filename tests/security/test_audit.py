"""The audit trail is append-only and hash-chained: any change, removal or reordering is found."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from secondopinion.security import audit
from secondopinion.store.platform import AuditEvent
from tests.platform.support import FakeClock, make_platform


@pytest.fixture
def ctx(tmp_path):
    clock = FakeClock()
    platform = make_platform(tmp_path, clock)
    for i in range(5):
        platform.audit(None, "test.event", object_type="thing", object_id=f"id{i}", detail={"n": i})
        clock.advance(seconds=1)
    yield platform
    platform.close()


def _verify(ctx):
    with ctx.read() as db:
        return audit.verify(db)


def _drop_guards(ctx):
    """What an attacker with database access would do first."""
    with ctx.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER pf_audit_no_update"))
        conn.execute(text("DROP TRIGGER pf_audit_no_delete"))


def test_an_untouched_chain_verifies(ctx):
    v = _verify(ctx)
    assert v.ok and v.checked == 5 and len(v.head) == 64
    with ctx.read() as db:
        rows = db.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))


def test_the_database_refuses_updates_and_deletes(ctx):
    for statement in ("UPDATE pf_audit_events SET outcome = 'ok2'", "DELETE FROM pf_audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), ctx.engine.begin() as conn:
            conn.execute(text(statement))
    assert _verify(ctx).checked == 5


@pytest.mark.parametrize(
    "tamper, bad_seq",
    [
        ("UPDATE pf_audit_events SET object_id = 'someone-else' WHERE seq = 3", 3),
        ("UPDATE pf_audit_events SET detail = '{\"n\": 99}' WHERE seq = 2", 2),
        ("UPDATE pf_audit_events SET at = '2020-01-01 00:00:00' WHERE seq = 4", 4),
        ("DELETE FROM pf_audit_events WHERE seq = 2", 2),
        ("UPDATE pf_audit_events SET outcome = 'denied' WHERE seq = 5", 5),
    ],
)
def test_tampering_is_detected_at_the_changed_event(ctx, tamper, bad_seq):
    _drop_guards(ctx)
    with ctx.engine.begin() as conn:
        conn.execute(text(tamper))
    v = _verify(ctx)
    assert not v.ok and v.first_bad_seq == bad_seq and v.checked == bad_seq - 1


def test_a_rehashed_forgery_still_breaks_the_next_link(ctx):
    """Changing a row and recomputing its own hash is not enough: the next row points at the old one."""
    _drop_guards(ctx)
    with ctx.read() as db:
        row = db.get(AuditEvent, 2)
        fields = {
            "action": row.action,
            "outcome": "denied",
            "actor_id": row.actor_id,
            "actor_role": row.actor_role,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "ip": row.ip,
            "correlation_id": row.correlation_id,
            "detail": json.loads(row.detail),
        }
        forged = audit.chain_hash(row.prev_hash, audit.canonical(2, row.at, fields))
    with ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE pf_audit_events SET outcome = 'denied', hash = :h WHERE seq = 2"), {"h": forged}
        )
    v = _verify(ctx)
    assert not v.ok and v.first_bad_seq == 3


def test_events_keep_order_and_ids_only(ctx):
    ctx.audit(None, "auth.login", outcome="failed", object_type="user", object_id="u1")
    with ctx.read() as db:
        last = db.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert last.seq == 6 and last.action == "auth.login" and json.loads(last.detail) == {}


def test_the_verify_command_reports_a_broken_chain(ctx, tmp_path):
    env = {
        "SECONDOPINION_DATABASE_URL": ctx.settings.database_url,
        "SECONDOPINION_HOME": str(tmp_path / "h"),
        "PATH": "/usr/bin:/bin",
    }
    cmd = [sys.executable, "-m", "secondopinion.cli", "audit", "verify"]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "OK: 5 events" in ok.stdout
    _drop_guards(ctx)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE pf_audit_events SET actor_id = 'x' WHERE seq = 4"))
    broken = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "BROKEN at event 4" in broken.stderr


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["seq", "id", "é"]), inner),
    max_leaves=8,
)
_text = st.none() | st.text(max_size=12)


@given(
    seq=st.integers(min_value=1, max_value=10**15),
    at=st.datetimes(timezones=st.just(UTC)),
    action=st.text(min_size=1, max_size=12),
    who=_text,
    detail=st.dictionaries(st.text(max_size=6), _json, max_size=4),
)
def test_postgresql_hashes_the_same_text_the_verifier_rebuilds(seq, at, action, who, detail):
    """PostgreSQL numbers and hashes a row itself from the canonical text split around its number:
    the two halves and the number must give back exactly the canonical text, whatever the detail
    holds (even a key named "seq" of its own)."""
    fields = {
        "action": action,
        "outcome": "ok",
        "actor_id": who,
        "actor_role": None,
        "object_type": "request",
        "object_id": who,
        "ip": "127.0.0.1",
        "correlation_id": None,
        "detail": detail,
    }
    head, tail = audit.canonical_around_seq(at, fields)
    assert head + str(seq) + tail == audit.canonical(seq, at, fields)
