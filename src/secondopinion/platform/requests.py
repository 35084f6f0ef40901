"""Second-opinion requests: creation with the automated pre-review, consent, submission, the
coordinator's records and delivery steps, disputes, and the coordinator's dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Integer,
    Row,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    join,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, defer

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform import workflow
from secondopinion.platform.access import allowed_actions, check, load_request, require_role
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict
from secondopinion.platform.sealing import (
    DOCUMENT_FILENAME,
    REQUEST_CASE,
    REQUEST_DISPUTE,
    REQUEST_INTAKE_NOTE,
    REQUEST_REVIEW,
    REQUEST_TITLE,
    seal,
    unseal,
    unseal_optional,
)
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
from secondopinion.security.permissions import Relation, RequestParties
from secondopinion.store.db import HotSelect
from secondopinion.store.platform import User, UTCDateTime, new_id
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
    """Read the case with the intake and run the review engine (pure): shown to the patient at once.
    Slow for a scanned PDF (OCR), so callers run it before opening a transaction, never inside."""
    from secondopinion.intake import read_case
    from secondopinion.review import review

    case = read_case(data, name, ctx.kb).model_copy(update={"id": request_id})
    return case, review(case, ctx.kb)


# ------------------------------------------------------------------ sealed fields


def title_of(ctx: Platform, req: Request) -> str:
    return unseal(ctx.vault, REQUEST_TITLE, req.id, req.title)


def set_title(ctx: Platform, req: Request, title: str) -> None:
    req.title = seal(ctx.vault, REQUEST_TITLE, req.id, title.strip()[:200])


def case_json_of(ctx: Platform, req: Request) -> str | None:
    """The case as JSON (opened from its sealed column), or None while the draft has none."""
    return unseal_optional(ctx.vault, REQUEST_CASE, req.id, req.case_json)


def case_of(ctx: Platform, req: Request) -> Case | None:
    text = case_json_of(ctx, req)
    return Case.model_validate_json(text) if text else None


def set_intake_note(ctx: Platform, req: Request, note: str | None) -> None:
    req.intake_note = None if note is None else seal(ctx.vault, REQUEST_INTAKE_NOTE, req.id, note)


def _apply_case(ctx: Platform, req: Request, case: Case, rev: Review) -> None:
    req.case_json = seal(ctx.vault, REQUEST_CASE, req.id, case.model_dump_json())
    req.review_json = seal(ctx.vault, REQUEST_REVIEW, req.id, rev.model_dump_json())
    req.intake_note = None
    ctype = case.primary.type if case.primary else None
    req.cancer_type = ctype
    known = ctx.kb.cancers.get(ctype) if ctype else None
    req.rare = bool(known and known.incidence and known.incidence.per_100k < 6)
    req.missing_records = [c.item for c in rev.completeness if c.status != "have"]
    if known and not title_of(ctx, req):
        set_title(ctx, req, f"Second opinion: {known.name}")


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
        id=new_id(), patient_id=actor.user_id, source_kind=kind, created_at=ctx.now(), updated_at=ctx.now()
    )
    set_title(ctx, req, title)
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


def new_draft(
    ctx: Platform, db: Session, actor: Actor, title: str = "", *, request_id: str | None = None
) -> Request:
    """An empty draft, to which a document (a PDF report, a FHIR file) then brings the case, added
    to the caller's transaction (the caller checks the role first and audits after the commit)."""
    req = Request(
        id=request_id or new_id(),
        patient_id=actor.user_id,
        source_kind="document",
        created_at=ctx.now(),
        updated_at=ctx.now(),
    )
    set_title(ctx, req, title)
    set_intake_note(ctx, req, "no case yet: upload a report")
    db.add(req)
    db.add(
        StateChange(
            request_id=req.id, from_state=None, to_state="draft", actor_id=actor.user_id, at=ctx.now()
        )
    )
    return req


