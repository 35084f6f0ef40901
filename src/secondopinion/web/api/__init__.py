"""The JSON API under /api, documented at /openapi.json."""

from __future__ import annotations

from fastapi import APIRouter

from secondopinion.web.api import admin, auth, requests, reviewers

PREFIX = "/api"
# The app includes these directly under PREFIX: every level of included routers costs another
# pass over its routes on each request.
ROUTERS = (auth.router, requests.router, reviewers.router, admin.router)

router = APIRouter(prefix=PREFIX)
for _sub in ROUTERS:
    router.include_router(_sub)

__all__ = ["PREFIX", "ROUTERS", "router"]
