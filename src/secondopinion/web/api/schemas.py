"""Request bodies of the JSON API. Replies are the service views (platform/views.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.platform.workflow import State


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupIn(In):
    email: str = Field(min_length=3, max_length=320, examples=["pat@example.org"])
    password: str = Field(min_length=12, max_length=256, description="at least 12 characters")
    display_name: str = Field(min_length=1, max_length=200)
    invitation_token: str | None = Field(
        None, max_length=100, description="from a patient: makes a caregiver"
    )


class LoginIn(In):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)


class TotpIn(In):
    code: str = Field(max_length=10, description="the 6-digit code from the authenticator app")


class CreateRequestIn(In):
    """Exactly one of text, case or fhir."""

    title: str = Field("", max_length=200)
    text: str | None = Field(None, max_length=100_000, description="the situation in the patient's own words")
    case: dict[str, Any] | None = Field(
        None, description="a structured case (the Case model, as from the form)"
    )
    fhir: dict[str, Any] | None = Field(None, description="a FHIR R4 / mCODE bundle")


class CaseTextIn(In):
    text: str = Field(min_length=1, max_length=100_000)


class ConsentIn(In):
    granted: bool = True


class RecordsPendingIn(In):
    missing: list[str] = Field(default_factory=list, max_length=50, description="records still needed")


class AssignIn(In):
    reviewer_ids: list[str] = Field(min_length=1, max_length=6)
    lead_id: str | None = Field(None, max_length=64)


class ThirdOpinionIn(In):
    reviewer_id: str = Field(max_length=64)


class TextIn(In):
    text: str = Field(min_length=1, max_length=10_000)


class DisputeIn(In):
    reason: str = Field(min_length=1, max_length=5000)


class CheckInAnswerIn(In):
    followed: Literal["yes", "partly", "no"]
    wellbeing: int = Field(ge=1, le=5, description="1 very poorly … 5 very well")
    note: str = Field("", max_length=5000)


class InvitationAcceptIn(In):
    token: str = Field(max_length=100)


class ProfileIn(In):
    specialties: list[str] = Field(max_length=50, description="knowledge-base cancer ids, e.g. 'nsclc'")
    subspecialty: str = Field("", max_length=200)
    yearly_case_volume: int = Field(0, ge=0, le=100_000)
    languages: list[str] = Field(default_factory=list, max_length=20)
    licence_jurisdiction: str = Field("", max_length=100)
    location: str = Field("", max_length=200)
    conflicts_of_interest: list[str] = Field(default_factory=list, max_length=50)
    accepting: bool = True


class CreateUserIn(In):
    email: str = Field(max_length=320)
    role: Literal["patient", "caregiver", "reviewer", "coordinator", "admin"]
    display_name: str = Field(max_length=200)
    password: str = Field(max_length=256)


class ActiveIn(In):
    active: bool


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class RequestState(BaseModel):
    state: State
