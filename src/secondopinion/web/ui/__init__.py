"""The web pages: server-rendered Jinja2 with a little htmx (vendored in web/static, no build
step). `create_app` includes `router` and uses `render_error` for errors on pages.

Pages call the platform services with the logged-in actor and render the views they return;
they hold no business rules of their own. Every form posts the session's CSRF token.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from secondopinion.web.ui import admin, auth, coordinator, requests, reviewer
from secondopinion.web.ui.render import page

# `create_app` includes these directly: every level of included routers costs another pass over
# its routes on each request.
ROUTERS = (auth.router, coordinator.router, requests.router, reviewer.router, admin.router)
router = APIRouter(include_in_schema=False)
for _sub in ROUTERS:
    router.include_router(_sub)

TITLES = {
    400: "Please check what you entered",
    401: "Please log in",
    403: "You cannot open this page",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "This cannot be done right now",
    413: "The file is too large",
    415: "This kind of file is not accepted",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def render_error(request: Request, status: int, message: str, correlation_id: str) -> Response:
    """The generic error page: what happened in one line, and a reference to quote. A page that
    needs a login sends the visitor to the login form and back."""
    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"/login?next={quote(target)}" if target != "/" else "/login", status_code=303
        )
    state = getattr(request.state, "session", None)
    shown = (
        message
        if status < 500
        else "We could not complete this. The team can trace it with the reference below."
    )
    return page(
        request,
        "error.html",
        state=state,
        status=status,
        code=status,
        title=TITLES.get(status, "Something went wrong"),
        message=shown,
        correlation_id=correlation_id,
    )


__all__ = ["render_error", "router"]
