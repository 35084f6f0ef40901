"""The append-only, hash-chained audit trail.

Every row stores `hash = SHA-256(prev_hash + canonical JSON of its own content)`, where
`prev_hash` is the previous row's hash (64 zeros for the first). Changing, deleting or reordering
any row breaks the chain from that row on, which `verify` (and `secondopinion audit verify`)
reports. The database refuses UPDATE and DELETE on the table too (triggers, see the migration).
Truncating the newest rows cannot be seen from the chain alone: publish the head hash printed by
the verifier somewhere else from time to time to anchor it.

Details hold ids and codes only, never patient data.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from secondopinion.store.db import psycopg_autocommit
from secondopinion.store.platform import AuditEvent

GENESIS = "0" * 64
_LOCK = threading.Lock()
_PG_LOCK_ID = 0x5EC0_0A0D
_PROBE_SEQ = 918_273_645_546_372_819


@dataclass(frozen=True)
class Entry:
    """What happened, by whom, to what: the content that is hashed."""

    action: str
    outcome: str = "ok"
    actor_id: str | None = None
    actor_role: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    ip: str | None = None
    correlation_id: str | None = None
    detail: dict[str, Any] | None = None


def canonical(seq: int, at: datetime, entry_fields: dict[str, Any]) -> str:
    body = {"seq": seq, "at": at.isoformat(timespec="microseconds"), **entry_fields}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _fields(row: AuditEvent) -> dict[str, Any]:
    return {
        "action": row.action,
        "outcome": row.outcome,
        "actor_id": row.actor_id,
        "actor_role": row.actor_role,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "ip": row.ip,
        "correlation_id": row.correlation_id,
        "detail": json.loads(row.detail),
    }


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def canonical_around_seq(at: datetime, entry_fields: dict[str, Any]) -> tuple[str, str]:
    """`canonical()` split around the sequence number, for a database that numbers the row itself:
    canonical(seq, at, fields) == head + str(seq) + tail. "seq" sorts after every other key, so its
    value is the last occurrence of the probe (a nested detail key cannot come after it)."""
    probe = canonical(_PROBE_SEQ, at, entry_fields)
    head, found, tail = probe.rpartition(f'"seq":{_PROBE_SEQ}')
    if not found:
        raise AssertionError("the canonical form no longer ends with the sequence number")
    return head + '"seq":', tail


@dataclass(frozen=True)
class Appended:
    """Where an event landed in the chain."""

    seq: int
    prev_hash: str
    hash: str


def append(
    factory: sessionmaker[Session], entry: Entry, at: datetime, *, engine: Engine | None = None
) -> Appended:
    """Add one event at the end of the chain, in its own transaction, so that a refused action
    (whose own transaction rolls back) is still recorded. Appends are serialised: on PostgreSQL by
    an advisory lock shared by every process, elsewhere by a process lock. `engine` (the factory's)
    saves opening a session only to find out which database this is."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit trail")
    at = at.astimezone(UTC)  # the text hashed now is the text `verify` rebuilds from the stored row
    detail = json.dumps(entry.detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    fields = {
        "action": entry.action,
        "outcome": entry.outcome,
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "ip": entry.ip,
        "correlation_id": entry.correlation_id,
    }
    bind: Engine | Connection
    if engine is None:
        with factory() as session:
            bind = session.get_bind()
    else:
        bind = engine
    if bind.dialect.name == "postgresql" and bind.dialect.driver == "psycopg" and isinstance(bind, Engine):
        # the same canonical text `verify` rebuilds from the stored row (detail as stored, re-read)
        head, tail = canonical_around_seq(at, {**fields, "detail": json.loads(detail)})
        return Appended(*_append_postgres(bind, {**fields, "at": at, "detail": detail}, head, tail))
    row = AuditEvent(at=at, **fields, detail=detail)
    with _LOCK, factory() as session, session.begin():
        if bind.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        row.seq, row.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        row.hash = chain_hash(row.prev_hash, canonical(row.seq, at, _fields(row)))
        session.add(row)
    return Appended(row.seq, row.prev_hash, row.hash)


# The whole append in one statement after the lock: number and link the row to the newest one and
# hash it in the database (the same SHA-256 of prev_hash + canonical JSON that `verify` recomputes).
# The INSERT is a statement of its own, so under READ COMMITTED it sees every row committed before
# the lock was granted.
_PG_INSERT = """
WITH last AS (SELECT seq, hash FROM pf_audit_events ORDER BY seq DESC LIMIT 1),
     next AS (SELECT COALESCE((SELECT seq FROM last), 0) + 1 AS seq,
                     COALESCE((SELECT hash FROM last), %(genesis)s) AS prev)
INSERT INTO pf_audit_events (seq, at, actor_id, actor_role, action, object_type, object_id, outcome,
                             ip, correlation_id, detail, prev_hash, hash)
SELECT next.seq, %(at)s, %(actor_id)s, %(actor_role)s, %(action)s, %(object_type)s, %(object_id)s,
       %(outcome)s, %(ip)s, %(correlation_id)s, %(detail)s, next.prev,
       encode(sha256(convert_to(next.prev || %(head)s || next.seq::text || %(tail)s, 'UTF8')), 'hex')
FROM next
RETURNING seq, prev_hash, hash
"""


def _append_postgres(engine: Engine, row: dict[str, Any], head: str, tail: str) -> tuple[int, str, str]:
    """BEGIN, the advisory lock, the INSERT and COMMIT go to the server in one pipeline: one round
    trip per append, and the lock is held only while the server runs the INSERT (it is taken for
    every read of a case, so its hold time bounds the platform's read rate)."""
    params = {**row, "genesis": GENESIS, "head": head, "tail": tail}
    # autocommit: BEGIN and COMMIT are sent explicitly, in the same pipeline
    with psycopg_autocommit(engine, "audit append") as pg:
        with pg.pipeline():
            pg.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_LOCK_ID,))
            inserted = pg.execute(_PG_INSERT, params)
            pg.execute("COMMIT")
        written = inserted.fetchone()
    if written is None:  # INSERT ... SELECT from a one-row CTE always writes one row
        raise AssertionError("the audit append wrote no row")
    seq, prev, digest = written
    return int(seq), str(prev), str(digest)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head: str
    first_bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, batch: int = 5000) -> Verification:
    """Walk the whole chain in order and recompute every hash."""
    prev, expected_seq, checked = GENESIS, 1, 0
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return Verification(False, checked, prev, expected_seq, f"event {expected_seq} is missing")
            if row.prev_hash != prev:
                return Verification(False, checked, prev, row.seq, "the link to the previous event is broken")
            try:
                fields = _fields(row)
            except ValueError:
                return Verification(False, checked, prev, row.seq, "the event's detail is not valid JSON")
            if chain_hash(prev, canonical(row.seq, row.at, fields)) != row.hash:
                return Verification(False, checked, prev, row.seq, "the event's content was changed")
            prev, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
        after = rows[-1].seq
    return Verification(True, checked, prev)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)
