"""Server-side sessions: the browser holds only a random token in a `__Host-` cookie; the server
keeps the SHA-256 of it, the user, the CSRF token and the time of last use.

A session is replaced by a new one at login (no fixation), deleted at logout, and dies after
30 minutes without use. Anonymous sessions exist too, so that the login form itself carries a
CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from secondopinion.store.platform import WebSession

COOKIE = "__Host-so_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOUCH_EVERY = timedelta(seconds=60)


def cookie_attributes(max_age: int | None = None) -> dict[str, object]:
    """`__Host-` demands Secure, Path=/ and no Domain: the cookie is bound to this exact host."""
    attrs: dict[str, object] = {"secure": True, "httponly": True, "samesite": "lax", "path": "/"}
    if max_age is not None:
        attrs["max_age"] = max_age
    return attrs


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    db: Session, now: datetime, user_id: str | None = None, mfa_pending: bool = False
) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    row = WebSession(
        id=token_id(token),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        mfa_pending=mfa_pending,
        created_at=now,
        last_seen_at=now,
    )
    db.add(row)
    return token, row


def load(db: Session, token: str | None, now: datetime, idle: timedelta) -> WebSession | None:
    """The live session for a cookie token, or None. An idle session is deleted on sight; a live
    one has its last use refreshed (at most once a minute, to keep reads cheap)."""
    if not token or len(token) > 100:
        return None
    row = db.get(WebSession, token_id(token))
    if row is None:
        return None
    if now - row.last_seen_at > idle:
        db.delete(row)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return row


def rotate(
    db: Session, old: WebSession | None, now: datetime, user_id: str, mfa_pending: bool
) -> tuple[str, WebSession]:
    """A new session id and CSRF token for a change of privilege (login, second factor)."""
    if old is not None:
        db.delete(old)
        db.flush()
    return create(db, now, user_id=user_id, mfa_pending=mfa_pending)


def destroy_all_for(db: Session, user_id: str) -> None:
    db.execute(delete(WebSession).where(WebSession.user_id == user_id))


def purge_idle(db: Session, now: datetime, idle: timedelta) -> int:
    result = db.execute(delete(WebSession).where(WebSession.last_seen_at < now - idle))
    return int(getattr(result, "rowcount", 0) or 0)


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
