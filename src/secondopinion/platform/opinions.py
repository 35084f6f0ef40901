"""Reviewers' opinions: drafts, signing (immutable from then on), amendments as new versions, who
may read which version, and the first-vs-second (and third) comparison."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform import workflow
from secondopinion.platform.access import load_request
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict, Forbidden
from secondopinion.platform.requests import _move, case_of
from secondopinion.platform.sealing import OPINION_CONTENT, seal_json, unseal_json
from secondopinion.platform.views import ComparisonsView, ComparisonView, OpinionView
from secondopinion.review.opinion import SecondOpinion
from secondopinion.security.crypto import IntegrityError
from secondopinion.security.permissions import Relation
from secondopinion.store.platform import User, new_id
from secondopinion.store.platform_requests import Assignment, Opinion, Request, StateChange


class TrialToConsider(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=40, description="registry id, e.g. NCT01234567")
    title: str = Field(default="", max_length=500)
    reason: str = Field(default="", max_length=2000)


class QuestionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(max_length=2000)
    answer: str = Field(max_length=10000)


class OpinionDocument(BaseModel):
    """What a reviewer writes: the structured second opinion (review.opinion.SecondOpinion, which
    the comparison reads), trials to consider and an answer to each of the patient's questions.
    The opinion's `summary` is the free text. `case_id` and the reviewer fields are set by the
    server from the request and the session, whatever the client sends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opinion: SecondOpinion
    trials_to_consider: list[TrialToConsider] = Field(default_factory=list, max_length=50)
    answers: list[QuestionAnswer] = Field(default_factory=list, max_length=50)


def _hash(content: dict) -> str:  # type: ignore[type-arg]
    """The signature's hash: of the plaintext content, so sealing it at rest changes nothing."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _content(ctx: Platform, o: Opinion) -> dict[str, Any]:
    """The opened content; a signed version must still match the hash recorded at signing."""
    content: dict[str, Any] = unseal_json(ctx.vault, OPINION_CONTENT, o.id, o.content)
    if o.content_sha256 is not None and _hash(content) != o.content_sha256:
        raise IntegrityError(f"signed opinion {o.id} does not match the hash recorded when it was signed")
    return content


def _set_content(ctx: Platform, o: Opinion, content: dict[str, Any]) -> None:
    o.content = seal_json(ctx.vault, OPINION_CONTENT, o.id, content)


def _view(
    ctx: Platform, o: Opinion, a: Assignment, author: str, content: dict[str, Any] | None = None
) -> OpinionView:
    return OpinionView(
        id=o.id,
        assignment_id=o.assignment_id,
        author_id=o.author_id,
        author_name=author,
        kind=a.kind,  # type: ignore[arg-type]
        version=o.version,
        status=o.status,  # type: ignore[arg-type]
        content=_content(ctx, o) if content is None else content,
        amends_id=o.amends_id,
        content_sha256=o.content_sha256,
        created_at=o.created_at,
        signed_at=o.signed_at,
    )


def _own_assignment(db: Session, req: Request, actor: Actor) -> Assignment:
    a = db.scalars(
        select(Assignment).where(Assignment.request_id == req.id, Assignment.reviewer_id == actor.user_id)
    ).first()
    if a is None:  # load_request already refused non-assigned reviewers; kept as a second lock
        raise Forbidden("you are not assigned to this request")
    return a


def _case(ctx: Platform, req: Request) -> Case:
    case = case_of(ctx, req)
    if case is None:
        raise Conflict("the request has no case")
    return case


def _check_against_case(doc: OpinionDocument, case: Case) -> None:
    for p in doc.opinion.plan:
        if p.plan_index is not None and p.plan_index >= len(case.plan):
            raise InputError(f"plan element {p.plan_index} does not exist; the plan has {len(case.plan)}")


def save_draft(ctx: Platform, actor: Actor, request_id: str, doc: OpinionDocument) -> OpinionView:
    """Create or replace the reviewer's draft. After signing, saving starts an amendment: a new
    version that names the signed one; the signed version itself never changes."""
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "opinion.write", for_update=True)
        a = _own_assignment(db, req, actor)
        working = "third_opinion" if a.kind == "third_opinion" else None
        allowed_states = (
            {"third_opinion", "opinion_signed", *workflow.DELIVERED}
            if working
            else {"assigned", "in_review", "opinion_signed", *workflow.DELIVERED}
        )
        if req.state not in allowed_states:
            raise Conflict(f"an opinion cannot be written while the request is '{req.state}'")
        case = _case(ctx, req)
        _check_against_case(doc, case)
        author = db.get(User, actor.user_id)
        assert author is not None
        fixed = doc.model_copy(
            update={
                "opinion": doc.opinion.model_copy(
                    update={
                        "case_id": req.id,
                        "reviewer_id": actor.user_id,
                        "reviewer_name": author.display_name,
                    }
                )
            }
        )
        content = json.loads(fixed.model_dump_json())
        latest = db.scalars(
            select(Opinion).where(Opinion.assignment_id == a.id).order_by(Opinion.version.desc())
        ).first()
        if latest is not None and latest.status == "draft":
            latest.updated_at = now
            op = latest
        else:
            op = Opinion(
                id=new_id(),
                request_id=req.id,
                assignment_id=a.id,
                author_id=actor.user_id,
                version=(latest.version + 1) if latest else 1,
                status="draft",
                amends_id=latest.id if latest else None,
                created_at=now,
                updated_at=now,
            )
            db.add(op)
        _set_content(ctx, op, content)
        if a.status == "assigned":
            a.status = "in_review"
        if req.state == "assigned":
            _move(db, req, "in_review", actor, now)
        db.flush()
        view = _view(ctx, op, a, author.display_name, content)
    ctx.audit(
        actor,
        "opinion.save",
        object_type="opinion",
        object_id=view.id,
        detail={"request": request_id, "version": view.version},
    )
    return view


def sign(ctx: Platform, actor: Actor, request_id: str) -> OpinionView:
    """Sign the reviewer's current draft. Its content hash is recorded and it never changes again.
    When every second-opinion reviewer has signed (or the third-opinion reviewer has), the request
    becomes `opinion_signed`."""
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "opinion.write", for_update=True)
        a = _own_assignment(db, req, actor)
        draft = db.scalars(
            select(Opinion)
            .where(Opinion.assignment_id == a.id, Opinion.status == "draft")
            .order_by(Opinion.version.desc())
        ).first()
        if draft is None:
            raise Conflict("there is no draft to sign; save the opinion first")
        content = _content(ctx, draft)
        doc = OpinionDocument.model_validate(content)
        questions = _case(ctx, req).questions
        answered = {qa.question.strip() for qa in doc.answers if qa.answer.strip()}
        if missing := [q for q in questions if q.strip() not in answered]:
            raise Conflict(
                f"answer each of the patient's questions before signing ({len(missing)} unanswered)"
            )
        draft.status, draft.signed_at, draft.content_sha256 = "signed", now, _hash(content)
        a.status = "signed"
        db.flush()
        others = db.scalars(select(Assignment).where(Assignment.request_id == req.id)).all()
        if (a.kind == "third_opinion" and req.state == "third_opinion") or (
            req.state == "in_review"
            and all(x.status == "signed" for x in others if x.kind == "second_opinion")
        ):
            _move(db, req, "opinion_signed", actor, now)
        author = db.get(User, actor.user_id)
        view = _view(ctx, draft, a, author.display_name if author else "", content)
    ctx.audit(
        actor,
        "opinion.sign",
        object_type="opinion",
        object_id=view.id,
        detail={"request": request_id, "version": view.version, "sha256": view.content_sha256},
    )
    return view


def _last_delivery(db: Session, request_id: str) -> datetime | None:
    return db.scalar(
        select(func.max(StateChange.at)).where(
            StateChange.request_id == request_id, StateChange.to_state == "delivered"
        )
    )


def _visible(db: Session, req: Request, rel: Relation, actor: Actor) -> list[tuple[Opinion, Assignment, str]]:
    rows = db.execute(
        select(Opinion, Assignment, User.display_name)
        .join(Assignment, Assignment.id == Opinion.assignment_id)
        .join(User, User.id == Opinion.author_id)
        .where(Opinion.request_id == req.id)
        .order_by(Assignment.kind, Assignment.assigned_at, Assignment.id, Opinion.version)
    ).all()
    if rel in ("reviewer", "blinded_reviewer"):
        own = [(o, a, n) for o, a, n in rows if a.reviewer_id == actor.user_id]
        if rel == "blinded_reviewer":
            return own
        return own + [
            (o, a, n) for o, a, n in rows if a.reviewer_id != actor.user_id and o.status == "signed"
        ]
    signed = [(o, a, n) for o, a, n in rows if o.status == "signed"]
    if rel == "coordinator":
        return signed
    delivered = _last_delivery(db, req.id)
    if delivered is None:
        return []
    return [(o, a, n) for o, a, n in signed if o.signed_at is not None and o.signed_at <= delivered]


def list_opinions(ctx: Platform, actor: Actor, request_id: str) -> list[OpinionView]:
    """Opinions this actor may read: the patient and caregivers only signed, delivered versions; a
    coordinator signed versions; a reviewer their own drafts and, unless blinded, others' signed ones."""
    with ctx.read() as db:
        req, rel = load_request(ctx, db, actor, request_id, "opinion.read")
        views = [_view(ctx, o, a, n) for o, a, n in _visible(db, req, rel, actor)]
    ctx.audit(
        actor, "opinion.read", object_type="request", object_id=request_id, detail={"count": len(views)}
    )
    return views