def create_draft(ctx: Platform, actor: Actor, title: str = "") -> Request:
    """An empty draft, to which a document (a PDF report, a FHIR file) then brings the case."""
    require_role(ctx, actor, "request.create", "patient")
    with ctx.tx() as db:
        req = new_draft(ctx, db, actor, title)
    ctx.audit(actor, "request.create", object_type="request", object_id=req.id, detail={"source": "document"})
    return req


def update_case_text(ctx: Platform, actor: Actor, request_id: str, text: str) -> RequestDetail:
    """Replace the case of a draft with new pasted text, and redo the pre-review."""
    if len(text) > MAX_TEXT:
        raise InputError(f"the text is longer than {MAX_TEXT:,} characters; paste the key reports only")
    with ctx.read() as db:  # check first, then read the case outside the transaction
        req, _ = load_request(ctx, db, actor, request_id, "request.edit")
        _editable(req)
    case, rev = pre_review(ctx, text.encode(), "request.txt", request_id)
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.edit", for_update=True)
        _editable(req)  # it may have been submitted meanwhile
        _apply_case(ctx, req, case, rev)
        req.source_kind, req.updated_at = "text", ctx.now()
    ctx.audit(actor, "request.update", object_type="request", object_id=request_id)
    return get_request(ctx, actor, request_id, audit=False)


def _editable(req: Request) -> None:
    if req.state != "draft":
        raise Conflict("the case can only be changed before the request is submitted")


# ------------------------------------------------------------------ views


