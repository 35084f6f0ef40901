"""Free-text intake on the case vignettes (tests/vignettes/*.yaml) with the bundled knowledge base:
every `text:` reads as the cancer type and setting the vignette expects (speed: benchmarks/). The
setting is compared once the knowledge base has derived what follows from the stage and TNM read
(its stage models), as the review sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from secondopinion.intake.text import parse_text
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.normalise import normalise

VIGNETTES = Path(__file__).parents[1] / "vignettes"


def _texts() -> list[Any]:
    out = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(v, dict) and "text" in v:
                out.append(pytest.param(v, id=f"{path.stem}:{v['id']}"))
    return out or [pytest.param(None, marks=pytest.mark.skip(reason="no vignettes with text yet"))]


@pytest.mark.parametrize("vignette", _texts())
def test_vignette_text_reads_as_the_expected_cancer(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    expect = vignette["expect"]
    case = parse_text(vignette["text"], kb, document=vignette["id"])
    cancer = case.primary
    assert cancer is not None and cancer.type == expect["cancer"]
    if "setting" in expect:
        derived = normalise(case, kb).primary
        assert derived is not None and derived.setting == expect["setting"]
    for fact in [case.patient, *case.cancers, *case.biomarkers, *case.plan, *case.history]:
        for p in fact.provenance:
            assert vignette["text"][p.start : p.end] == p.text


def _facts(text: str, kb: KnowledgeBase) -> dict[str, Any]:
    case = parse_text(text, kb)
    return {
        "cancers": [
            (c.type, c.stage_group, c.tnm, c.setting, c.histology, c.metastatic_sites) for c in case.cancers
        ],
        "biomarkers": sorted((b.name, b.status, b.detail or "", b.value or 0) for b in case.biomarkers),
        "plan": [(i.modality, i.drugs, i.regimen, i.procedure, i.intent) for i in case.plan],
        "history": [(i.modality, i.drugs, i.regimen, i.procedure) for i in case.history],
        "patient": (case.patient.age, case.patient.sex, case.patient.ecog),
    }


@pytest.mark.parametrize("vignette", _texts())
def test_line_breaks_inside_sentences_change_nothing(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    text = vignette["text"]
    assert _facts(text, kb) == _facts(" ".join(text.split()), kb)
