"""Cutting eligibility text into inclusion and exclusion items, verbatim."""

from __future__ import annotations

from secondopinion.trials.criteria import split_eligibility
from secondopinion.trials.criteria_split import eligibility_items

V2_STYLE = """Inclusion Criteria:

* Age ≥18 years.
* ECOG performance status 0-1.

FFPE tumor tissue block must be available.

Exclusion Criteria:

* Prior therapy with any CDK inhibitor.
* Pregnant women.
"""

LEGACY_STYLE = """
        Inclusion Criteria:

          -  Appropriate values of liver function within 6 months total bilirubin
             < 1.5 X maximum normal value

          -  ECOG performance status 0-1

        Exclusion Criteria:

          -  Presence of distant metastasis
"""


def test_items_are_split_by_section_and_bullet():
    assert split_eligibility(V2_STYLE) == [
        (True, "Age ≥18 years."),
        (True, "ECOG performance status 0-1."),
        (True, "FFPE tumor tissue block must be available."),
        (False, "Prior therapy with any CDK inhibitor."),
        (False, "Pregnant women."),
    ]


def test_wrapped_lines_stay_in_their_item():
    items = split_eligibility(LEGACY_STYLE)
    assert items[0] == (
        True,
        "Appropriate values of liver function within 6 months total bilirubin\n"
        "             < 1.5 X maximum normal value",
    )
    assert items[1] == (True, "ECOG performance status 0-1")
    assert items[2] == (False, "Presence of distant metastasis")


def test_text_before_any_header_counts_as_inclusion():
    assert split_eligibility("- Adults with melanoma\n- Able to consent") == [
        (True, "Adults with melanoma"),
        (True, "Able to consent"),
    ]


def test_header_variants_switch_sections():
    text = "Key Inclusion Criteria:\n1. Age 18 or older\nKey exclusion criteria\n1. Prior radiotherapy"
    assert split_eligibility(text) == [(True, "Age 18 or older"), (False, "Prior radiotherapy")]
    text = "Inclusion:\n- A\nNon-inclusion Criteria:\n- B"
    assert split_eligibility(text) == [(True, "A"), (False, "B")]


def test_a_criterion_that_starts_like_a_header_is_kept():
    text = "Exclusion Criteria:\n- Inclusion in another clinical trial within 30 days"
    assert split_eligibility(text) == [(False, "Inclusion in another clinical trial within 30 days")]


def test_header_with_text_after_the_colon_keeps_that_text():
    assert split_eligibility("Exclusion Criteria: Not renal colic patients") == [
        (False, "Not renal colic patients")
    ]


def test_deeper_items_under_one_of_the_following_are_alternatives():
    text = (
        "Inclusion Criteria:\n"
        "  1. Meets one of the following:\n"
        "       1. has documentation of HIES\n"
        "       2. healthy volunteer\n"
        "  2. Able to consent\n"
    )
    items = eligibility_items(text)
    assert [text[i.start : i.end] for i in items] == [
        "Meets one of the following:",
        "has documentation of HIES",
        "healthy volunteer",
        "Able to consent",
    ]
    assert items[0].group is None and items[3].group is None
    assert items[1].group == items[2].group is not None
    assert (items[1].option, items[2].option) == (0, 1)


def test_must_not_meet_any_of_the_following_is_not_an_alternative_list():
    text = "Exclusion Criteria:\nPatients must not meet any of the following:\n  1. A\n  2. B\n"
    assert all(i.group is None for i in eligibility_items(text))


def test_capitalised_sub_headers_are_not_criteria():
    text = "DISEASE CHARACTERISTICS:\n- Histologically confirmed melanoma\nPATIENT CHARACTERISTICS:\n- Age 18"
    assert split_eligibility(text) == [(True, "Histologically confirmed melanoma"), (True, "Age 18")]


def test_empty_and_blank_text_give_no_items():
    assert split_eligibility("") == []
    assert split_eligibility("\n  \n\t") == []
    assert split_eligibility("Inclusion Criteria:\nExclusion Criteria:") == []
