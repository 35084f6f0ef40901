"""The coordinator's pages: the dashboard (requests by state and due date, overdue flagged,
requests missing records) and the steps on one request (ask for records, records complete,
assign from ranked suggestions, deliver, blinded third opinion)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from secondopinion.errors import InputError
from secondopinion.platform import assignment, opinions, workflow
from secondopinion.platform import requests as svc
from secondopinion.platform.views import RequestDetail, RequestSummary
from secondopinion.web.ui.common import Viewer, ViewerDep
from secondopinion.web.ui.render import redirect

router = APIRouter(include_in_schema=False)
ASSIGNABLE = frozenset({"records_complete", "assigned", "in_review"})
FAR = datetime.max.replace(tzinfo=UTC)


def by_due_date(items: list[RequestSummary]) -> list[RequestSummary]:
    """Overdue first, then the soonest due, then those without a clock, newest first."""
    return sorted(items, key=lambda r: (not r.overdue, r.due_at or FAR, -(r.created_at.timestamp())))


@router.get("/dashboard")
def dashboard(request: Request, viewer: ViewerDep, state: str | None = None) -> Response:
    board = svc.dashboard(viewer.platform, viewer.actor)
    items = by_due_date(svc.list_requests(viewer.platform, viewer.actor, state or None))
    return viewer.page(
        request, "dashboard.html", board=board, items=items, state_filter=state or "", states=workflow.STATES
    )


def triage_context(viewer: Viewer, detail: RequestDetail) -> dict[str, Any]:
    """What the coordinator's panel on a request needs: suggestions while reviewers can be
    assigned, and whether a third opinion can be asked for."""
    platform, actor = viewer.platform, viewer.actor
    suggestions = []
    if detail.state in ASSIGNABLE or detail.state in ("delivered", "follow_up"):
        suggestions = assignment.suggestions(platform, actor, detail.id, limit=10)
    disagreement = detail.disputed
    if detail.state in ("delivered", "follow_up") and not disagreement:
        signed = opinions.list_opinions(platform, actor, detail.id)
        disagreement = any(
            o.content.get("opinion", {}).get("diagnosis", {}).get("verdict") == "different" for o in signed
        )
    third_requested = any(a.kind == "third_opinion" for a in detail.assignments)
    return {
        "suggestions": suggestions,
        "assignable": detail.state in ASSIGNABLE,
        "can_third": detail.state in ("delivered", "follow_up") and disagreement and not third_requested,
    }


@router.post("/requests/{request_id}/records-pending")
def records_pending(
    request: Request, request_id: str, viewer: ViewerDep, missing: Annotated[str, Form(max_length=10000)] = ""
) -> Response:
    svc.mark_records_pending(viewer.platform, viewer.actor, request_id, missing.splitlines())
    return redirect(request, f"/requests/{request_id}?done=records_pending")


@router.post("/requests/{request_id}/records-complete")
def records_complete(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    svc.mark_records_complete(viewer.platform, viewer.actor, request_id)
    return redirect(request, f"/requests/{request_id}?done=records_complete")


@router.post("/requests/{request_id}/assign")
async def assign(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    """One reviewer, or several ticked for a multidisciplinary review (with a lead)."""
    form = await request.form()
    ids = [str(v) for v in form.getlist("reviewer_ids") if isinstance(v, str)][: assignment.MAX_TEAM + 1]
    lead = form.get("lead_id")
    lead_id = lead if isinstance(lead, str) and lead in ids else None
    if not ids:
        raise InputError("tick at least one reviewer to assign")
    from starlette.concurrency import run_in_threadpool

    await run_in_threadpool(assignment.assign, viewer.platform, viewer.actor, request_id, ids, lead_id)
    return redirect(request, f"/requests/{request_id}?done=assigned")


@router.post("/requests/{request_id}/deliver")
def deliver(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    svc.deliver(viewer.platform, viewer.actor, request_id)
    return redirect(request, f"/requests/{request_id}?done=delivered")


@router.post("/requests/{request_id}/third-opinion")
def third_opinion(
    request: Request,
    request_id: str,
    viewer: ViewerDep,
    reviewer_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not reviewer_id:
        raise InputError("choose the reviewer for the third opinion")
    assignment.request_third_opinion(viewer.platform, viewer.actor, request_id, reviewer_id)
    return redirect(request, f"/requests/{request_id}?done=third_opinion")
