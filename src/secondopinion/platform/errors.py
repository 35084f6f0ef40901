"""Errors the services raise on purpose; the web layer maps each to one HTTP status."""

from __future__ import annotations

from secondopinion.errors import InputError, SecondOpinionError


class NotAuthenticated(SecondOpinionError):
    """No valid session (401)."""


class Forbidden(SecondOpinionError):
    """The actor may see the object but not do this (403)."""


class NotFound(SecondOpinionError):
    """No such object, or one the actor may not know exists (404)."""


class Conflict(SecondOpinionError):
    """The action does not fit the object's current state (409)."""


class Throttled(SecondOpinionError):
    """Too many failed attempts; try again later (429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooLarge(InputError):
    """The upload exceeds the size limit (413)."""


__all__ = ["Conflict", "Forbidden", "InputError", "NotAuthenticated", "NotFound", "Throttled", "TooLarge"]
