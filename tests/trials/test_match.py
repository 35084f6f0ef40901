"""Matching a case against trials: every criterion met, not met or unknown, with the fact that
decided it; ranking that puts trials with no failed criterion and few unknowns first."""

from __future__ import annotations

from datetime import date

import pytest

from secondopinion.case import Biomarker, Cancer, Case, Patient, PlanItem
from secondopinion.trials.match import match_trials
from secondopinion.trials.match_checks import alteration_matches
from secondopinion.trials.match_keys import case_cancer_keys, is_open, trial_cancer_keys, trial_setting
from secondopinion.trials.model import Arm, Criterion, Site, Trial


def crit(type_: str, inclusion: bool = True, text: str = "", **fields) -> Criterion:
    return Criterion(inclusion=inclusion, type=type_, text=text or type_, **fields)


def trial(nct: str = "NCT00000001", criteria: list[Criterion] | None = None, **fields) -> Trial:
    base = {"title": f"Trial {nct}", "status": "RECRUITING", "cancer_types": ["nsclc"]}
    return Trial(nct_id=nct, criteria=criteria or [], **{**base, **fields})


def egfr_case(**patient) -> Case:
    return Case(
        patient=Patient(age=62, sex="female", ecog=1, **patient),
        cancers=[
            Cancer(type="nsclc", stage_group="IV", histology="adenocarcinoma", metastatic_sites=["bone"])
        ],
        biomarkers=[Biomarker(name="EGFR", status="positive", detail="exon 19 deletion")],
        history=[PlanItem(modality="targeted_therapy", drugs=["osimertinib"], status="done")],
    )


def only(case: Case, c: Criterion, kb, **trial_fields):
    [m] = match_trials(case, [trial(criteria=[c], cancer_types=[], **trial_fields)], kb)
    [r] = [r for r in m.results if r.criterion == c]
    return r


# --- each criterion type ---------------------------------------------------------------------


def test_age_is_met_within_bounds_and_unknown_when_not_stated(kb):
    r = only(egfr_case(), crit("age", min_age=18, max_age=75), kb)
    assert (r.evaluation, r.because) == ("met", "age 62")
    r = only(egfr_case(), crit("age", min_age=70), kb)
    assert r.evaluation == "not_met"
    unknown = Case(cancers=[Cancer(type="nsclc")])
    r = only(unknown, crit("age", min_age=18), kb)
    assert r.evaluation == "unknown" and r.to_resolve and "age" in r.to_resolve


def test_an_exclusion_criterion_is_met_when_its_property_does_not_hold(kb):
    r = only(egfr_case(), crit("sex", inclusion=False, sex="male"), kb)
    assert (r.evaluation, r.because) == ("met", "sex female")
    r = only(egfr_case(), crit("sex", inclusion=False, sex="female"), kb)
    assert r.evaluation == "not_met"


def test_cancer_type_follows_the_knowledge_base_hierarchy(kb):
    nsclc = egfr_case()
    assert only(nsclc, crit("cancer_type", cancer_types=["lung"]), kb).evaluation == "met"
    assert only(nsclc, crit("cancer_type", cancer_types=["breast"]), kb).evaluation == "not_met"
    vague = Case(patient=Patient(age=60), cancers=[Cancer(type="lung")])
    r = only(vague, crit("cancer_type", cancer_types=["nsclc"]), kb)
    assert r.evaluation == "unknown" and "narrower" in r.because and r.to_resolve


def test_biomarker_status_and_alteration(kb):
    case = egfr_case()
    assert only(case, crit("biomarker", gene="EGFR", alteration="Exon 19 del"), kb).evaluation == "met"
    assert only(case, crit("biomarker", gene="EGFR", alteration="L858R"), kb).evaluation == "not_met"
    assert only(case, crit("biomarker", gene="EGFR", biomarker_status="negative"), kb).evaluation == "not_met"
    r = only(case, crit("biomarker", gene="ALK"), kb)
    assert r.evaluation == "unknown" and r.because == "no ALK result given"
    assert r.to_resolve and "ALK" in r.to_resolve


