"""The decision aid: the plan and its alternatives side by side, and a chart of the evidence."""

from __future__ import annotations

import pytest

from secondopinion.case import Cancer, Case, PlanItem
from secondopinion.report.chart import chart_alt_text, evidence_chart_png
from secondopinion.report.decision_aid import HARMS, INVOLVES, build_decision_aid
from secondopinion.review import review as run_review
from tests.report.reviews import review_vignette


@pytest.fixture(scope="module")
def aid(kb):
    return build_decision_aid(review_vignette("nsclc-egfr-chemo-immunotherapy-discordant", kb), kb)


def test_every_modality_has_words_for_what_it_involves_and_its_harms():
    from typing import get_args

    from secondopinion.case import Modality

    assert set(get_args(Modality)) <= set(INVOLVES) and set(get_args(Modality)) <= set(HARMS)


def test_the_plan_comes_first_then_what_the_evidence_calls_for(aid):
    assert aid.options[0].source == "your_plan"
    calls_for = [o for o in aid.options if o.source == "evidence_calls_for"]
    assert calls_for and "osimertinib" in " ".join(o.title + o.benefits for o in calls_for).lower()
    assert aid.decision.startswith("Which treatment to have now for non-small cell lung cancer")


def test_advised_against_parts_show_as_cautions_on_the_plan(aid):
    plan = aid.options[0]
    assert plan.cautions and "immunotherapy" in " ".join(plan.cautions).lower()
    assert {"chemotherapy", "immunotherapy"} <= set(plan.modalities)


def test_each_option_says_everything_in_words(aid):
    for o in aid.options:
        assert o.involves and o.harms and o.benefits and o.time_to_start and o.strength


def test_time_to_start_comes_from_the_case_when_given(kb):
    case = Case(
        cancers=[Cancer(type="nsclc", stage_group="IV", histology="adenocarcinoma")],
        plan=[PlanItem(modality="targeted_therapy", drugs=["osimertinib"], timing="next week")],
    )
    aid = build_decision_aid(run_review(case, kb), kb)
    assert aid is not None and aid.options[0].time_to_start == "next week"


def test_no_plan_and_no_option_means_no_decision_aid(kb):
    case = Case(cancers=[Cancer(type="nsclc")])
    assert build_decision_aid(run_review(case, kb), kb) is None


def test_chart_is_a_deterministic_png_described_in_words(aid):
    png = evidence_chart_png(aid)
    assert png is not None and png.startswith(b"\x89PNG") and png == evidence_chart_png(aid)
    alt = chart_alt_text(aid)
    assert all(o.title in alt for o in aid.options)


def test_no_chart_for_a_single_option(aid):
    single = aid.model_copy(update={"options": aid.options[:1]})
    assert evidence_chart_png(single) is None
