"""Cross-reference checks the schema alone cannot make: every id an entry names must exist.

An entry citing a source that is not in the source list, or naming a drug, class or biomarker
the knowledge base does not define, is refused: the engine would otherwise cite nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from secondopinion.case import Modality
from secondopinion.knowledge.schema import KnowledgeBase, TreatmentSpec, When


def _spec_problems(kb: KnowledgeBase, spec: TreatmentSpec, classes: set[str]) -> Iterable[str]:
    for d in (*spec.drugs_all, *spec.drugs_any):
        if d not in kb.drugs:
            yield f"unknown drug '{d}'"
    for c in spec.drug_class_any:
        if c not in classes:
            yield f"unknown drug class '{c}'"


def _when_problems(kb: KnowledgeBase, when: When, classes: set[str]) -> Iterable[str]:
    for cond in (*when.biomarkers, *when.biomarkers_any):
        if cond.name not in kb.biomarkers:
            yield f"unknown biomarker '{cond.name}'"
    for spec in (*when.prior_any, *when.prior_none):
        yield from _spec_problems(kb, spec, classes)


def cross_check(kb: KnowledgeBase) -> list[str]:
    """Return one line per dangling reference, naming the entry that holds it."""
    errors: list[str] = []
    classes = {c for d in kb.drugs.values() for c in d.classes}

    def sources_of(where: str, ids: Iterable[str]) -> None:
        for s in ids:
            if s not in kb.sources:
                errors.append(f"{where}: cites unknown source '{s}'")

    for b in kb.biomarkers.values():
        errors.extend(f"biomarker {b.id}: unknown member '{m}'" for m in b.members if m not in kb.biomarkers)
    for c in kb.cancers.values():
        if c.incidence:
            sources_of(f"cancer {c.id} incidence", c.incidence.sources)
        if c.parent and c.parent not in kb.cancers:
            errors.append(f"cancer {c.id}: unknown parent '{c.parent}'")
    for d in kb.drugs.values():
        sources_of(f"drug {d.id}", d.sources)
    for r in kb.regimens.values():
        sources_of(f"regimen {r.id}", r.sources)
        errors.extend(f"regimen {r.id}: unknown drug '{d}'" for d in r.drugs if d not in kb.drugs)
    modalities = set(get_args(Modality))
    for k in kb.treatment_kinds.values():
        sources_of(f"treatment kind {k.modality}", k.sources)
        if k.modality not in modalities:
            errors.append(f"treatment kind {k.modality}: unknown modality (use one of case.py's modalities)")
    for g in kb.glossary:
        sources_of(f"glossary {g.term}", g.sources)
    for m in (*kb.risk_models, *kb.stage_models):
        sources_of(f"risk model {m.id}", m.sources)
        if m.cancer not in kb.cancers:
            errors.append(f"risk model {m.id}: unknown cancer '{m.cancer}'")
        for rule in m.rules:
            for w in rule.any:
                errors.extend(f"risk model {m.id}: {p}" for p in _when_problems(kb, w, classes))
    for p in kb.pathways:
        here = f"pathway {p.id}"
        if p.cancer not in kb.cancers:
            errors.append(f"{here}: unknown cancer '{p.cancer}'")
        errors.extend(f"{here}: {e}" for e in _when_problems(kb, p.when, classes))
        for t in p.tests:
            sources_of(f"{here} test {t.label}", t.sources)
            for b in (t.biomarker, *t.also_answered_by):
                if b not in kb.biomarkers:
                    errors.append(f"{here} test {t.label}: unknown biomarker '{b}'")
        for rec in p.recommend:
            sources_of(f"{here} recommend {rec.id}", rec.sources)
            for spec in (*rec.options, *rec.judge_if_plan_has):
                errors.extend(f"{here} recommend {rec.id}: {e}" for e in _spec_problems(kb, spec, classes))
        for a in p.advise_against:
            sources_of(f"{here} advise_against {a.id}", a.sources)
            for spec in a.match:
                errors.extend(f"{here} advise_against {a.id}: {e}" for e in _spec_problems(kb, spec, classes))
        for alt in p.alternatives:
            sources_of(f"{here} alternative {alt.id}", alt.sources)
            for spec in alt.options:
                errors.extend(f"{here} alternative {alt.id}: {e}" for e in _spec_problems(kb, spec, classes))
    return errors
