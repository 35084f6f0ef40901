"""Reads the directory's bundled data files (the one place in this package that does I/O)."""

from __future__ import annotations

from functools import cache
from importlib import resources

# The place table is shared with trial matching; it is re-exported here for the directory's callers.
from secondopinion.places import bundled_gazetteer as bundled_gazetteer
from secondopinion.specialists.directory import Centre, Directory, ReviewerProfile, parse_centres


def _text(name: str) -> str:
    return resources.files("secondopinion.specialists").joinpath("data", name).read_text(encoding="utf-8")


@cache
def bundled_centres() -> tuple[Centre, ...]:
    return tuple(parse_centres(_text("nci_centres.csv"), "nci_centres.csv"))


def default_directory(reviewers: list[ReviewerProfile] | None = None) -> Directory:
    """The bundled centres, plus the platform's reviewers when it passes them."""
    return Directory(centres=list(bundled_centres()), reviewers=list(reviewers or []))
