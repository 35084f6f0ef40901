"""First opinion versus second, element by element, each coded same | refined | different.

The first opinion is what the case holds (the stated diagnosis and stage, the proposed plan); the
second is the reviewer's structured SecondOpinion. Building the comparison is pure; rendering it
uses the report templates.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.case import Case, PlanItem
from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.opinion import SecondOpinion

Code = Literal["same", "refined", "different"]
CODE_LABELS: dict[str, str] = {"same": "Same", "refined": "Refined", "different": "Different"}
_PLAN_CODES: dict[str, Code] = {
    "agree": "same",
    "modify": "refined",
    "replace": "different",
    "add": "different",
}
NOT_COMMENTED = "The reviewer did not comment on this element."


class ComparisonElement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    element: Literal["diagnosis", "stage", "plan"]
    label: str = Field(description="e.g. 'Diagnosis', 'Stage', 'Chemotherapy'")
    modality: str | None = None
    first: str
    second: str
    code: Code
    reason: str = ""


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    reviewer: str | None = None
    elements: list[ComparisonElement]
    summary: str = ""

    def counts(self) -> dict[str, int]:
        out = {"same": 0, "refined": 0, "different": 0}
        for e in self.elements:
            out[e.code] += 1
        return out


def _diagnosis(case: Case, kb: KnowledgeBase | None) -> str:
    c = case.primary
    if c is None:
        return "Not stated"
    name = (kb.cancers[c.type].name if kb and c.type in kb.cancers else c.type) or "Cancer"
    extra = [x for x in (c.histology, c.primary_site, f"grade {c.grade}" if c.grade else None) if x]
    return f"{name} ({', '.join(extra)})" if extra else name


def _stage(case: Case) -> str:
    c = case.primary
    if c is None:
        return "Not stated"
    tnm = " ".join(x for x in (c.tnm.t, c.tnm.n, c.tnm.m) if x)
    parts = [f"Stage {c.stage_group}" if c.stage_group else "", tnm]
    return ", ".join(p for p in parts if p) or "Not stated"


def _item(item: PlanItem) -> str:
    what = item.regimen or (" + ".join(item.drugs) if item.drugs else None) or item.procedure
    words = what or item.modality.replace("_", " ")
    if item.intent != "unknown":
        words += f" ({item.intent})"
    if item.timing:
        words += f", {item.timing}"
    return words[:1].upper() + words[1:]


def build_comparison(case: Case, opinion: SecondOpinion, kb: KnowledgeBase | None = None) -> Comparison:
    """Compare the case's first opinion with a reviewer's structured second opinion."""
    if opinion.case_id != case.id:
        raise InputError(f"the second opinion is for case '{opinion.case_id}', not '{case.id}'")
    for p in opinion.plan:
        if p.plan_index is not None and p.plan_index >= len(case.plan):
            raise InputError(
                f"the second opinion refers to plan element {p.plan_index}, but the plan has {len(case.plan)}"
            )
    first_dx = _diagnosis(case, kb)
    d = opinion.diagnosis
    elements = [
        ComparisonElement(
            element="diagnosis",
            label="Diagnosis",
            first=first_dx,
            second=first_dx if d.verdict == "same" and not d.text else d.text,
            code=d.verdict,
            reason=d.reason,
        )
    ]
    first_stage = _stage(case)
    if opinion.stage is not None:
        s = opinion.stage
        second = (
            first_stage
            if s.verdict == "same" and not s.stage
            else (
                s.stage if s.stage.lower().startswith(("stage", "p", "c", "y", "t")) else f"Stage {s.stage}"
            )
        )
        elements.append(
            ComparisonElement(
                element="stage",
                label="Stage",
                first=first_stage,
                second=second,
                code=s.verdict,
                reason=s.reason,
            )
        )
    else:
        elements.append(
            ComparisonElement(
                element="stage",
                label="Stage",
                first=first_stage,
                second=first_stage,
                code="same",
                reason=NOT_COMMENTED,
            )
        )
    by_index = {p.plan_index: p for p in opinion.plan if p.plan_index is not None}
    for i, item in enumerate(case.plan):
        label = item.modality.replace("_", " ").capitalize()
        p = by_index.get(i)
        if p is None:
            elements.append(
                ComparisonElement(
                    element="plan",
                    label=label,
                    modality=item.modality,
                    first=_item(item),
                    second=_item(item),
                    code="same",
                    reason=NOT_COMMENTED,
                )
            )
            continue
        second = _item(item) if p.verdict == "agree" and not p.text else p.text
        elements.append(
            ComparisonElement(
                element="plan",
                label=label,
                modality=item.modality,
                first=_item(item),
                second=second,
                code=_PLAN_CODES[p.verdict],
                reason=p.reason,
            )
        )
    for p in opinion.plan:
        if p.verdict == "add":
            elements.append(
                ComparisonElement(
                    element="plan",
                    label="Added",
                    first="Not in the first plan",
                    second=p.text,
                    code="different",
                    reason=p.reason,
                )
            )
    return Comparison(
        case_id=case.id, reviewer=opinion.reviewer_name, elements=elements, summary=opinion.summary
    )


def render_comparison_html(comparison: Comparison, *, standalone: bool = True) -> str:
    """The comparison as HTML: a whole page, or a fragment for the platform's own pages."""
    from secondopinion.report.html import render_template

    return render_template(
        "comparison.html" if standalone else "_comparison.html",
        comparison=comparison,
        labels=CODE_LABELS,
    )
