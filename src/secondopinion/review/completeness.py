"""Completeness: the records a reviewing specialist will need, and which of them we can see.

'have' only when the records themselves are said to be on hand; 'missing' when the facts they
would carry are absent from the case; otherwise 'unknown' — we never assume a record exists.
"""

from __future__ import annotations

from collections.abc import Callable

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase, Pathway, RecordNeed, TreatmentSpec
from secondopinion.review.model import CompletenessItem, Finding
from secondopinion.review.treatments import any_match


def _facts_absent(kind: str, case: Case, findings: list[Finding]) -> bool:
    cancer = case.primary
    checks: dict[str, Callable[[], bool]] = {
        "pathology_report": lambda: cancer is None or not (cancer.histology or cancer.type),
        "staging": lambda: cancer is None or not (cancer.stage_group or cancer.setting),
        "performance_status": lambda: case.patient.ecog is None and case.patient.karnofsky is None,
        "ngs_report": lambda: any(f.kind == "missing_test" for f in findings),
        "biomarker_report": lambda: any(f.kind == "missing_test" for f in findings),
        "consult_notes": lambda: not case.plan,
    }
    check = checks.get(kind)
    return bool(check and check())


def _facts_present(kind: str, case: Case) -> bool:
    """Records that are facts rather than documents are 'have' once the case states them."""
    cancer = case.primary
    if kind == "staging":
        return cancer is not None and bool(cancer.stage_group or cancer.setting)
    if kind == "performance_status":
        return case.patient.ecog is not None or case.patient.karnofsky is not None
    return False


def completeness(
    case: Case, kb: KnowledgeBase, applied: list[Pathway], findings: list[Finding]
) -> list[CompletenessItem]:
    cancer = case.primary
    ctype = kb.cancers.get(cancer.type or "") if cancer else None
    category = ctype.category if ctype else "solid"
    needs: list[RecordNeed] = []
    for rule in kb.records:
        if rule.categories and category not in rule.categories:
            continue
        if rule.modalities and not any_match(
            case.plan, [TreatmentSpec(modality=rule.modalities)], kb, lenient=True
        ):
            continue
        if rule.after and not any_match(case.history, [TreatmentSpec(modality=rule.after)], kb, lenient=True):
            continue
        needs.append(RecordNeed(item=rule.item, why=rule.why, kind=rule.kind))
    needs.extend(r for p in applied for r in p.records)
    on_hand = {r.kind for r in case.records}
    out: list[CompletenessItem] = []
    seen: set[str] = set()
    for need in needs:
        if need.item.lower() in seen:
            continue
        seen.add(need.item.lower())
        if need.kind in on_hand or _facts_present(need.kind, case):
            status = "have"
        elif _facts_absent(need.kind, case, findings):
            status = "missing"
        else:
            status = "unknown"
        out.append(CompletenessItem(item=need.item, why=need.why, status=status))
    return out
