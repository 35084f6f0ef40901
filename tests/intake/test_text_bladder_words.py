"""Free-text intake: bladder cancer named as a bladder tumour or mass with a finding only bladder
cancer has, 'muscle-invasive' read as T2 or higher, and operations named by the organ removed."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def case_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt")


@pytest.mark.parametrize(
    "text",
    [
        "70F with a high-grade bladder tumour, pT1. Plan: intravesical BCG.",
        "Bladder tumor, TURBT showed muscle invasion. Plan: radical cystectomy.",
        "CT showed a bladder mass; the biopsy was urothelial, invading the detrusor muscle.",
    ],
)
def test_a_bladder_tumour_with_a_bladder_cancer_finding_is_bladder_cancer(kb, text):
    assert case_of(text, kb).cancers[0].type == "bladder"


def test_the_turbt_procedure_name_is_not_a_bladder_cancer(kb):
    case = case_of(
        "Prostate cancer, Gleason 3+4. In 2019 I had a transurethral resection of bladder tumour for a "
        "benign polyp.",
        kb,
    )
    assert [c.type for c in case.cancers] == ["prostate"]


@pytest.mark.parametrize(
    "text",
    [
        "Muscle-invasive urothelial carcinoma of the bladder on TURBT.",
        "Bladder cancer: MIBC on TURBT, no spread.",
        "Urothelial carcinoma of the bladder invading the muscularis propria.",
    ],
)
def test_muscle_invasion_without_a_t_category_is_at_least_t2(kb, text):
    assert case_of(text, kb).cancers[0].tnm.t == "T2+"


def test_a_stated_t_category_wins_over_muscle_invasion(kb):
    assert case_of("Muscle-invasive bladder cancer, pT3a N0.", kb).cancers[0].tnm.t == "T3a"


def test_non_muscle_invasive_is_not_t2(kb):
    assert case_of("High-grade non-muscle-invasive bladder cancer.", kb).cancers[0].tnm.t != "T2+"


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("Bladder cancer, cT2. The urologist wants to remove his bladder.", "cystectomy"),
        ("Bladder cancer, cT2. Plan: chemotherapy first, then removal of the bladder.", "cystectomy"),
        ("Kidney cancer, 7 cm. The surgeon will remove the whole kidney.", "nephrectomy"),
    ],
)
def test_an_operation_named_by_the_organ_removed(kb, text, procedure):
    assert [i.procedure for i in case_of(text, kb).plan if i.modality == "surgery"] == [procedure]


def test_removing_a_tumour_is_not_removing_the_organ(kb):
    case = case_of("Bladder cancer, high grade pT1. Plan: removal of the bladder tumour again.", kb)
    assert "cystectomy" not in [i.procedure for i in case.plan]
