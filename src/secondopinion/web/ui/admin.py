"""The administrator's audit-trail viewer: the events a page at a time, and the chain's
verification. Administrators see ids, never case data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondopinion.platform import audit_log
from secondopinion.web.ui.common import ViewerDep

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/admin/audit")
def audit(request: Request, viewer: ViewerDep, after: int = 0, verify: bool = False) -> Response:
    after = max(0, min(after, 2**62))
    events = audit_log.events(viewer.platform, viewer.actor, after=after, limit=PAGE)
    check = audit_log.verification(viewer.platform, viewer.actor) if verify else None
    return viewer.page(
        request,
        "audit.html",
        events=events.events,
        next_after=events.next_after,
        after=after,
        check=check,
        first=after == 0,
    )
