"""Typed trial records and match results, shared by parsers, the store and the matcher.

A criterion keeps its source sentence; what the parser does not understand stays `unparsed` and
is shown to a person rather than guessed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CriterionType = Literal[
    "age",
    "sex",
    "cancer_type",
    "histology",
    "stage",
    "metastatic",
    "biomarker",
    "prior_therapy",
    "line_of_therapy",
    "performance_status",
    "brain_metastases",
    "measurable_disease",
    "organ_function",
    "pregnancy",
    "unparsed",
]
Evaluation = Literal["met", "not_met", "unknown"]


class TrialModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Criterion(TrialModel):
    """One eligibility criterion. `inclusion` False means it is an exclusion criterion: the
    patient must NOT meet `what` it describes."""

    inclusion: bool
    type: CriterionType
    text: str = Field(description="the source sentence")
    # Typed parameters; only those relevant to the type are set.
    min_age: float | None = None
    max_age: float | None = None
    sex: Literal["female", "male"] | None = None
    cancer_types: list[str] = Field(default_factory=list, description="knowledge-base cancer ids")
    histology: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    metastatic: bool | None = None
    gene: str | None = Field(default=None, description="knowledge-base biomarker id")
    alteration: str | None = None
    biomarker_status: Literal["positive", "negative"] | None = None
    therapy_drugs: list[str] = Field(default_factory=list, description="drug ids")
    therapy_classes: list[str] = Field(default_factory=list, description="drug classes")
    therapy_modalities: list[str] = Field(default_factory=list)
    min_lines: int | None = None
    max_lines: int | None = None
    ecog_max: int | None = None
    karnofsky_min: int | None = None
    brain_metastases: Literal["excluded", "allowed_if_treated", "required"] | None = None
    lab: str | None = Field(default=None, description="organ-function test, e.g. 'creatinine clearance'")
    arm: str | None = Field(default=None, description="arm or cohort the criterion belongs to (CTML)")
    # Added with the criteria parser (additive):
    settings: list[Literal["localized", "locally_advanced", "metastatic", "recurrent"]] = Field(
        default_factory=list,
        description="disease settings (the case's Cancer.setting, or 'recurrent') any of which satisfies a "
        "'metastatic' criterion, e.g. 'locally advanced or metastatic' -> [locally_advanced, metastatic]",
    )
    value_min: float | None = Field(default=None, description="lower bound of a biomarker or lab value")
    value_max: float | None = Field(default=None, description="upper bound of a biomarker or lab value")
    unit: str | None = Field(default=None, description="unit of value_min/value_max, e.g. '%', 'x ULN'")
    within_days: int | None = Field(
        default=None, description="prior_therapy: only treatment in this many days before enrolment counts"
    )
    group: str | None = Field(
        default=None,
        description="alternatives: criteria sharing a group are satisfied when all criteria of ONE of the "
        "group's options are (e.g. 'ER+ and/or PR+', 'one of the following:', a CTML 'or')",
    )
    option: int | None = Field(default=None, description="which alternative of `group` this criterion is in")


class Site(TrialModel):
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    postal_code: str | None = None
    status: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Arm(TrialModel):
    """A trial arm or cohort (CTML dose levels and arms carry their own criteria)."""

    id: str
    description: str | None = None
    open: bool = True


class Trial(TrialModel):
    nct_id: str = Field(pattern=r"^NCT\d{8}$|^[A-Za-z0-9_.-]+$")
    title: str
    brief_summary: str | None = None
    status: str = Field(description="overall status, e.g. RECRUITING")
    phase: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    cancer_types: list[str] = Field(default_factory=list, description="knowledge-base cancer ids")
    interventions: list[str] = Field(default_factory=list)
    min_age: float | None = None
    max_age: float | None = None
    sex: Literal["all", "female", "male"] = "all"
    eligibility_text: str = ""
    criteria: list[Criterion] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    last_update: date | None = None
    source_format: Literal["ctgov_v2", "ctgov_xml", "ctml", "fhir"] = "ctgov_v2"


class CriterionResult(TrialModel):
    criterion: Criterion
    evaluation: Evaluation
    because: str = Field(description="the case fact that decided it, or what is missing")
    to_resolve: str | None = Field(default=None, description="question or test that would settle it")


class TrialMatch(TrialModel):
    nct_id: str
    title: str
    status: str
    phase: list[str] = Field(default_factory=list)
    score: float = Field(description="ranking score; higher first")
    met: int = 0
    not_met: int = 0
    unknown: int = 0
    results: list[CriterionResult] = Field(default_factory=list)
    why: str = ""
    to_resolve: list[str] = Field(default_factory=list)
    nearest_site: Site | None = None
    distance_km: float | None = None
    arm: str | None = None
    snapshot_date: date | None = Field(default=None, description="last update of the trial record used")
