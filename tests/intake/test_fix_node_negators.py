"""Free-text intake: a count of none ('0 positive lymph nodes', 'no other positive nodes') is no
node-positive reading."""

from __future__ import annotations

import pytest

from secondopinion.intake.text_patterns import nodes


def _positive(text: str) -> bool:
    return any(h.key == "node_status" and h.value == "positive" for h in nodes(text.lower()))


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer, 2.1 cm, 0 positive lymph nodes.",
        "Colon cancer, zero positive nodes.",
        "One sentinel node with isolated tumour cells, no other positive nodes.",
        "Gastric cancer, pT2, 0/12 positive nodes.",
        "Melanoma, without positive nodes.",
    ],
)
def test_a_negated_or_zero_count_is_not_node_positive(text: str) -> None:
    assert not _positive(text)


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer, 3 positive lymph nodes.",
        "Node-positive breast cancer.",
        "Colon cancer, 2/10 positive nodes.",
        "No distant spread. 3 positive lymph nodes.",
    ],
)
def test_a_count_above_zero_stays_node_positive(text: str) -> None:
    assert _positive(text)
