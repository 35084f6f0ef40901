"""First versus second opinion, element by element, coded same, refined or different."""

from __future__ import annotations

import pytest

from secondopinion.case import TNM, Cancer, Case, PlanItem
from secondopinion.errors import InputError
from secondopinion.report.comparison import NOT_COMMENTED, build_comparison, render_comparison_html
from secondopinion.review.opinion import (
    DiagnosisOpinion,
    PlanElementOpinion,
    SecondOpinion,
    StageOpinion,
)

CASE = Case(
    id="c1",
    cancers=[
        Cancer(type="nsclc", histology="adenocarcinoma", stage_group="IIIA", tnm=TNM(t="T2", n="N2", m="M0"))
    ],
    plan=[
        PlanItem(modality="surgery", procedure="lobectomy", intent="curative"),
        PlanItem(modality="chemotherapy", drugs=["cisplatin", "pemetrexed"], intent="adjuvant"),
        PlanItem(modality="radiation", intent="adjuvant"),
    ],
)


def opinion(**kw) -> SecondOpinion:
    base = {
        "case_id": "c1",
        "reviewer_name": "Dr Rivera",
        "diagnosis": DiagnosisOpinion(
            verdict="refined",
            text="Lung adenocarcinoma, EGFR exon 19 deletion",
            reason="NGS on the resection specimen",
        ),
        "stage": StageOpinion(verdict="same"),
        "plan": [
            PlanElementOpinion(verdict="agree", plan_index=0),
            PlanElementOpinion(
                verdict="modify",
                plan_index=1,
                text="Cisplatin-pemetrexed, 4 cycles",
                reason="dose and duration",
            ),
            PlanElementOpinion(
                verdict="add", text="Osimertinib for 3 years after chemotherapy", reason="ADAURA"
            ),
        ],
    }
    return SecondOpinion(**(base | kw))


def test_each_element_is_coded(kb):
    cmp = build_comparison(CASE, opinion(), kb)
    codes = [(e.element, e.label, e.code) for e in cmp.elements]
    assert codes == [
        ("diagnosis", "Diagnosis", "refined"),
        ("stage", "Stage", "same"),
        ("plan", "Surgery", "same"),
        ("plan", "Chemotherapy", "refined"),
        ("plan", "Radiation", "same"),
        ("plan", "Added", "different"),
    ]
    assert cmp.counts() == {"same": 3, "refined": 2, "different": 1}


def test_first_opinion_comes_from_the_case_and_second_from_the_reviewer(kb):
    cmp = build_comparison(CASE, opinion(), kb)
    dx, stage, surgery, chemo, radiation, added = cmp.elements
    assert dx.first == "Non-small cell lung cancer (adenocarcinoma)" and dx.second.startswith("Lung adeno")
    assert stage.first == stage.second == "Stage IIIA, T2 N2 M0"
    assert surgery.first == "Lobectomy (curative)" and surgery.second == surgery.first
    assert chemo.first == "Cisplatin + pemetrexed (adjuvant)" and chemo.reason == "dose and duration"
    assert radiation.reason == NOT_COMMENTED
    assert added.first == "Not in the first plan"


def test_a_replaced_element_is_different_and_a_changed_stage_shows_the_new_stage(kb):
    op = opinion(
        stage=StageOpinion(verdict="different", stage="IIB", reason="N1 on review"),
        plan=[PlanElementOpinion(verdict="replace", plan_index=2, text="No radiation", reason="N2 only")],
    )
    cmp = build_comparison(CASE, op, kb)
    assert cmp.elements[1].second == "Stage IIB" and cmp.elements[1].code == "different"
    assert cmp.elements[4].code == "different" and cmp.elements[4].second == "No radiation"


def test_wrong_case_or_element_is_refused(kb):
    with pytest.raises(InputError, match="case 'other'"):
        build_comparison(CASE, opinion(case_id="other"), kb)
    with pytest.raises(InputError, match="plan element 7"):
        build_comparison(CASE, opinion(plan=[PlanElementOpinion(verdict="agree", plan_index=7)]), kb)


def test_html_shows_codes_in_words_not_colour_alone(kb):
    html = render_comparison_html(build_comparison(CASE, opinion(), kb))
    assert '<html lang="en">' in html
    assert html.count('class="badge refined">Refined<') == 2
    assert 'class="badge different">Different<' in html
    fragment = render_comparison_html(build_comparison(CASE, opinion(), kb), standalone=False)
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
