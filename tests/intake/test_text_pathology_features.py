"""Free-text intake: growth beyond the organ, vessel invasion and unplanned ('shell-out')
excisions, as pathology reports and patients write them."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def case_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Papillary thyroid carcinoma, 1.4 cm, no extrathyroidal extension.", "absent"),
        ("Papillary thyroid carcinoma, 1.4 cm, ETE: absent.", "absent"),
        ("Papillary thyroid cancer with gross extrathyroidal extension into the strap muscles.", "present"),
        ("Papillary thyroid cancer invading the strap muscles.", "present"),
        ("Thyroid papillary cancer: no ETE on one side, minimal ETE on the other.", "present"),
    ],
)
def test_growth_beyond_the_thyroid(kb, text, value):
    assert case_of(text, kb).cancers[0].scores["local_extension"] == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Papillary thyroid carcinoma, no vascular invasion.", "absent"),
        ("Papillary thyroid carcinoma, lymphovascular invasion absent.", "absent"),
        ("Papillary thyroid carcinoma, LVI present.", "present"),
        ("Papillary thyroid carcinoma with angioinvasion (3 foci).", "present"),
    ],
)
def test_vessel_invasion(kb, text, value):
    assert case_of(text, kb).cancers[0].scores["vascular_invasion"] == value


def test_no_vessel_words_leave_it_unknown(kb):
    assert "vascular_invasion" not in case_of("Papillary thyroid carcinoma, 1.2 cm.", kb).cancers[0].scores


@pytest.mark.parametrize(
    "text",
    [
        "The surgeon thought it was a lipoma and shelled it out; it was a leiomyosarcoma.",
        "Myxofibrosarcoma of the thigh after a whoops procedure elsewhere.",
        "Synovial sarcoma found after an unplanned excision of a lump on my arm.",
    ],
)
def test_an_unplanned_excision_is_recorded_as_one(kb, text):
    surgery = [i for i in case_of(text, kb).history if i.modality == "surgery"]
    assert [i.procedure for i in surgery] == ["shell-out excision"]
