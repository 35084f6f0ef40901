"""Eligibility text: a range of prior lines needs its own low number ('1-3', 'between 1 and 3');
the '1' of 'anti-PD-1' followed by 'and 2 prior lines' is no range."""

from __future__ import annotations

import pytest

from secondopinion.trials.criteria import parse_criteria


def _lines(text: str, kb) -> list[tuple[int | None, int | None]]:  # type: ignore[no-untyped-def]
    found = parse_criteria(f"Inclusion Criteria:\n- {text}\n", kb)
    return [(c.min_lines, c.max_lines) for c in found if c.type == "line_of_therapy"]


@pytest.mark.parametrize(
    "text",
    [
        "Prior anti-PD-1 and 2 prior lines of chemotherapy",
        "Received anti-PD-L1 or anti-PD-1 and 2 prior lines of chemotherapy",
        "Prior anti-PD-1 to 3 prior lines of therapy",
    ],
)
def test_a_drug_name_ending_in_a_number_is_no_lower_bound(kb, text: str) -> None:
    assert all(lo != 1 or hi is None for lo, hi in _lines(text, kb))


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("1-3 prior lines of systemic therapy", (1, 3)),
        ("Between 1 and 3 prior lines of therapy for metastatic disease", (1, 3)),
        ("One to two prior regimens for advanced disease", (1, 2)),
    ],
)
def test_a_range_with_its_own_low_number_keeps_both_bounds(kb, text: str, bounds) -> None:  # type: ignore[no-untyped-def]
    assert bounds in _lines(text, kb)


def test_and_joins_a_range_only_after_between(kb) -> None:
    assert (1, 2) not in _lines("Cohort 1 and 2 prior lines of therapy", kb)