def test_biomarker_aliases_resolve_to_the_knowledge_base_id(kb):
    case = Case(cancers=[Cancer(type="breast")], biomarkers=[Biomarker(name="ERBB2", status="negative")])
    r = only(case, crit("biomarker", gene="HER2", biomarker_status="negative"), kb)
    assert r.evaluation == "met"


def test_a_pending_result_is_unknown_and_says_so(kb):
    case = Case(cancers=[Cancer(type="nsclc")], biomarkers=[Biomarker(name="KRAS", status="pending")])
    r = only(case, crit("biomarker", gene="KRAS", alteration="G12C"), kb)
    assert r.evaluation == "unknown" and "pending" in r.because


def test_prior_therapy_by_drug_class_from_the_knowledge_base(kb):
    case = egfr_case()
    egfr_tki = next(c for c in kb.drug_classes("osimertinib") if "EGFR" in c)
    assert only(case, crit("prior_therapy", therapy_classes=[egfr_tki]), kb).evaluation == "met"
    r = only(case, crit("prior_therapy", inclusion=False, therapy_classes=["PD-1 inhibitor"]), kb)
    assert r.evaluation == "met" and "osimertinib" in r.because
    naive = Case(cancers=[Cancer(type="nsclc")])
    r = only(naive, crit("prior_therapy", inclusion=False, therapy_classes=["PD-1 inhibitor"]), kb)
    assert r.evaluation == "unknown" and r.to_resolve and "PD-1 inhibitor" in r.to_resolve


def test_lines_of_therapy_count_systemic_treatments_in_the_history(kb):
    case = egfr_case()
    assert only(case, crit("line_of_therapy", min_lines=1), kb).evaluation == "met"
    assert only(case, crit("line_of_therapy", max_lines=0), kb).evaluation == "not_met"


def test_performance_status_converts_between_scales_only_when_it_is_unambiguous(kb):
    assert only(egfr_case(), crit("performance_status", ecog_max=1), kb).evaluation == "met"
    assert only(egfr_case(), crit("performance_status", ecog_max=0), kb).evaluation == "not_met"
    kps = Case(patient=Patient(karnofsky=60), cancers=[Cancer(type="nsclc")])
    assert only(kps, crit("performance_status", ecog_max=1), kb).evaluation == "not_met"
    ecog1 = egfr_case()
    assert only(ecog1, crit("performance_status", karnofsky_min=70), kb).evaluation == "met"
    assert only(ecog1, crit("performance_status", karnofsky_min=80), kb).evaluation == "unknown"


def test_stage_and_setting(kb):
    case = egfr_case()
    assert only(case, crit("stage", stages=["IV"]), kb).evaluation == "met"
    assert only(case, crit("stage", stages=["II", "III"]), kb).evaluation == "not_met"
    assert only(case, crit("metastatic", metastatic=True), kb).evaluation == "met"
    local = Case(cancers=[Cancer(type="nsclc", stage_group="IIIB")])
    wording = "Locally advanced or metastatic NSCLC"
    assert only(local, crit("metastatic", text=wording, metastatic=True), kb).evaluation == "met"
    assert only(local, crit("metastatic", metastatic=True), kb).evaluation == "not_met"


def test_brain_metastases(kb):
    excluded = crit("brain_metastases", inclusion=False, brain_metastases="excluded")
    r = only(egfr_case(), excluded, kb)
    assert r.evaluation == "unknown" and r.to_resolve and "brain" in r.to_resolve
    brain = egfr_case().model_copy(
        update={"cancers": [Cancer(type="nsclc", stage_group="IV", metastatic_sites=["brain"])]}
    )
    assert only(brain, excluded, kb).evaluation == "not_met"
    treated = crit("brain_metastases", inclusion=False, brain_metastases="allowed_if_treated")
    r = only(brain, treated, kb)
    assert r.evaluation == "unknown" and r.to_resolve and "treated" in r.to_resolve
    local = Case(cancers=[Cancer(type="nsclc", stage_group="IB")])
    assert only(local, excluded, kb).evaluation == "met"


