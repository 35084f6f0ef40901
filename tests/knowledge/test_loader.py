"""The validator is the gatekeeper of the knowledge: no source, no entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondopinion.errors import KnowledgeBaseError
from secondopinion.knowledge.loader import load_knowledge_base

SOURCE = "- {id: s1, kind: trial, title: A trial, year: 2020}\n"
CANCER = "- {id: crc, name: Colorectal cancer, plain_name: bowel cancer}\n"
DRUG = "- {id: oxaliplatin, classes: [platinum], modality: chemotherapy, sources: [s1]}\n"
MARKER = "- {id: MSI, name: MSI, explanation: x}\n"
PATHWAY = """
- id: crc-x
  cancer: crc
  title: x
  recommend:
    - id: r
      label: chemo
      options: [{drug_class_any: [platinum]}]
      why: x
      evidence_level: phase 3
      sources: [s1]
"""


def write_kb(root: Path, **files: str) -> Path:
    base = {
        "sources/s.yaml": SOURCE,
        "cancers/c.yaml": CANCER,
        "drugs/d.yaml": DRUG,
        "biomarkers/b.yaml": MARKER,
        "pathways/p.yaml": PATHWAY,
    }
    base.update({k.replace("__", "/") + ".yaml": v for k, v in files.items()})
    for rel, text in base.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_valid_knowledge_base_loads(tmp_path):
    kb = load_knowledge_base(write_kb(tmp_path))
    assert kb.pathways[0].recommend[0].sources == ["s1"]
    assert kb.version.startswith("dev+")


def test_a_recommendation_without_sources_is_refused(tmp_path):
    root = write_kb(tmp_path, pathways__p=PATHWAY.replace("      sources: [s1]\n", ""))
    with pytest.raises(KnowledgeBaseError, match="sources"):
        load_knowledge_base(root)


def test_a_citation_of_an_unknown_source_is_refused(tmp_path):
    root = write_kb(tmp_path, pathways__p=PATHWAY.replace("sources: [s1]", "sources: [nope]"))
    with pytest.raises(KnowledgeBaseError, match="unknown source 'nope'"):
        load_knowledge_base(root)


def test_unknown_drug_classes_and_biomarkers_are_refused(tmp_path):
    bad = (
        PATHWAY.replace("[platinum]", "[platinim]")
        + "  when: {biomarkers: [{name: MSS, status: positive}]}\n"
    )
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(write_kb(tmp_path, pathways__p=bad))
    assert "unknown drug class 'platinim'" in str(err.value)
    assert "unknown biomarker 'MSS'" in str(err.value)


def test_duplicate_ids_across_files_are_refused(tmp_path):
    root = write_kb(tmp_path, sources__t=SOURCE)
    with pytest.raises(KnowledgeBaseError, match="duplicate id 's1'"):
        load_knowledge_base(root)


def test_an_invented_looking_identifier_is_refused_by_shape(tmp_path):
    root = write_kb(tmp_path, sources__s=SOURCE.replace("year: 2020", "year: 2020, pmid: PMC123"))
    with pytest.raises(KnowledgeBaseError, match="pmid"):
        load_knowledge_base(root)


def test_every_problem_is_reported_at_once(tmp_path):
    root = write_kb(tmp_path, drugs__d=DRUG.replace("[s1]", "[x1]"), cancers__c=CANCER + CANCER)
    with pytest.raises(KnowledgeBaseError) as err:
        load_knowledge_base(root)
    assert "x1" in str(err.value) and "duplicate id 'crc'" in str(err.value)
