"""The app factory: one FastAPI process serving the JSON API and, when present, the pages.

    app = create_app(PlatformSettings.from_env())

Migrations run when the app is created. The pages plug in without editing this file: if
`secondopinion.web.ui` exists and has a `router`, it is included, and `web/static/` is served at
/static. Every state-changing request of either is CSRF-checked (web/deps.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import structlog
from fastapi import Depends, FastAPI

from secondopinion import __version__
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.platform.context import Clock, Platform, system_clock
from secondopinion.platform.settings import PlatformSettings
from secondopinion.security import sessions
from secondopinion.web import errors
from secondopinion.web.deps import csrf_protect
from secondopinion.web.logging import configure_logging
from secondopinion.web.middleware import PlatformMiddleware

STATIC = Path(__file__).parent / "static"
DESCRIPTION = """\
The SecondOpinion platform API: second-opinion requests, records, reviewer assignment, structured
opinions, first-vs-second comparison and follow-up.

Authentication: a server-side session in the `__Host-so_session` cookie. Start with
`GET /api/session` (it sets the cookie and returns `csrf_token`), then `POST /api/auth/login`.
Staff accounts also need `POST /api/auth/totp/verify`. Every POST/PUT/DELETE must send the
session's token in the `X-CSRF-Token` header. Errors are `{error, message, correlation_id}`.
"""


def create_app(
    settings: PlatformSettings | None = None,
    *,
    platform: Platform | None = None,
    kb: KnowledgeBase | None = None,
    clock: Clock = system_clock,
) -> FastAPI:
    """Build the app around a platform (opened from `settings`, or given ready, as tests do)."""
    if not structlog.is_configured():
        configure_logging()
    if platform is None:
        if settings is None:
            settings = PlatformSettings.from_env()
        platform = Platform.open(settings, kb=kb, clock=clock)
    threads = platform.settings.threads

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the thread pool's size is per event loop, so it is set once the server's loop runs
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="SecondOpinion platform",
        version=__version__,
        description=DESCRIPTION,
        dependencies=[Depends(csrf_protect)],
        openapi_url="/openapi.json",
        docs_url="/docs" if platform.settings.demo else None,
        redoc_url=None,
    )
    app.state.platform = platform
    errors.install(app)
    app.add_middleware(PlatformMiddleware, max_body=platform.settings.max_upload_bytes + 1024 * 1024)

    from secondopinion.web import api

    for sub in api.ROUTERS:  # one level of routers, not two (see web/api/__init__.py)
        app.include_router(sub, prefix=api.PREFIX)
    _include_ui(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _include_ui(app: FastAPI) -> None:
    """The UI engineer's pages and static files, if they are installed."""
    import importlib

    try:
        ui = importlib.import_module("secondopinion.web.ui")
    except ImportError:
        ui = None
    if ui is not None and hasattr(ui, "router"):
        for sub in getattr(ui, "ROUTERS", (ui.router,)):
            app.include_router(sub)
    if STATIC.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, limited to the JSON API (pages are not an API) and naming the session
    cookie and CSRF header."""
    schema = FastAPI.openapi(app)
    schema["paths"] = {p: v for p, v in schema.get("paths", {}).items() if p.startswith("/api")}
    schema.setdefault("components", {})["securitySchemes"] = {
        "session": {"type": "apiKey", "in": "cookie", "name": sessions.COOKIE},
        "csrf": {"type": "apiKey", "in": "header", "name": sessions.CSRF_HEADER},
    }
    return schema