def test_pregnancy_never_excludes_men_and_is_a_screening_check_otherwise(kb):
    preg = crit("pregnancy", inclusion=False)
    man = Case(patient=Patient(sex="male"), cancers=[Cancer(type="nsclc")])
    assert only(man, preg, kb).evaluation == "met"
    assert only(egfr_case(), preg, kb).evaluation == "unknown"
    assert only(egfr_case(pregnant=True), preg, kb).evaluation == "not_met"


def test_free_text_criteria_are_unknown_and_counted_in_one_question(kb):
    [m] = match_trials(
        egfr_case(), [trial(criteria=[crit("unparsed", text="Life expectancy > 12 weeks")] * 3)], kb
    )
    assert m.unknown == 3
    assert any("3 criteria in free text" in q for q in m.to_resolve)


# --- structured fields, arms -------------------------------------------------------------------


def test_record_fields_become_criteria_when_the_text_does_not_cover_them(kb):
    t = trial(min_age=18, max_age=65, sex="male", cancer_types=["breast"])
    [m] = match_trials(egfr_case(), [t], kb)
    by_type = {r.criterion.type: r.evaluation for r in m.results}
    assert by_type == {"age": "met", "sex": "not_met", "cancer_type": "not_met"}


def test_the_best_open_arm_is_chosen_and_closed_arms_are_ignored(kb):
    criteria = [
        crit("biomarker", gene="KRAS", alteration="G12C", arm="A"),
        crit("biomarker", gene="EGFR", alteration="exon 19 deletion", arm="B"),
        crit("biomarker", gene="EGFR", arm="C"),
    ]
    t = trial(criteria=criteria, arms=[Arm(id="A"), Arm(id="B", open=False), Arm(id="C")])
    [m] = match_trials(egfr_case(), [t], kb)
    assert m.arm == "C" and m.not_met == 0
    closed = trial(criteria=criteria[:1], arms=[Arm(id="A", open=False)])
    assert match_trials(egfr_case(), [closed], kb) == []


# --- ranking, explanation, location -----------------------------------------------------------


def test_ranking_puts_no_failed_criterion_first_then_fewest_unknowns(kb):
    failing = trial("NCT00000001", [crit("biomarker", gene="EGFR", biomarker_status="negative")])
    unknowns = trial("NCT00000002", [crit("biomarker", gene="ALK"), crit("biomarker", gene="ROS1")])
    one_unknown = trial("NCT00000003", [crit("biomarker", gene="ALK")])
    clean = trial("NCT00000004", [crit("biomarker", gene="EGFR")])
    ranked = match_trials(egfr_case(), [failing, unknowns, one_unknown, clean], kb)
    assert [m.nct_id for m in ranked] == ["NCT00000004", "NCT00000003", "NCT00000002", "NCT00000001"]
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert ranked[-1].why.startswith("Probably not a fit")
    assert "ALK status" in ranked[1].why and any("ALK" in q for q in ranked[1].to_resolve)


def test_routine_screening_checks_do_not_push_a_trial_down(kb):
    detailed = trial("NCT00000001", [crit("organ_function"), crit("measurable_disease")])
    terse = trial("NCT00000002", [crit("biomarker", gene="ALK")])
    ranked = match_trials(egfr_case(), [terse, detailed], kb)
    assert [m.nct_id for m in ranked] == ["NCT00000001", "NCT00000002"]


