"""The JSON API under /api, documented at /openapi.json."""

from __future__ import annotations

from fastapi import APIRouter

from secondopinion.web.api import admin, auth, requests, reviewers

router = APIRouter(prefix="/api")
router.include_router(auth.router)
router.include_router(requests.router)
router.include_router(reviewers.router)
router.include_router(admin.router)

__all__ = ["router"]
