"""After delivery: up to three follow-up questions answered by the reviewer, and check-ins at
3, 6 and 12 months asking whether the opinion was followed and how the patient is."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func, select

from secondopinion.errors import InputError
from secondopinion.platform import workflow
from secondopinion.platform.access import load_request
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict, NotFound
from secondopinion.platform.requests import _move
from secondopinion.platform.sealing import (
    CHECKIN_NOTE,
    QUESTION_ANSWER,
    QUESTION_TEXT,
    seal,
    unseal,
    unseal_optional,
)
from secondopinion.platform.views import CheckInView, QuestionView
from secondopinion.store.platform import new_id
from secondopinion.store.platform_requests import CheckIn, FollowUpQuestion

MAX_QUESTION = 2000


def _qview(ctx: Platform, q: FollowUpQuestion) -> QuestionView:
    return QuestionView(
        id=q.id,
        text=unseal(ctx.vault, QUESTION_TEXT, q.id, q.text),
        asked_at=q.asked_at,
        asked_by=q.asked_by,
        answer=unseal_optional(ctx.vault, QUESTION_ANSWER, q.id, q.answer),
        answered_at=q.answered_at,
    )


def ask(ctx: Platform, actor: Actor, request_id: str, text: str) -> QuestionView:
    text = text.strip()
    if not text or len(text) > MAX_QUESTION:
        raise InputError(f"write a question of 1 to {MAX_QUESTION:,} characters")
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "question.ask", for_update=True)
        if req.state not in workflow.DELIVERED:
            raise Conflict("questions can be asked once the opinion is delivered")
        asked = (
            db.scalar(
                select(func.count())
                .select_from(FollowUpQuestion)
                .where(FollowUpQuestion.request_id == req.id)
            )
            or 0
        )
        if asked >= ctx.settings.max_followup_questions:
            raise Conflict(f"all {ctx.settings.max_followup_questions} follow-up questions have been asked")
        qid = new_id()
        q = FollowUpQuestion(
            id=qid,
            request_id=req.id,
            asked_by=actor.user_id,
            text=seal(ctx.vault, QUESTION_TEXT, qid, text),
            asked_at=now,
        )
        db.add(q)
        if req.state == "delivered":
            _move(db, req, "follow_up", actor, now)
        view = _qview(ctx, q)
    ctx.audit(
        actor, "question.ask", object_type="question", object_id=view.id, detail={"request": request_id}
    )
    return view


def answer(ctx: Platform, actor: Actor, request_id: str, question_id: str, text: str) -> QuestionView:
    text = text.strip()
    if not text or len(text) > 10_000:
        raise InputError("write an answer of 1 to 10,000 characters")
    with ctx.tx() as db:
        load_request(ctx, db, actor, request_id, "question.answer", for_update=True)
        q = db.get(FollowUpQuestion, question_id) if len(question_id) <= 64 else None
        if q is None or q.request_id != request_id:
            raise NotFound("no such question")
        if q.answer is not None:
            raise Conflict("this question is already answered")
        q.answer = seal(ctx.vault, QUESTION_ANSWER, q.id, text)
        q.answered_by, q.answered_at = actor.user_id, ctx.now()
        view = _qview(ctx, q)
    ctx.audit(
        actor,
        "question.answer",
        object_type="question",
        object_id=question_id,
        detail={"request": request_id},
    )
    return view


def questions(ctx: Platform, actor: Actor, request_id: str) -> list[QuestionView]:
    with ctx.read() as db:
        load_request(ctx, db, actor, request_id, "question.read")
        rows = db.scalars(
            select(FollowUpQuestion)
            .where(FollowUpQuestion.request_id == request_id)
            .order_by(FollowUpQuestion.asked_at, FollowUpQuestion.id)
        ).all()
        views = [_qview(ctx, q) for q in rows]
    ctx.audit(actor, "question.read", object_type="request", object_id=request_id)
    return views


def _cview(ctx: Platform, c: CheckIn, now: object) -> CheckInView:
    return CheckInView(
        id=c.id,
        months=c.months,
        due_at=c.due_at,
        open=c.completed_at is None and c.due_at <= now,  # type: ignore[operator]
        completed_at=c.completed_at,
        followed=c.followed,  # type: ignore[arg-type]
        wellbeing=c.wellbeing,
        note=unseal_optional(ctx.vault, CHECKIN_NOTE, c.id, c.note),
    )


def check_ins(ctx: Platform, actor: Actor, request_id: str) -> list[CheckInView]:
    now = ctx.now()
    with ctx.read() as db:
        load_request(ctx, db, actor, request_id, "checkin.read")
        rows = db.scalars(
            select(CheckIn).where(CheckIn.request_id == request_id).order_by(CheckIn.months)
        ).all()
        views = [_cview(ctx, c, now) for c in rows]
    ctx.audit(actor, "checkin.read", object_type="request", object_id=request_id)
    return views


def answer_check_in(
    ctx: Platform,
    actor: Actor,
    request_id: str,
    check_in_id: str,
    followed: Literal["yes", "partly", "no"],
    wellbeing: int,
    note: str = "",
) -> CheckInView:
    if followed not in ("yes", "partly", "no"):
        raise InputError("say whether the opinion was followed: yes, partly or no")
    if not 1 <= wellbeing <= 5:
        raise InputError("rate how you are from 1 (very poorly) to 5 (very well)")
    now = ctx.now()
    with ctx.tx() as db:
        load_request(ctx, db, actor, request_id, "checkin.answer", for_update=True)
        c = db.get(CheckIn, check_in_id) if len(check_in_id) <= 64 else None
        if c is None or c.request_id != request_id:
            raise NotFound("no such check-in")
        if c.completed_at is not None:
            raise Conflict("this check-in is already answered")
        if c.due_at > now:
            raise Conflict("this check-in is not due yet")
        c.followed, c.wellbeing, c.completed_at = followed, wellbeing, now
        c.note = seal(ctx.vault, CHECKIN_NOTE, c.id, note.strip()[:5000]) or None
        view = _cview(ctx, c, now)
    ctx.audit(
        actor, "checkin.answer", object_type="checkin", object_id=check_in_id, detail={"request": request_id}
    )
    return view
