"""Typed criteria read from eligibility text: what each kind of sentence becomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria import parse_criteria
from secondopinion.trials.model import Criterion

DATA = Path(__file__).resolve().parents[1] / "data" / "trials"


def of(kb: KnowledgeBase, text: str, kind: str, section: str = "Inclusion") -> list[Criterion]:
    return [c for c in parse_criteria(f"{section} Criteria:\n- {text}", kb) if c.type == kind]


def one(kb: KnowledgeBase, text: str, kind: str, section: str = "Inclusion") -> Criterion:
    found = of(kb, text, kind, section)
    assert len(found) == 1, [c.model_dump(exclude_defaults=True) for c in parse_criteria(text, kb)]
    return found[0]


# --- age, sex --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("Age ≥ 18 years", 18, None),
        ("Aged 18 to 75 years (inclusive)", 18, 75),
        ("Between 18 and 65 years of age", 18, 65),
        ("18 years of age or older", 18, None),
        ("Age >75 years", 75, None),
        ("Patients must be at least 12 years old", 12, None),
        ("Age less than 70 years", None, 69),
        ("Children 6 months to 17 years", 0.5, 17),
    ],
)
def test_age_bounds_are_read_in_whole_years(kb, text, lo, hi):
    c = one(kb, text, "age")
    assert (c.min_age, c.max_age, c.inclusion) == (lo, hi, True)


def test_an_age_limit_among_exclusions_becomes_the_bound_to_meet(kb):
    young = one(kb, "Age < 18 years", "age", "Exclusion")
    assert (young.min_age, young.inclusion) == (18, True)
    old = one(kb, "Age ≥ 76 years", "age", "Exclusion")
    assert (old.max_age, old.inclusion) == (75, True)


def test_numbers_that_are_not_ages_are_not_ages(kb):
    assert of(kb, "Life expectancy of at least 12 weeks", "age") == []
    assert of(kb, "Platelets ≥ 100,000/mm3", "age") == []


def test_sex_only_when_the_criterion_restricts_it(kb):
    assert one(kb, "Postmenopausal women with breast cancer", "sex").sex == "female"
    assert one(kb, "Male participants who are healthy", "sex").sex == "male"
    assert of(kb, "Men and women aged 18 or older", "sex") == []
    assert of(kb, "Women of childbearing potential must use contraception", "sex") == []


# --- disease ---------------------------------------------------------------------------------


def test_cancer_types_map_to_knowledge_base_ids(kb):
    c = one(kb, "Histologically confirmed metastatic non-small cell lung cancer", "cancer_type")
    assert c.cancer_types == ["nsclc"] and c.inclusion


def test_several_cancer_types_in_one_sentence_are_alternatives(kb):
    c = one(kb, "Colon or rectal cancer diagnosed by biopsy", "cancer_type")
    assert set(c.cancer_types) == {"colon", "rectal"}


def test_solid_tumours_stand_for_every_solid_type(kb):
    c = one(kb, "Advanced solid tumors", "cancer_type")
    assert {"breast", "nsclc", "melanoma"} <= set(c.cancer_types)
    assert not {"dlbcl", "myeloma", "aml"} & set(c.cancer_types)


def test_other_malignancies_are_not_the_trial_cancer_type(kb):
    assert of(kb, "History of another malignancy other than breast cancer", "cancer_type", "Exclusion") == []
    assert of(kb, "Double primary cancer other than skin/thyroid cancer", "cancer_type", "Exclusion") == []
    assert (
        of(kb, "Patients with Stage I or IV breast cancer are not eligible", "cancer_type", "Exclusion") == []
    )


def test_a_plain_excluded_cancer_type_is_kept(kb):
    c = one(kb, "Small cell lung cancer", "cancer_type", "Exclusion")
    assert c.cancer_types == ["sclc"] and not c.inclusion


def test_stages_are_listed_and_ranges_expanded(kb):
    assert one(kb, "Stage IIIB-IV NSCLC", "stage").stages == ["IIIB", "IIIC", "IV"]
    assert one(kb, "Stage I-III breast cancer", "stage").stages == ["I", "II", "III"]
    c = one(
        kb,
        "Women or men with Stage II (Stage IIA limited to 1000 patients) or Stage III breast cancer",
        "stage",
    )
    assert c.stages == ["II", "III"]
    excluded = one(kb, "Patients with Stage I or IV breast cancer are not eligible", "stage", "Exclusion")
    assert excluded.stages == ["I", "IV"] and not excluded.inclusion


def test_stages_of_other_diseases_are_not_cancer_stages(kb):
    assert of(kb, "Chronic kidney disease stage 4 or 5", "stage") == []
    assert of(kb, "Periodontitis stages III or IV", "stage") == []
    assert of(kb, "Advanced Parkinson's disease", "metastatic") == []
    assert of(kb, "Organic brain disease", "brain_metastases", "Exclusion") == []


@pytest.mark.parametrize(
    ("text", "metastatic", "settings"),
    [
        ("Metastatic colorectal cancer", True, ["metastatic"]),
        ("Locally advanced or metastatic urothelial carcinoma", None, ["locally_advanced", "metastatic"]),
        ("No evidence of distant metastasis (M0)", False, ["localized", "locally_advanced"]),
        ("Early invasive breast cancer", False, ["localized", "locally_advanced"]),
        ("Unresectable hepatocellular carcinoma", None, ["locally_advanced"]),
    ],
)
def test_setting_is_read_with_the_settings_it_admits(kb, text, metastatic, settings):
    c = one(kb, text, "metastatic")
    assert (c.metastatic, c.settings, c.inclusion) == (metastatic, settings, True)


def test_brain_metastases_is_not_a_general_metastatic_criterion(kb):
    assert of(kb, "Known untreated brain metastases", "metastatic", "Exclusion") == []


# --- biomarkers ------------------------------------------------------------------------------


def test_biomarker_status_and_alternatives(kb):
    found = of(kb, "Histologically confirmed ER+ and/or PR+, HER2- early breast cancer", "biomarker")
    by_gene = {c.gene: c for c in found}
    assert by_gene["ER"].biomarker_status == "positive" and by_gene["PR"].biomarker_status == "positive"
    assert by_gene["ERBB2"].biomarker_status == "negative"
    assert by_gene["ER"].group == by_gene["PR"].group is not None
    assert {by_gene["ER"].option, by_gene["PR"].option} == {0, 1}
    assert by_gene["ERBB2"].group is None


def test_alterations_and_values_are_kept(kb):
    found = of(kb, "Documented EGFR exon 19 deletion or L858R mutation", "biomarker")
    assert [(c.gene, c.alteration) for c in found] == [("EGFR", "exon 19 deletion"), ("EGFR", "L858R")]
    assert found[0].group == found[1].group is not None
    pdl1 = one(kb, "PD-L1 tumor proportion score ≥ 50%", "biomarker")
    assert (pdl1.gene, pdl1.value_min, pdl1.unit, pdl1.biomarker_status) == ("PD-L1", 50, "%", "positive")


def test_a_marker_named_without_a_result_is_no_biomarker_criterion(kb):
    assert of(kb, "Tissue available for PD-L1 testing", "biomarker") == []
    assert of(kb, "Prior anti-HER2 therapy", "biomarker") == []


def test_excluded_alterations_are_exclusions(kb):
    found = of(kb, "Known EGFR mutation or ALK rearrangement", "biomarker", "Exclusion")
    assert {(c.gene, c.biomarker_status, c.inclusion) for c in found} == {
        ("EGFR", "positive", False),
        ("ALK", "positive", False),
    }


def test_triple_negative_means_three_negative_markers(kb):
    found = of(kb, "Triple-negative breast cancer", "biomarker")
    assert {(c.gene, c.biomarker_status) for c in found} == {
        ("ER", "negative"),
        ("PR", "negative"),
        ("ERBB2", "negative"),
    }


# --- treatment history -----------------------------------------------------------------------


def test_required_prior_therapy_names_classes_and_modalities(kb):
    c = one(kb, "Must have received prior platinum-based chemotherapy", "prior_therapy")
    assert c.inclusion and c.therapy_classes == ["platinum"] and c.therapy_modalities == ["chemotherapy"]


def test_excluded_prior_therapy_maps_drug_classes(kb):
    c = one(kb, "Prior therapy with any CDK inhibitor", "prior_therapy", "Exclusion")
    assert not c.inclusion and c.therapy_classes == ["CDK4/6 inhibitor"]


def test_drugs_and_brands_map_to_generic_ids(kb):
    c = one(kb, "Previous treatment with Keytruda", "prior_therapy", "Exclusion")
    assert c.therapy_drugs == ["pembrolizumab"]


def test_no_prior_therapy_in_the_inclusion_list_is_an_exclusion(kb):
    c = one(kb, "No prior chemotherapy for metastatic disease", "prior_therapy")
    assert not c.inclusion and c.therapy_modalities == ["chemotherapy"]
    naive = one(kb, "Previously untreated stage IV NSCLC", "prior_therapy")
    assert not naive.inclusion and naive.therapy_modalities == ["systemic_therapy"]


def test_a_wash_out_keeps_its_window(kb):
    c = one(kb, "Use of rituximab within 6 months of screening", "prior_therapy", "Exclusion")
    assert c.therapy_drugs == ["rituximab"] and c.within_days == 180


def test_permitted_or_conditional_therapy_is_not_a_requirement(kb):
    assert of(kb, "Prior radiotherapy is allowed", "prior_therapy") == []
    assert (
        of(
            kb,
            "Patients who received neo/adjuvant therapy must be after the last dose of chemotherapy",
            "prior_therapy",
        )
        == []
    )
    assert (
        of(
            kb,
            "History of allergic reactions to compounds similar to palbociclib",
            "prior_therapy",
            "Exclusion",
        )
        == []
    )


def test_surgery_or_radiation_at_a_site_is_left_to_a_person(kb):
    assert of(kb, "Previous history of abdominal surgery", "prior_therapy", "Exclusion") == []
    assert of(kb, "Prior radiotherapy to the same region", "prior_therapy", "Exclusion") == []
    assert one(kb, "Prior radiotherapy", "prior_therapy", "Exclusion").therapy_modalities == ["radiation"]


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("At least 2 prior lines of systemic therapy", 2, None),
        ("No more than 3 prior regimens", None, 3),
        ("Candidates for first-line treatment", 0, 0),
        ("Third-line or later therapy", 2, None),
    ],
)
def test_lines_of_therapy(kb, text, lo, hi):
    c = one(kb, text, "line_of_therapy")
    assert (c.min_lines, c.max_lines, c.inclusion) == (lo, hi, True)


def test_too_many_lines_among_exclusions_is_the_maximum_to_meet(kb):
    c = one(kb, "More than 2 prior chemotherapy regimens", "line_of_therapy", "Exclusion")
    assert (c.max_lines, c.inclusion) == (2, True)


# --- condition of the person -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "section", "ecog"),
    [
        ("ECOG performance status 0-1", "Inclusion", 1),
        ("Eastern Cooperative Oncology Group (ECOG) performance status of 0, 1 or 2", "Inclusion", 2),
        ("ECOG ≤ 2", "Inclusion", 2),
        ("ECOG (Eastern Cooperative Oncology Group) <3", "Inclusion", 2),
        ("Baseline ECOG >= 4", "Exclusion", 3),
        ("ECOG performance status > 2", "Exclusion", 2),
    ],
)
def test_ecog_is_always_the_maximum_to_meet(kb, text, section, ecog):
    c = one(kb, text, "performance_status", section)
    assert (c.ecog_max, c.inclusion) == (ecog, True)


def test_karnofsky_minimum(kb):
    assert one(kb, "Karnofsky performance status ≥ 70%", "performance_status").karnofsky_min == 70
    assert one(kb, "Karnofsky < 60", "performance_status", "Exclusion").karnofsky_min == 60


@pytest.mark.parametrize(
    ("text", "section", "policy", "inclusion"),
    [
        ("Known untreated brain metastases", "Exclusion", "allowed_if_treated", False),
        ("Symptomatic CNS metastases", "Exclusion", "allowed_if_treated", False),
        ("Brain metastases", "Exclusion", "excluded", False),
        ("No known brain metastases", "Inclusion", "excluded", False),
        ("Treated, stable brain metastases are allowed", "Inclusion", "allowed_if_treated", False),
        ("Patients with brain metastases from breast cancer", "Inclusion", "required", True),
    ],
)
def test_brain_metastases_policy(kb, text, section, policy, inclusion):
    c = one(kb, text, "brain_metastases", section)
    assert (c.brain_metastases, c.inclusion) == (policy, inclusion)


def test_measurable_disease(kb):
    assert one(kb, "Measurable disease per RECIST 1.1", "measurable_disease").inclusion
    assert one(kb, "No measurable disease", "measurable_disease", "Exclusion").inclusion
    assert of(kb, "Measurable or non-measurable disease", "measurable_disease") == []


def test_organ_function_labs_keep_their_thresholds(kb):
    anc = one(kb, "Absolute neutrophil count ≥ 1,500/µL", "organ_function")
    assert (anc.lab, anc.value_min, anc.unit) == ("absolute neutrophil count", 1500, "/µl")
    ast = one(kb, "AST (SGOT) and ALT (SGPT) ≤ 2.5 × institutional ULN", "organ_function")
    assert (ast.lab, ast.value_max, ast.unit) == ("AST/ALT", 2.5, "x ULN")
    crcl = one(kb, "Creatinine clearance ≥ 60 mL/min", "organ_function")
    assert (crcl.lab, crcl.value_min) == ("creatinine clearance", 60)
    assert one(kb, "Adequate bone marrow function", "organ_function").lab == "bone marrow function"


def test_egfr_the_gene_is_not_egfr_the_filtration_rate(kb):
    assert of(kb, "EGFR mutation", "organ_function") == []
    assert one(kb, "eGFR ≥ 45 mL/min/1.73 m2", "organ_function").lab == "creatinine clearance"


def test_pregnancy_is_almost_always_a_condition_to_avoid(kb):
    assert not one(kb, "Pregnant or breastfeeding women", "pregnancy", "Exclusion").inclusion
    assert not one(kb, "Negative serum pregnancy test within 14 days", "pregnancy").inclusion
    assert one(kb, "Pregnant women between 20 and 24 weeks of gestation", "pregnancy").inclusion


# --- whole texts ----------------------------------------------------------------------------


def test_what_is_not_understood_is_kept_for_a_person(kb):
    found = parse_criteria("Inclusion Criteria:\n- Able to swallow tablets\n- ECOG 0-1", kb)
    assert [(c.type, c.text) for c in found] == [
        ("unparsed", "Able to swallow tablets"),
        ("performance_status", "ECOG 0-1"),
    ]
    assert found[0].inclusion


def test_items_of_an_alternatives_list_share_a_group(kb):
    text = "Inclusion Criteria:\n  1. One of the following:\n       a. ECOG 0-1\n       b. Karnofsky ≥ 70\n"
    found = parse_criteria(text, kb)
    ps = [c for c in found if c.type == "performance_status"]
    assert len(ps) == 2 and ps[0].group == ps[1].group is not None
    assert (ps[0].option, ps[1].option) == (0, 1)


def test_pallas_record_reads_as_a_clinician_would(kb):
    study = json.loads((DATA / "ctgov" / "NCT02513394.json").read_text(encoding="utf-8"))
    text = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    found = parse_criteria(text, kb)
    kinds = {c.type for c in found}
    assert {
        "age",
        "stage",
        "cancer_type",
        "biomarker",
        "performance_status",
        "organ_function",
        "pregnancy",
        "prior_therapy",
        "unparsed",
    } <= kinds
    assert all(c.text in text for c in found)
    excluded_cdk = [c for c in found if c.type == "prior_therapy" and not c.inclusion and c.therapy_classes]
    assert excluded_cdk and excluded_cdk[0].therapy_classes == ["CDK4/6 inhibitor"]
    assert not [c for c in found if c.type == "cancer_type" and not c.inclusion]


def test_not_text_is_refused(kb):
    with pytest.raises(InputError):
        parse_criteria(None, kb)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        parse_criteria("x" * 300_000, kb)
    assert parse_criteria("   ", kb) == []
