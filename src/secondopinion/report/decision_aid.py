"""The decision aid: for the decision at hand, the options side by side. Pure.

The options are the plan the doctors propose, each treatment the evidence calls for that the
plan lacks, and each reasonable alternative the plan does not mention. For each: what it
involves, how strong the evidence is, the main benefit (the cited finding's own explanation) and
the main harms in words (general, by kind of treatment), and when it would start where the case
says so. Harms are general statements about kinds of treatment, not predictions for this person.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.case import PlanItem
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report.plain import evidence_strength, simplify
from secondopinion.review.model import Citation, Finding, Review

OptionSource = Literal["your_plan", "evidence_calls_for", "also_ask"]

# What each kind of treatment involves and its usual harms: our own general words.
INVOLVES: dict[str, str] = {
    "surgery": "An operation to remove the cancer.",
    "chemotherapy": "Medicines that kill fast-growing cells, usually given through a vein in cycles.",
    "radiation": "Strong, aimed X-rays at the cancer, usually given on weekdays for days or weeks.",
    "targeted_therapy": "Medicines, often pills, aimed at a change found in the cancer cells.",
    "immunotherapy": "Medicines that help the immune system attack the cancer, given every few weeks.",
    "hormonal_therapy": "Medicines that lower or block the hormones that help some cancers grow.",
    "transplant": "Very strong treatment, then a drip of blood-forming stem cells to rebuild the blood.",
    "cellular_therapy": "Your own immune cells, changed in a lab and given back to attack the cancer.",
    "active_surveillance": "Regular checks and tests, with treatment only if the cancer changes.",
    "watchful_waiting": "Checking symptoms over time and treating them if they appear.",
    "ablation": "Destroying the tumour with heat or cold through a thin needle or probe.",
    "supportive_care": "Care for symptoms and side effects.",
    "systemic_therapy": "Medicines that travel through the whole body.",
    "other": "Ask your doctors what this involves.",
}
HARMS: dict[str, str] = {
    "surgery": "Pain and weeks of recovery; the usual risks of an operation, such as bleeding or infection.",
    "chemotherapy": "Tiredness, feeling sick, hair loss with some medicines, and a higher risk of infection.",
    "radiation": "Tiredness and sore skin or tissue where it is aimed; some effects show up months later.",
    "targeted_therapy": "Depends on the medicine: often rash, loose stools or changes in liver tests.",
    "immunotherapy": "Often mild, but the immune system can attack healthy organs; this needs quick care.",
    "hormonal_therapy": "Hot flushes, tiredness and joint pain; thinner bones with some medicines.",
    "transplant": "A long hospital stay and a high risk of serious infection for weeks.",
    "cellular_therapy": "Fever, low blood pressure or confusion in the first weeks; needs a special centre.",
    "active_surveillance": "Repeat tests and worry for some people; the cancer may need treatment later.",
    "watchful_waiting": "The cancer may grow; treatment aims at symptoms when they come.",
    "ablation": "Pain, and harm to nearby tissue in some cases.",
    "supportive_care": "Few; ask about each medicine.",
    "systemic_therapy": "Depends on the medicines; ask your doctors.",
    "other": "Ask your doctors.",
}
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
    cautions: list[str] = Field(default_factory=list, description="advised-against parts of this option")
    time_to_start: str = ""
    citations: list[Citation] = Field(default_factory=list)


class DecisionAid(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision: str
    options: list[Option]
    questions: list[str] = Field(default_factory=list)


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
                        *(INVOLVES.get(m, "") for m in mods),
                    ]
                ),
                modalities=mods,
                evidence_level=level,
                strength=strength,
                strength_words=words,
                benefits=simplify(_join([f.explanation for f in confirmed]))
                or "Ask your doctors what this plan is expected to achieve for you.",
                harms=_join([HARMS.get(m, "") for m in mods]),
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
                involves=_join([INVOLVES.get(m, "") for m in mods]) or "Ask your doctors what this involves.",
                modalities=mods,
                evidence_level=f.evidence_level,
                strength=strength,
                strength_words=words,
                benefits=simplify(f.explanation),
                harms=_join([HARMS.get(m, "") for m in mods]) or "Ask your doctors.",
                time_to_start="Ask your doctors whether and when it would fit.",
                citations=list(f.citations),
            )
        )
    if not options or (len(options) == 1 and not proposed):
        return None
    return DecisionAid(decision=_decision(review, kb), options=options, questions=list(review.questions))
