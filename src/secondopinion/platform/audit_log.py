"""The administrator's view of the audit trail: pages of events and the chain's verification.
Reading the trail is itself audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from secondopinion.platform.access import require_role
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.views import AuditEventView, AuditPage, AuditVerificationView
from secondopinion.security import audit
from secondopinion.store.platform import AuditEvent


def events(ctx: Platform, actor: Actor, after: int = 0, limit: int = 100) -> AuditPage:
    require_role(ctx, actor, "audit.read", "admin")
    limit = max(1, min(limit, 500))
    with ctx.read() as db:
        rows = db.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(limit + 1)
        ).all()
        more = len(rows) > limit
        views = [
            AuditEventView(
                seq=r.seq,
                at=r.at,
                actor_id=r.actor_id,
                actor_role=r.actor_role,
                action=r.action,
                object_type=r.object_type,
                object_id=r.object_id,
                outcome=r.outcome,
                ip=r.ip,
                correlation_id=r.correlation_id,
                detail=json.loads(r.detail),
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in rows[:limit]
        ]
    ctx.audit(actor, "audit.read", object_type="audit", detail={"after": after, "count": len(views)})
    return AuditPage(events=views, next_after=views[-1].seq if more and views else None)


def verification(ctx: Platform, actor: Actor | None = None) -> AuditVerificationView:
    """Verify the whole chain. `actor` None is the command line (the operator, not a web user)."""
    if actor is not None:
        require_role(ctx, actor, "audit.verify", "admin")
    with ctx.read() as db:
        v = audit.verify(db)
    if actor is not None:
        ctx.audit(actor, "audit.verify", object_type="audit", outcome="ok" if v.ok else "broken")
    return AuditVerificationView(
        ok=v.ok, checked=v.checked, head=v.head, first_bad_seq=v.first_bad_seq, problem=v.problem
    )
