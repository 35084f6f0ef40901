"""Matching uses the criteria the parser now types from looser wording: each is met, not met or
left unknown (with the question that settles it) by a case, as its source sentence means."""

from __future__ import annotations

from secondopinion.case import Biomarker, Cancer, Case, Patient, PlanItem
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria import parse_criteria
from secondopinion.trials.match import match_trials
from secondopinion.trials.model import Criterion, CriterionResult, Trial


def parsed(kb: KnowledgeBase, text: str, kind: str, section: str = "Inclusion") -> Criterion:
    found = parse_criteria(f"{section} Criteria:\n- Metastatic cancer\n- {text}", kb)
    [c] = [c for c in found if c.type == kind and c.text == text]
    return c


def result(kb: KnowledgeBase, case: Case, c: Criterion) -> CriterionResult:
    trial = Trial(nct_id="NCT00000001", title="Trial", status="RECRUITING", criteria=[c])
    [m] = match_trials(case, [trial], kb)
    [r] = [r for r in m.results if r.criterion == c]
    return r


def case(cancer_type: str | None = "colorectal", history: list[PlanItem] | None = None) -> Case:
    return Case(
        patient=Patient(age=60, sex="female"),
        cancers=[Cancer(type=cancer_type, setting="metastatic")],
        history=history or [],
    )


def chemo(intent: str = "palliative", drugs: tuple[str, ...] = ("oxaliplatin", "fluorouracil")) -> PlanItem:
    return PlanItem(modality="chemotherapy", drugs=list(drugs), intent=intent, status="done")


SUPPORTIVE = PlanItem(modality="supportive_care", status="done", description="pain control")


# --- treatment implied, no treatment named ---------------------------------------------------


def test_previously_treated_is_met_by_any_treatment_and_unknown_without_a_history(kb):
    c = parsed(kb, "Previously treated metastatic colorectal cancer", "prior_therapy")
    assert result(kb, case(history=[chemo()]), c).evaluation == "met"
    unknown = result(kb, case(), c)
    assert unknown.evaluation == "unknown" and unknown.to_resolve
    assert result(kb, case(history=[SUPPORTIVE]), c).evaluation == "not_met"


def test_previous_treatment_of_the_cancer_excluded_fails_a_treated_patient_only(kb):
    c = parsed(kb, "Patients with previous treatment of colorectal cancer", "prior_therapy", "Exclusion")
    assert result(kb, case(history=[chemo()]), c).evaluation == "not_met"
    assert result(kb, case(history=[SUPPORTIVE]), c).evaluation == "met"
    assert result(kb, case(), c).evaluation == "unknown"


# --- a class named through its abbreviation --------------------------------------------------


def test_an_excluded_class_named_by_abbreviation_fails_a_patient_given_a_drug_of_it(kb):
    c = parsed(
        kb,
        "Prior treatment with a poly (ADP-ribose) polymerase (PARP) inhibitor",
        "prior_therapy",
        "Exclusion",
    )
    olaparib = PlanItem(modality="targeted_therapy", drugs=["olaparib"], status="done")
    assert result(kb, case("ovarian", [olaparib]), c).evaluation == "not_met"
    assert result(kb, case("ovarian", [chemo(drugs=("carboplatin", "paclitaxel"))]), c).evaluation == "met"
    assert result(kb, case("ovarian"), c).evaluation == "unknown"


# --- treatment for metastatic disease only ---------------------------------------------------


def test_no_prior_systemic_therapy_for_metastatic_disease_ignores_adjuvant_treatment(kb):
    c = parsed(kb, "No prior systemic therapy for metastatic disease", "prior_therapy")
    assert result(kb, case(history=[chemo("adjuvant")]), c).evaluation == "met"
    assert result(kb, case(history=[chemo("palliative")]), c).evaluation == "not_met"
    unknown = result(kb, case(history=[chemo("unknown")]), c)
    assert unknown.evaluation == "unknown" and "advanced" in (unknown.to_resolve or "")


def test_a_line_count_for_metastatic_disease_counts_only_lines_for_it(kb):
    c = parsed(kb, "No more than 1 prior line of chemotherapy for metastatic disease", "line_of_therapy")
    assert c.max_lines == 1
    two = [chemo("adjuvant"), chemo("palliative", ("irinotecan",))]
    assert result(kb, case(history=two), c).evaluation == "met"
    three = [chemo("palliative"), chemo("palliative", ("irinotecan",))]
    assert result(kb, case(history=three), c).evaluation == "not_met"
    undecided = [chemo("palliative"), chemo("unknown", ("irinotecan",))]
    assert result(kb, case(history=undecided), c).evaluation == "unknown"


# --- lines after first-line ------------------------------------------------------------------


def test_progression_after_first_line_needs_one_earlier_line(kb):
    c = parsed(kb, "Disease progression after first-line chemotherapy", "line_of_therapy")
    assert result(kb, case(history=[chemo()]), c).evaluation == "met"
    surgery = PlanItem(modality="surgery", status="done", procedure="colectomy")
    assert result(kb, case(history=[surgery]), c).evaluation == "not_met"
    assert result(kb, case(), c).evaluation == "unknown"


# --- cancer type from site and noun ----------------------------------------------------------


def test_a_site_adenocarcinoma_criterion_is_met_by_that_cancer_only(kb):
    c = parsed(kb, "Histologically confirmed gastric adenocarcinoma", "cancer_type")
    assert result(kb, case("gastric"), c).evaluation == "met"
    assert result(kb, case("colorectal"), c).evaluation == "not_met"
    assert result(kb, case(None), c).evaluation == "unknown"


# --- a biomarker written into the cancer name ------------------------------------------------


def test_her2_positive_breast_cancer_requires_a_her2_positive_result(kb):
    c = parsed(kb, "HER2-positive breast cancer", "biomarker")
    positive = case("breast").model_copy(update={"biomarkers": [Biomarker(name="ERBB2", status="positive")]})
    negative = case("breast").model_copy(update={"biomarkers": [Biomarker(name="ERBB2", status="negative")]})
    assert result(kb, positive, c).evaluation == "met"
    assert result(kb, negative, c).evaluation == "not_met"
    assert result(kb, case("breast"), c).evaluation == "unknown"
