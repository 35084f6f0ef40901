"""The review contract (DESIGN.md §3): field names here are a public interface and never renamed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.case import Case
from secondopinion.trials.model import TrialMatch

NOTICE = (
    "This is decision support to discuss with your treating doctors, not medical advice. "
    "It may be incomplete; only your care team knows your whole situation."
)

Recommendation = Literal["strongly_recommended", "recommended", "optional"]
Criterion = Literal["rare_cancer", "complex_case", "uncertainty_or_disagreement", "major_treatment_decision"]
Verdict = Literal["concordant", "partially_concordant", "discordant", "insufficient_information"]
FindingKind = Literal[
    "confirmed",
    "missing_test",
    "missing_treatment",
    "not_recommended",
    "alternative",
    "information_needed",
]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Out):
    source_id: str
    title: str
    year: int
    url_or_pmid: str


class TriageReason(Out):
    criterion: Criterion
    explanation: str
    evidence: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class Triage(Out):
    recommendation: Recommendation
    urgency: str
    reasons: list[TriageReason] = Field(default_factory=list)


class Finding(Out):
    kind: FindingKind
    subject: str
    explanation: str
    evidence_level: str = ""
    citations: list[Citation] = Field(default_factory=list)
    rule_id: str = Field(default="", description="knowledge-base rule that produced it")
    context: str = Field(default="", description="the decision point (pathway) it belongs to")


class PlanReview(Out):
    verdict: Verdict
    findings: list[Finding] = Field(default_factory=list)
    summary: str = ""


class CompletenessItem(Out):
    item: str
    why: str
    status: Literal["have", "missing", "unknown"]


class Review(Out):
    case: Case
    triage: Triage
    plan_review: PlanReview
    completeness: list[CompletenessItem] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    knowledge_base_version: str = ""
    trials: list[TrialMatch] = Field(
        default_factory=list, description="trials that may fit, best first (filled when a trial store exists)"
    )
    notice: str = NOTICE
