"""Structured logs for the server: JSON lines on stderr holding ids, routes, statuses and
timings, never patient data (the services log ids only; request bodies are never logged)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def _drop_exception_details(_logger: object, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Tracebacks can carry local variables and messages quoting patient data: keep the type only."""
    exc = event.pop("exc_info", None)
    if exc:
        info = sys.exc_info() if exc is True else exc
        if isinstance(info, tuple) and info[0] is not None:
            event["error"] = info[0].__name__
        elif isinstance(info, BaseException):
            event["error"] = type(info).__name__
    return event


def configure_logging(level: int = logging.INFO) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _drop_exception_details,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),  # cheaper than print() per line
        cache_logger_on_first_use=True,
    )