def _summary_fields(ctx: Platform, req: Request) -> dict[str, Any]:
    known = ctx.kb.cancers.get(req.cancer_type) if req.cancer_type else None
    return dict(
        id=req.id,
        title=title_of(ctx, req),
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


# Listings neither read nor open the large sealed columns they do not show.
_SUMMARY_ONLY = tuple(
    defer(c) for c in (Request.case_json, Request.review_json, Request.intake_note, Request.dispute_reason)
)


def summary(ctx: Platform, req: Request) -> RequestSummary:
    return RequestSummary(**_summary_fields(ctx, req))


# Every slot of the one-round-trip query below, with its type, so that each branch can fill the
# slots it needs and leave the others NULL (a UNION needs the same columns in every branch).
_SLOTS: dict[str, Any] = {
    "kind": String(),
    "key": String(),
    "t1": String(),
    "t2": String(),
    "t3": String(),
    "t4": String(),
    "t5": String(),
    "t6": Text(),
    "t7": Text(),
    "t8": Text(),
    "t9": Text(),
    "n": Integer(),
    "f1": Boolean(),
    "f2": Boolean(),
    "at": UTCDateTime(),
    "at2": UTCDateTime(),
    "at3": UTCDateTime(),
    "at4": UTCDateTime(),
}


def _branch(kind: str, source: Any, **given: Any) -> Select[Any]:
    given["kind"] = literal(kind, String())
    columns = [given.get(name, cast(null(), type_)).label(name) for name, type_ in _SLOTS.items()]
    return select(*columns).select_from(source)


def _linked_statement() -> CompoundSelect[Any]:
    """The request's own row and everything hanging off it that its detail shows (caregivers,
    reviewers and their names, documents, consents, the timeline, the number of questions), in ONE
    statement: the detail is the platform's most frequent read, and each query costs a round trip
    and its per-query overhead on both sides. Built once: composing it costs more than running it.
    `_detail` sorts the rows back into their lists."""
    request_id = bindparam("request_id", type_=String())
    return union_all(
        _branch(
            "request",
            Request,
            key=Request.id,
            t1=Request.patient_id,
            t2=Request.title,
            t3=Request.state,
            t4=Request.cancer_type,
            t5=Request.source_kind,
            t6=Request.case_json,
            t7=Request.review_json,
            t8=Request.intake_note,
            t9=cast(Request.missing_records, Text()),
            f1=Request.rare,
            f2=Request.disputed,
            at=Request.created_at,
            at2=Request.submitted_at,
            at3=Request.due_at,
            at4=Request.delivered_at,
        ).where(Request.id == request_id),
        _branch("caregiver", CaregiverLink, key=CaregiverLink.caregiver_id).where(
            CaregiverLink.request_id == request_id
        ),
        _branch(
            "assignment",
            join(Assignment, User, User.id == Assignment.reviewer_id),
            key=Assignment.id,
            t1=Assignment.reviewer_id,
            t2=User.display_name,
            t3=Assignment.kind,
            t4=Assignment.status,
            f1=Assignment.lead,
            f2=Assignment.blinded,
            at=Assignment.assigned_at,
        ).where(Assignment.request_id == request_id),
        _branch(
            "document",
            Document,
            key=Document.id,
            t1=Document.filename,
            t2=Document.kind,
            t3=Document.media_type,
            t4=Document.sha256,
            t5=Document.uploaded_by,
            n=Document.size,
            at=Document.created_at,
        ).where(Document.request_id == request_id),
        _branch(
            "consent",
            Consent,
            t1=Consent.scope,
            t2=Consent.text_version,
            t3=Consent.user_id,
            n=Consent.id,
            f1=Consent.granted,
            at=Consent.at,
        ).where(Consent.request_id == request_id),
        _branch(
            "change",
            StateChange,
            t1=StateChange.from_state,
            t2=StateChange.to_state,
            n=StateChange.id,
            at=StateChange.at,
        ).where(StateChange.request_id == request_id),
        _branch("questions", FollowUpQuestion, n=func.count()).where(
            FollowUpQuestion.request_id == request_id
        ),
    )


_LINKED = HotSelect(_linked_statement())


@dataclass(frozen=True)
class _RequestRow:
    """The request's columns its detail shows, as read by `_LINKED` (no ORM object to load)."""

    id: str
    patient_id: str
    title: str
    state: str
    cancer_type: str | None
    source_kind: str
    case_json: str | None
    review_json: str | None
    intake_note: str | None
    missing_records: list[str]
    rare: bool
    disputed: bool
    created_at: datetime
    submitted_at: datetime | None
    due_at: datetime | None
    delivered_at: datetime | None


def _request_of(rows: list[Row[Any]]) -> _RequestRow | None:
    r = next((r for r in rows if r.kind == "request"), None)
    if r is None:
        return None
    return _RequestRow(
        id=r.key,
        patient_id=r.t1,
        title=r.t2,
        state=r.t3,
        cancer_type=r.t4,
        source_kind=r.t5,
        case_json=r.t6,
        review_json=r.t7,
        intake_note=r.t8,
        missing_records=json.loads(r.t9) if r.t9 else [],
        rare=bool(r.f1),
        disputed=bool(r.f2),
        created_at=r.at,
        submitted_at=r.at2,
        due_at=r.at3,
        delivered_at=r.at4,
    )


def _parties(req: Request, rows: list[Row[Any]]) -> RequestParties:
    """The same parties as `access.parties`, from the rows already read for the detail."""
    return RequestParties(
        patient_id=req.patient_id,
        caregiver_ids=frozenset(r.key for r in rows if r.kind == "caregiver"),
        reviewer_ids=frozenset(r.t1 for r in rows if r.kind == "assignment" and not r.f2),
        blinded_reviewer_ids=frozenset(r.t1 for r in rows if r.kind == "assignment" and r.f2),
    )


def _detail(ctx: Platform, req: Request, rel: Relation, actor: Actor, rows: list[Row[Any]]) -> RequestDetail:
    of: dict[str, list[Row[Any]]] = {k: [] for k in ("assignment", "document", "consent", "change")}
    for r in rows:
        of.setdefault(r.kind, []).append(r)
    docs = sorted(of["document"], key=lambda r: r.at)
    consents = sorted(of["consent"], key=lambda r: r.n)
    assigned = sorted(of["assignment"], key=lambda r: (r.t3, not r.f1, r.at, r.key))
    if rel == "blinded_reviewer":  # a blinded reviewer does not learn who else reviewed
        assigned = [r for r in assigned if r.t1 == actor.user_id]
    changes = sorted(of["change"], key=lambda r: r.n)
    asked = sum(int(r.n or 0) for r in of.get("questions", []))
    latest = consents[-1] if consents else None
    return RequestDetail(
        **_summary_fields(ctx, req),
        source_kind=req.source_kind,
        case=json.loads(case_json) if (case_json := case_json_of(ctx, req)) else None,
        review=json.loads(review_json)
        if (review_json := unseal_optional(ctx.vault, REQUEST_REVIEW, req.id, req.review_json))
        else None,
        intake_note=unseal_optional(ctx.vault, REQUEST_INTAKE_NOTE, req.id, req.intake_note),
        documents=[
            DocumentView(
                id=d.key,
                filename=unseal(ctx.vault, DOCUMENT_FILENAME, d.key, d.t1),
                kind=d.t2,
                media_type=d.t3,
                size=d.n,
                sha256=d.t4,
                created_at=d.at,
                uploaded_by=d.t5,
            )
            for d in docs
        ],
        consents=[
            ConsentView(scope=c.t1, granted=c.f1, text_version=c.t2, at=c.at, user_id=c.t3) for c in consents
        ],
        consent_given=bool(latest and latest.f1),
        assignments=[
            AssignmentView(
                id=a.key,
                reviewer_id=a.t1,
                reviewer_name=a.t2,
                kind=a.t3,
                lead=a.f1,
                blinded=a.f2,
                status=a.t4,
                assigned_at=a.at,
            )
            for a in assigned
        ],
        timeline=[StateChangeView(from_state=c.t1, to_state=c.t2, at=c.at) for c in changes],
        delivered_at=req.delivered_at,
        questions_left=max(0, ctx.settings.max_followup_questions - asked),
        allowed_actions=allowed_actions(rel),
    )


def get_request(ctx: Platform, actor: Actor, request_id: str, *, audit: bool = True) -> RequestDetail:
    """The request's detail: one query (the request and everything linked to it, which also tells
    who may see it), the permission check, and the audit entry for the read."""
    rows: list[Any] = []
    if len(request_id) <= 64:  # longer is not one of ours: no need to ask the database
        rows = _LINKED.rows(ctx.read_engine, {"request_id": request_id})
    req: Any = _request_of(rows)
    rel = check(ctx, actor, request_id, "request.read", req, _parties(req, rows) if req else None)
    view = _detail(ctx, req, rel, actor, rows)
    if audit:
        ctx.audit(actor, "request.read", object_type="request", object_id=request_id)
    return view


def list_requests(ctx: Platform, actor: Actor, state: str | None = None) -> list[RequestSummary]:
    """The requests this actor may see: a patient's own, a caregiver's invited ones, a reviewer's
    assigned ones, all of them for a coordinator. Administrators manage accounts, not cases."""
    require_role(ctx, actor, "request.list", "patient", "caregiver", "reviewer", "coordinator")
    if state is not None and state not in workflow.STATES:
        raise InputError(f"unknown state '{state}'")
    stmt = select(Request).options(*_SUMMARY_ONLY)
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
        req.disputed, req.updated_at = True, ctx.now()
        req.dispute_reason = seal(ctx.vault, REQUEST_DISPUTE, req.id, reason)
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
                db.add(CheckIn(id=new_id(), request_id=req.id, months=months, due_at=due))
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
            .options(*_SUMMARY_ONLY)
            .where(Request.state.in_(workflow.CLOCK_RUNNING))
            .order_by(Request.due_at, Request.id)
        ).all()
        pending = db.scalars(
            select(Request)
            .options(*_SUMMARY_ONLY)
            .where(Request.state.in_(("submitted", "records_pending")))
            .order_by(Request.submitted_at, Request.id)
        ).all()
        overdue = [summary(ctx, r) for r in running if workflow.overdue(r.state, r.due_at, now)]
        soon = [summary(ctx, r) for r in running if r.due_at and now <= r.due_at <= now + timedelta(days=1)]
        missing = [summary(ctx, r) for r in pending]
    ctx.audit(actor, "dashboard.read")
    return DashboardView(counts=counts, overdue=overdue, missing_records=missing, due_soon=soon)
