"""The plain-language layer: everyday words, short sentences, every term explained."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.report.plain import (
    MODERATE,
    PRACTICE,
    STRONG,
    Glossary,
    Linker,
    evidence_strength,
    readable_text,
    simplify,
)


@pytest.fixture(scope="module")
def glossary(kb) -> Glossary:
    return Glossary(kb)


def test_trial_acronyms_in_brackets_are_dropped_but_brand_names_kept():
    out = simplify("Adding panitumumab shortened survival (PRIME, CO.17). Osimertinib (Tagrisso) works.")
    assert "PRIME" not in out and "CO.17" not in out
    assert "(Tagrisso)" in out


def test_semicolons_and_dashes_become_sentences_with_capitals():
    assert simplify("It helps; it is approved — take it to your doctor.") == (
        "It helps. It is approved. Take it to your doctor."
    )


def test_latinate_words_and_symbols_become_everyday_words():
    out = simplify("Approximately half of patients, e.g. those with PD-L1 ≥50%, benefit prior to surgery.")
    assert out.startswith("About half of people, for example those with PD-L1 at least 50%")
    assert "before surgery" in out


def test_plural_markers_read_naturally():
    assert simplify("1 element(s) advised against and 2 missing treatment(s).") == (
        "1 part advised against and 2 missing treatments."
    )


def test_long_sentences_and_questions_are_split_at_a_joint():
    long = (
        "Cisplatin-based chemotherapy given before bladder removal helped people live longer than surgery "
        "alone, and it is the standard for people whose kidneys and health allow it."
    )
    parts = re.split(r"(?<=\.)\s+", simplify(long))
    assert len(parts) == 2 and parts[1].startswith("And it is")
    question = "Is " + "a very " * 10 + "long option for me, and how does it compare with the plan?"
    expected = "Is " + "a very " * 10 + "long option for me? And how does it compare with the plan?"
    assert simplify(question) == expected
    short = "Is it an option, and how?"
    assert simplify(short) == short


@given(st.text(max_size=400))
def test_simplify_never_fails_and_leaves_no_semicolons(text):
    out = simplify(text)
    assert ";" not in out
    assert "≥" not in out and "≤" not in out


@pytest.mark.parametrize(
    ("level", "strength"),
    [
        ("phase 3 RCT; FDA-approved", STRONG),
        ("meta-analysis of RCTs", STRONG),
        ("RCTs and meta-analyses; standard of care", STRONG),
        ("phase 2 trials; FDA-approved", MODERATE),
        ("randomised phase 2 (OPRA)", MODERATE),
        ("single-arm trials; FDA-approved", MODERATE),
        ("standard of care (NCI PDQ)", PRACTICE),
        ("IMWG consensus", PRACTICE),
    ],
)
def test_evidence_levels_in_words(level, strength):
    label, words = evidence_strength(level)
    assert label == strength
    assert words.endswith(".") and "RCT" not in words


def test_every_evidence_level_in_the_knowledge_base_gets_words(kb):
    levels = {r.evidence_level for p in kb.pathways for r in (*p.recommend, *p.alternatives, *p.tests)}
    for level in levels:
        label, words = evidence_strength(level)
        assert label in (STRONG, MODERATE, PRACTICE), level
        assert "RCT" not in words


def test_terms_drugs_and_markers_are_found_longest_first(glossary):
    text = "Osimertinib (Tagrisso) is a targeted therapy for EGFR changes; a CT scan showed stage IV."
    drugs = [text[a:b] for a, b, k in glossary.find(text) if glossary.entries[k].kind == "drug"]
    keys = {k for _, _, k in glossary.find(text)}
    assert "g-osimertinib" in keys and "g-targeted-therapy" in keys and "g-ct-scan" in keys
    assert drugs == ["Osimertinib", "Tagrisso"]
    assert "g-cycle" not in keys  # no term is found inside another word


def test_short_marker_names_match_only_as_capitals(glossary):
    assert not [k for _, _, k in glossary.find("there was an error in the report")]
    assert [k for _, _, k in glossary.find("ER positive")] == ["g-marker-er"]


def test_glossary_includes_terms_used_in_its_own_definitions(glossary, kb):
    entries = glossary.terms_in(["Pembrolizumab is planned."])
    keys = {e.key for e in entries}
    assert "g-pembrolizumab" in keys
    assert "g-immunotherapy" in keys  # the drug's definition says "immunotherapy"
    assert [e.term.lower() for e in entries] == sorted(e.term.lower() for e in entries)


def test_linker_links_the_first_mention_only_and_escapes(glossary):
    link = Linker(glossary)
    first = str(link("Chemotherapy <b>now</b>."))
    second = str(link("More chemotherapy later."))
    assert first.count('href="#g-chemotherapy"') == 1 and "&lt;b&gt;" in first
    assert "href" not in second


def test_readable_text_skips_marked_blocks_and_ends_every_block_as_a_sentence():
    html = (
        '<h2>Heading</h2><p>A sentence.</p><ol class="not-prose"><li>PMID:123</li></ol>'
        "<table><tr><td>Cell</td></tr></table><style>p{}</style>"
    )
    assert readable_text(html).splitlines() == ["Heading.", "A sentence.", "Cell."]
