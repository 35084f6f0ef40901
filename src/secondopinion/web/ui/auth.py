"""Pages for getting in and out: the front page, login with the second step (TOTP) for staff,
sign-up for patients (and caregivers with an invitation), logout."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from secondopinion.errors import InputError
from secondopinion.platform import accounts
from secondopinion.platform.accounts import SessionState
from secondopinion.platform.errors import Conflict, NotAuthenticated, Throttled
from secondopinion.web.deps import (
    anonymous,
    clear_session_cookie,
    get_platform,
    load_session,
    set_session_cookie,
)
from secondopinion.web.ui.common import ViewerDep
from secondopinion.web.ui.render import HOME, page

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never '//host' or a scheme) may be a redirect target."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) < 300:
        return target
    return None


async def ensure_session(request: Request, response: Response | None = None) -> tuple[SessionState, bool]:
    """The visitor's session, starting an anonymous one (so the form carries a CSRF token)."""
    state = await load_session(request)
    if state is not None:
        return state, False
    state = await run_in_threadpool(accounts.new_anonymous_session, get_platform(request))
    request.state.session = state
    return state, True


def _with_cookie(response: Response, state: SessionState, new: bool) -> Response:
    if new:
        set_session_cookie(response, state)
    return response


def _after_login(state: SessionState, target: str | None) -> str:
    if state.mfa_pending:
        return "/login/totp" + (f"?next={quote(target)}" if target else "")
    return target or HOME.get(state.role or "", "/")


@router.get("/")
async def home(request: Request) -> Response:
    state = await load_session(request)
    if state is not None and state.authenticated:
        return RedirectResponse(HOME.get(state.role or "", "/requests"), status_code=303)
    if state is not None and state.mfa_pending:
        return RedirectResponse("/login/totp", status_code=303)
    return page(request, "home.html", state=state)


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    state, new = await ensure_session(request)
    if state.authenticated or state.mfa_pending:
        return RedirectResponse(_after_login(state, safe_next(next)), status_code=303)
    return _with_cookie(
        page(request, "login.html", state=state, next=safe_next(next) or "", error="", email=""), state, new
    )


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    state = await load_session(request)
    platform = get_platform(request)
    try:
        new = await run_in_threadpool(accounts.login, platform, anonymous(request), state, email, password)
    except (NotAuthenticated, Throttled) as exc:
        status = 429 if isinstance(exc, Throttled) else 401
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else {}
        response = page(
            request,
            "login.html",
            state=state,
            next=safe_next(next) or "",
            error=str(exc),
            email=email[:320],
            status=status,
        )
        response.headers.update(headers)
        return response
    moved = RedirectResponse(_after_login(new, safe_next(next)), status_code=303)
    set_session_cookie(moved, new)
    return moved


async def _pending(request: Request) -> SessionState | None:
    state = await load_session(request)
    return state if state is not None and state.mfa_pending else None


@router.get("/login/totp")
async def totp_form(request: Request, next: str | None = None) -> Response:
    state = await _pending(request)
    if state is None:
        return RedirectResponse("/login", status_code=303)
    return page(
        request,
        "totp.html",
        state=state,
        enrolled=state.mfa_enrolled,
        setup=None,
        next=safe_next(next) or "",
        error="",
    )


@router.post("/login/totp/setup")
async def totp_setup(request: Request, next: Annotated[str, Form(max_length=300)] = "") -> Response:
    """First login of a staff member: a new secret to type into an authenticator app."""
    state = await _pending(request)
    if state is None:
        return RedirectResponse("/login", status_code=303)
    setup = await run_in_threadpool(accounts.totp_setup, get_platform(request), state)
    grouped = " ".join(setup.secret[i : i + 4] for i in range(0, len(setup.secret), 4))
    return page(
        request,
        "totp.html",
        state=state,
        enrolled=False,
        setup=setup,
        grouped=grouped,
        next=safe_next(next) or "",
        error="",
    )


@router.post("/login/totp")
async def totp_verify(
    request: Request,
    code: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    state = await _pending(request)
    if state is None:
        return RedirectResponse("/login", status_code=303)
    try:
        new = await run_in_threadpool(
            accounts.totp_verify, get_platform(request), anonymous(request), state, code.replace(" ", "")
        )
    except (NotAuthenticated, Throttled, Conflict) as exc:
        status = 429 if isinstance(exc, Throttled) else 409 if isinstance(exc, Conflict) else 401
        return page(
            request,
            "totp.html",
            state=state,
            enrolled=state.mfa_enrolled,
            setup=None,
            next=safe_next(next) or "",
            error=str(exc),
            status=status,
        )
    response = RedirectResponse(_after_login(new, safe_next(next)), status_code=303)
    set_session_cookie(response, new)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    state = await load_session(request)
    if state is not None:
        await run_in_threadpool(accounts.logout, get_platform(request), anonymous(request), state)
    response = RedirectResponse("/login?done=logged_out", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/signup")
async def signup_form(request: Request, invitation: str | None = None) -> Response:
    state, new = await ensure_session(request)
    if state.authenticated:
        return RedirectResponse(HOME.get(state.role or "", "/"), status_code=303)
    return _with_cookie(
        page(request, "signup.html", state=state, invitation=(invitation or "")[:100], error="", form={}),
        state,
        new,
    )


@router.post("/signup")
async def signup(
    request: Request,
    display_name: Annotated[str, Form(max_length=200)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    password_again: Annotated[str, Form(max_length=256)] = "",
    invitation: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Create the account, then log in with it at once (a new session, as at any login)."""
    state = await load_session(request)
    platform = get_platform(request)
    who = anonymous(request)
    try:
        if password != password_again:
            raise InputError("the two passwords are not the same")
        await run_in_threadpool(
            accounts.signup, platform, who, email, password, display_name, invitation or None
        )
    except (InputError, Conflict) as exc:
        return page(
            request,
            "signup.html",
            state=state,
            invitation=invitation,
            error=str(exc),
            form={"display_name": display_name, "email": email},
            status=409 if isinstance(exc, Conflict) else 400,
        )
    new = await run_in_threadpool(accounts.login, platform, who, state, email, password)
    response = RedirectResponse(HOME.get(new.role or "", "/requests"), status_code=303)
    set_session_cookie(response, new)
    return response


@router.get("/invitations/accept")
def accept_form(request: Request, viewer: ViewerDep, token: str = "") -> Response:
    return viewer.page(request, "accept.html", token=token[:100], error="")


@router.post("/invitations/accept")
def accept(request: Request, viewer: ViewerDep, token: Annotated[str, Form(max_length=100)] = "") -> Response:
    """A caregiver who already has an account follows one more request."""
    try:
        request_id = accounts.accept_invitation(viewer.platform, viewer.actor, token.strip())
    except InputError as exc:
        return viewer.page(request, "accept.html", token=token, error=str(exc), status=400)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
