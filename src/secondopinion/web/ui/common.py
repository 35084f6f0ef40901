"""What every logged-in page needs: the platform, the session (its CSRF token goes in every
form), the acting user and their name for the header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from secondopinion.platform.accounts import SessionState
from secondopinion.platform.context import Actor, Platform
from secondopinion.web.deps import (
    actor_in_thread,
    current_actor,
    get_platform,
    load_session,
    session_in_thread,
)
from secondopinion.web.ui.render import page


@dataclass(frozen=True)
class Viewer:
    platform: Platform
    state: SessionState
    actor: Actor
    name: str

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return page(request, template, state=self.state, user_name=self.name, status=status, **context)


async def viewer(request: Request) -> Viewer:
    """The logged-in user (401, and so the login page, otherwise). The name comes with the session
    (read with its user in one query), so a page costs no extra query for its header."""
    actor = await current_actor(request)
    state = await load_session(request)
    assert state is not None
    return Viewer(platform=get_platform(request), state=state, actor=actor, name=state.display_name or "")


def viewer_in_thread(request: Request) -> Viewer:
    """`viewer` for a page that does all its work in one trip through the thread pool."""
    actor = actor_in_thread(request)
    state = session_in_thread(request)
    assert state is not None
    return Viewer(platform=get_platform(request), state=state, actor=actor, name=state.display_name or "")


ViewerDep = Annotated[Viewer, Depends(viewer)]
