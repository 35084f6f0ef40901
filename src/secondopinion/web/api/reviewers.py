"""Reviewer profiles."""

from __future__ import annotations

from fastapi import APIRouter

from secondopinion.platform import accounts
from secondopinion.platform.views import ReviewerProfileView
from secondopinion.web.api.schemas import ProfileIn
from secondopinion.web.deps import ActorDep, PlatformDep
from secondopinion.web.errors import errors

router = APIRouter(tags=["reviewers"], responses=errors(400, 401, 403))


@router.get("/reviewers", response_model=list[ReviewerProfileView])
def list_reviewers(platform: PlatformDep, actor: ActorDep) -> list[ReviewerProfileView]:
    """Coordinator or administrator: every active reviewer's profile."""
    return accounts.list_reviewers(platform, actor)


@router.get("/reviewers/me", response_model=ReviewerProfileView)
def my_profile(platform: PlatformDep, actor: ActorDep) -> ReviewerProfileView:
    return accounts.my_profile(platform, actor)


@router.put("/reviewers/me", response_model=ReviewerProfileView)
def update_my_profile(body: ProfileIn, platform: PlatformDep, actor: ActorDep) -> ReviewerProfileView:
    """Reviewer: specialties (knowledge-base cancer ids), subspecialty, yearly case volume,
    languages, licence jurisdiction, location and declared conflicts of interest."""
    return accounts.update_my_profile(platform, actor, **body.model_dump())
