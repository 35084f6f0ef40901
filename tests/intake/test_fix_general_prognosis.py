"""Free-text intake: 'poor prognosis' or 'a poor risk' said of a disease or a person in general is
no risk group; a named group (IGCCCG, IMDC, 'risk group', 'good-risk disease') still is."""

from __future__ import annotations

import pytest

from secondopinion.intake.text import parse_text


def _group(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt").cancers[0].risk_group


@pytest.mark.parametrize(
    "text",
    [
        "Pancreatic cancer, stage III. Pancreatic cancer has poor prognosis.",
        "Bladder cancer, cT2 N0. He is 84 and frail; he is a poor risk.",
        "Pancreatic cancer, stage III. It carries a very poor prognosis.",
    ],
)
def test_a_general_remark_is_no_risk_group(kb, text: str) -> None:
    assert _group(text, kb) is None


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Metastatic clear cell renal cell carcinoma, IMDC poor risk.", "poor"),
        ("Testicular cancer, IGCCCG poor prognosis group.", "poor"),
        ("Testicular non-seminoma, good-risk germ cell tumour.", "good"),
        ("Prostate cancer, Gleason 4+4, PSA 30, high-risk disease.", "high"),
        ("Prostate cancer, NCCN risk group: high.", "high"),
    ],
)
def test_a_named_group_stays_a_risk_group(kb, text: str, group: str) -> None:
    assert _group(text, kb) == group
