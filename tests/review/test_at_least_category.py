"""Conditions: a category known only as a minimum ('T2+': muscle-invasive bladder cancer) holds
when the wanted categories cover every one from it up, fails when none is that high, and is
unknown otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.review.conditions import category_matches


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["T2", "T3", "T4a"], True),
        (["T2", "T3", "T4"], True),
        (["T3", "T4"], None),
        (["T2"], None),
        (["Ta", "T1", "Tis"], False),
        (["N1"], False),
    ],
)
def test_at_least_t2(wanted, expected):
    assert category_matches("T2+", wanted) is expected


_CATEGORIES = ["Ta", "Tis", "T1", "T2", "T3", "T4", "T4a", "T4b"]


@given(st.lists(st.sampled_from(_CATEGORIES), min_size=1, max_size=5))
def test_a_minimum_never_holds_where_every_exact_category_it_allows_fails(wanted):
    exact = [category_matches(t, wanted) for t in ("T2", "T3", "T4")]
    if all(v is False for v in exact):
        assert category_matches("T2+", wanted) is False
    if category_matches("T2+", wanted) is True:
        assert category_matches("T2", wanted) is True and category_matches("T3", wanted) is True
