"""FHIR R4 / mCODE import on real records: the shared trial-matching bundles (with their edge
cases), the official mCODE examples and Synthea patients (fixtures in tests/data/fhir)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake import read_case, read_case_with_warnings
from secondopinion.intake.fhir import parse_fhir

DATA = Path(__file__).parents[1] / "data" / "fhir"
TRIAL = DATA / "trial-matching"
TODAY = date(2025, 1, 1)
ALL_BUNDLES = sorted(DATA.glob("*.json")) + sorted(TRIAL.glob("*.json"))


def load(path: Path, kb) -> tuple[Case, list[str]]:
    return parse_fhir(path.read_bytes(), kb, path.name, today=TODAY)


def markers(case: Case, name: str) -> list[str]:
    return [b.status for b in case.biomarkers if b.name == name]


def drugs(items) -> list[str]:
    return [d for i in items for d in i.drugs]


@pytest.mark.parametrize("path", ALL_BUNDLES, ids=lambda p: p.name)
def test_every_bundle_imports_without_error(kb, path):
    case, warnings = load(path, kb)
    assert isinstance(case, Case)
    assert all(isinstance(w, str) and w for w in warnings)
    assert case.cancers or case.biomarkers  # each holds some clinical fact


def test_trial_matching_patient_01(kb):
    case, _ = load(TRIAL / "TrialMatching_Patient01.json", kb)
    assert case.patient.sex == "female"
    assert case.patient.age == 66
    assert case.patient.ecog == 1
    (cancer,) = case.cancers
    assert cancer.type == "breast"
    assert cancer.stage_group == "IV"
    assert cancer.metastatic_sites == ["axillary lymph nodes", "liver", "bone"]
    assert markers(case, "ER") == ["positive"]
    assert markers(case, "PR") == ["positive"]
    assert markers(case, "ERBB2") == ["negative"]
    assert markers(case, "MSI") == ["positive"]
    assert markers(case, "ESR1") == ["positive"] and markers(case, "PIK3CA") == ["positive"]
    assert drugs(case.history) == ["leuprolide", "fulvestrant"]
    assert drugs(case.plan) == ["abemaciclib", "fulvestrant", "ribociclib"]
    assert {i.status for i in case.plan} == {"ongoing"}


def test_trial_matching_patient_02(kb):
    case, _ = load(TRIAL / "TrialMatching_Patient02.json", kb)
    (cancer,) = case.cancers
    assert (cancer.type, cancer.stage_group, cancer.metastatic_sites) == ("breast", "IV", ["bone"])
    assert markers(case, "TMB") == ["negative"]  # "Low (qualifier value)"
    assert markers(case, "MSI") == ["positive"]
    amplified = {b.name: b.detail for b in case.biomarkers if b.detail == "Gene amplification"}
    assert set(amplified) == {"CCND1", "FGFR1", "MDM2"}
    assert "alpelisib" in drugs(case.plan)
    assert {"exemestane", "capecitabine", "gemcitabine", "tamoxifen"} <= set(drugs(case.history))
    surgery = [i for i in case.history if i.modality == "surgery"]
    assert [i.procedure for i in surgery] == ["Lumpectomy of breast"]
    radiation = [i for i in case.history if i.modality == "radiation"]
    assert len(radiation) == 4  # breast, boost, and two bone sites
    assert case.patient.ecog == 1


def test_eom_patient_conflicting_receptor_results_are_kept_and_flagged(kb):
    case, warnings = load(TRIAL / "eom_patient_1.json", kb)
    (cancer,) = case.cancers
    assert cancer.type == "breast"
    assert cancer.metastatic_sites == ["lung"]
    assert (cancer.tnm.t, cancer.tnm.n, cancer.tnm.m) == ("cT3", "cN3", "cM0")
    assert case.patient.ecog == 3
    assert markers(case, "ER") == ["positive", "negative"]  # 2018, then 2022
    assert any(w.startswith("ER: results disagree") for w in warnings)
    assert drugs(case.history) == ["abemaciclib", "alpelisib"]


def test_patient_data_with_duplicates_and_two_value_types(kb):
    case, warnings = load(TRIAL / "patient_data.json", kb)
    (cancer,) = case.cancers
    assert (cancer.type, cancer.stage_group) == ("breast", "IIIA")
    assert cancer.metastatic_sites == ["unspecified site"]
    assert markers(case, "ERBB2") == ["positive", "positive"]
    assert [b.method for b in case.biomarkers if b.name == "ERBB2"] == ["IHC", "FISH"]
    assert markers(case, "ER") == ["positive"]
    stk11 = next(b for b in case.biomarkers if b.name == "STK11")
    assert (stk11.status, stk11.germline, stk11.detail) == ("positive", False, "NC_000019.8:g.1171707G>A")
    assert (case.patient.ecog, case.patient.karnofsky) == (3, 90)
    assert drugs(case.history) == ["paclitaxel"]  # three statements, one treatment
    assert len(next(i for i in case.history if i.drugs).provenance) == 3
    expected = [
        "MedicationStatement/6cb316ef-0e5a-4e33-9c03-6a9954150c91: appears more than once in the bundle; "
        "the first was used",
        "Observation/95d74cb0-15d5-44dd-a289-b622bfed80be: not valid FHIR R4 ((resource): more than one "
        "value[x] given); the usable parts were read",
        "Observation/mCODEECOGPerformanceStatusExample: subject does not match the bundle's patient; "
        "read anyway",
        "Condition/4dee068c-5ffe-4977-8677-4ff9b518e763x: metastatic site not named (no bodySite text or "
        "display); recorded as unspecified",
    ]
    for w in expected:
        assert w in warnings


def test_edge_case_missing_birth_date_and_invalid_performance_status(kb):
    case, warnings = load(TRIAL / "patient_data_missing_birthdate_invalid_ecog_karnofsky.json", kb)
    assert case.patient.age is None
    assert case.patient.ecog is None and case.patient.karnofsky is None
    assert case.cancers[0].type == "breast"
    assert "Patient/1e208b6b-77f1-4808-a32b-9f9caf1ec334: birthDate is missing; age unknown" in warnings
    assert "Observation/mCODEECOGPerformanceStatusExample: ECOG value is outside 0-5; ignored" in warnings
    assert (
        "Observation/mCODEKarnofskyPerformanceStatusExample: Karnofsky value is outside 0-100; ignored"
        in warnings
    )


def test_edge_case_missing_histology_morphology(kb):
    case, warnings = load(TRIAL / "patient_data_missing_histology_morph.json", kb)
    assert case.cancers[0].histology is None
    assert (
        "Condition/4dee068c-5ffe-4977-8677-4ff9b518e763: extension with unrecognised url "
        "'http://hl7.org/fhir/us/mcode/ValueSet' ignored (histology not read)" in warnings
    )
    assert any("interpretation should be a list" in w for w in warnings)
    reference, _ = load(TRIAL / "patient_data.json", kb)
    assert reference.cancers[0].histology == "Malignant Neoplasm"


def test_edge_case_empty_genetic_variant_bundle(kb):
    case, warnings = load(TRIAL / "patient_data_empty-cgv.json", kb)
    assert case.cancers == []
    assert markers(case, "STK11") == ["positive"]
    assert "Bundle.entry[0] has no resource; skipped" in warnings
    assert "Bundle: no Patient resource; age, sex and other patient details are unknown" in warnings
    assert (
        "Observation/6556b6b3-678c-4fd6-9309-8df77xxxxxxx: component[0].code is missing; "
        "its gene value was read" in warnings
    )
    with pytest.raises(InputError, match="no cancer diagnosis"):
        read_case((TRIAL / "patient_data_empty-cgv.json").read_bytes(), "cgv.json", kb)


def test_jenny_m_full_breast_cancer_example(kb):
    case, warnings = load(DATA / "mcode-breast-jenny-m.json", kb)
    (cancer,) = case.cancers
    assert cancer.type == "breast"
    assert (cancer.histology, cancer.laterality, cancer.grade) == (
        "Infiltrating duct carcinoma",
        "left",
        "Nottingham grade 2",
    )
    assert cancer.stage_group == "IIB"  # the pathologic stage group, not the stale IIIC summary
    assert any("stage groups in the record disagree (IIIC and IIB)" in w for w in warnings)
    assert (cancer.tnm.t, cancer.tnm.n, cancer.tnm.m) == ("pT3", "pN0", "cM0")
    assert cancer.scores == {"tumor_size_cm": 2.5, "oncotype_rs": 47.0}
    assert (markers(case, "ER"), markers(case, "PR"), markers(case, "ERBB2")) == (
        ["positive"],
        ["negative"],
        ["negative"],
    )
    palb2 = next(b for b in case.biomarkers if b.detail and b.detail.startswith("PALB2"))
    assert (palb2.name, palb2.status, palb2.germline) == ("HRR", "positive", False)
    assert markers(case, "BRCA") == ["negative", "negative"]  # BRCA1 and BRCA2 studied, no variant
    assert {c.name for c in case.patient.comorbidities} == {
        "Anxiety",
        "Depressive disorder",
        "Benign hypertensive heart disease without congestive heart failure",
    }
    assert [f.relative for f in case.patient.family_history] == [
        "maternal aunt",
        "natural sister",
        "paternal uncle",
    ]
    assert case.patient.ecog == 0
    assert {"doxorubicin", "cyclophosphamide", "paclitaxel"} <= set(drugs(case.history))
    assert "anastrozole" in drugs(case.plan)
    assert {i.modality for i in case.history} >= {"surgery", "radiation", "chemotherapy"}
    rt = next(i for i in case.history if i.modality == "radiation")
    assert rt.intent == "curative" and rt.procedure == "External beam radiation therapy using photons"


def test_john_anyperson_basic_nsclc_example(kb):
    case, _ = load(DATA / "mcode-nsclc-john-anyperson.json", kb)
    (cancer,) = case.cancers
    assert (cancer.type, cancer.stage_group, cancer.histology) == ("nsclc", "IIIC", "Adenocarcinoma")
    assert cancer.metastatic_sites == ["brain"]
    assert cancer.laterality == "left"
    assert (case.patient.ecog, case.patient.karnofsky, case.patient.sex) == (0, 90, "male")
    assert [c.name for c in case.patient.comorbidities] == ["Chronic diastolic (congestive) heart failure"]
    assert drugs(case.plan) == ["gefitinib"] and drugs(case.history) == ["cisplatin"]
    assert markers(case, "STK11") == ["positive"]
    brca = next(b for b in case.biomarkers if b.name == "BRCA")
    assert brca.germline is True and brca.detail.startswith("BRCA1")
    # the EGFR *protein* stain is not an EGFR mutation result
    assert markers(case, "EGFR") == []


def test_genomex_genomics_example(kb):
    case, warnings = load(DATA / "mcode-genomics-adam-anyperson.json", kb)
    assert case.cancers[0].type == "nsclc"  # from the order's reason: C34.9 with ICD-O-3 8140/3
    assert any("cancer type was read from ServiceRequest" in w for w in warnings)
    assert markers(case, "MSI") == ["positive"]
    tmb = next(b for b in case.biomarkers if b.name == "TMB")
    assert tmb.value == 57.1
    assert markers(case, "ALK") == ["positive"] and markers(case, "MET") == ["positive"]
    assert markers(case, "BRAF") == ["negative"] and markers(case, "KIT") == ["negative"]
    assert any("code HGNC:6342 is KIT but its display says NRAS" in w for w in warnings)
    assert markers(case, "POLRMT") == ["positive"]  # gene given by an Entrez coding only


@pytest.mark.parametrize(
    ("name", "types"),
    [
        ("synthea-breast-bae73dce.json", ["breast"]),
        ("synthea-breast-cdef53d5.json", ["breast"]),
        ("synthea-breast-colon-0522e580.json", ["breast", "colon"]),
        ("synthea-prostate-cae10920.json", ["prostate"]),
        ("synthea-prostate-lung-b1b10f6e.json", ["prostate", "sclc"]),
        ("synthea-colon-73ccae2b.json", ["colon"]),
        ("synthea-colon-overlapping-8ebc4167.json", ["colon"]),
    ],
)
def test_synthea_cancer_types(kb, name, types):
    case, _ = load(DATA / name, kb)
    assert [c.type for c in case.cancers] == types
    assert all(c.stage_group for c in case.cancers)


def test_synthea_markers_medications_and_scores(kb):
    case, warnings = load(DATA / "synthea-breast-cdef53d5.json", kb)
    assert "ER" in {b.name for b in case.biomarkers} and "PR" in {b.name for b in case.biomarkers}
    assert any("combined ER+PR test cannot tell which receptor" in w for w in warnings)
    assert {"epirubicin", "cyclophosphamide", "tamoxifen", "palbociclib"} <= set(drugs(case.history))
    fish = next(b for b in case.biomarkers if b.method == "FISH")
    assert (fish.status, fish.detail) == ("unknown", "less than 1.8")
    prostate, _ = load(DATA / "synthea-prostate-cae10920.json", kb)
    assert prostate.cancers[0].scores["psa"] == 4.52  # the latest PSA
    colon, _ = load(DATA / "synthea-colon-73ccae2b.json", kb)
    assert "psa" not in colon.cancers[0].scores  # PSA is no colon cancer score


def test_synthea_secondary_coded_as_primary(kb):
    case, warnings = load(DATA / "synthea-colon-secondary-2e00e359.json", kb)
    assert case.cancers[0].type is None and case.cancers[0].metastatic_sites == ["colon"]
    assert any("profiled as a primary cancer but coded as a secondary" in w for w in warnings)
    with pytest.raises(InputError):
        read_case((DATA / "synthea-colon-secondary-2e00e359.json").read_bytes(), "x.json", kb)


def test_mangled_snomed_code_is_named_in_a_warning(kb):
    _, warnings = load(DATA / "synthea-prostate-lung-b1b10f6e.json", kb)
    assert any("6.7811E+13" in w for w in warnings)


def test_facts_carry_fhir_provenance(kb):
    case, _ = load(TRIAL / "TrialMatching_Patient01.json", kb)
    prov = case.cancers[0].provenance[0]
    assert (prov.source, prov.document) == ("fhir", "TrialMatching_Patient01.json")
    assert prov.field == "Condition/mCODETrialMatchingPrimaryCancerConditionExample01"


def test_warnings_hold_no_patient_data(kb):
    raw = json.loads((TRIAL / "patient_data.json").read_text())
    patient = raw["entry"][0]["resource"]
    _, warnings = load(TRIAL / "patient_data.json", kb)
    secrets = [
        patient["name"][0]["family"],
        patient["birthDate"],
        patient["address"][0]["city"],
        patient["identifier"][2]["value"],
        patient["telecom"][0]["value"],
    ]
    for w in warnings:
        assert not any(s in w for s in secrets)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"resourceType": "Bundle", "type": "collection"}', "holds no resources"),
        (b'{"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}', "holds no resources"),
        (b'{"resourceType": "Bundle", "entry": {"resource": {}}}', "not a list"),
        (
            b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Practitioner"}}]}',
            "no patient, condition",
        ),
        (b'{"resourceType": "Bundle", "entry": [', "not valid JSON"),
        (b"[1, 2]", "not a FHIR resource"),
    ],
)
def test_unusable_bundles_raise_one_clear_input_error(kb, data, message):
    with pytest.raises(InputError, match=message):
        parse_fhir(data, kb, "b.json")


def test_read_case_detects_fhir_and_keeps_returning_a_case(kb):
    data = (TRIAL / "TrialMatching_Patient01.json").read_bytes()
    case = read_case(data, "record.txt", kb)
    assert case.cancers[0].type == "breast"
    same, warnings = read_case_with_warnings(data, "record.txt", kb)
    assert same.cancers[0].type == "breast" and isinstance(warnings, list)
    text_case, none = read_case_with_warnings(b'{"cancer": {"type": "nsclc"}}', "c.json", kb)
    assert text_case.cancers[0].type == "nsclc" and none == []


def test_unknown_and_malformed_resources_warn_by_type_and_field(kb):
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "p",
                    "gender": "female",
                    "birthDate": "not a date",
                }
            },
            {"resource": {"resourceType": "Wombat", "id": "w1"}},
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": "c1",
                    "subject": {"reference": "Patient/p"},
                    "code": {
                        "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C34.90"}],
                        "text": "Lung cancer",
                    },
                    "onsetDateTime": "yesterday",
                }
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": "o1",
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "89247-1"}]},
                    "valueString": "fit",
                }
            },
            "not an object",
        ],
    }
    case, warnings = parse_fhir(bundle, kb, "b.json", today=TODAY)
    assert case.cancers[0].type == "lung"  # C34 alone: the broader type, not a guess at NSCLC
    assert "Wombat/w1: not a FHIR R4 resource type; ignored" in warnings
    assert "Bundle.entry[4] is not an object; skipped" in warnings
    assert "Patient/p: birthDate is badly formed; age unknown" in warnings
    assert (
        "Condition/c1: not valid FHIR R4 (onsetDateTime is badly formed); the usable parts were read"
        in warnings
    )
    assert "Observation/o1: ECOG value is not a number; ignored" in warnings


def test_icd10_and_icdo3_codes_map_through_the_knowledge_base(kb):
    def condition(*codings):
        return {"resourceType": "Condition", "id": "c", "code": {"coding": list(codings)}}

    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    icdo = "http://terminology.hl7.org/CodeSystem/icd-o-3"
    for codings, expected in [
        ([{"system": icd, "code": "C50.911"}], "breast"),
        ([{"system": icd, "code": "C18.7"}], "colon"),
        ([{"system": icd, "code": "C34.90"}, {"system": icdo, "code": "8140/3"}], "nsclc"),
        ([{"system": icd, "code": "C34.90"}, {"system": icdo, "code": "8041/3"}], "sclc"),
    ]:
        case, _ = parse_fhir(condition(*codings), kb, "c.json")
        assert case.cancers[0].type == expected, codings
