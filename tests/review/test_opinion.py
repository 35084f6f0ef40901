"""The structured second opinion the platform stores: consistent by construction."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from secondopinion.review.opinion import DiagnosisOpinion, PlanElementOpinion, SecondOpinion, StageOpinion


def test_a_changed_diagnosis_or_stage_needs_the_new_one():
    with pytest.raises(ValidationError, match="diagnosis as text"):
        DiagnosisOpinion(verdict="different")
    with pytest.raises(ValidationError, match="reviewer's stage"):
        StageOpinion(verdict="refined")
    assert DiagnosisOpinion(verdict="same").text == ""


def test_plan_opinions_point_at_first_plan_elements_except_additions():
    with pytest.raises(ValidationError, match="plan_index"):
        PlanElementOpinion(verdict="modify", text="less")
    with pytest.raises(ValidationError, match="does not refer"):
        PlanElementOpinion(verdict="add", plan_index=0, text="x")
    with pytest.raises(ValidationError, match="recommendation as text"):
        PlanElementOpinion(verdict="replace", plan_index=0)
    assert PlanElementOpinion(verdict="agree", plan_index=0).text == ""


def test_one_opinion_per_element_and_round_trip_through_json():
    dx = DiagnosisOpinion(verdict="same")
    with pytest.raises(ValidationError, match="more than one"):
        SecondOpinion(case_id="c", diagnosis=dx, plan=[PlanElementOpinion(verdict="agree", plan_index=0)] * 2)
    op = SecondOpinion(case_id="c", diagnosis=dx, plan=[PlanElementOpinion(verdict="agree", plan_index=0)])
    assert SecondOpinion.model_validate_json(op.model_dump_json()) == op
    with pytest.raises(ValidationError):
        SecondOpinion.model_validate({"case_id": "c", "diagnosis": {"verdict": "same"}, "typo": 1})
