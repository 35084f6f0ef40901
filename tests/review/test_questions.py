"""Questions for the doctors are about this case: none asks for a result the case already gives."""

from __future__ import annotations

from secondopinion.case import Biomarker, Cancer, Case, PlanItem
from secondopinion.review import review

MMR_QUESTION = "Has my tumour been tested for mismatch repair (MMR) or MSI, and what was the result?"
LYNCH_FOLLOW_UP = "If the result is abnormal, should I have genetic counselling for Lynch syndrome"


def colon_case(*biomarkers: Biomarker) -> Case:
    return Case(
        cancers=[Cancer(type="colon", stage_group="III")],
        biomarkers=list(biomarkers),
        plan=[PlanItem(modality="chemotherapy", regimen="FOLFOX", drugs=["fluorouracil", "oxaliplatin"])],
    )


def asked(case: Case, kb) -> list[str]:
    return review(case, kb).questions


def test_a_missing_test_is_asked_once_with_what_an_abnormal_result_would_mean_right_after(kb):
    questions = asked(colon_case(), kb)
    assert MMR_QUESTION not in questions  # the missing-test finding already asks it
    at = next(i for i, q in enumerate(questions) if q.startswith("Has my tumour had mismatch repair"))
    assert questions[at + 1].startswith(LYNCH_FOLLOW_UP)


def test_a_result_the_case_gives_is_not_asked_for_and_its_follow_up_goes_when_normal(kb):
    questions = asked(colon_case(Biomarker(name="MSI", status="negative")), kb)
    assert MMR_QUESTION not in questions
    assert not any(q.startswith(LYNCH_FOLLOW_UP) for q in questions)


def test_an_abnormal_result_keeps_the_question_of_what_it_means_for_the_family(kb):
    questions = asked(colon_case(Biomarker(name="MSI", status="positive")), kb)
    assert MMR_QUESTION not in questions
    assert any(q.startswith(LYNCH_FOLLOW_UP) for q in questions)


def test_a_pending_result_is_still_asked_about(kb):
    assert MMR_QUESTION in asked(colon_case(Biomarker(name="MSI", status="pending")), kb)
