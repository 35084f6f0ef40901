"""The reviewer's structured second opinion: what the platform stores and the comparison reads.

Structured so the first and second opinions can be compared element by element (diagnosis,
stage, each plan element) rather than as two letters. Pure data with its own consistency rules.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DiagnosisVerdict = Literal["same", "refined", "different"]
PlanVerdict = Literal["agree", "modify", "replace", "add"]


class OpinionPart(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiagnosisOpinion(OpinionPart):
    verdict: DiagnosisVerdict
    text: str = Field(default="", description="the diagnosis as the reviewer states it")
    reason: str = ""

    @model_validator(mode="after")
    def _text_when_changed(self) -> DiagnosisOpinion:
        if self.verdict != "same" and not self.text.strip():
            raise ValueError("a refined or different diagnosis needs the reviewer's diagnosis as text")
        return self


class StageOpinion(OpinionPart):
    verdict: DiagnosisVerdict
    stage: str = Field(default="", description="the stage as the reviewer states it, e.g. 'IIIA' or 'pT2 N1'")
    reason: str = ""

    @model_validator(mode="after")
    def _stage_when_changed(self) -> StageOpinion:
        if self.verdict != "same" and not self.stage.strip():
            raise ValueError("a refined or different stage needs the reviewer's stage")
        return self


class PlanElementOpinion(OpinionPart):
    """The reviewer on one element of the first plan (by its index in case.plan), or an addition."""

    verdict: PlanVerdict
    plan_index: int | None = Field(default=None, ge=0, description="index in case.plan; none for 'add'")
    text: str = Field(default="", description="what the reviewer recommends instead or in addition")
    reason: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> PlanElementOpinion:
        if self.verdict == "add" and self.plan_index is not None:
            raise ValueError("an added element does not refer to a first-plan element")
        if self.verdict != "add" and self.plan_index is None:
            raise ValueError(f"'{self.verdict}' needs the plan_index of the first-plan element")
        if self.verdict in ("modify", "replace", "add") and not self.text.strip():
            raise ValueError(f"'{self.verdict}' needs the reviewer's recommendation as text")
        return self


class SecondOpinion(OpinionPart):
    case_id: str
    reviewer_id: str | None = None
    reviewer_name: str | None = None
    diagnosis: DiagnosisOpinion
    stage: StageOpinion | None = Field(default=None, description="none: stage not commented on")
    plan: list[PlanElementOpinion] = Field(default_factory=list)
    summary: str = ""

    @model_validator(mode="after")
    def _one_opinion_per_element(self) -> SecondOpinion:
        seen = [p.plan_index for p in self.plan if p.plan_index is not None]
        dupes = sorted({i for i in seen if seen.count(i) > 1})
        if dupes:
            raise ValueError(f"more than one opinion on plan element(s) {dupes}")
        return self
