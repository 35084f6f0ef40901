"""Triage: the four reasons for a second opinion, and when not to push one."""

from __future__ import annotations

from secondopinion.case import Cancer, Case, Comorbidity, OpinionOnRecord, Patient, PlanItem
from secondopinion.review.normalise import normalise
from secondopinion.review.triage import triage
from tests.review.small_kb import small_kb

KB = small_kb()


def run(case: Case):
    return triage(normalise(case, KB), KB)


def criteria(t):
    return {r.criterion for r in t.reasons}


def test_a_rare_cancer_is_named_with_its_cited_incidence():
    t = run(Case(cancers=[Cancer(type="meso", stage_group="I")]))
    rare = next(r for r in t.reasons if r.criterion == "rare_cancer")
    assert "0.9" in rare.explanation
    assert rare.citations[0].source_id == "s2"
    assert t.recommendation == "strongly_recommended"


def test_an_incidence_figure_not_yet_checked_against_its_source_is_called_an_estimate():
    kb = KB.model_copy(deep=True)
    kb.cancers["meso"] = kb.cancers["meso"].model_copy(
        update={"incidence": kb.cancers["meso"].incidence.model_copy(update={"confirmed": False})}
    )
    rare = next(
        r
        for r in triage(normalise(Case(cancers=[Cancer(type="meso")]), kb), kb).reasons
        if r.criterion == "rare_cancer"
    )
    assert "an estimate we have not yet checked against its source" in rare.explanation
    assert "unconfirmed estimate" in rare.evidence[0]
    assert "estimate" not in next(r for r in run(Case(cancers=[Cancer(type="meso")])).reasons).explanation


def test_a_common_cancer_is_never_called_rare():
    assert "rare_cancer" not in criteria(run(Case(cancers=[Cancer(type="crc", stage_group="II")])))


def test_a_minor_curative_excision_of_a_low_risk_skin_cancer_is_optional():
    case = Case(
        cancers=[Cancer(type="skin", stage_group="I")],
        plan=[PlanItem(modality="surgery", procedure="Mohs surgery")],
    )
    t = run(case)
    assert t.reasons == []
    assert t.recommendation == "optional"


def test_major_surgery_and_chemotherapy_are_major_decisions():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="III")],
        plan=[
            PlanItem(modality="surgery", procedure="colectomy"),
            PlanItem(modality="chemotherapy", regimen="FOLFOX"),
        ],
    )
    assert criteria(run(case)) == {"major_treatment_decision"}


def test_two_doctors_recommending_different_things_is_disagreement():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="II")],
        opinions=[
            OpinionOnRecord(by="surgeon", recommends="surgery first"),
            OpinionOnRecord(by="oncologist", recommends="chemotherapy first"),
        ],
    )
    t = run(case)
    assert "uncertainty_or_disagreement" in criteria(t)
    assert t.recommendation == "strongly_recommended"


def test_a_patient_who_doubts_the_diagnosis_is_heard():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="II")], concerns=["I doubt the biopsy was read right."]
    )
    assert "uncertainty_or_disagreement" in criteria(run(case))


def test_complexity_signs_are_listed():
    case = Case(
        patient=Patient(
            age=34, pregnant=True, comorbidities=[Comorbidity(name="heart failure", serious=True)]
        ),
        cancers=[Cancer(type="crc", stage_group="IV")],
    )
    reason = next(r for r in run(case).reasons if r.criterion == "complex_case")
    text = " ".join(reason.evidence)
    for word in ("spread", "young", "pregnancy", "heart failure"):
        assert word in text


def test_aggressive_cancers_should_not_wait():
    assert "do not delay" in run(Case(cancers=[Cancer(type="meso", stage_group="I")])).urgency
    assert "1–2 weeks" in run(Case(cancers=[Cancer(type="crc", stage_group="I")])).urgency


def test_pointed_questions_count_as_doubt():
    for q in (
        "Is observation really all there is?",
        "Why didn't anyone offer me immunotherapy?",
        "Should I ask to change the plan?",
    ):
        case = Case(cancers=[Cancer(type="crc", stage_group="II")], questions=[q])
        assert "uncertainty_or_disagreement" in criteria(run(case)), q


def test_an_ordinary_question_is_not_doubt():
    case = Case(cancers=[Cancer(type="crc", stage_group="II")], questions=["What are the side effects?"])
    assert "uncertainty_or_disagreement" not in criteria(run(case))


def test_asking_for_another_opinion_is_not_itself_doubt():
    case = Case(
        cancers=[Cancer(type="crc", stage_group="I")], questions=["Should I get another opinion first?"]
    )
    assert "uncertainty_or_disagreement" not in criteria(run(case))


def test_a_minor_procedure_is_minor_only_for_early_disease():
    from secondopinion.case import TNM

    plan = [PlanItem(modality="surgery", procedure="excision")]
    early = Case(cancers=[Cancer(type="skin", tnm=TNM(t="T1"))], plan=plan)
    deeper = Case(cancers=[Cancer(type="skin", tnm=TNM(t="T2"))], plan=plan)
    assert "major_treatment_decision" not in criteria(run(early))
    assert "major_treatment_decision" in criteria(run(deeper))


def test_documents_that_disagree_are_reported_as_such_not_as_the_patients_words():
    note = "Documents disagree on stage: IB (pathology.pdf) vs IIA (consult.txt); using IIA"
    reason = next(
        r
        for r in run(Case(cancers=[Cancer(type="crc", stage_group="II")], concerns=[note])).reasons
        if r.criterion == "uncertainty_or_disagreement"
    )
    assert reason.evidence == [note]


def _opinions(*pairs: tuple[str, str]) -> Case:
    return Case(
        cancers=[Cancer(type="crc", stage_group="II")],
        opinions=[OpinionOnRecord(by=by, recommends=what) for by, what in pairs],
    )


def test_specialists_each_giving_their_part_of_one_plan_in_sequence_do_not_disagree():
    case = _opinions(("surgeon", "a lumpectomy"), ("radiation oncologist", "radiation afterwards"))
    assert "uncertainty_or_disagreement" not in criteria(run(case))


def test_two_different_recommendations_without_a_sequence_are_a_disagreement():
    assert "uncertainty_or_disagreement" in criteria(
        run(_opinions(("urologist", "prostatectomy"), ("radiation oncologist", "radiation therapy")))
    )
    assert "uncertainty_or_disagreement" in criteria(
        run(_opinions(("Dr Smith", "surgery first"), ("Dr Jones", "chemoradiation afterwards instead")))
    )
