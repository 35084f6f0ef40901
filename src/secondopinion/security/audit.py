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
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from secondopinion.store.platform import AuditEvent

GENESIS = "0" * 64
_LOCK = threading.Lock()
_PG_LOCK_ID = 0x5EC0_0A0D


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


def append(factory: sessionmaker[Session], entry: Entry, at: datetime) -> AuditEvent:
    """Add one event at the end of the chain, in its own transaction, so that a refused action
    (whose own transaction rolls back) is still recorded. Appends are serialised: a process lock,
    and on PostgreSQL an advisory lock shared by every process."""
    detail = json.dumps(entry.detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    with _LOCK, factory() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        row = AuditEvent(
            seq=seq,
            at=at,
            action=entry.action,
            outcome=entry.outcome,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            object_type=entry.object_type,
            object_id=entry.object_id,
            ip=entry.ip,
            correlation_id=entry.correlation_id,
            detail=detail,
            prev_hash=prev,
            hash="",
        )
        row.hash = chain_hash(prev, canonical(seq, at, _fields(row)))
        session.add(row)
    return row


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
