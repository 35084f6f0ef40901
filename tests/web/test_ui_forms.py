"""The pages' form parsers (pure): any form either gives a valid case or opinion, or one
InputError; a saved opinion goes back into the form and parses to the same document."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform.opinions import OpinionDocument
from secondopinion.report.html import render_report_html
from secondopinion.review import review
from secondopinion.web.ui import forms
from secondopinion.web.ui.reports import report_body

CANCERS = {"nsclc", "colon", "breast"}
CASE_KEYS = [
    "cancer_type",
    "age",
    "sex",
    "stage_group",
    "histology",
    "metastatic_sites",
    "questions",
    *[f"biomarker_{i}_{f}" for i in range(forms.BIOMARKER_ROWS) for f in ("name", "status", "detail")],
    *[f"plan_{i}_{f}" for i in range(forms.PLAN_ROWS) for f in ("modality", "drugs", "procedure", "intent")],
]
OPINION_KEYS = [
    "diagnosis_verdict",
    "diagnosis_text",
    "diagnosis_reason",
    "stage_verdict",
    "stage_text",
    "stage_reason",
    "summary",
    "answer_0",
    "answer_1",
    *[f"plan_{i}_{f}" for i in range(3) for f in ("verdict", "text", "reason")],
    *[f"add_{i}_{f}" for i in range(forms.ADDED_ROWS) for f in ("text", "reason")],
    *[f"trial_{i}_{f}" for i in range(forms.TRIAL_ROWS) for f in ("id", "title", "reason")],
]
values = st.one_of(
    st.sampled_from(
        [
            "",
            "nsclc",
            "IIIA",
            "IV",
            "same",
            "refined",
            "different",
            "none",
            "agree",
            "modify",
            "replace",
            "positive",
            "chemotherapy",
            "female",
            "62",
            "x" * 3000,
        ]
    ),
    st.text(max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(CASE_KEYS), values))
def test_any_case_form_gives_a_valid_case_or_one_input_error(form):
    try:
        raw = forms.case_from_form(form, CANCERS)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    case = Case.model_validate(raw)
    assert case.cancers[0].type in CANCERS


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(OPINION_KEYS), values))
def test_any_opinion_form_gives_a_valid_document_or_one_input_error(form):
    try:
        doc = forms.opinion_from_form(form, plan_size=2, questions=["Q1?", "Q2?"])
    except InputError as exc:
        assert "\n" not in str(exc) and len(str(exc)) <= 300
        return
    assert all(p.plan_index is None or p.plan_index < 2 for p in doc.opinion.plan)


def test_a_full_case_form_reads_as_the_patient_wrote_it():
    raw = forms.case_from_form(
        {
            "cancer_type": "nsclc",
            "age": "66",
            "sex": "female",
            "stage_group": "stage IV b",
            "metastatic_sites": "liver, brain",
            "biomarker_0_name": "egfr",
            "biomarker_0_status": "positive",
            "biomarker_0_detail": "L858R",
            "plan_0_modality": "chemotherapy",
            "plan_0_drugs": "Carboplatin, pemetrexed",
            "questions": "Should I wait?\n\nIs there a pill?",
        },
        CANCERS,
    )
    assert raw["cancers"] == [{"type": "nsclc", "stage_group": "IVB", "metastatic_sites": ["liver", "brain"]}]
    assert raw["biomarkers"] == [{"name": "EGFR", "status": "positive", "detail": "L858R"}]
    assert raw["plan"] == [
        {"modality": "chemotherapy", "intent": "unknown", "drugs": ["carboplatin", "pemetrexed"]}
    ]
    assert raw["questions"] == ["Should I wait?", "Is there a pill?"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "choose the type of cancer"),
        ({"cancer_type": "martian"}, "from the list"),
        ({"cancer_type": "nsclc", "age": "200"}, "age"),
        ({"cancer_type": "nsclc", "stage_group": "five"}, "stage"),
        ({"cancer_type": "nsclc", "plan_0_drugs": "x"}, "kind of treatment"),
    ],
)
def test_case_form_mistakes_are_named(form, message):
    with pytest.raises(InputError, match=message):
        forms.case_from_form(form, CANCERS)


def test_a_saved_opinion_goes_back_into_the_form_unchanged():
    questions = ["Should I wait?", "Is there a pill?"]
    doc = OpinionDocument.model_validate(
        {
            "opinion": {
                "case_id": "set-by-server",
                "diagnosis": {"verdict": "refined", "text": "adenocarcinoma, EGFR-mutant", "reason": "NGS"},
                "stage": {"verdict": "same", "stage": "", "reason": ""},
                "plan": [
                    {"verdict": "replace", "plan_index": 1, "text": "osimertinib", "reason": "EGFR"},
                    {"verdict": "add", "text": "brain MRI", "reason": "staging"},
                ],
                "summary": "Targeted therapy first.",
            },
            "trials_to_consider": [{"id": "NCT00000001", "title": "T", "reason": "R"}],
            "answers": [{"question": q, "answer": f"A{i}"} for i, q in enumerate(questions)],
        }
    )
    form = forms.opinion_to_form(doc.model_dump(), questions)
    assert forms.opinion_from_form(form, plan_size=2, questions=questions) == doc


def test_the_pre_review_is_taken_from_the_report_page_without_its_page_around_it(kb):
    case = Case.model_validate(
        {
            "cancers": [{"type": "colon", "stage_group": "III"}],
            "plan": [{"modality": "chemotherapy", "regimen": "CAPOX"}],
        }
    )
    html = render_report_html(review(case, kb), kb, "patient", chart=False)
    body = report_body(html)
    assert body.startswith("<h1>Your second-opinion pre-review</h1>")
    assert "<style" not in body and "<main" not in body and "<html" not in body
    with pytest.raises(ValueError):
        report_body("<html><body>no main here</body></html>")
