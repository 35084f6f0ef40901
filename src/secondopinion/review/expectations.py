"""Checking a review against a vignette's expected outcome.

Shared by the vignette tests (which require every check to pass) and the accuracy benchmark
(which counts them on a held-out set), so both judge by exactly the same rules.
"""

from __future__ import annotations

from typing import Any

from secondopinion.review.model import Review


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def unmet_expectations(result: Review, expect: dict[str, Any]) -> list[str]:
    """One line per expectation the review does not meet; empty when it meets them all."""
    problems: list[str] = []
    cancer = result.case.primary
    findings = result.plan_review.findings
    found = [(f.kind, f.rule_id) for f in findings]
    if cancer is None or cancer.type != expect["cancer"]:
        return [f"cancer: expected {expect['cancer']}, read {cancer.type if cancer else None}"]
    if "setting" in expect and cancer.setting != expect["setting"]:
        problems.append(f"setting: expected {expect['setting']}, derived {cancer.setting}")
    if "verdict" in expect and result.plan_review.verdict not in _as_list(expect["verdict"]):
        problems.append(f"verdict: expected {expect['verdict']}, got {result.plan_review.verdict} {found}")
    if "recommendation" in expect and result.triage.recommendation not in _as_list(expect["recommendation"]):
        problems.append(
            f"recommendation: expected {expect['recommendation']}, got {result.triage.recommendation}"
        )
    reasons = {r.criterion for r in result.triage.reasons}
    problems.extend(
        f"triage reason {r} missing" for r in expect.get("triage_reasons", []) if r not in reasons
    )
    problems.extend(
        f"triage reason {r} should be absent" for r in expect.get("triage_reasons_absent", []) if r in reasons
    )
    for want in expect.get("findings", []):
        if not any(f.kind == want["kind"] and want.get("rule", "") in f.rule_id for f in findings):
            problems.append(f"finding {want} missing from {found}")
    kinds = {f.kind for f in findings}
    problems.extend(f"no {k} finding expected: {found}" for k in expect.get("absent_kinds", []) if k in kinds)
    return problems
