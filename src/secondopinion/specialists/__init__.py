"""Specialists and centres: a directory (NCI-designated centres, platform reviewers) and matching."""

from __future__ import annotations

from secondopinion.specialists.directory import Centre, Directory, ReviewerProfile
from secondopinion.specialists.match import CentreMatch, ReviewerMatch, SpecialistMatches, match_specialists

__all__ = [
    "Centre",
    "CentreMatch",
    "Directory",
    "ReviewerMatch",
    "ReviewerProfile",
    "SpecialistMatches",
    "match_specialists",
]
