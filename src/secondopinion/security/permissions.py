"""Deny-by-default permissions, as pure rules over who the actor is to a request.

Route level: each route names the roles it serves (`ROUTE_ROLES` in the web layer uses these
names). Case level: the actor's *relation* to the request decides; an actor with no relation is
told the request does not exist (404), an actor who may see it but not do this is refused (403).
Any action missing from `POLICY` is refused for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Relation = Literal["owner", "caregiver", "reviewer", "blinded_reviewer", "coordinator", "none"]

POLICY: dict[str, frozenset[str]] = {
    "request.read": frozenset({"owner", "caregiver", "reviewer", "blinded_reviewer", "coordinator"}),
    "request.edit": frozenset({"owner"}),
    "request.consent": frozenset({"owner"}),
    "request.invite": frozenset({"owner"}),
    "request.dispute": frozenset({"owner"}),
    "request.triage": frozenset({"coordinator"}),
    "document.upload": frozenset({"owner", "caregiver"}),
    "document.read": frozenset({"owner", "caregiver", "reviewer", "blinded_reviewer", "coordinator"}),
    "opinion.write": frozenset({"reviewer", "blinded_reviewer"}),
    "opinion.read": frozenset({"owner", "caregiver", "reviewer", "blinded_reviewer", "coordinator"}),
    "comparison.read": frozenset({"owner", "caregiver", "reviewer", "coordinator"}),
    "question.ask": frozenset({"owner", "caregiver"}),
    "question.answer": frozenset({"reviewer"}),
    "question.read": frozenset({"owner", "caregiver", "reviewer", "coordinator"}),
    "checkin.answer": frozenset({"owner", "caregiver"}),
    "checkin.read": frozenset({"owner", "caregiver", "coordinator"}),
}


@dataclass(frozen=True)
class RequestParties:
    """Who is connected to one request."""

    patient_id: str
    caregiver_ids: frozenset[str]
    reviewer_ids: frozenset[str]
    blinded_reviewer_ids: frozenset[str]


def relation(user_id: str, role: str, parties: RequestParties) -> Relation:
    """The actor's relation to the request; the role must match the relation (a coordinator who is
    also named as a caregiver still acts as a coordinator)."""
    if role == "patient" and user_id == parties.patient_id:
        return "owner"
    if role == "caregiver" and user_id in parties.caregiver_ids:
        return "caregiver"
    if role == "reviewer" and user_id in parties.blinded_reviewer_ids:
        return "blinded_reviewer"
    if role == "reviewer" and user_id in parties.reviewer_ids:
        return "reviewer"
    if role == "coordinator":
        return "coordinator"
    return "none"


def allowed(action: str, rel: Relation) -> bool:
    return rel in POLICY.get(action, frozenset())
