"""Requests and everything on them: case, consent, documents, workflow steps, opinions,
comparison, follow-up questions and check-ins. Permissions are checked by the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from secondopinion.platform import assignment, documents, followup, opinions
from secondopinion.platform import requests as svc
from secondopinion.platform.views import (
    CheckInView,
    ComparisonsView,
    DashboardView,
    DocumentView,
    InvitationView,
    OpinionView,
    QuestionView,
    RequestDetail,
    RequestSummary,
    SuggestionView,
)
from secondopinion.platform.workflow import State
from secondopinion.web.api.replies import json_response
from secondopinion.web.api.schemas import (
    AssignIn,
    CaseTextIn,
    CheckInAnswerIn,
    ConsentIn,
    CreateRequestIn,
    DisputeIn,
    RecordsPendingIn,
    TextIn,
    ThirdOpinionIn,
)
from secondopinion.web.deps import ActorDep, PlatformDep, actor_in_thread, get_platform
from secondopinion.web.errors import errors

COMMON = errors(400, 401, 403, 404, 409)
router = APIRouter(tags=["requests"], responses=COMMON)


@router.get("/requests", response_model=list[RequestSummary])
def list_requests(platform: PlatformDep, actor: ActorDep, state: State | None = None) -> list[RequestSummary]:
    """Requests you may see: your own (patient), invited ones (caregiver), assigned ones
    (reviewer), or all (coordinator)."""
    return svc.list_requests(platform, actor, state)


@router.post("/requests", response_model=RequestDetail, status_code=201)
def create_request(body: CreateRequestIn, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """A draft request from pasted text, a structured case or a FHIR bundle, with the automated
    pre-review (triage, plan review, completeness, questions) in the reply."""
    return svc.create_request(
        platform, actor, title=body.title, text=body.text, case=body.case, fhir=body.fhir
    )


@router.post("/requests/upload", response_model=RequestDetail, status_code=201, responses=errors(413, 415))
async def create_request_from_upload(
    platform: PlatformDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="a PDF report, FHIR JSON or text file")],
    title: Annotated[str, Form(max_length=200)] = "",
) -> RequestDetail:
    """A draft request whose case is read from an uploaded report. If the report cannot be read,
    the draft keeps the document and `intake_note` says why."""
    data = await file.read(platform.settings.max_upload_bytes + 1)
    return await run_in_threadpool(documents.create_from_upload, platform, actor, data, file.filename, title)


@router.get("/requests/{request_id}", response_model=RequestDetail)
async def get_request(request_id: str, request: Request) -> Response:
    # The platform's most frequent call, in one trip through the thread pool (session, read, audit
    # entry) instead of three, and sent as the service built and validated it (FastAPI would
    # validate the view again). The session is required as for every route with ActorDep.
    return await run_in_threadpool(_read_request, request, request_id)


def _read_request(request: Request, request_id: str) -> Response:
    return json_response(svc.get_request(get_platform(request), actor_in_thread(request), request_id))


@router.put("/requests/{request_id}/case", response_model=RequestDetail)
def update_case(request_id: str, body: CaseTextIn, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """Replace a draft's case with new text and redo the pre-review."""
    return svc.update_case_text(platform, actor, request_id, body.text)


