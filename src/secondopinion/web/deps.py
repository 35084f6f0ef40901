"""Request-scoped dependencies: the platform, the session behind the cookie, the acting user, and
the CSRF check applied to every state-changing request of the whole app (API and pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from secondopinion.platform import accounts
from secondopinion.platform.accounts import SessionState
from secondopinion.platform.context import Actor, Anonymous, Platform
from secondopinion.platform.errors import Forbidden, NotAuthenticated
from secondopinion.security import sessions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_UNSET = object()


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


def client_ip(request: Request) -> str | None:
    """The peer address. Behind a reverse proxy run uvicorn with --proxy-headers and a trusted
    --forwarded-allow-ips, so this is the client's, not the proxy's."""
    return request.client.host if request.client else None


async def load_session(request: Request) -> SessionState | None:
    """The session behind the cookie, resolved once per request."""
    cached = getattr(request.state, "session", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    token = request.cookies.get(sessions.COOKIE)
    state = await run_in_threadpool(accounts.resolve_session, get_platform(request), token) if token else None
    request.state.session = state
    return state


def session_in_thread(request: Request) -> SessionState | None:
    """`load_session` for code already running in a worker thread: a hot route that does all its
    work in one trip through the thread pool (each trip costs about as much as a small query)."""
    cached = getattr(request.state, "session", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    token = request.cookies.get(sessions.COOKIE)
    state = accounts.resolve_session(get_platform(request), token) if token else None
    request.state.session = state
    return state


async def csrf_protect(request: Request) -> None:
    """Synchroniser token: every POST/PUT/PATCH/DELETE must carry the session's CSRF token in the
    X-CSRF-Token header (or a csrf_token form field). Without a session there is no token, so the
    request is refused: call GET /api/session first."""
    if request.method in SAFE_METHODS:
        return
    state = await load_session(request)
    given = request.headers.get(sessions.CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(sessions.CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if state is None or not sessions.csrf_ok(state.csrf_token, given):
        await run_in_threadpool(
            get_platform(request).audit,
            _who(request, state),
            "access.denied",
            outcome="csrf",
            detail={"route": request.url.path[:100]},
        )
        raise Forbidden("missing or wrong CSRF token; load the page again (or GET /api/session) and retry")


def anonymous(request: Request) -> Anonymous:
    return Anonymous(ip=client_ip(request), correlation_id=str(getattr(request.state, "correlation_id", "")))


def _who(request: Request, state: SessionState | None) -> Actor | Anonymous:
    if state is not None and state.authenticated and state.user_id and state.role:
        return Actor(
            state.user_id, state.role, client_ip(request), str(getattr(request.state, "correlation_id", ""))
        )
    return anonymous(request)


async def current_actor(request: Request) -> Actor:
    state = await load_session(request)
    if state is None or not state.authenticated:
        await run_in_threadpool(_refuse_unauthenticated, request, state)
    return accounts.actor_of(state, client_ip(request), str(getattr(request.state, "correlation_id", "")))


def actor_in_thread(request: Request) -> Actor:
    """`current_actor` for code already running in a worker thread (see `session_in_thread`)."""
    state = session_in_thread(request)
    if state is None or not state.authenticated:
        _refuse_unauthenticated(request, state)
    return accounts.actor_of(state, client_ip(request), str(getattr(request.state, "correlation_id", "")))


def _refuse_unauthenticated(request: Request, state: SessionState | None) -> None:
    get_platform(request).audit(
        anonymous(request),
        "access.denied",
        outcome="unauthenticated",
        detail={"route": request.url.path[:100]},
    )
    raise NotAuthenticated(
        "log in first"
        if state is None or state.user_id is None
        else "enter the code from your authenticator app first"
    )


def set_session_cookie(response: Response, state: SessionState) -> None:
    response.set_cookie(sessions.COOKIE, state.token, **sessions.cookie_attributes())  # type: ignore[arg-type]


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(sessions.COOKIE, path="/", secure=True, httponly=True, samesite="lax")


async def _platform(request: Request) -> Platform:
    return get_platform(request)


async def _anonymous(request: Request) -> Anonymous:
    return anonymous(request)


# Dependencies are coroutines: FastAPI runs a plain function dependency in the thread pool, a hop
# that costs more than the function.
PlatformDep = Annotated[Platform, Depends(_platform)]
ActorDep = Annotated[Actor, Depends(current_actor)]
SessionDep = Annotated[SessionState | None, Depends(load_session)]
AnonymousDep = Annotated[Anonymous, Depends(_anonymous)]
