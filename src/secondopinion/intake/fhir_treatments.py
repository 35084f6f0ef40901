"""Treatments from medication requests, administrations and statements, procedures (surgery,
radiotherapy courses) and service requests: what was given (history) and what is planned or
ongoing (plan), by status and intent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, get_args

from secondopinion.case import Modality, PlanItem, Provenance
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_bundle import Reader, Res
from secondopinion.intake.fhir_values import (
    as_dict,
    as_list,
    codes_of,
    extensions,
    label,
    labels,
    text,
)

_INTENTS = ("neoadjuvant", "adjuvant", "curative", "definitive", "palliative", "maintenance")
_MODALITIES = frozenset(get_args(Modality))  # one list: the case model's
_SURGERY = re.compile(
    r"(ectomy|excision|resection|lumpectomy|amputation|dissection|surgical|surgery|\bwhipple\b|otomy\b)", re.I
)
_RADIATION = re.compile(
    r"(radiation|radiotherapy|brachytherapy|teleradiotherapy|irradiation|\bsbrt\b|\bimrt\b)", re.I
)
_OTHER = (
    (re.compile(r"ablation", re.I), "ablation"),
    (re.compile(r"transplant", re.I), "transplant"),
    (re.compile(r"chemotherapy", re.I), "chemotherapy"),
    (re.compile(r"immunotherapy", re.I), "immunotherapy"),
)
_DIAGNOSTIC = re.compile(r"(biopsy|mammogra|imaging|scan\b|screening|examination|consultation)", re.I)

# (resource type, status) -> (list, plan-item status); None: not a treatment to record
_MED_STATUS: dict[str, dict[str, tuple[str, str] | None]] = {
    "MedicationRequest": {
        "active": ("plan", "ongoing"),
        "on-hold": ("plan", "ongoing"),
        "draft": ("plan", "proposed"),
        "completed": ("history", "done"),
        "stopped": ("history", "done"),
        "unknown": ("plan", "proposed"),
        "cancelled": None,
        "entered-in-error": None,
    },
    "MedicationAdministration": {
        "completed": ("history", "done"),
        "in-progress": ("plan", "ongoing"),
        "on-hold": ("plan", "ongoing"),
        "stopped": ("history", "done"),
        "unknown": ("history", "done"),
        "not-done": None,
        "entered-in-error": None,
    },
    "MedicationStatement": {
        "active": ("plan", "ongoing"),
        "on-hold": ("plan", "ongoing"),
        "intended": ("plan", "proposed"),
        "completed": ("history", "done"),
        "stopped": ("history", "done"),
        "unknown": ("history", "done"),
        "not-taken": None,
        "entered-in-error": None,
    },
    "Procedure": {
        "completed": ("history", "done"),
        "in-progress": ("plan", "ongoing"),
        "preparation": ("plan", "proposed"),
        "on-hold": ("plan", "ongoing"),
        "stopped": ("history", "done"),
        "not-done": None,
        "entered-in-error": None,
        "unknown": None,
    },
    "ServiceRequest": {
        "active": ("plan", "proposed"),
        "draft": ("plan", "proposed"),
        "on-hold": ("plan", "proposed"),
        "completed": None,
        "revoked": None,
        "entered-in-error": None,
        "unknown": None,
    },
}


@dataclass
class _Item:
    where: str
    index: int
    fields: dict[str, Any]
    drugs: list[str] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)


def _intent(res: Res) -> str:
    for ext in extensions(res.data, "intent"):
        concept = as_dict(ext).get("valueCodeableConcept")
        words = " ".join(labels(concept)).lower()
        if codes.CURATIVE in codes_of(concept, codes.SNOMED) and not words:
            return "curative"
        for intent in _INTENTS:
            if intent in words:
                return intent
        if codes.CURATIVE in codes_of(concept, codes.SNOMED):
            return "curative"
    return "unknown"


def _so_item(res: Res) -> dict[str, Any] | None:
    """The plan-item extension a SecondOpinion case packet puts on each treatment resource."""
    for ext in as_list(res.get("extension")):
        ext = as_dict(ext)
        if ext.get("url") != codes.SO_EXT_PLAN_ITEM:
            continue
        out: dict[str, Any] = {}
        for sub in as_list(ext.get("extension")):
            sub = as_dict(sub)
            key = sub.get("url")
            value = next((v for k, v in sub.items() if k.startswith("value")), None)
            if isinstance(key, str) and value is not None:
                out[key] = value
        return out
    return None


def _placement(r: Reader, res: Res) -> tuple[str, str] | None:
    status = text(res.get("status")) or "unknown"
    table = _MED_STATUS[res.type]
    if (
        res.type == "MedicationRequest"
        and res.get("intent") in ("proposal", "plan")
        and status in ("active", "draft", "unknown", "on-hold")
    ):
        return ("plan", "proposed")
    if status not in table:
        r.warn(f"{res.label}: status is not a {res.type} status; treatment skipped")
        return None
    placed = table[status]
    if placed is None and status not in ("entered-in-error",):
        r.warn(f"{res.label}: status '{status}' means it was not given; not recorded as a treatment")
    return placed


def _medication_concept(r: Reader, res: Res) -> Any:
    concept = res.get("medicationCodeableConcept")
    if concept is None and res.get("medicationReference") is not None:
        med = r.bundle.resolve(res.get("medicationReference"), "Medication", within=res)
        if med is None:
            r.warn(f"{res.label}: medicationReference points to no Medication in the bundle; skipped")
            return None
        concept = med.get("code")
    return concept


def _modality_of(r: Reader, drugs: list[str]) -> str:
    kinds = [r.vocab.kb.drugs[d].modality for d in drugs if d in r.vocab.kb.drugs]
    if kinds and all(k == kinds[0] for k in kinds):
        return kinds[0]
    return "systemic_therapy"


def _procedure_modality(res: Res, concept: Any) -> str | None:
    if res.kinds & {"radiation"}:
        return "radiation"
    if res.kinds & {"surgery"}:
        return "surgery"
    words = " ".join(labels(concept))
    if not words or (_DIAGNOSTIC.search(words) and not _SURGERY.search(words.replace("biopsy", ""))):
        return None
    if _RADIATION.search(words):
        return "radiation"
    if _SURGERY.search(words):
        return "surgery"
    for pattern, modality in _OTHER:
        if pattern.search(words):
            return modality
    return None


def _radiotherapy_modality(res: Res) -> str | None:
    """The modality a radiotherapy course summary names (its code alone has no display)."""
    for ext in extensions(res.data, "modality-and-technique"):
        for sub in as_list(as_dict(ext).get("extension")):
            if as_dict(sub).get("url") == "modality":
                found = label(as_dict(sub).get("valueCodeableConcept"))
                if found:
                    return found
    return "radiotherapy course" if res.kinds & {"radiation"} else None


def read_treatments(r: Reader) -> tuple[list[PlanItem], list[PlanItem]]:
    items: list[_Item] = []
    order = 0
    for res in r.resources(
        "MedicationRequest", "MedicationAdministration", "MedicationStatement", "Procedure", "ServiceRequest"
    ):
        order += 1
        so = _so_item(res)
        if r.faithful and so is not None:
            item = _from_packet(r, res, so)
            if item is not None:
                items.append(item)
            continue
        modality = None
        if not res.type.startswith("Medication"):
            modality = _procedure_modality(res, res.get("code"))
            if modality is None:
                continue  # a test, an order for one, or a procedure that is no treatment
        placed = _placement(r, res)
        if placed is None:
            continue
        where, status = placed
        fields: dict[str, Any] = {"status": status, "intent": _intent(res)}
        drugs: list[str] = []
        if res.type.startswith("Medication"):
            concept = _medication_concept(r, res)
            if concept is None:
                if res.get("medicationReference") is None:
                    r.warn(f"{res.label}: medication[x] is missing; skipped")
                continue
            drugs, unknown = r.vocab.drugs(concept)
            if not drugs and unknown is None:
                r.warn(f"{res.label}: medication has no text or display; skipped")
                continue
            if not drugs:
                r.warn(f"{res.label}: medication '{unknown}' is not in the knowledge base; recorded by name")
                drugs = [unknown or ""]
            fields["modality"] = _modality_of(r, drugs)
        else:
            fields["modality"] = modality
            fields["procedure"] = label(res.get("code")) or _radiotherapy_modality(res)
            site = label((as_list(res.get("bodySite")) or [None])[0])
            if site:
                fields["description"] = site
        items.append(_Item(where, order, fields, drugs, [r.provenance(res)]))
    return _merge(r, items)


def _from_packet(r: Reader, res: Res, so: dict[str, Any]) -> _Item | None:
    where = so.get("list")
    index = so.get("index")
    if where not in ("plan", "history") or not isinstance(index, int):
        r.warn(f"{res.label}: plan-item extension is incomplete; treatment skipped")
        return None
    fields = {
        k: so[k]
        for k in ("modality", "intent", "status", "regimen", "timing", "description", "procedure")
        if isinstance(so.get(k), str)
    }
    drugs = []
    if res.type.startswith("Medication"):
        t = text(as_dict(res.get("medicationCodeableConcept")).get("text"))
        if t:
            drugs.append(t)
    return _Item(where, index, fields, drugs, [r.provenance(res)])


def _merge(r: Reader, items: list[_Item]) -> tuple[list[PlanItem], list[PlanItem]]:
    """One plan item per treatment: a packet's resources by their item index; repeated doses of
    the same treatment (cycles, fractions) into one item with every source as provenance."""
    merged: dict[tuple[Any, ...], _Item] = {}
    for item in items:
        if r.faithful:
            key: tuple[Any, ...] = (item.where, item.index)
        else:
            key = (item.where, tuple(item.drugs), *sorted((k, str(v)) for k, v in item.fields.items()))
        if key in merged:
            merged[key].provenance += item.provenance
            if r.faithful:
                merged[key].drugs += item.drugs
        else:
            merged[key] = item
    plan: list[PlanItem] = []
    history: list[PlanItem] = []
    ordered = sorted(merged.values(), key=lambda i: i.index) if r.faithful else list(merged.values())
    for item in ordered:
        fields = dict(item.fields)
        if fields.get("modality") not in _MODALITIES:
            r.warn(f"{item.provenance[0].field}: treatment modality not recognised; recorded as other")
            fields["modality"] = "other"
        try:
            plan_item = PlanItem(drugs=item.drugs, provenance=item.provenance, **fields)
        except ValueError:
            r.warn(f"{item.provenance[0].field}: treatment fields are not valid; skipped")
            continue
        (plan if item.where == "plan" else history).append(plan_item)
    return history, plan
