"""Administration: accounts and the audit trail (administrators only; they see no case data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from secondopinion.platform import accounts, audit_log
from secondopinion.platform.views import AuditPage, AuditVerificationView, UserView
from secondopinion.web.api.schemas import ActiveIn, CreateUserIn
from secondopinion.web.deps import ActorDep, PlatformDep
from secondopinion.web.errors import errors

router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(400, 401, 403))


@router.get("/users", response_model=list[UserView])
def list_users(platform: PlatformDep, actor: ActorDep) -> list[UserView]:
    return accounts.list_users(platform, actor)


@router.post("/users", response_model=UserView, status_code=201, responses=errors(409))
def create_user(body: CreateUserIn, platform: PlatformDep, actor: ActorDep) -> UserView:
    """Create any account; staff set up their authenticator at first login."""
    return accounts.create_user(platform, actor, body.email, body.role, body.display_name, body.password)


@router.post("/users/{user_id}/active", response_model=UserView, responses=errors(404, 409))
def set_active(user_id: str, body: ActiveIn, platform: PlatformDep, actor: ActorDep) -> UserView:
    """Disable (ending its sessions at once) or re-enable an account."""
    return accounts.set_active(platform, actor, user_id, body.active)


@router.get("/audit", response_model=AuditPage)
def audit_events(
    platform: PlatformDep,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """The audit trail, oldest first, a page at a time (reading it is audited too)."""
    return audit_log.events(platform, actor, after, limit)


@router.get("/audit/verify", response_model=AuditVerificationView)
def audit_verify(platform: PlatformDep, actor: ActorDep) -> AuditVerificationView:
    """Recompute the whole hash chain."""
    return audit_log.verification(platform, actor)
