"""Request pages shared by everyone connected to a request (each sees what the services let them
see): the list, a new request, the overview with the next step, the pre-review, the records,
the opinion with the first-vs-second comparison, and the follow-up (questions and check-ins).
Every change goes through one service call; permissions are the services' to check."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload

from secondopinion.errors import InputError
from secondopinion.platform import accounts, documents, followup, opinions
from secondopinion.platform import requests as svc
from secondopinion.platform.access import require_role
from secondopinion.platform.errors import Conflict, TooLarge
from secondopinion.platform.views import RequestDetail
from secondopinion.review.model import NOTICE
from secondopinion.security import uploads
from secondopinion.web.ui import forms, reports
from secondopinion.web.ui.common import Viewer, ViewerDep, viewer_in_thread
from secondopinion.web.ui.render import fragment, redirect

router = APIRouter(include_in_schema=False)
TEXT_LIMIT = svc.MAX_TEXT


def tabs(detail: RequestDetail, role: str) -> list[tuple[str, str, str]]:
    """The request's sub-pages this actor may open: (key, label, href)."""
    can = set(detail.allowed_actions)
    base = f"/requests/{detail.id}"
    out = [("overview", "Overview", base)]
    if detail.review is not None or detail.intake_note:
        out.append(("pre-review", "Pre-review", f"{base}/pre-review"))
    if "document.read" in can:
        out.append(("records", f"Records ({len(detail.documents)})", f"{base}/records"))
    if "opinion.write" in can:
        out.append(("workspace", "Write the opinion", f"{base}/workspace"))
    if "opinion.read" in can and (detail.delivered_at or role in ("coordinator", "reviewer")):
        out.append(("opinion", "Opinion", f"{base}/opinion"))
    if detail.delivered_at and ({"question.read", "checkin.read"} & can):
        out.append(("follow-up", "Follow-up", f"{base}/follow-up"))
    return out


def request_page(
    viewer: Viewer,
    request: Request,
    template: str,
    detail: RequestDetail,
    tab: str,
    status: int = 200,
    **context: Any,
) -> Response:
    return viewer.page(
        request,
        template,
        status=status,
        r=detail,
        tab=tab,
        tabs=tabs(detail, viewer.actor.role),
        can=set(detail.allowed_actions),
        **context,
    )


# ------------------------------------------------------------------ list and creation


@router.get("/requests")
def list_requests(request: Request, viewer: ViewerDep, state: str | None = None) -> Response:
    items = svc.list_requests(viewer.platform, viewer.actor, state or None)
    return viewer.page(request, "requests.html", items=items, state_filter=state or "")


def _new_form(
    viewer: Viewer,
    request: Request,
    status: int = 200,
    error: str = "",
    source: str = "text",
    values: dict[str, str] | None = None,
) -> Response:
    kb = viewer.platform.kb
    cancers = sorted(((c.id, c.name) for c in kb.cancers.values()), key=lambda c: c[1].lower())
    return viewer.page(
        request,
        "new_request.html",
        status=status,
        error=error,
        source=source,
        values=values or {},
        cancers=cancers,
        forms=forms,
        modalities=[(m, m.replace("_", " ").capitalize()) for m in forms.MODALITIES],
        max_mb=viewer.platform.settings.max_upload_bytes // (1024 * 1024),
    )


@router.get("/requests/new")
def new_request_form(request: Request, viewer: ViewerDep) -> Response:
    require_role(viewer.platform, viewer.actor, "request.create", "patient")
    return _new_form(viewer, request)


async def _read(upload: Any, limit: int) -> tuple[bytes, str | None] | None:
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        return None
    data = await upload.read(limit + 1)
    return (data, upload.filename) if data else None


@router.post("/requests/new")
async def create_request(request: Request, viewer: ViewerDep) -> Response:
    """One form, three ways in: pasted text (with optional attachments), an uploaded report or
    FHIR record, or the structured form. The pre-review is shown at once."""
    form = await request.form()
    platform, actor = viewer.platform, viewer.actor
    chosen = form.get("source")
    source = chosen if isinstance(chosen, str) and chosen in ("text", "file", "form") else "text"
    title = str(form.get("title", ""))[:200]
    limit = platform.settings.max_upload_bytes
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        files = [f for f in [await _read(u, limit) for u in form.getlist("attachments")] if f]
        for data, _ in files:  # refuse a bad attachment before anything is stored
            uploads.check_size(len(data), limit)
            uploads.sniff(data)
        if source == "text":
            text = str(form.get("text", ""))
            if not text.strip():
                raise InputError("describe your situation in the box, or choose another way to start")
            detail = await run_in_threadpool(
                lambda: svc.create_request(platform, actor, title=title, text=text)
            )
        elif source == "form":
            case = forms.case_from_form(form, set(platform.kb.cancers))  # type: ignore[arg-type]
            detail = await run_in_threadpool(
                lambda: svc.create_request(platform, actor, title=title, case=case)
            )
        else:
            main = await _read(form.get("file"), limit)
            if main is None:
                raise InputError("choose a file to upload: a PDF report, a FHIR record or a text file")
            detail = await run_in_threadpool(
                documents.create_from_upload, platform, actor, main[0], main[1], title
            )
        for data, name in files:
            await run_in_threadpool(documents.upload, platform, actor, detail.id, data, name)
    except InputError as exc:  # nothing was stored: the services refuse a case whole
        status = (
            413 if isinstance(exc, TooLarge) else 415 if isinstance(exc, uploads.UnsupportedContent) else 400
        )
        return _new_form(viewer, request, status=status, error=str(exc), source=source, values=values)
    return redirect(request, f"/requests/{detail.id}/pre-review?done=created")


