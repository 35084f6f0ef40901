"""Pure ASGI middleware: a correlation id per request, security headers, and a cap on the body
size enforced while it streams in (not after a huge upload has been spooled)."""

from __future__ import annotations

import secrets
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("secondopinion.web")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]
DOCS_CSP = (
    b"default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline' https:; "
    b"script-src 'self' 'unsafe-inline' https:; frame-ancestors 'none'"
)


class BodyTooLarge(Exception):
    pass


class PlatformMiddleware:
    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cid = secrets.token_hex(8)
        scope.setdefault("state", {})["correlation_id"] = cid
        structlog.contextvars.bind_contextvars(correlation_id=cid)
        path: str = scope.get("path", "")
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}

        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _reply_413(send, cid)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", cid.encode()))
                docs = path in ("/docs", "/redoc")
                for name, value in SECURITY_HEADERS:
                    if name == b"content-security-policy" and docs:
                        value = DOCS_CSP
                    headers.append((name, value))
                if path.startswith("/api"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if "status" not in status_holder:
                await _reply_413(send, cid)
        finally:
            log.info(
                "http",
                method=scope.get("method"),
                route=_route(scope),
                status=status_holder.get("status"),
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.unbind_contextvars("correlation_id")


def _route(scope: Scope) -> str:
    """The route template (ids stay out of the logs), or the path's first segment."""
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    parts = str(scope.get("path", "")).split("/")
    return "/".join(parts[:3])


async def _reply_413(send: Send, cid: str) -> None:
    body = (
        b'{"error":"too_large","message":"the request body is too large","correlation_id":"'
        + cid.encode()
        + b'"}'
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-correlation-id", cid.encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
