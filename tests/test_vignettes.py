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

VIGNETTES = Path(__file__).parent / "vignettes"


def _load() -> list[Any]:
    params = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            params.append(pytest.param(v, id=f"{path.stem}:{v['id']}"))
    return params


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("vignette", _load())
def test_vignette(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    expect = vignette["expect"]
    if "text" in vignette:
        case = read_case(vignette["text"].encode(), f"{vignette['id']}.txt", kb)
    else:
        case = read_case(yaml.safe_dump(vignette["case"]).encode(), f"{vignette['id']}.yaml", kb)
    result = review(case, kb)
    cancer = result.case.primary
    found = [(f.kind, f.rule_id) for f in result.plan_review.findings]
    summary = f"verdict={result.plan_review.verdict} findings={found}"
    assert cancer is not None and cancer.type == expect["cancer"], f"cancer: {cancer and cancer.type}"
    if "setting" in expect:
        assert cancer.setting == expect["setting"], f"setting {cancer.setting}; {summary}"
    if "verdict" in expect:
        assert result.plan_review.verdict in _as_list(expect["verdict"]), summary
    if "recommendation" in expect:
        assert result.triage.recommendation in _as_list(expect["recommendation"])
    reasons = {r.criterion for r in result.triage.reasons}
    for r in expect.get("triage_reasons", []):
        assert r in reasons, f"triage reason {r} missing from {sorted(reasons)}"
    for r in expect.get("triage_reasons_absent", []):
        assert r not in reasons, f"triage reason {r} should be absent: {result.triage.reasons}"
    for want in expect.get("findings", []):
        assert any(
            f.kind == want["kind"] and want.get("rule", "") in f.rule_id for f in result.plan_review.findings
        ), f"expected {want}; {summary}"
    for kind in expect.get("absent_kinds", []):
        assert kind not in {f.kind for f in result.plan_review.findings}, summary
    assert result.notice