def test_nearest_site_first_when_the_case_has_a_location(kb):
    houston = Site(facility="A", city="Houston", state="Texas", country="United States")
    boston = Site(
        facility="B",
        city="Boston",
        state="Massachusetts",
        country="United States",
        latitude=42.34,
        longitude=-71.1,
    )
    far = trial("NCT00000001", sites=[houston])
    near = trial("NCT00000002", sites=[houston, boston])
    ranked = match_trials(egfr_case(location="Cambridge, MA 02139"), [far, near], kb)
    assert [m.nct_id for m in ranked] == ["NCT00000002", "NCT00000001"]
    assert ranked[0].nearest_site == boston and ranked[0].distance_km is not None
    assert "nearest site" in ranked[0].why
    no_location = match_trials(egfr_case(), [far, near], kb)
    assert [m.nct_id for m in no_location] == ["NCT00000001", "NCT00000002"]
    assert no_location[0].distance_km is None


def test_output_records_the_snapshot_date_and_is_deterministic(kb):
    trials = [trial(f"NCT0000000{i}", last_update=date(2024, 1, i)) for i in range(1, 6)]
    first = match_trials(egfr_case(), trials, kb, top=3)
    again = match_trials(egfr_case(), list(reversed(trials)), kb, top=3)
    assert [m.model_dump() for m in first] == [m.model_dump() for m in again]
    assert [m.snapshot_date for m in first] == [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)]
    assert len(match_trials(egfr_case(), trials, kb, top=None)) == 5


# --- candidate keys ----------------------------------------------------------------------------


def test_basket_trials_are_filed_under_generic_keys(kb):
    assert trial_cancer_keys(trial(cancer_types=[], conditions=["Advanced Solid Tumors"]), kb) == ["~solid"]
    assert trial_cancer_keys(trial(cancer_types=[], conditions=["Cancer"]), kb) == ["~any"]
    assert trial_cancer_keys(trial(cancer_types=[], conditions=["Healthy Volunteers"]), kb) == []
    keys = case_cancer_keys(egfr_case(), kb)
    assert {"nsclc", "lung", "~solid", "~any"} <= set(keys) and "~heme" not in keys


def test_setting_is_recorded_only_when_the_criteria_restrict_it_plainly(kb):
    assert trial_setting(trial(criteria=[crit("metastatic", metastatic=True)])) == "metastatic"
    assert (
        trial_setting(trial(criteria=[crit("metastatic", inclusion=False, metastatic=True)]))
        == "non_metastatic"
    )
    loose = crit("metastatic", text="locally advanced or metastatic", metastatic=True)
    assert trial_setting(trial(criteria=[loose])) is None


@pytest.mark.parametrize("status", ["RECRUITING", "Open to Accrual", "not yet recruiting", "open to accrual"])
def test_open_statuses(status):
    assert is_open(status)


@pytest.mark.parametrize("status", ["COMPLETED", "ACTIVE_NOT_RECRUITING", "closed to accrual", "WITHDRAWN"])
def test_closed_statuses(status):
    assert not is_open(status)


@pytest.mark.parametrize(
    ("wanted", "detail", "expected"),
    [
        ("exon 19 deletion", "Exon 19 del", True),
        ("p.V600", "V600E", True),
        ("p.G12C", "G12D", False),
        ("L858R", "exon 21 L858R", True),
    ],
)
def test_alteration_matching(wanted, detail, expected):
    assert alteration_matches(wanted, detail) is expected


# --- alternatives, levels, settings, wash-outs --------------------------------------------------