@router.post("/requests/{request_id}/consent", response_model=RequestDetail)
def consent(request_id: str, body: ConsentIn, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """Consent to share the records with the reviewers (or withdraw it before assignment)."""
    return svc.give_consent(platform, actor, request_id, body.granted)


@router.post("/requests/{request_id}/submit", response_model=RequestDetail)
def submit(request_id: str, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    return svc.submit(platform, actor, request_id)


@router.post("/requests/{request_id}/invitations", response_model=InvitationView, status_code=201)
def invite(request_id: str, platform: PlatformDep, actor: ActorDep) -> InvitationView:
    """A one-time token for a caregiver to follow this request."""
    from secondopinion.platform import accounts

    return accounts.invite_caregiver(platform, actor, request_id)


@router.post("/requests/{request_id}/dispute", response_model=RequestDetail)
def dispute(request_id: str, body: DisputeIn, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """The patient disagrees with the delivered opinion."""
    return svc.dispute(platform, actor, request_id, body.reason)


@router.get("/requests/{request_id}/documents", response_model=list[DocumentView])
def list_documents(request_id: str, platform: PlatformDep, actor: ActorDep) -> list[DocumentView]:
    return documents.list_documents(platform, actor, request_id)


@router.post(
    "/requests/{request_id}/documents",
    response_model=DocumentView,
    status_code=201,
    responses=errors(413, 415),
)
async def upload_document(
    request_id: str,
    platform: PlatformDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="PDF, JPEG, PNG, DICOM, FHIR JSON or plain text")],
    use_as_case: Annotated[bool, Form()] = False,
) -> DocumentView:
    """Add a record. The type is judged from the content; the name is sanitised; the file is stored
    encrypted. With use_as_case, a draft's case and pre-review are read from it."""
    data = await file.read(platform.settings.max_upload_bytes + 1)
    return await run_in_threadpool(
        documents.upload, platform, actor, request_id, data, file.filename, use_as_case=use_as_case
    )


@router.get(
    "/requests/{request_id}/documents/{document_id}",
    response_class=Response,
    responses={
        200: {
            "description": "The document's bytes, as uploaded",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(500),
    },
)
def download_document(request_id: str, document_id: str, platform: PlatformDep, actor: ActorDep) -> Response:
    """The document (checked against its recorded SHA-256), as an attachment."""
    view, data = documents.read_document(platform, actor, request_id, document_id)
    return Response(
        data,
        media_type=view.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{view.filename}"',
            "X-Content-SHA256": view.sha256,
        },
    )


@router.post("/requests/{request_id}/records-pending", response_model=RequestDetail)
def records_pending(
    request_id: str, body: RecordsPendingIn, platform: PlatformDep, actor: ActorDep
) -> RequestDetail:
    """Coordinator: ask for the records still missing."""
    return svc.mark_records_pending(platform, actor, request_id, body.missing)


@router.post("/requests/{request_id}/records-complete", response_model=RequestDetail)
def records_complete(request_id: str, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """Coordinator: records complete; starts the 5-business-day turnaround clock."""
    return svc.mark_records_complete(platform, actor, request_id)


@router.get("/requests/{request_id}/suggestions", response_model=list[SuggestionView])
def suggestions(
    request_id: str, platform: PlatformDep, actor: ActorDep, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[SuggestionView]:
    """Coordinator: reviewers ranked for this case (rare cancers: high-volume subspecialists first)."""
    return assignment.suggestions(platform, actor, request_id, limit)


@router.post("/requests/{request_id}/assignments", response_model=RequestDetail)
def assign(request_id: str, body: AssignIn, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """Coordinator: assign one reviewer, or several for a multidisciplinary review."""
    return assignment.assign(platform, actor, request_id, body.reviewer_ids, body.lead_id)


@router.post("/requests/{request_id}/third-opinion", response_model=RequestDetail)
def third_opinion(
    request_id: str, body: ThirdOpinionIn, platform: PlatformDep, actor: ActorDep
) -> RequestDetail:
    """Coordinator: on disagreement, a blinded third opinion."""
    return assignment.request_third_opinion(platform, actor, request_id, body.reviewer_id)


@router.post("/requests/{request_id}/deliver", response_model=RequestDetail)
def deliver(request_id: str, platform: PlatformDep, actor: ActorDep) -> RequestDetail:
    """Coordinator: release the signed opinion to the patient; schedules the check-ins."""
    return svc.deliver(platform, actor, request_id)


@router.get("/requests/{request_id}/opinions", response_model=list[OpinionView])
def list_opinions(request_id: str, platform: PlatformDep, actor: ActorDep) -> list[OpinionView]:
    return opinions.list_opinions(platform, actor, request_id)


@router.put("/requests/{request_id}/opinion", response_model=OpinionView)
def save_opinion(
    request_id: str, body: opinions.OpinionDocument, platform: PlatformDep, actor: ActorDep
) -> OpinionView:
    """Reviewer: save your draft (after signing, this starts an amendment: a new version)."""
    return opinions.save_draft(platform, actor, request_id, body)


@router.post("/requests/{request_id}/opinion/sign", response_model=OpinionView)
def sign_opinion(request_id: str, platform: PlatformDep, actor: ActorDep) -> OpinionView:
    """Reviewer: sign your draft; it can never change afterwards."""
    return opinions.sign(platform, actor, request_id)


@router.get("/requests/{request_id}/comparison", response_model=ComparisonsView)
def comparison(request_id: str, platform: PlatformDep, actor: ActorDep) -> ComparisonsView:
    """First opinion versus the second (and a third, if any), element by element."""
    return opinions.comparisons(platform, actor, request_id)


@router.get("/requests/{request_id}/questions", response_model=list[QuestionView])
def list_questions(request_id: str, platform: PlatformDep, actor: ActorDep) -> list[QuestionView]:
    return followup.questions(platform, actor, request_id)


@router.post("/requests/{request_id}/questions", response_model=QuestionView, status_code=201)
def ask(request_id: str, body: TextIn, platform: PlatformDep, actor: ActorDep) -> QuestionView:
    """Patient or caregiver: a follow-up question (at most 3 per request)."""
    return followup.ask(platform, actor, request_id, body.text)


@router.post("/requests/{request_id}/questions/{question_id}/answer", response_model=QuestionView)
def answer(
    request_id: str, question_id: str, body: TextIn, platform: PlatformDep, actor: ActorDep
) -> QuestionView:
    return followup.answer(platform, actor, request_id, question_id, body.text)


@router.get("/requests/{request_id}/check-ins", response_model=list[CheckInView])
def list_check_ins(request_id: str, platform: PlatformDep, actor: ActorDep) -> list[CheckInView]:
    return followup.check_ins(platform, actor, request_id)


@router.post("/requests/{request_id}/check-ins/{check_in_id}", response_model=CheckInView)
def answer_check_in(
    request_id: str, check_in_id: str, body: CheckInAnswerIn, platform: PlatformDep, actor: ActorDep
) -> CheckInView:
    """Patient or caregiver: did you follow the opinion, and how are you?"""
    return followup.answer_check_in(
        platform, actor, request_id, check_in_id, body.followed, body.wellbeing, body.note
    )


@router.get("/dashboard", response_model=DashboardView)
def dashboard(platform: PlatformDep, actor: ActorDep) -> DashboardView:
    """Coordinator: requests by state, overdue, missing records, due within a day."""
    return svc.dashboard(platform, actor)
