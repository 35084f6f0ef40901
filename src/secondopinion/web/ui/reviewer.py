"""The reviewer's pages: the workspace on an assigned request (case, documents, pre-review
highlights, completeness list, the structured opinion form, signing) and the profile the
coordinator's suggestions rank by."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform import accounts, opinions
from secondopinion.platform import requests as svc
from secondopinion.platform.access import load_request
from secondopinion.platform.views import RequestDetail
from secondopinion.report.html import biomarker_rows, clinician_case_rows, describe_item
from secondopinion.web.ui import forms
from secondopinion.web.ui.common import Viewer, ViewerDep
from secondopinion.web.ui.render import redirect
from secondopinion.web.ui.requests import request_page

router = APIRouter(include_in_schema=False)


def _workspace(
    viewer: Viewer,
    request: Request,
    detail: RequestDetail,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    own = [
        o
        for o in opinions.list_opinions(viewer.platform, viewer.actor, detail.id)
        if o.author_id == viewer.actor.user_id
    ]
    latest = own[-1] if own else None
    case = Case.model_validate(detail.case) if detail.case else None
    questions = case.questions if case else []
    if values is None:
        values = forms.opinion_to_form(latest.content, questions) if latest else {}
    context: dict[str, Any] = {
        "case": case,
        "case_rows": clinician_case_rows(case, viewer.platform.kb) if case else [],
        "biomarkers": biomarker_rows(case, viewer.platform.kb) if case else [],
        "plan": [describe_item(p) for p in case.plan] if case else [],
        "questions": questions,
        "values": values,
        "latest": latest,
        "versions": own,
        "error": error,
        "forms": forms,
    }
    return request_page(viewer, request, "workspace.html", detail, "workspace", status=status, **context)


@router.get("/requests/{request_id}/workspace")
def workspace(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    with viewer.platform.read() as db:  # refused (and audited) unless an assigned reviewer
        load_request(viewer.platform, db, viewer.actor, request_id, "opinion.write")
    detail = svc.get_request(viewer.platform, viewer.actor, request_id)
    return _workspace(viewer, request, detail)


@router.post("/requests/{request_id}/opinion")
async def save_opinion(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    """Save the draft (after signing, this starts an amendment). A form that cannot be saved is
    shown again with what was typed and the one thing to fix."""
    form = await request.form()
    platform, actor = viewer.platform, viewer.actor
    detail = await run_in_threadpool(svc.get_request, platform, actor, request_id)
    case = Case.model_validate(detail.case) if detail.case else None
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        doc = forms.opinion_from_form(
            form,
            len(case.plan) if case else 0,  # type: ignore[arg-type]
            case.questions if case else [],
        )
        await run_in_threadpool(opinions.save_draft, platform, actor, request_id, doc)
    except InputError as exc:
        error = str(exc)
        return await run_in_threadpool(
            lambda: _workspace(viewer, request, detail, values=values, error=error, status=400)
        )
    return redirect(request, f"/requests/{request_id}/workspace?done=saved#sign")


@router.post("/requests/{request_id}/opinion/sign")
def sign_opinion(
    request: Request, request_id: str, viewer: ViewerDep, confirm: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    if confirm != "yes":
        raise InputError("tick the box to confirm that you sign this opinion")
    opinions.sign(viewer.platform, viewer.actor, request_id)
    return redirect(request, f"/requests/{request_id}/workspace?done=signed")


# ------------------------------------------------------------------ profile


@router.get("/reviewer/profile")
def profile(request: Request, viewer: ViewerDep) -> Response:
    me = accounts.my_profile(viewer.platform, viewer.actor)
    return _profile_page(viewer, request, me.model_dump(), "")


def _profile_page(
    viewer: Viewer, request: Request, values: dict[str, Any], error: str, status: int = 200
) -> Response:
    kb = viewer.platform.kb
    cancers = sorted(((c.id, c.name) for c in kb.cancers.values()), key=lambda c: c[1].lower())
    return viewer.page(request, "profile.html", status=status, values=values, cancers=cancers, error=error)


def _lines(text: str) -> list[str]:
    return [x.strip() for x in text.replace(",", "\n").splitlines() if x.strip()]


@router.post("/reviewer/profile")
async def save_profile(request: Request, viewer: ViewerDep) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        "specialties": [str(v) for v in form.getlist("specialties")][:50],
        "subspecialty": str(form.get("subspecialty", ""))[:200],
        "languages": _lines(str(form.get("languages", "")))[:20],
        "licence_jurisdiction": str(form.get("licence_jurisdiction", ""))[:100],
        "location": str(form.get("location", ""))[:200],
        "conflicts_of_interest": [
            x.strip() for x in str(form.get("conflicts_of_interest", "")).splitlines() if x.strip()
        ][:50],
        "accepting": form.get("accepting") == "yes",
    }
    volume = str(form.get("yearly_case_volume", "0")).strip() or "0"
    try:
        if not volume.isdigit() or int(volume) > 100_000:
            raise InputError("give the yearly case volume as a whole number")
        values["yearly_case_volume"] = int(volume)
        await run_in_threadpool(lambda: accounts.update_my_profile(viewer.platform, viewer.actor, **values))
    except InputError as exc:
        values.setdefault("yearly_case_volume", volume)
        return _profile_page(viewer, request, values, str(exc), status=400)
    return redirect(request, "/reviewer/profile?done=profile")