# ------------------------------------------------------------------ one request


@router.get("/requests/{request_id}")
def overview(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    detail = svc.get_request(viewer.platform, viewer.actor, request_id)
    extra: dict[str, Any] = {}
    if viewer.actor.role == "coordinator":
        from secondopinion.web.ui.coordinator import triage_context

        extra = triage_context(viewer, detail)
    return request_page(
        viewer,
        request,
        "request.html",
        detail,
        "overview",
        consent_text=svc.CONSENT_TEXT,
        invitation=None,
        **extra,
    )


@router.get("/requests/{request_id}/pre-review")
async def pre_review(request: Request, request_id: str, audience: str | None = None) -> Response:
    # A frequent page: the session, the read and the rendering in one trip through the thread pool.
    return await run_in_threadpool(_pre_review, request, request_id, audience)


def _pre_review(request: Request, request_id: str, audience: str | None) -> Response:
    viewer = viewer_in_thread(request)
    detail = svc.get_request(viewer.platform, viewer.actor, request_id)
    default = "patient" if viewer.actor.role in ("patient", "caregiver") else "clinician"
    chosen = audience if audience in ("patient", "clinician") else default
    body = reports.pre_review_html(detail.review, viewer.platform.kb, chosen) if detail.review else None  # type: ignore[arg-type]
    return request_page(
        viewer,
        request,
        "pre_review.html",
        detail,
        "pre-review",
        body=body,
        audience=chosen,
        consent_text=svc.CONSENT_TEXT,
        notice_text=NOTICE,
    )


@router.post("/requests/{request_id}/case")
def replace_case(
    request: Request,
    request_id: str,
    viewer: ViewerDep,
    text: Annotated[str, Form(max_length=TEXT_LIMIT)] = "",
) -> Response:
    svc.update_case_text(viewer.platform, viewer.actor, request_id, text)
    return redirect(request, f"/requests/{request_id}/pre-review")


@router.post("/requests/{request_id}/submit")
def submit(
    request: Request, request_id: str, viewer: ViewerDep, consent: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """Consent and sending in one step: the box must be ticked."""
    if consent != "yes":
        raise InputError("tick the box to agree to share your records, then send the request")
    detail = svc.get_request(viewer.platform, viewer.actor, request_id, audit=False)
    if not detail.consent_given:
        svc.give_consent(viewer.platform, viewer.actor, request_id, True)
    svc.submit(viewer.platform, viewer.actor, request_id)
    return redirect(request, f"/requests/{request_id}?done=submitted")


@router.post("/requests/{request_id}/consent")
def consent(
    request: Request, request_id: str, viewer: ViewerDep, granted: Annotated[str, Form(max_length=10)] = "no"
) -> Response:
    svc.give_consent(viewer.platform, viewer.actor, request_id, granted == "yes")
    return redirect(
        request, f"/requests/{request_id}" + ("" if granted == "yes" else "?done=consent_withdrawn")
    )


@router.post("/requests/{request_id}/invite")
def invite(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    """A one-time code for a caregiver; shown once, on this page, never stored in clear."""
    invitation = accounts.invite_caregiver(viewer.platform, viewer.actor, request_id)
    detail = svc.get_request(viewer.platform, viewer.actor, request_id, audit=False)
    link = f"{request.base_url}signup?invitation={invitation.token}"
    return request_page(
        viewer,
        request,
        "request.html",
        detail,
        "overview",
        consent_text=svc.CONSENT_TEXT,
        invitation=invitation,
        invitation_link=link,
    )


# ------------------------------------------------------------------ records


@router.get("/requests/{request_id}/records")
def records(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    detail = svc.get_request(viewer.platform, viewer.actor, request_id)
    return request_page(
        viewer,
        request,
        "records.html",
        detail,
        "records",
        error="",
        open_for_upload=detail.state in documents.UPLOAD_STATES,
        max_mb=viewer.platform.settings.max_upload_bytes // (1024 * 1024),
    )


@router.post("/requests/{request_id}/records")
async def upload(request: Request, request_id: str, viewer: ViewerDep, file: UploadFile) -> Response:
    data = await file.read(viewer.platform.settings.max_upload_bytes + 1)
    if not data:
        raise InputError("choose a file to upload")
    await run_in_threadpool(documents.upload, viewer.platform, viewer.actor, request_id, data, file.filename)
    return redirect(request, f"/requests/{request_id}/records?done=uploaded")


@router.get("/requests/{request_id}/records/{document_id}")
def download(request_id: str, document_id: str, viewer: ViewerDep) -> Response:
    view, data = documents.read_document(viewer.platform, viewer.actor, request_id, document_id)
    return Response(
        data,
        media_type=view.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{view.filename}"',
            "Cache-Control": "no-store",
        },
    )


# ------------------------------------------------------------------ opinion and comparison


@router.get("/requests/{request_id}/opinion")
def opinion(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    platform, actor = viewer.platform, viewer.actor
    detail = svc.get_request(platform, actor, request_id)
    visible = opinions.list_opinions(platform, actor, request_id)
    signed = [o for o in visible if o.status == "signed"]
    latest = {o.assignment_id: o for o in signed}  # versions come oldest first: the newest wins
    comparisons = []
    if latest and "comparison.read" in detail.allowed_actions:
        for i, c in enumerate(opinions.comparisons(platform, actor, request_id).comparisons):
            comparisons.append((c, reports.comparison_html(c.comparison, i, c.kind)))
    by_opinion = {c.opinion_id: html for c, html in comparisons}
    questions = (detail.case or {}).get("questions", [])
    return request_page(
        viewer,
        request,
        "opinion.html",
        detail,
        "opinion",
        latest=list(latest.values()),
        by_opinion=by_opinion,
        older=[o for o in signed if o not in latest.values()],
        drafts=[o for o in visible if o.status == "draft"],
        questions=questions,
    )


@router.post("/requests/{request_id}/dispute")
def dispute(
    request: Request, request_id: str, viewer: ViewerDep, reason: Annotated[str, Form(max_length=5000)] = ""
) -> Response:
    svc.dispute(viewer.platform, viewer.actor, request_id, reason)
    return redirect(request, f"/requests/{request_id}/opinion?done=disputed")


# ------------------------------------------------------------------ follow-up


def _follow_up_context(viewer: Viewer, detail: RequestDetail) -> dict[str, Any]:
    can = set(detail.allowed_actions)
    platform, actor = viewer.platform, viewer.actor
    return {
        "questions": followup.questions(platform, actor, detail.id) if "question.read" in can else [],
        "check_ins": followup.check_ins(platform, actor, detail.id) if "checkin.read" in can else [],
    }


@router.get("/requests/{request_id}/follow-up")
def follow_up(request: Request, request_id: str, viewer: ViewerDep) -> Response:
    detail = svc.get_request(viewer.platform, viewer.actor, request_id)
    return request_page(
        viewer, request, "follow_up.html", detail, "follow-up", error="", **_follow_up_context(viewer, detail)
    )


@router.post("/requests/{request_id}/questions")
def ask(
    request: Request, request_id: str, viewer: ViewerDep, text: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    """Ask a follow-up question. With htmx, the questions section is replaced in place."""
    error = ""
    try:
        followup.ask(viewer.platform, viewer.actor, request_id, text)
    except (InputError, Conflict) as exc:
        if request.headers.get("HX-Request") != "true":
            raise
        error = str(exc)
    if request.headers.get("HX-Request") == "true":
        detail = svc.get_request(viewer.platform, viewer.actor, request_id, audit=False)
        return fragment(
            "_questions.html",
            r=detail,
            can=set(detail.allowed_actions),
            csrf_token=viewer.state.csrf_token,
            questions_left=detail.questions_left,
            questions=followup.questions(viewer.platform, viewer.actor, request_id),
            error=error,
            done="" if error else "asked",
        )
    return redirect(request, f"/requests/{request_id}/follow-up?done=asked")


@router.post("/requests/{request_id}/questions/{question_id}/answer")
def answer(
    request: Request,
    request_id: str,
    question_id: str,
    viewer: ViewerDep,
    text: Annotated[str, Form(max_length=10000)] = "",
) -> Response:
    followup.answer(viewer.platform, viewer.actor, request_id, question_id, text)
    return redirect(request, f"/requests/{request_id}/follow-up?done=answered")


@router.post("/requests/{request_id}/check-ins/{check_in_id}")
def check_in(
    request: Request,
    request_id: str,
    check_in_id: str,
    viewer: ViewerDep,
    followed: Annotated[str, Form(max_length=10)] = "",
    wellbeing: Annotated[str, Form(max_length=2)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    if not wellbeing.isdigit():
        raise InputError("choose how you are, from 1 (very poorly) to 5 (very well)")
    if followed not in ("yes", "partly", "no"):
        raise InputError("say whether you followed the opinion: yes, partly or no")
    answer = cast(Literal["yes", "partly", "no"], followed)
    followup.answer_check_in(
        viewer.platform, viewer.actor, request_id, check_in_id, answer, int(wellbeing), note
    )
    return redirect(request, f"/requests/{request_id}/follow-up?done=answered")