def comparisons(ctx: Platform, actor: Actor, request_id: str) -> ComparisonsView:
    """First opinion versus each reviewer's newest signed, visible opinion: the second opinion(s)
    and, after a disagreement, the third."""
    from secondopinion.report.comparison import build_comparison

    with ctx.read() as db:
        req, rel = load_request(ctx, db, actor, request_id, "comparison.read")
        latest: dict[str, tuple[Opinion, Assignment, str]] = {}
        for o, a, n in _visible(db, req, rel, actor):
            if o.status == "signed":
                latest[a.id] = (o, a, n)
        case = _case(ctx, req) if latest else None
        out = []
        for o, a, n in latest.values():
            assert case is not None
            doc = OpinionDocument.model_validate(_content(ctx, o))
            comp = build_comparison(case, doc.opinion, ctx.kb)
            out.append(
                ComparisonView(
                    opinion_id=o.id,
                    kind=a.kind,  # type: ignore[arg-type]
                    author_name=n,
                    comparison=json.loads(comp.model_dump_json()),
                )
            )
    ctx.audit(actor, "comparison.read", object_type="request", object_id=request_id)
    return ComparisonsView(request_id=request_id, comparisons=out)


def disagreement(ctx: Platform, db: Session, req: Request) -> bool:
    """A signed opinion calls the diagnosis different, or the patient disputes the opinion."""
    if req.disputed:
        return True
    for o in db.scalars(select(Opinion).where(Opinion.request_id == req.id, Opinion.status == "signed")):
        if _content(ctx, o).get("opinion", {}).get("diagnosis", {}).get("verdict") == "different":
            return True
    return False
