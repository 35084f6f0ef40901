"""Free-text intake: a diagnosis written as histology plus site, or with the organ named elsewhere
in the text, still names the knowledge-base type; a type named only by its organ is refined by the
histology ('squamous cell carcinoma of the RUL' is non-small cell lung cancer)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secondopinion.intake.text import parse_text
from secondopinion.intake.text_cancer import _refine_by_histology


def cancer_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt").cancers[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Squamous cell carcinoma of the mid-thoracic esophagus, cT3 N1.", "esophageal"),
        ("Squamous cell carcinoma of the RUL with liver metastases, stage IVB.", "nsclc"),
        ("Adenocarcinoma of the pancreatic head, biopsy proven.", "pancreatic"),
        ("Gleason 3+3 adenocarcinoma on prostate biopsy.", "prostate"),
        ("HPV-positive squamous cell carcinoma of the left tonsil, T2 N1.", "head_neck_scc"),
        ("Squamous cell carcinoma of the glottic larynx, T3 N0 M0.", "head_neck_scc"),
    ],
)
def test_histology_and_site_name_the_type(kb, text, expected):
    assert cancer_of(text, kb).type == expected


def test_a_cancer_word_without_a_site_takes_the_organ_the_text_is_about(kb):
    text = (
        "They removed a polyp from my sigmoid colon at colonoscopy. The pathology came back as a "
        "well-differentiated adenocarcinoma, pT1, margin clear."
    )
    assert cancer_of(text, kb).type == "colon"


def test_small_cell_carcinoma_in_a_hilar_mass_is_small_cell_lung_cancer(kb):
    text = "EBUS node biopsy: small cell carcinoma. PET: right hilar mass, limited stage."
    assert cancer_of(text, kb).type == "sclc"


def test_the_uterus_named_by_operation_and_wall_beats_the_ovaries_removed_with_it(kb):
    text = (
        "I had a hysterectomy with both tubes and ovaries removed. Final pathology: endometrioid "
        "adenocarcinoma, grade 1, invading 30% of the myometrium, stage IA."
    )
    assert cancer_of(text, kb).type == "endometrial"


def test_two_organs_named_as_often_leave_the_type_unknown(kb):
    text = "Scans of my liver and my breast were done. The biopsy shows adenocarcinoma."
    case = parse_text(text, kb, document="case.txt")
    assert case.cancers[0].type is None


def test_a_relatives_cancer_does_not_hide_the_patients_gleason_score(kb):
    text = "Biopsy: Gleason 3+3=6 in 2 of 12 cores. My father had prostate cancer at 78."
    case = parse_text(text, kb, document="case.txt")
    assert case.cancers[0].type == "prostate"
    assert any(f.relative == "father" for f in case.patient.family_history)


def test_the_organ_beside_a_typed_name_is_the_primary_site(kb):
    assert (
        cancer_of("Squamous cell carcinoma of the supraglottic larynx, T3 N0.", kb).primary_site == "larynx"
    )


def test_a_salutation_to_a_colleague_is_not_about_someone_else(kb):
    text = "Dear colleague, re: 52-year-old man with squamous cell carcinoma of the tonsil, cT2 N1 M0."
    assert cancer_of(text, kb).type == "head_neck_scc"


def test_a_named_relative_written_for_is_the_patient(kb):
    text = "My husband Raj is 59 and has pancreatic adenocarcinoma with liver metastases."
    case = parse_text(text, kb, document="case.txt")
    assert (case.cancers[0].type, case.patient.age) == ("pancreatic", 59)


def test_non_smoking_does_not_negate_the_hpv_result_after_it(kb):
    text = "A non-smoking man with HPV-associated (p16-positive) squamous cell carcinoma of the tonsil."
    case = parse_text(text, kb, document="case.txt")
    assert [(b.name, b.status) for b in case.biomarkers] == [("HPV", "positive")]


@settings(max_examples=60, deadline=None)
@given(
    cid=st.sampled_from(["lung", "nsclc", "sclc", "breast", "colorectal", "thyroid", "brain", "kidney"]),
    histology=st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", max_size=40),
)
def test_refinement_only_ever_narrows_to_a_descendant_type(kb, cid, histology):
    out = _refine_by_histology(kb, cid, histology)
    node, chain = out, set()
    while node is not None and node not in chain:
        chain.add(node)
        node = kb.cancers[node].parent
    assert cid in chain
