"""Assigning reviewers: ranked suggestions (specialty for the case's cancer type first; for rare
cancers, high-volume subspecialists first), one or several reviewers for a multidisciplinary
review, and the blinded third opinion on disagreement."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform.access import load_request
from secondopinion.platform.accounts import _profile_view as profile_view
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict
from secondopinion.platform.opinions import disagreement
from secondopinion.platform.requests import _move, case_json_of, get_request
from secondopinion.platform.views import RequestDetail, SuggestionView
from secondopinion.store.platform import ReviewerProfile, User, new_id
from secondopinion.store.platform_requests import Assignment, Request

MAX_TEAM = 6


def _profiles(db: Session) -> list[tuple[ReviewerProfile, User]]:
    rows = db.execute(
        select(ReviewerProfile, User)
        .join(User, User.id == ReviewerProfile.user_id)
        .where(User.active.is_(True), User.role == "reviewer")
    ).all()
    return [(p, u) for p, u in rows]


def _open_counts(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(Assignment.reviewer_id, func.count())
        .where(Assignment.status != "signed")
        .group_by(Assignment.reviewer_id)
    ).all()
    return {r: int(n) for r, n in rows}


def conflicts_for(profile: ReviewerProfile, case_json: str) -> list[str]:
    """Declared conflicts (an institution, a company, a colleague) named anywhere in the case."""
    haystack = case_json.lower()
    return [c for c in profile.conflicts_of_interest if len(c.strip()) >= 3 and c.strip().lower() in haystack]


def rank(ctx: Platform, db: Session, req: Request, exclude: set[str]) -> list[SuggestionView]:
    """Reviewers ranked by the specialists matcher (which puts high-volume subspecialists first for
    rare cancers), then declared conflicts last, then fewer open assignments first."""
    from secondopinion.specialists import Directory, match_specialists
    from secondopinion.specialists import ReviewerProfile as DirectoryReviewer
    from secondopinion.specialists.data import bundled_gazetteer

    case_json = case_json_of(ctx, req)
    if not case_json:
        return []
    case = Case.model_validate_json(case_json)
    rows = {u.id: (p, u) for p, u in _profiles(db) if p.accepting and p.specialties and u.id not in exclude}
    entries = [
        DirectoryReviewer(
            id=u.id,
            name=u.display_name,
            specialties=list(p.specialties),
            subspecialty=p.subspecialty or None,
            yearly_case_volume=p.yearly_case_volume or None,
            languages=list(p.languages) or ["en"],
            licence_jurisdiction=p.licence_jurisdiction or None,
            location=p.location or None,
        )
        for p, u in rows.values()
    ]
    matches = match_specialists(
        case, ctx.kb, Directory(reviewers=entries), bundled_gazetteer(), limit=len(entries) or 1
    ).reviewers
    load = _open_counts(db)
    ordered = sorted(
        enumerate(matches),
        key=lambda im: (
            bool(conflicts_for(rows[im[1].reviewer.id][0], case_json)),
            not im[1].exact,
            im[0],
            load.get(im[1].reviewer.id, 0),
        ),
    )
    out = []
    for n, (_, m) in enumerate(ordered, start=1):
        p, u = rows[m.reviewer.id]
        conflicts = conflicts_for(p, case_json)
        reasons = list(m.reasons)
        if conflicts:
            reasons.append("declared a conflict of interest that concerns this case")
        out.append(
            SuggestionView(
                rank=n,
                reviewer=profile_view(p, u),
                exact=m.exact,
                open_assignments=load.get(u.id, 0),
                conflicts=conflicts,
                reasons=reasons,
            )
        )
    return out


def suggestions(ctx: Platform, actor: Actor, request_id: str, limit: int = 10) -> list[SuggestionView]:
    with ctx.read() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage")
        taken = set(db.scalars(select(Assignment.reviewer_id).where(Assignment.request_id == req.id)))
        out = rank(ctx, db, req, taken)[: max(1, min(limit, 50))]
    ctx.audit(
        actor, "assignment.suggest", object_type="request", object_id=request_id, detail={"count": len(out)}
    )
    return out


def _check_reviewer(ctx: Platform, db: Session, req: Request, reviewer_id: str) -> ReviewerProfile:
    user = db.get(User, reviewer_id) if len(reviewer_id) <= 64 else None
    profile = db.get(ReviewerProfile, reviewer_id) if user else None
    if user is None or user.role != "reviewer" or not user.active or profile is None:
        raise InputError(f"'{reviewer_id[:40]}' is not an active reviewer")
    if conflicts_for(profile, case_json_of(ctx, req) or ""):
        raise Conflict("this reviewer declared a conflict of interest that concerns this case")
    return profile


def assign(
    ctx: Platform, actor: Actor, request_id: str, reviewer_ids: list[str], lead_id: str | None = None
) -> RequestDetail:
    """Assign one reviewer, or several for a multidisciplinary review (the lead signs off first
    in the pages; every one of them signs). More members can join while the review runs."""
    ids = list(dict.fromkeys(reviewer_ids))
    if not ids or len(ids) > MAX_TEAM:
        raise InputError(f"assign between 1 and {MAX_TEAM} reviewers")
    if lead_id is not None and lead_id not in ids:
        raise InputError("the lead reviewer must be one of the assigned reviewers")
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage", for_update=True)
        if req.state not in ("records_complete", "assigned", "in_review"):
            raise Conflict("reviewers are assigned once the records are complete")
        existing = set(db.scalars(select(Assignment.reviewer_id).where(Assignment.request_id == req.id)))
        if dup := [i for i in ids if i in existing]:
            raise Conflict(f"reviewer {dup[0]} is already assigned")
        has_lead = (
            db.scalar(select(Assignment.id).where(Assignment.request_id == req.id, Assignment.lead))
            is not None
        )
        for rid in ids:
            _check_reviewer(ctx, db, req, rid)
        for i, rid in enumerate(ids):
            lead = (rid == lead_id) if lead_id else (i == 0 and not has_lead)
            db.add(
                Assignment(
                    id=new_id(),
                    request_id=req.id,
                    reviewer_id=rid,
                    kind="second_opinion",
                    lead=lead,
                    blinded=False,
                    status="assigned",
                    assigned_by=actor.user_id,
                    assigned_at=now,
                )
            )
        if req.state == "records_complete":
            _move(db, req, "assigned", actor, now)
    ctx.audit(
        actor, "assignment.create", object_type="request", object_id=request_id, detail={"reviewers": ids}
    )
    return get_request(ctx, actor, request_id, audit=False)


def request_third_opinion(ctx: Platform, actor: Actor, request_id: str, reviewer_id: str) -> RequestDetail:
    """On disagreement (a 'different' diagnosis, or the patient's dispute), a blinded reviewer who
    does not see the earlier opinions writes a third one."""
    now = ctx.now()
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "request.triage", for_update=True)
        if req.state not in ("delivered", "follow_up"):
            raise Conflict("a third opinion can be requested once the second opinion is delivered")
        if not disagreement(ctx, db, req):
            raise Conflict(
                "a third opinion needs a disagreement: a different diagnosis or the patient's dispute"
            )
        if db.scalar(
            select(Assignment.id).where(Assignment.request_id == req.id, Assignment.kind == "third_opinion")
        ):
            raise Conflict("a third opinion was already requested")
        if db.scalar(
            select(Assignment.id).where(
                Assignment.request_id == req.id, Assignment.reviewer_id == reviewer_id
            )
        ):
            raise Conflict("the third opinion needs a reviewer who has not reviewed this request")
        _check_reviewer(ctx, db, req, reviewer_id)
        db.add(
            Assignment(
                id=new_id(),
                request_id=req.id,
                reviewer_id=reviewer_id,
                kind="third_opinion",
                lead=False,
                blinded=True,
                status="assigned",
                assigned_by=actor.user_id,
                assigned_at=now,
            )
        )
        _move(db, req, "third_opinion", actor, now)
    ctx.audit(
        actor,
        "assignment.third_opinion",
        object_type="request",
        object_id=request_id,
        detail={"reviewer": reviewer_id},
    )
    return get_request(ctx, actor, request_id, audit=False)
