"""The decision aid: the plan and its alternatives side by side, and a chart of the evidence."""

from __future__ import annotations

import pytest

from secondopinion.case import Cancer, Case, PlanItem
from secondopinion.report.chart import chart_alt_text, evidence_chart_png
from secondopinion.report.decision_aid import build_decision_aid
from secondopinion.report.html import render_report_html, render_report_markdown
from secondopinion.review import review as run_review
from tests.report.reviews import review_vignette


@pytest.fixture(scope="module")
def aid(kb):
    return build_decision_aid(review_vignette("nsclc-egfr-chemo-immunotherapy-discordant", kb), kb)


def test_what_it_involves_and_its_harms_come_from_the_knowledge_base(aid, kb):
    plan = aid.options[0]
    assert kb.treatment_kinds["chemotherapy"].involves in plan.involves
    assert kb.treatment_kinds["chemotherapy"].harms in plan.harms
    assert kb.treatment_kinds["immunotherapy"].harms in plan.harms


def test_harms_come_with_the_citations_of_their_treatment_kinds(aid, kb):
    for o in aid.options:
        assert o.harms_citations, o.title
        expected = {s for m in o.modalities if m in kb.treatment_kinds for s in kb.treatment_kinds[m].sources}
        assert {c.source_id for c in o.harms_citations} == expected
        assert all(c.url_or_pmid for c in o.harms_citations)
    plan_ids = [c.source_id for c in aid.options[0].harms_citations]
    assert "nci-immunotherapy-side-effects" in plan_ids and len(plan_ids) == len(set(plan_ids))


def test_the_benefit_citations_are_unchanged_by_the_harm_citations(aid):
    plan = aid.options[0]
    assert plan.citations and not {c.source_id for c in plan.citations} & {"nci-side-effects"}


def test_an_option_of_an_undescribed_kind_has_no_harm_citations(kb):
    bare = kb.model_copy(update={"treatment_kinds": {}})
    case = Case(
        cancers=[Cancer(type="nsclc", stage_group="IV", histology="adenocarcinoma")],
        plan=[PlanItem(modality="targeted_therapy", drugs=["osimertinib"])],
    )
    aid = build_decision_aid(run_review(case, bare), bare)
    assert aid is not None and aid.options[0].harms == "" and aid.options[0].harms_citations == []


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_the_reports_show_where_the_harms_come_from(kb, audience):
    review = review_vignette("nsclc-egfr-chemo-immunotherapy-discordant", kb)
    html = render_report_html(review, kb, audience, chart=False)
    harms_row = html[html.index("Main harms</th>") :].split("</tr>")[0]
    assert 'href="#ref-' in harms_row
    assert "https://www.cancer.gov/about-cancer/treatment/types/immunotherapy/side-effects" in html
    md = render_report_markdown(review, kb, audience)
    harms_line = next(line for line in md.splitlines() if line.startswith("- **Main harms:**"))
    number = harms_line.split("[")[-1].split("]")[0]
    assert number.isdigit() and f"\n{number}. " in "\n" + md


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
