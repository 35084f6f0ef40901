"""Free-text intake: TNM and risk groups in the ways summaries write them."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def cancer_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt").cancers[0]


def test_a_node_category_in_brackets_is_read(kb):
    cancer = cancer_of("Rectal cancer. MRI: T3 with 4 suspicious lymph nodes (N2).", kb)
    assert (cancer.tnm.t, cancer.tnm.n) == ("T3", "N2")


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Metastatic clear cell renal cell carcinoma, IMDC intermediate risk (anaemia).", "intermediate"),
        ("Metastatic clear cell renal cell carcinoma, IMDC poor risk.", "poor"),
        ("Gastric GIST, 7 cm. Risk (Miettinen/AFIP): high.", "high"),
        ("A high-risk GIST of the stomach was removed.", "high"),
    ],
)
def test_risk_groups_with_their_model_name(kb, text, group):
    assert cancer_of(text, kb).risk_group == group


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Bladder cancer, cT2 N0. He is cisplatin-ineligible because of his kidneys.", "unfit for cisplatin"),
        ("Bladder cancer, cT2 N0. He has hearing loss from years in a factory.", "hearing loss"),
    ],
)
def test_what_rules_out_cisplatin_is_recorded(kb, text, named):
    names = [c.name for c in parse_text(text, kb, document="case.txt").patient.comorbidities]
    assert named in names


def test_a_normal_hearing_test_is_no_hearing_loss(kb):
    text = "Bladder cancer, cT2 N0. No hearing loss, no neuropathy, ECOG 0."
    assert parse_text(text, kb, document="case.txt").patient.comorbidities == []
