"""Sessions, sign-up, login with a second factor for staff, logout."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from secondopinion.platform import accounts
from secondopinion.platform.errors import NotAuthenticated
from secondopinion.platform.views import SessionView, TotpSetupView, UserView
from secondopinion.web.api.schemas import Health, InvitationAcceptIn, LoginIn, SignupIn, TotpIn
from secondopinion.web.deps import (
    ActorDep,
    AnonymousDep,
    PlatformDep,
    SessionDep,
    clear_session_cookie,
    set_session_cookie,
)
from secondopinion.web.errors import errors

router = APIRouter(tags=["auth"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """Liveness: answers without touching the database or a session."""
    return Health()


@router.get("/session", response_model=SessionView)
async def get_session(response: Response, platform: PlatformDep, state: SessionDep) -> SessionView:
    """The current session and its CSRF token; starts an anonymous session (and sets the cookie)
    when there is none, so that login and sign-up can carry a token."""
    if state is None:
        state = await run_in_threadpool(accounts.new_anonymous_session, platform)
        set_session_cookie(response, state)
    return await run_in_threadpool(accounts.session_view, platform, state)


@router.post("/auth/signup", response_model=UserView, status_code=201, responses=errors(400, 403, 409))
def signup(body: SignupIn, platform: PlatformDep, who: AnonymousDep) -> UserView:
    """Create a patient account, or a caregiver account with an invitation token. Log in next."""
    return accounts.signup(platform, who, body.email, body.password, body.display_name, body.invitation_token)


@router.post("/auth/login", response_model=SessionView, responses=errors(401, 403, 429))
def login(
    body: LoginIn, response: Response, platform: PlatformDep, who: AnonymousDep, state: SessionDep
) -> SessionView:
    """Check the password and replace the session (new cookie, new CSRF token). Staff accounts then
    need `/api/auth/totp/verify` (and `/api/auth/totp/setup` the first time)."""
    new = accounts.login(platform, who, state, body.email, body.password)
    set_session_cookie(response, new)
    return accounts.session_view(platform, new)


@router.post("/auth/totp/setup", response_model=TotpSetupView, responses=errors(401, 403, 409))
def totp_setup(platform: PlatformDep, state: SessionDep) -> TotpSetupView:
    """A new authenticator secret, for a staff member's first login."""
    if state is None:
        raise NotAuthenticated("log in with your password first")
    return accounts.totp_setup(platform, state)


@router.post("/auth/totp/verify", response_model=SessionView, responses=errors(401, 403, 409, 429))
def totp_verify(
    body: TotpIn, response: Response, platform: PlatformDep, who: AnonymousDep, state: SessionDep
) -> SessionView:
    """The second factor: completes a staff login and replaces the session again."""
    if state is None:
        raise NotAuthenticated("log in with your password first")
    new = accounts.totp_verify(platform, who, state, body.code)
    set_session_cookie(response, new)
    return accounts.session_view(platform, new)


@router.post("/auth/logout", status_code=204, responses=errors(403))
def logout(platform: PlatformDep, who: AnonymousDep, state: SessionDep) -> Response:
    """End the session on the server and clear the cookie."""
    if state is not None:
        accounts.logout(platform, who, state)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.get("/me", response_model=UserView, responses=errors(401))
def me(platform: PlatformDep, actor: ActorDep) -> UserView:
    return accounts.me(platform, actor)


@router.post("/invitations/accept", response_model=dict[str, str], responses=errors(400, 401, 403))
def accept_invitation(body: InvitationAcceptIn, platform: PlatformDep, actor: ActorDep) -> dict[str, str]:
    """A logged-in caregiver accepts one more patient's invitation; returns the request id."""
    return {"request_id": accounts.accept_invitation(platform, actor, body.token)}
