"""Look-alike characters are folded the same way for cases and trial criteria, keeping offsets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from secondopinion.text_fold import fold_case_text, fold_criteria_text


def test_typographic_dashes_quotes_and_spaces_become_ascii_in_both():
    text = "HER2\u2013positive, \u201cstage\u00a0IV\u201d, it\u2019s ECOG 0\u20111"
    expected = 'HER2-positive, "stage IV", it\'s ECOG 0-1'
    assert fold_case_text(text) == expected
    assert fold_criteria_text(text) == expected


def test_a_case_reads_at_least_as_greater_than_but_criteria_keep_the_sign():
    assert fold_case_text("PD-L1 \u2265 50%") == "PD-L1 > 50%"
    assert (
        fold_criteria_text("ANC \u2265 1500/mm3, AST \u2264 3 \u00d7 ULN")
        == "ANC \u2265 1500/mm3, AST \u2264 3 x ULN"
    )


@given(st.text())
def test_folding_never_changes_the_length_so_provenance_offsets_stay_valid(text):
    assert len(fold_case_text(text)) == len(text)
    assert len(fold_criteria_text(text)) == len(text)
