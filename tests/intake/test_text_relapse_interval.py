"""Free-text intake: how soon the cancer came back after first treatment, in months (refractory
disease is 0), which decides early-relapse pathways such as CAR T-cell therapy for DLBCL."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.intake.text import parse_text


def months(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt").cancers[0].scores.get("months_to_relapse")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I had R-CHOP for DLBCL and it came back 4 months after I finished.", 4.0),
        ("DLBCL relapsed within 6 months of completing R-CHOP.", 6.0),
        ("DLBCL, 8 months after finishing R-CHOP it came back.", 8.0),
        ("DLBCL relapsed 2 years after the end of treatment.", 24.0),
        ("DLBCL, primary refractory to R-CHOP.", 0.0),
        ("DLBCL that progressed on R-CHOP.", 0.0),
        ("DLBCL that relapsed six weeks after the last cycle of R-CHOP.", 1.4),
    ],
)
def test_the_interval_to_relapse_is_read(kb, text, expected):
    assert months(text, kb) == expected


def test_an_interval_that_is_only_feared_is_not_read(kb):
    text = "DLBCL on R-CHOP. I worry about what happens if it came back 3 months after I finish."
    assert months(text, kb) is None


def test_no_interval_stated_stays_unknown(kb):
    assert months("Relapsed DLBCL after R-CHOP, confirmed on biopsy.", kb) is None


@given(st.integers(min_value=1, max_value=60))
def test_any_number_of_months_is_read_as_written(kb, n):
    assert months(f"DLBCL treated with R-CHOP; it came back {n} months after I finished.", kb) == float(n)
