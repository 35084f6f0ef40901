"""Reads the directory's bundled data files (the one place in this package that does I/O)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from secondopinion.specialists.directory import Centre, Directory, ReviewerProfile, parse_centres
from secondopinion.specialists.geo import Gazetteer, parse_places


def _text(name: str) -> str:
    return resources.files("secondopinion.specialists").joinpath("data", name).read_text(encoding="utf-8")


@cache
def bundled_centres() -> tuple[Centre, ...]:
    return tuple(parse_centres(_text("nci_centres.csv"), "nci_centres.csv"))


@cache
def bundled_gazetteer() -> Gazetteer:
    return Gazetteer.from_places(parse_places(_text("us_places.csv")))


def default_directory(reviewers: list[ReviewerProfile] | None = None) -> Directory:
    """The bundled centres, plus the platform's reviewers when it passes them."""
    return Directory(centres=list(bundled_centres()), reviewers=list(reviewers or []))
