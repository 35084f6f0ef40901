"""Free-text intake: 'it has not spread' with no TNM. Plain words about no spread cover the lymph
nodes too (N0) unless a node is said to be involved; 'no distant spread' or 'no metastases' says
nothing about the nodes."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def cancer_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt").cancers[0]


@pytest.mark.parametrize(
    "text",
    [
        "Cutaneous squamous cell carcinoma of the scalp, 2.4 cm, no spread. Plan: excision.",
        "Squamous cell skin cancer on my arm; it has not spread. Plan: Mohs surgery.",
        "Squamous cell carcinoma of the skin of the cheek, nodes negative on imaging. Plan: Mohs.",
    ],
)
def test_skin_cancer_said_not_to_have_spread_is_localized(kb, text):
    cancer = cancer_of(text, kb)
    assert (cancer.tnm.n, cancer.setting) == ("N0", "localized")


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer, 2 cm, no distant spread, 1 of 2 sentinel nodes positive.",
        "Breast cancer, 2 cm, no metastases on CT.",
        "Melanoma of the back, no spread on the PET scan, but a positive sentinel node.",
    ],
)
def test_no_distant_spread_says_nothing_about_the_nodes(kb, text):
    assert cancer_of(text, kb).tnm.n != "N0"


def test_a_feared_spread_is_not_a_finding(kb):
    text = "Squamous cell skin cancer on my arm; they will check whether it has not spread."
    assert cancer_of(text, kb).tnm.n is None


@pytest.mark.parametrize(
    "text",
    [
        "A 2.5 cm papillary thyroid carcinoma confined to the thyroid. Plan: total thyroidectomy.",
        "Localised squamous cell carcinoma of the skin of the leg, 2 cm. Plan: excision.",
    ],
)
def test_a_cancer_confined_to_its_organ_has_no_node_involvement(kb, text):
    assert cancer_of(text, kb).tnm.n == "N0"


def test_no_longer_localized_is_neither_localized_nor_node_negative(kb):
    cancer = cancer_of("Prostate cancer, Gleason 4+4, not localized any more. Plan: hormone therapy.", kb)
    assert (cancer.tnm.n, cancer.setting) == (None, None)
