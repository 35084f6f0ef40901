"""Generic errors with a correlation id: the message a person can act on, never a traceback or
stored data; the id ties the reply to the server's log lines."""

from __future__ import annotations

import html
import importlib
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from secondopinion.errors import InputError, SecondOpinionError
from secondopinion.platform.errors import Conflict, Forbidden, NotAuthenticated, NotFound, Throttled, TooLarge
from secondopinion.security.crypto import IntegrityError
from secondopinion.security.uploads import UnsupportedContent

log = structlog.get_logger("secondopinion.web")


class Problem(BaseModel):
    """Every error reply of the API."""

    error: str = Field(description="a stable code, e.g. 'not_found' or 'csrf'")
    message: str = Field(description="what went wrong and what to do, in one line")
    correlation_id: str = Field(description="quote this when reporting a problem")


STATUS: list[tuple[type[Exception], int, str]] = [
    (Throttled, 429, "throttled"),
    (TooLarge, 413, "too_large"),
    (UnsupportedContent, 415, "unsupported_media_type"),
    (NotAuthenticated, 401, "not_authenticated"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (InputError, 400, "bad_input"),
]

DESCRIPTIONS = {
    400: "The input cannot be used; the message says what to fix",
    401: "Not logged in, the session ended, or the credentials are wrong",
    403: "Not allowed, or the CSRF token is missing or wrong",
    404: "No such object, or not one you may see",
    409: "The action does not fit the current state",
    413: "The upload is too large",
    415: "The file is not an accepted kind",
    429: "Too many failed attempts; see Retry-After",
    500: "Stored data failed its integrity check",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI documentation of error replies, for a route's `responses=`."""
    return {c: {"model": Problem, "description": DESCRIPTIONS[c]} for c in codes}


def correlation_id(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", "") or "-")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def problem(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    cid = correlation_id(request)
    if _wants_html(request):
        try:
            render_error = getattr(importlib.import_module("secondopinion.web.ui"), "render_error", None)
        except ImportError:
            render_error = None
        if render_error is not None:
            try:
                return render_error(request, status, message, cid)  # type: ignore[no-any-return]
            except Exception:  # an error page must never fail: fall back to the plain one
                log.error("error_page_failed", status=status, correlation_id=cid)
        body = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Error {status}</title></head>"
            f"<body><h1>Something went wrong ({status})</h1><p>{html.escape(message)}</p>"
            f"<p>Reference: <code>{html.escape(cid)}</code></p><p><a href='/'>Home</a></p></body></html>"
        )
        return HTMLResponse(body, status_code=status, headers=headers)
    return JSONResponse(
        Problem(error=code, message=message, correlation_id=cid).model_dump(),
        status_code=status,
        headers=headers,
    )


def _where(exc: BaseException) -> str:
    """Where an exception was raised (file and line) without its message or local variables,
    which could hold patient data."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"


def install(app: FastAPI) -> None:
    async def deliberate(request: Request, exc: Exception) -> Response:
        for cls, status, code in STATUS:
            if isinstance(exc, cls):
                headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Throttled) else None
                return problem(request, status, code, str(exc), headers)
        return problem(request, 400, "bad_input", str(exc))

    async def integrity(request: Request, exc: Exception) -> Response:
        log.error("integrity_failure", path=request.url.path, correlation_id=correlation_id(request))
        return problem(request, 500, "integrity", "stored data failed its integrity check; the team is told")

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail, "correlation_id": correlation_id(request)}, status_code=422)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = {
            401: "not_authenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return problem(request, exc.status_code, code, message, dict(exc.headers or {}) or None)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "internal_error",
            where=_where(exc),
            path=request.url.path,
            correlation_id=correlation_id(request),
            error=type(exc).__name__,
        )
        return problem(
            request, 500, "internal", "something went wrong on our side; quote the reference if you ask"
        )

    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(SecondOpinionError, deliberate)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
