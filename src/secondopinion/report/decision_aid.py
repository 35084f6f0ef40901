"""The decision aid: for the decision at hand, the options side by side. Pure.

The options are the plan the doctors propose, each treatment the evidence calls for that the
plan lacks, and each reasonable alternative the plan does not mention. For each: what it
involves, how strong the evidence is, the main benefit (the cited finding's own explanation) and
the main harms in words (general, by kind of treatment, with the sources they come from), and
when it would start where the case says so. Harms are general statements about kinds of treatment,
not predictions for this person; their words live in the knowledge base (treatment_kinds/), cited.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.case import PlanItem
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report.plain import evidence_strength, simplify
from secondopinion.review.model import Citation, Finding, Review
from secondopinion.review.plan import citations as kb_citations

OptionSource = Literal["your_plan", "evidence_calls_for", "also_ask"]

TREATMENT_KINDS = ("missing_treatment", "alternative")


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    title: str
    source: OptionSource
    involves: str
    modalities: list[str] = Field(default_factory=list)
    evidence_level: str = ""
    strength: str = ""
    strength_words: str = ""
    benefits: str = ""
    harms: str = ""
    harms_citations: list[Citation] = Field(default_factory=list, description="where the harms come from")
    cautions: list[str] = Field(default_factory=list, description="advised-against parts of this option")
    time_to_start: str = ""
    citations: list[Citation] = Field(default_factory=list)


class DecisionAid(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: str
    options: list[Option]
    questions: list[str] = Field(default_factory=list)


def _involves(mods: list[str], kb: KnowledgeBase) -> str:
    return _join([kb.treatment_kinds[m].involves for m in mods if m in kb.treatment_kinds])


def _harms(mods: list[str], kb: KnowledgeBase) -> str:
    return _join([kb.treatment_kinds[m].harms for m in mods if m in kb.treatment_kinds])


def _harms_cites(mods: list[str], kb: KnowledgeBase) -> list[Citation]:
    ids = [s for m in mods if m in kb.treatment_kinds for s in kb.treatment_kinds[m].sources]
    return kb_citations(kb, dict.fromkeys(ids))


def _modalities(items: list[PlanItem], kb: KnowledgeBase) -> list[str]:
    out: list[str] = []
    for item in items:
        from_drugs = [
            kb.drugs[d].modality
            for d in item.drugs
            if d in kb.drugs and kb.drugs[d].modality not in ("other", "supportive_care")
        ]
        vague = item.modality in ("other", "systemic_therapy") and from_drugs
        mods = [*([] if vague else [item.modality]), *from_drugs]
        for m in mods:
            if m not in out:
                out.append(m)
    return out


def _rule_modalities(rule_id: str, kb: KnowledgeBase) -> list[str]:
    """The kinds of treatment a recommendation or alternative of the knowledge base offers."""
    pathway_id, _, rule = rule_id.partition("/")
    for p in kb.pathways:
        if p.id != pathway_id:
            continue
        for r in (*p.recommend, *p.alternatives):
            if r.id == rule:
                out: list[str] = []
                for spec in r.options:
                    mods = list(spec.modality)
                    for d in (*spec.drugs_all, *spec.drugs_any):
                        drug = kb.drugs.get(d)
                        if drug:
                            mods.append(drug.modality)
                    for m in mods:
                        if m not in out:
                            out.append(m)
                return out
    return []


def _item_words(item: PlanItem, kb: KnowledgeBase) -> str:
    if item.regimen:
        reg = kb.regimens.get(item.regimen)
        drugs = f" ({', '.join(reg.drugs)})" if reg else ""
        return f"{item.regimen}{drugs}"
    if item.drugs:
        return " and ".join(item.drugs)
    if item.procedure:
        return item.procedure
    return item.modality.replace("_", " ")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(parts: list[str]) -> str:
    parts = [p for p in parts if p]
    return " ".join(dict.fromkeys(parts))


def _level(findings: list[Finding]) -> str:
    return "; ".join(dict.fromkeys(f.evidence_level for f in findings if f.evidence_level))


def _cites(findings: list[Finding]) -> list[Citation]:
    seen: dict[str, Citation] = {}
    for f in findings:
        for c in f.citations:
            seen.setdefault(c.source_id, c)
    return list(seen.values())


def _decision(review: Review, kb: KnowledgeBase) -> str:
    cancer = review.case.primary
    name = "your cancer"
    if cancer and cancer.type in kb.cancers:
        name = kb.cancers[cancer.type].plain_name
    stage = f" (stage {cancer.stage_group})" if cancer and cancer.stage_group else ""
    return f"Which treatment to have now for {name}{stage}"


def build_decision_aid(review: Review, kb: KnowledgeBase) -> DecisionAid | None:
    """The options for the pending decision, or None when there is no plan and no option to weigh."""
    case = review.case
    findings = review.plan_review.findings
    proposed = [i for i in case.plan if i.status == "proposed"] or list(case.plan)
    options: list[Option] = []
    if proposed:
        confirmed = [f for f in findings if f.kind == "confirmed"]
        against = [f for f in findings if f.kind == "not_recommended"]
        mods = _modalities(proposed, kb)
        level = _level(confirmed)
        strength, words = (
            evidence_strength(level)
            if confirmed
            else ("Not judged", ("No finding confirmed this plan against the evidence."))
        )
        timing = "; ".join(dict.fromkeys(i.timing for i in proposed if i.timing))
        options.append(
            Option(
                key="plan",
                title="The plan your doctors propose",
                source="your_plan",
                involves=_join(
                    [
                        _first_upper("; ".join(_item_words(i, kb) for i in proposed)) + ".",
                        _involves(mods, kb),
                    ]
                ),
                modalities=mods,
                evidence_level=level,
                strength=strength,
                strength_words=words,
                benefits=simplify(_join([f.explanation for f in confirmed]))
                or "Ask your doctors what this plan is expected to achieve for you.",
                harms=_harms(mods, kb),
                harms_citations=_harms_cites(mods, kb),
                cautions=[simplify(f.explanation) for f in against],
                time_to_start=timing or "Ask your doctors when it would start.",
                citations=_cites(confirmed + against),
            )
        )
    for i, f in enumerate(f for f in findings if f.kind in TREATMENT_KINDS):
        mods = _rule_modalities(f.rule_id, kb)
        strength, words = evidence_strength(f.evidence_level)
        source: OptionSource = "evidence_calls_for" if f.kind == "missing_treatment" else "also_ask"
        options.append(
            Option(
                key=f"option-{i + 1}",
                title=_first_upper(f.subject),
                source=source,
                involves=_involves(mods, kb) or "Ask your doctors what this involves.",
                modalities=mods,
                evidence_level=f.evidence_level,
                strength=strength,
                strength_words=words,
                benefits=simplify(f.explanation),
                harms=_harms(mods, kb) or "Ask your doctors.",
                harms_citations=_harms_cites(mods, kb),
                time_to_start="Ask your doctors whether and when it would fit.",
                citations=list(f.citations),
            )
        )
    if not options or (len(options) == 1 and not proposed):
        return None
    return DecisionAid(decision=_decision(review, kb), options=options, questions=list(review.questions))
