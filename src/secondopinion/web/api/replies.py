"""Replies built from a view the service has already validated."""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


def json_response(view: BaseModel, status_code: int = 200) -> Response:
    """The view as JSON, exactly as FastAPI would write it for the route's `response_model`, without
    validating it a second time (for a plain-function route FastAPI does that in the thread pool)."""
    return Response(view.model_dump_json().encode(), status_code=status_code, media_type="application/json")