def test_alternatives_hold_when_every_criterion_of_one_option_does(kb):
    er = crit("biomarker", text="ER+ and/or PR+", gene="ER", group="or1", option=0)
    pr = crit("biomarker", text="ER+ and/or PR+", gene="PR", group="or1", option=1)
    case = Case(
        cancers=[Cancer(type="breast")],
        biomarkers=[Biomarker(name="ER", status="positive"), Biomarker(name="PR", status="negative")],
    )
    [m] = match_trials(case, [trial(criteria=[er, pr], cancer_types=[])], kb)
    assert (m.met, m.not_met) == (2, 0)
    assert "an alternative is met (Estrogen receptor positive)" in m.results[1].because
    neither = case.model_copy(update={"biomarkers": [Biomarker(name="ER", status="negative")]})
    [m] = match_trials(neither, [trial(criteria=[er, pr], cancer_types=[])], kb)
    assert (m.not_met, m.unknown) == (0, 2)  # PR untested: the trial may still fit through it
    assert m.results[0].to_resolve is None and m.results[1].to_resolve
    both_negative = case.model_copy(
        update={
            "biomarkers": [Biomarker(name="ER", status="negative"), Biomarker(name="PR", status="negative")]
        }
    )
    [m] = match_trials(both_negative, [trial(criteria=[er, pr], cancer_types=[])], kb)
    assert m.not_met == 2


def test_a_level_is_decided_by_the_number(kb):
    pdl1 = crit("biomarker", text="PD-L1 TPS >= 50%", gene="PD-L1", value_min=50, unit="%")
    high = Case(
        cancers=[Cancer(type="nsclc")], biomarkers=[Biomarker(name="PD-L1", status="positive", value=80)]
    )
    low = Case(
        cancers=[Cancer(type="nsclc")], biomarkers=[Biomarker(name="PD-L1", status="positive", value=5)]
    )
    vague = Case(cancers=[Cancer(type="nsclc")], biomarkers=[Biomarker(name="PD-L1", status="positive")])
    negative = Case(cancers=[Cancer(type="nsclc")], biomarkers=[Biomarker(name="PD-L1", status="negative")])
    assert only(high, pdl1, kb).evaluation == "met"
    assert only(low, pdl1, kb).evaluation == "not_met"
    r = only(vague, pdl1, kb)
    assert r.evaluation == "unknown" and r.to_resolve and "at least 50%" in r.to_resolve
    assert only(negative, pdl1, kb).evaluation == "not_met"


def test_settings_listed_by_the_parser_are_the_ones_accepted(kb):
    either = crit("metastatic", settings=["locally_advanced", "metastatic"])
    local = Case(cancers=[Cancer(type="nsclc", stage_group="IIIB")])
    early = Case(cancers=[Cancer(type="nsclc", stage_group="IA")])
    assert only(local, either, kb).evaluation == "met"
    assert only(early, either, kb).evaluation == "not_met"
    recurrent = crit("metastatic", settings=["recurrent", "metastatic"])
    back = Case(cancers=[Cancer(type="nsclc", stage_group="IA", recurrent=True)])
    assert only(back, recurrent, kb).evaluation == "met"
    assert trial_setting(trial(criteria=[either])) is None
    assert trial_setting(trial(criteria=[crit("metastatic", settings=["metastatic"])])) == "metastatic"


def test_a_wash_out_needs_the_date_of_the_last_treatment(kb):
    washout = crit("prior_therapy", inclusion=False, therapy_modalities=["targeted_therapy"], within_days=28)
    r = only(egfr_case(), washout, kb)
    assert r.evaluation == "unknown" and r.to_resolve and "28 days" in r.to_resolve
    ongoing = egfr_case().model_copy(
        update={"history": [PlanItem(modality="targeted_therapy", drugs=["osimertinib"], status="ongoing")]}
    )
    assert only(ongoing, washout, kb).evaluation == "not_met"
    chemo_only = egfr_case().model_copy(
        update={"history": [PlanItem(modality="chemotherapy", drugs=["carboplatin"], status="done")]}
    )
    assert only(chemo_only, washout, kb).evaluation == "met"


def test_a_criterion_naming_no_treatment_means_any_cancer_treatment(kb):
    any_prior = crit("prior_therapy", text="No prior systemic therapy", inclusion=False)
    assert only(egfr_case(), any_prior, kb).evaluation == "not_met"
    assert only(Case(cancers=[Cancer(type="nsclc")]), any_prior, kb).evaluation == "unknown"
