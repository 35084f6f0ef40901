"""Second-opinion requests: creation with the automated pre-review, consent, submission, the
coordinator's records and delivery steps, disputes, and the coordinator's dashboard."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform import workflow
from secondopinion.platform.access import allowed_actions, load_request, require_role
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict
from secondopinion.platform.views import (
    AssignmentView,
    ConsentView,
    DashboardView,
    DocumentView,
    RequestDetail,
    RequestSummary,
    StateChangeView,
)
from secondopinion.review.model import Review
from secondopinion.security.permissions import Relation
from secondopinion.store.platform import User, new_id
from secondopinion.store.platform_requests import (
    Assignment,
    CaregiverLink,
    CheckIn,
    Consent,
    Document,
    FollowUpQuestion,
    Request,
    StateChange,
)

CONSENT_SCOPE = "share_records_with_reviewers"
CONSENT_VERSION = "2026-1"
CONSENT_TEXT = (
    "I agree that the records and case description in this request are shared with the reviewing "
    "specialists and coordinators of SecondOpinion, only to prepare my second opinion. I can withdraw "
    "this consent before a reviewer is assigned."
)
MAX_TEXT = 100_000
SourceKind = Literal["text", "form", "fhir", "pdf", "document"]


# ------------------------------------------------------------------ intake and pre-review


def pre_review(ctx: Platform, data: bytes, name: str, request_id: str) -> tuple[Case, Review]:
    """Read the case with the intake and run the review engine (pure): shown to the patient at once."""
    from secondopinion.intake import read_case
    from secondopinion.review import review

    case = read_case(data, name, ctx.kb).model_copy(update={"id": request_id})
    return case, review(case, ctx.kb)


def _apply_case(ctx: Platform, req: Request, case: Case, rev: Review) -> None:
    req.case_json = case.model_dump_json()
    req.review_json = rev.model_dump_json()
    req.intake_note = None
    ctype = case.primary.type if case.primary else None
    req.cancer_type = ctype
    known = ctx.kb.cancers.get(ctype) if ctype else None
    req.rare = bool(known and known.incidence and known.incidence.per_100k < 6)
    req.missing_records = [c.item for c in rev.completeness if c.status != "have"]
    if not req.title and known:
        req.title = f"Second opinion: {known.name}"[:200]


def _move(db: Session, req: Request, target: str, actor: Actor, now: Any) -> None:
    if not workflow.can_move(req.state, target):
        raise Conflict(f"a request that is '{req.state}' cannot become '{target}'")
    db.add(
        StateChange(request_id=req.id, from_state=req.state, to_state=target, actor_id=actor.user_id, at=now)
    )
    req.state, req.updated_at = target, now


def create_request(
    ctx: Platform,
    actor: Actor,
    *,
    title: str = "",
    text: str | None = None,
    case: dict[str, Any] | None = None,
    fhir: dict[str, Any] | None = None,
) -> RequestDetail:
    """A draft request from pasted text, a structured case (form) or a FHIR bundle, with its
    pre-review. Bad input is refused whole (nothing is stored)."""
    require_role(ctx, actor, "request.create", "patient")
    given = [x for x in (text, case, fhir) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one of: text, case (structured form) or fhir (a FHIR bundle)")
    if text is not None:
        if len(text) > MAX_TEXT:
            raise InputError(f"the text is longer than {MAX_TEXT:,} characters; paste the key reports only")
        data, name, kind = text.encode(), "request.txt", "text"
    elif case is not None:
        data, name, kind = json.dumps(case).encode(), "case.json", "form"
    else:
        assert fhir is not None
        if not isinstance(fhir.get("resourceType"), str):
            raise InputError("the FHIR content needs a resourceType (a Bundle or a resource)")
        data, name, kind = json.dumps(fhir).encode(), "bundle.json", "fhir"
    req = Request(
        id=new_id(),
        patient_id=actor.user_id,
        title=title.strip()[:200],
        source_kind=kind,
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    parsed_case, rev = pre_review(ctx, data, name, req.id)
    with ctx.tx() as db:
        _apply_case(ctx, req, parsed_case, rev)
        db.add(req)
        db.add(
            StateChange(
                request_id=req.id, from_state=None, to_state="draft", actor_id=actor.user_id, at=ctx.now()
            )
        )
    ctx.audit(actor, "request.create", object_type="request", object_id=req.id, detail={"source": kind})
    return get_request(ctx, actor, req.id, audit=False)


def create_draft(ctx: Platform, actor: Actor, title: str = "") -> Request:
    """An empty draft, to which a document (a PDF report, a FHIR file) then brings the case."""
    require_role(ctx, actor, "request.create", "patient")
    req = Request(
        id=new_id(),
        patient_id=actor.user_id,
        title=title.strip()[:200],
        source_kind="document",
        created_at=ctx.now(),
        updated_at=ctx.now(),
        intake_note="no case yet: upload a report",
    )
    with ctx.tx() as db:
        db.add(req)
        db.add(
            StateChange(
                request_id=req.id, from_state=None, to_state="draft", actor_id=actor.user_id, at=ctx.now()
            )
        )
    ctx.audit(actor, "request.create", object_type="request", object_id=req.id, detail={"source": "document"})
    return req


def update_case_text(ctx: Platform, actor: Actor, request_id: str, text: str) -> RequestDetail:
    """Replace the case of a draft with new pasted text, and redo the pre-review."""
    if len(text) > MAX_TEXT:
        raise InputError(f"the text is longer than {MAX_TEXT:,} characters; paste the key reports only")
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.edit", for_update=True)
        if req.state != "draft":
            raise Conflict("the case can only be changed before the request is submitted")
        case, rev = pre_review(ctx, text.encode(), "request.txt", req.id)
        _apply_case(ctx, req, case, rev)
        req.source_kind, req.updated_at = "text", ctx.now()
    ctx.audit(actor, "request.update", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


# ------------------------------------------------------------------ views


def _summary_fields(ctx: Platform, req: Request) -> dict[str, Any]:
    known = ctx.kb.cancers.get(req.cancer_type) if req.cancer_type else None
    return dict(
        id=req.id,
        title=req.title,
        state=req.state,
        cancer_type=req.cancer_type,
        cancer_name=known.name if known else None,
        rare=req.rare,
        created_at=req.created_at,
        submitted_at=req.submitted_at,
        due_at=req.due_at,
        overdue=workflow.overdue(req.state, req.due_at, ctx.now()),
        missing_records=list(req.missing_records or []),
        disputed=req.disputed,
    )


def summary(ctx: Platform, req: Request) -> RequestSummary:
    return RequestSummary(**_summary_fields(ctx, req))


def _detail(ctx: Platform, db: Session, req: Request, rel: Relation, actor: Actor) -> RequestDetail:
    docs = db.scalars(
        select(Document).where(Document.request_id == req.id).order_by(Document.created_at)
    ).all()
    consents = db.scalars(select(Consent).where(Consent.request_id == req.id).order_by(Consent.id)).all()
    rows: list[tuple[Assignment, str]] = [
        (a, n)
        for a, n in db.execute(
            select(Assignment, User.display_name)
            .join(User, User.id == Assignment.reviewer_id)
            .where(Assignment.request_id == req.id)
            .order_by(Assignment.kind, Assignment.lead.desc(), Assignment.assigned_at, Assignment.id)
        )
    ]
    if rel == "blinded_reviewer":  # a blinded reviewer does not learn who else reviewed
        rows = [(a, n) for a, n in rows if a.reviewer_id == actor.user_id]
    changes = db.scalars(
        select(StateChange).where(StateChange.request_id == req.id).order_by(StateChange.id)
    ).all()
    asked = (
        db.scalar(
            select(func.count()).select_from(FollowUpQuestion).where(FollowUpQuestion.request_id == req.id)
        )
        or 0
    )
    latest = consents[-1] if consents else None
    return RequestDetail(
        **_summary_fields(ctx, req),
        source_kind=req.source_kind,
        case=json.loads(req.case_json) if req.case_json else None,
        review=json.loads(req.review_json) if req.review_json else None,
        intake_note=req.intake_note,
        documents=[
            DocumentView(
                id=d.id,
                filename=d.filename,
                kind=d.kind,
                media_type=d.media_type,
                size=d.size,
                sha256=d.sha256,
                created_at=d.created_at,
                uploaded_by=d.uploaded_by,
            )
            for d in docs
        ],
        consents=[
            ConsentView(
                scope=c.scope, granted=c.granted, text_version=c.text_version, at=c.at, user_id=c.user_id
            )
            for c in consents
        ],
        consent_given=bool(latest and latest.granted),
        assignments=[
            AssignmentView(
                id=a.id,
                reviewer_id=a.reviewer_id,
                reviewer_name=n,
                kind=a.kind,  # type: ignore[arg-type]
                lead=a.lead,
                blinded=a.blinded,
                status=a.status,
                assigned_at=a.assigned_at,
            )
            for a, n in rows
        ],
        timeline=[StateChangeView(from_state=c.from_state, to_state=c.to_state, at=c.at) for c in changes],
        delivered_at=req.delivered_at,
        questions_left=max(0, ctx.settings.max_followup_questions - int(asked)),
        allowed_actions=allowed_actions(rel),
    )


def get_request(ctx: Platform, actor: Actor, request_id: str, *, audit: bool = True) -> RequestDetail:
    with ctx.read() as db:
        req, rel = load_request(ctx, db, actor, request_id, "request.read")
        view = _detail(ctx, db, req, rel, actor)
    if audit:
        ctx.audit(actor, "request.read", object_type="request", object_id=request_id)
    return view


def list_requests(ctx: Platform, actor: Actor, state: str | None = None) -> list[RequestSummary]:
    """The requests this actor may see: a patient's own, a caregiver's invited ones, a reviewer's
    assigned ones, all of them for a coordinator. Administrators manage accounts, not cases."""
    require_role(ctx, actor, "request.list", "patient", "caregiver", "reviewer", "coordinator")
    if state is not None and state not in workflow.STATES:
        raise InputError(f"unknown state '{state}'")
    stmt = select(Request)
    if actor.role == "patient":
        stmt = stmt.where(Request.patient_id == actor.user_id)
    elif actor.role == "caregiver":
        stmt = stmt.where(
            Request.id.in_(
                select(CaregiverLink.request_id).where(CaregiverLink.caregiver_id == actor.user_id)
            )
        )
    elif actor.role == "reviewer":
        stmt = stmt.where(
            Request.id.in_(select(Assignment.request_id).where(Assignment.reviewer_id == actor.user_id))
        )
    if state:
        stmt = stmt.where(Request.state == state)
    with ctx.read() as db:
        views = [summary(ctx, r) for r in db.scalars(stmt.order_by(Request.created_at.desc(), Request.id))]
    ctx.audit(actor, "request.list", object_type="request", detail={"count": len(views)})
    return views


# ------------------------------------------------------------------ patient steps


def give_consent(ctx: Platform, actor: Actor, request_id: str, granted: bool = True) -> RequestDetail:
    """Record consent to share (or its withdrawal, allowed until a reviewer is assigned)."""
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.consent", for_update=True)
        if not granted and req.state not in ("draft", "submitted", "records_pending", "records_complete"):
            raise Conflict("consent can no longer be withdrawn: a reviewer has the records")
        db.add(
            Consent(
                request_id=req.id,
                user_id=actor.user_id,
                scope=CONSENT_SCOPE,
                text_version=CONSENT_VERSION,
                granted=granted,
                at=ctx.now(),
            )
        )
    ctx.audit(
        actor, "request.consent", object_type="request", object_id=request_id, detail={"granted": granted}
    )
    return get_request(ctx, actor, request_id, audit=False)


def _consented(db: Session, request_id: str) -> bool:
    latest = db.scalars(
        select(Consent).where(Consent.request_id == request_id).order_by(Consent.id.desc())
    ).first()
    return bool(latest and latest.granted)


def submit(ctx: Platform, actor: Actor, request_id: str) -> RequestDetail:
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.edit", for_update=True)
        if not _consented(db, req.id):
            raise Conflict("give consent to share the records before submitting")
        if req.case_json is None:
            raise Conflict("the request has no case yet: paste a description or upload a report")
        _move(db, req, "submitted", actor, ctx.now())
        req.submitted_at = ctx.now()
    ctx.audit(actor, "request.submit", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


def dispute(ctx: Platform, actor: Actor, request_id: str, reason: str) -> RequestDetail:
    """The patient disagrees with the opinion: the coordinator may then ask for a third opinion."""
    reason = reason.strip()
    if not reason or len(reason) > 5000:
        raise InputError("say briefly (up to 5,000 characters) what you disagree with")
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.dispute", for_update=True)
        if req.state not in workflow.DELIVERED:
            raise Conflict("an opinion can be disputed once it has been delivered")
        req.disputed, req.dispute_reason, req.updated_at = True, reason, ctx.now()
    ctx.audit(actor, "request.dispute", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


# ------------------------------------------------------------------ coordinator steps


def mark_records_pending(ctx: Platform, actor: Actor, request_id: str, missing: list[str]) -> RequestDetail:
    """Ask for records: the list replaces the pre-review's list of what is missing."""
    missing = [m.strip()[:200] for m in missing if m.strip()][:50]
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage", for_update=True)
        _move(db, req, "records_pending", actor, ctx.now())
        if missing:
            req.missing_records = missing
    ctx.audit(actor, "request.records_pending", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


def mark_records_complete(ctx: Platform, actor: Actor, request_id: str) -> RequestDetail:
    """Records are complete: the turnaround clock starts (due in 5 business days)."""
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage", for_update=True)
        _move(db, req, "records_complete", actor, now)
        req.records_complete_at, req.missing_records = now, []
        req.due_at = workflow.add_business_days(now, ctx.settings.turnaround_business_days)
    ctx.audit(actor, "request.records_complete", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


def deliver(ctx: Platform, actor: Actor, request_id: str) -> RequestDetail:
    """Release the signed opinion(s) to the patient and schedule the 3-, 6- and 12-month check-ins."""
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage", for_update=True)
        _move(db, req, "delivered", actor, now)
        first = req.delivered_at is None
        req.delivered_at = req.delivered_at or now
        if first:
            for months, due in workflow.check_in_dates(now):
                db.add(CheckIn(request_id=req.id, months=months, due_at=due))
    ctx.audit(actor, "request.deliver", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


def dashboard(ctx: Platform, actor: Actor) -> DashboardView:
    """Requests by state, the overdue ones, those missing records and those due within a day."""
    require_role(ctx, actor, "dashboard.read", "coordinator")
    now = ctx.now()
    with ctx.read() as db:
        counts: dict[str, int] = {s: 0 for s in workflow.STATES}
        for state, n in db.execute(select(Request.state, func.count()).group_by(Request.state)):
            counts[state] = int(n)
        running = db.scalars(
            select(Request)
            .where(Request.state.in_(workflow.CLOCK_RUNNING))
            .order_by(Request.due_at, Request.id)
        ).all()
        pending = db.scalars(
            select(Request)
            .where(Request.state.in_(("submitted", "records_pending")))
            .order_by(Request.submitted_at, Request.id)
        ).all()
        overdue = [summary(ctx, r) for r in running if workflow.overdue(r.state, r.due_at, now)]
        soon = [summary(ctx, r) for r in running if r.due_at and now <= r.due_at <= now + timedelta(days=1)]
        missing = [summary(ctx, r) for r in pending]
    ctx.audit(actor, "dashboard.read")
    return DashboardView(counts=counts, overdue=overdue, missing_records=missing, due_soon=soon)
