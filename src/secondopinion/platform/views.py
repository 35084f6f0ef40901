"""What the services return: read-only pydantic views, shared by the JSON API and the pages.

They carry ids, states and content the actor is allowed to see, nothing more; fields the actor
may not see are left out by the service that builds the view, not hidden by the template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class UserView(View):
    id: str
    email: str
    display_name: str
    role: Literal["patient", "caregiver", "reviewer", "coordinator", "admin"]
    totp_enabled: bool = False
    active: bool = True


class SessionView(View):
    authenticated: bool = Field(description="logged in, with the second factor where one is required")
    user: UserView | None = None
    mfa_required: bool = Field(False, description="password accepted; a TOTP code is needed next")
    mfa_enrolled: bool = Field(False, description="the account already has an authenticator set up")
    csrf_token: str = Field(description="send back in the X-CSRF-Token header (or csrf_token form field)")


class TotpSetupView(View):
    secret: str = Field(description="base32 secret to type into an authenticator app")
    otpauth_uri: str


class InvitationView(View):
    request_id: str
    token: str = Field(description="give this to the caregiver; shown once")
    expires_at: datetime


class ReviewerProfileView(View):
    user_id: str
    display_name: str
    specialties: list[str] = Field(description="knowledge-base cancer ids")
    subspecialty: str = ""
    yearly_case_volume: int = 0
    languages: list[str] = Field(default_factory=list)
    licence_jurisdiction: str = ""
    location: str = ""
    conflicts_of_interest: list[str] = Field(default_factory=list)
    accepting: bool = True


class DocumentView(View):
    id: str
    filename: str
    kind: str = Field(description="pdf, jpeg, png, dicom, fhir_json or text (sniffed from the content)")
    media_type: str
    size: int
    sha256: str
    created_at: datetime
    uploaded_by: str


class ConsentView(View):
    scope: str
    granted: bool
    text_version: str
    at: datetime
    user_id: str


class AssignmentView(View):
    id: str
    reviewer_id: str
    reviewer_name: str
    kind: Literal["second_opinion", "third_opinion"]
    lead: bool
    blinded: bool
    status: str
    assigned_at: datetime


class StateChangeView(View):
    from_state: str | None
    to_state: str
    at: datetime


class RequestSummary(View):
    id: str
    title: str
    state: str
    cancer_type: str | None = None
    cancer_name: str | None = None
    rare: bool = False
    created_at: datetime
    submitted_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    missing_records: list[str] = Field(default_factory=list)
    disputed: bool = False


class RequestDetail(RequestSummary):
    source_kind: str
    case: dict[str, Any] | None = Field(None, description="the case as read by the intake (Case model)")
    review: dict[str, Any] | None = Field(None, description="the automated pre-review (Review contract)")
    intake_note: str | None = Field(None, description="why the case could not be read yet, if it could not")
    documents: list[DocumentView] = Field(default_factory=list)
    consents: list[ConsentView] = Field(default_factory=list)
    consent_given: bool = False
    assignments: list[AssignmentView] = Field(default_factory=list)
    timeline: list[StateChangeView] = Field(default_factory=list)
    delivered_at: datetime | None = None
    questions_left: int = 0
    allowed_actions: list[str] = Field(
        default_factory=list, description="what this actor may do with the request now (for the UI)"
    )


class OpinionView(View):
    id: str
    assignment_id: str
    author_id: str
    author_name: str
    kind: Literal["second_opinion", "third_opinion"]
    version: int
    status: Literal["draft", "signed"]
    content: dict[str, Any] = Field(description="the structured opinion (SecondOpinion model)")
    amends_id: str | None = None
    content_sha256: str | None = None
    created_at: datetime
    signed_at: datetime | None = None


class ComparisonView(View):
    opinion_id: str
    kind: Literal["second_opinion", "third_opinion"]
    author_name: str
    comparison: dict[str, Any] = Field(description="first opinion versus this one, element by element")


class ComparisonsView(View):
    request_id: str
    comparisons: list[ComparisonView]


class QuestionView(View):
    id: str
    text: str
    asked_at: datetime
    asked_by: str
    answer: str | None = None
    answered_at: datetime | None = None


class CheckInView(View):
    id: str
    months: int
    due_at: datetime
    open: bool = Field(description="due and not yet answered")
    completed_at: datetime | None = None
    followed: Literal["yes", "partly", "no"] | None = None
    wellbeing: int | None = None
    note: str | None = None


class SuggestionView(View):
    rank: int
    reviewer: ReviewerProfileView
    exact: bool = Field(description="specialises in this exact cancer type, not only its family")
    open_assignments: int
    conflicts: list[str] = Field(
        default_factory=list, description="declared conflicts that concern this case"
    )
    reasons: list[str] = Field(default_factory=list)


class DashboardView(View):
    counts: dict[str, int] = Field(description="number of requests in each state")
    overdue: list[RequestSummary]
    missing_records: list[RequestSummary]
    due_soon: list[RequestSummary]


class AuditEventView(View):
    seq: int
    at: datetime
    actor_id: str | None
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    ip: str | None
    correlation_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerificationView(View):
    ok: bool
    checked: int
    head: str = Field(description="hash of the newest event: record it elsewhere to anchor the chain")
    first_bad_seq: int | None = None
    problem: str | None = None


class AuditPage(View):
    events: list[AuditEventView]
    next_after: int | None = Field(None, description="pass as ?after= for the next page")
