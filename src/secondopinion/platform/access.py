"""Permission checks shared by the services: every refusal is audited before it is raised."""

from __future__ import annotations

from sqlalchemy import String, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Forbidden, NotFound
from secondopinion.security.permissions import POLICY, Relation, RequestParties, allowed, relation
from secondopinion.store.platform_requests import Assignment, CaregiverLink, Request


def require_role(ctx: Platform, actor: Actor, action: str, *roles: str) -> None:
    """Route-level check: the actor's role must be one of `roles`."""
    if actor.role not in roles:
        ctx.audit(actor, "access.denied", outcome="denied", detail={"action": action, "reason": "role"})
        raise Forbidden("your account cannot do this")


# Statements run on every request read, composed once (composing one costs more than running it).
_REQUEST_ID = bindparam("request_id", type_=String())
_PARTIES = union_all(
    select(literal("caregiver"), CaregiverLink.caregiver_id, literal(False)).where(
        CaregiverLink.request_id == _REQUEST_ID
    ),
    select(literal("reviewer"), Assignment.reviewer_id, Assignment.blinded).where(
        Assignment.request_id == _REQUEST_ID
    ),
)
_BY_ID = select(Request).where(Request.id == _REQUEST_ID)
_BY_ID_FOR_UPDATE = _BY_ID.with_for_update()


def parties(db: Session, req: Request) -> RequestParties:
    """Everyone connected to the request, in one round trip."""
    rows = db.execute(_PARTIES, {"request_id": req.id}).all()
    return RequestParties(
        patient_id=req.patient_id,
        caregiver_ids=frozenset(u for kind, u, _ in rows if kind == "caregiver"),
        reviewer_ids=frozenset(u for kind, u, blinded in rows if kind == "reviewer" and not blinded),
        blinded_reviewer_ids=frozenset(u for kind, u, blinded in rows if kind == "reviewer" and blinded),
    )


def find_request(ctx: Platform, db: Session, request_id: str, *, for_update: bool = False) -> Request | None:
    """The request row, or None (also for ids too long to be ours, without asking the database)."""
    if len(request_id) > 64:
        return None
    stmt = _BY_ID_FOR_UPDATE if for_update and not ctx.sqlite else _BY_ID
    return db.scalars(stmt, {"request_id": request_id}).first()


def check(
    ctx: Platform,
    actor: Actor,
    request_id: str,
    action: str,
    req: Request | None,
    who: RequestParties | None,
) -> Relation:
    """The actor's relation to the request if they may do `action` with it. Not connected at all:
    404, exactly as for an id that does not exist. Connected but not allowed: 403."""
    if action not in POLICY:
        raise AssertionError(f"unknown action {action}")
    rel: Relation = "none" if req is None or who is None else relation(actor.user_id, actor.role, who)
    if req is None or rel == "none":
        ctx.audit(
            actor,
            "access.denied",
            outcome="not_found",
            object_type="request",
            object_id=request_id[:64],
            detail={"action": action},
        )
        raise NotFound("no such request")
    if not allowed(action, rel):
        ctx.audit(
            actor,
            "access.denied",
            outcome="denied",
            object_type="request",
            object_id=request_id,
            detail={"action": action, "relation": rel},
        )
        raise Forbidden("you cannot do this with this request")
    return rel


def load_request(
    ctx: Platform, db: Session, actor: Actor, request_id: str, action: str, *, for_update: bool = False
) -> tuple[Request, Relation]:
    """The request if the actor may do `action` with it (see `check`)."""
    if action not in POLICY:
        raise AssertionError(f"unknown action {action}")
    req = find_request(ctx, db, request_id, for_update=for_update)
    rel = check(ctx, actor, request_id, action, req, parties(db, req) if req is not None else None)
    assert req is not None  # check() raised otherwise
    return req, rel


def allowed_actions(rel: Relation) -> list[str]:
    return sorted(a for a in POLICY if allowed(a, rel))
