"""Case vignettes written from public evidence: what a patient or clinician would write, and what
a careful reviewer would conclude. Each vignette file in tests/vignettes/ is a list of cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from secondopinion.intake import read_case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review import review
from secondopinion.review.expectations import unmet_expectations

VIGNETTES = Path(__file__).parent / "vignettes"


def _load() -> list[Any]:
    params = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            params.append(pytest.param(v, id=f"{path.stem}:{v['id']}"))
    return params


@pytest.mark.parametrize("vignette", _load())
def test_vignette(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    if "text" in vignette:
        case = read_case(vignette["text"].encode(), f"{vignette['id']}.txt", kb)
    else:
        case = read_case(yaml.safe_dump(vignette["case"]).encode(), f"{vignette['id']}.yaml", kb)
    result = review(case, kb)
    assert unmet_expectations(result, vignette["expect"]) == []
    assert result.notice
