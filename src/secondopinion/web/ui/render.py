"""Rendering pages: one Jinja2 environment, the context every page gets (who is logged in, the
CSRF token for its forms, the navigation), and redirects that work for plain forms and htmx."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from secondopinion.platform.accounts import SessionState
from secondopinion.web.ui import labels

NAV: dict[str, list[tuple[str, str]]] = {
    "patient": [("/requests", "My requests"), ("/requests/new", "New request")],
    "caregiver": [("/requests", "Requests I follow")],
    "reviewer": [("/requests", "My cases"), ("/reviewer/profile", "My profile")],
    "coordinator": [("/dashboard", "Dashboard"), ("/requests", "All requests")],
    "admin": [("/admin/audit", "Audit trail")],
}
HOME = {
    "patient": "/requests",
    "caregiver": "/requests",
    "reviewer": "/requests",
    "coordinator": "/dashboard",
    "admin": "/admin/audit",
}


def when(value: datetime | None, with_time: bool = False) -> str:
    """Dates as people write them ('3 March 2026'), in UTC, which the page says."""
    if value is None:
        return "—"
    text = f"{value.day} {value:%B %Y}"
    return f"{text}, {value:%H:%M} UTC" if with_time else text


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("secondopinion.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.globals["labels"] = labels
    return env


def page(
    request: Request,
    template: str,
    *,
    state: SessionState | None,
    user_name: str | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A whole page: the template with who is logged in, the CSRF token and the navigation."""
    platform = getattr(request.app.state, "platform", None)
    role = state.role if state is not None and state.authenticated else None
    base = {
        "request": request,
        "csrf_token": state.csrf_token if state is not None else "",
        "role": role,
        "user_name": user_name,
        "nav": NAV.get(role or "", []),
        "path": request.url.path,
        "notice": labels.NOTICES.get(request.query_params.get("done", ""), ""),
        "demo": bool(platform is not None and platform.settings.demo),
    }
    html = environment().get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def fragment(template: str, **context: Any) -> HTMLResponse:
    """A piece of a page for htmx to swap in."""
    html = environment().get_template(template).render(**context)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def redirect(request: Request, url: str) -> Response:
    """After a successful form post: 303 to the page to show (htmx follows HX-Redirect instead, so
    the whole page is replaced rather than nested)."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
