"""Reviews of the vignettes (tests/vignettes/*.yaml), read with the real intake and review engine."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from secondopinion.intake import read_case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review import review
from secondopinion.review.model import Review

VIGNETTES = Path(__file__).parent.parent / "vignettes"
EXAMPLES = ("nsclc-egfr-osimertinib-concordant", "nsclc-egfr-chemo-immunotherapy-discordant")


@cache
def vignettes() -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        out.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return tuple(out)


def vignette_ids() -> list[str]:
    return [v["id"] for v in vignettes()]


def review_vignette(vid: str, kb: KnowledgeBase) -> Review:
    v = next(x for x in vignettes() if x["id"] == vid)
    if "text" in v:
        data, name = v["text"].encode(), f"{vid}.txt"
    else:
        data, name = yaml.safe_dump(v["case"]).encode(), f"{vid}.yaml"
    case = read_case(data, name, kb).model_copy(update={"id": vid})
    return review(case, kb)
