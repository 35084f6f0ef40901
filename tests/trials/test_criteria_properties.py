"""Properties of the criteria parser on arbitrary and corrupted text: it never fails on text, and
every criterion it returns quotes the text it was given."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.trials.criteria import parse_criteria, split_eligibility

KB = default_knowledge_base()
DATA = Path(__file__).resolve().parents[1] / "data" / "trials"
REAL = [
    json.loads(line)["eligibility_text"]
    for line in (DATA / "lct_sample.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
PIECES = [
    "Inclusion Criteria:",
    "Exclusion Criteria:",
    "\n",
    "\n  -  ",
    "\n* ",
    "\n1. ",
    " ECOG ",
    " 0-1",
    " ≥ ",
    "<",
    " 18 years",
    " stage IIIB-IV ",
    " HER2-",
    " ER+ and/or PR+ ",
    " EGFR exon 19 deletion ",
    " no prior ",
    " chemotherapy",
    " within 4 weeks",
    " brain metastases",
    " measurable disease",
    " pregnant",
    " ULN",
    " one of the following:",
    " other than ",
    " non-small cell lung cancer",
    " x",
    "(",
    ")",
    ";",
    ".",
    "İ",
    "\u2265",
    "\u00a0",
    "\t",
    "\u2013",
]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    for criterion in parse_criteria(text, KB):
        assert criterion.text, "a criterion always quotes its source"
        assert criterion.text in text
    for _, item in split_eligibility(text):
        assert item in text


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_parses_and_every_criterion_quotes_it(text):
    _check(text)


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_criteria_shaped_noise_parses_and_quotes(text):
    _check(text)


@SETTINGS
@given(
    st.sampled_from(REAL),
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=400),
    st.text(max_size=20),
)
def test_corrupted_real_criteria_parse_and_quote(real, at, cut, junk):
    at = at % (len(real) + 1)
    _check(real[:at] + junk + real[at + cut :])


def test_every_real_sample_quotes_its_text():
    for text in REAL:
        found = parse_criteria(text, KB)
        assert found
        assert all(c.text in text for c in found)
