"""Does a plan contain a treatment the knowledge base describes? Matching plan items to specs."""

from __future__ import annotations

from collections.abc import Iterable

from secondopinion.case import PlanItem
from secondopinion.knowledge.schema import KnowledgeBase, TreatmentSpec


def item_modalities(item: PlanItem, kb: KnowledgeBase) -> set[str]:
    """The item's own modality plus those of its drugs (a 'chemo-immunotherapy' item is both)."""
    mods = {item.modality}
    for d in item.drugs:
        drug = kb.drugs.get(d)
        if drug:
            mods.add(drug.modality)
    return mods


def item_classes(item: PlanItem, kb: KnowledgeBase) -> set[str]:
    return {c for d in item.drugs for c in kb.drug_classes(d)}


def _item_matches(item: PlanItem, spec: TreatmentSpec, kb: KnowledgeBase, lenient: bool) -> bool:
    if spec.modality and not item_modalities(item, kb) & set(spec.modality):
        return False
    if spec.drugs_any and not set(item.drugs) & set(spec.drugs_any):
        return False
    if spec.drug_class_any and not item_classes(item, kb) & set(spec.drug_class_any):
        return False
    if spec.procedure_any:
        words = " ".join(filter(None, (item.procedure, item.description))).lower()
        if not any(p.lower() in words for p in spec.procedure_any):
            return False
    if spec.intent and item.intent not in spec.intent:
        # An unstated intent does not disprove a recommendation, but it never proves a harm.
        return lenient and item.intent == "unknown"
    return True


def matching_items(
    items: Iterable[PlanItem], spec: TreatmentSpec, kb: KnowledgeBase, lenient: bool
) -> list[PlanItem]:
    """Items that satisfy the spec; with drugs_all, the items together must hold every drug."""
    items = list(items)
    if spec.drugs_all:
        held = {d for i in items for d in i.drugs}
        if not set(spec.drugs_all) <= held:
            return []
        rest = spec.model_copy(update={"drugs_all": []})
        if not (rest.modality or rest.drugs_any or rest.drug_class_any or rest.procedure_any):
            return [i for i in items if set(i.drugs) & set(spec.drugs_all)]
        hits = [i for i in items if _item_matches(i, rest, kb, lenient)]
        return hits
    return [i for i in items if _item_matches(i, spec, kb, lenient)]


def any_match(
    items: Iterable[PlanItem], specs: Iterable[TreatmentSpec], kb: KnowledgeBase, lenient: bool
) -> list[PlanItem]:
    """Items matching any of the specs (the options of a recommendation, say)."""
    items = list(items)
    found: list[PlanItem] = []
    for spec in specs:
        for i in matching_items(items, spec, kb, lenient):
            if i not in found:
                found.append(i)
    return found


def describe(item: PlanItem) -> str:
    """A short human label for a plan item, for explanations."""
    if item.regimen:
        return item.regimen
    if item.drugs:
        return " + ".join(item.drugs)
    if item.procedure:
        return item.procedure
    return item.modality.replace("_", " ")
