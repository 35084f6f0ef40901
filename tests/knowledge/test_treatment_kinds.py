"""Treatment kinds: what each kind of treatment involves and its usual harms, as cited data."""

from __future__ import annotations

from typing import get_args

import pytest
import textstat

from secondopinion.case import Modality
from secondopinion.errors import KnowledgeBaseError
from secondopinion.knowledge.loader import load_knowledge_base
from tests.knowledge.test_loader import write_kb

KIND = """
- modality: chemotherapy
  involves: Medicines given in cycles.
  harms: Tiredness and a higher risk of infection.
  sources: [s1]
"""


def test_a_cited_treatment_kind_loads_keyed_by_modality(tmp_path):
    kb = load_knowledge_base(write_kb(tmp_path, treatment_kinds__t=KIND))
    assert kb.treatment_kinds["chemotherapy"].sources == ["s1"]


def test_a_treatment_kind_without_sources_is_refused(tmp_path):
    root = write_kb(tmp_path, treatment_kinds__t=KIND.replace("  sources: [s1]\n", ""))
    with pytest.raises(KnowledgeBaseError, match=r"t\.yaml: entry chemotherapy: sources: Field required"):
        load_knowledge_base(root)


def test_a_treatment_kind_with_empty_sources_is_refused(tmp_path):
    root = write_kb(tmp_path, treatment_kinds__t=KIND.replace("[s1]", "[]"))
    with pytest.raises(KnowledgeBaseError, match="entry chemotherapy: sources"):
        load_knowledge_base(root)


def test_a_treatment_kind_citing_an_unknown_source_is_refused(tmp_path):
    root = write_kb(tmp_path, treatment_kinds__t=KIND.replace("[s1]", "[nope]"))
    with pytest.raises(KnowledgeBaseError, match="treatment kind chemotherapy: cites unknown source 'nope'"):
        load_knowledge_base(root)


def test_an_unknown_modality_is_refused_in_one_line(tmp_path):
    root = write_kb(tmp_path, treatment_kinds__t=KIND.replace("chemotherapy", "chemo"))
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(root)
    lines = [line for line in str(err.value).splitlines() if "chemo" in line]
    assert lines == ["treatment kind chemo: unknown modality (use one of case.py's modalities)"]


def test_a_modality_described_twice_is_refused(tmp_path):
    root = write_kb(tmp_path, treatment_kinds__t=KIND, treatment_kinds__u=KIND)
    with pytest.raises(KnowledgeBaseError, match="duplicate id 'chemotherapy'"):
        load_knowledge_base(root)


def test_every_modality_of_the_case_model_has_a_cited_entry(kb):
    assert set(kb.treatment_kinds) == set(get_args(Modality))
    for kind in kb.treatment_kinds.values():
        assert kind.involves and kind.harms and kind.sources
        assert all(s in kb.sources for s in kind.sources)


def test_the_patient_pages_cited_are_public_links_or_labels(kb):
    cited = {s for k in kb.treatment_kinds.values() for s in k.sources}
    for sid in cited:
        src = kb.sources[sid]
        assert src.url or src.kind in ("fda_label", "guideline_summary"), sid
        if src.kind == "patient_information":
            assert src.url and src.url.startswith(("https://www.cancer.gov/",)), sid


@pytest.mark.parametrize("field", ["involves", "harms"])
def test_the_words_read_at_grade_8_or_below(kb, field):
    text = "\n".join(getattr(k, field) for k in kb.treatment_kinds.values())
    assert textstat.flesch_kincaid_grade(text) <= 8.0
