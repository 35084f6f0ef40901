"""FHIR R4 and mCODE (STU1 to STU4) records to a Case.

Real records are messy: every resource is checked with fhir.resources (R4B models, which read R4
resources) and what is malformed, unknown or contradictory becomes a warning naming the resource
and the field, never a crash. Only a bundle with nothing usable raises an InputError.

Codes map to knowledge-base ids through the knowledge base itself (SNOMED CT, ICD-10-CM and
ICD-O-3 codes of cancer types, LOINC codes of biomarkers, drug names). A bundle written by
SecondOpinion (`secondopinion export`) is read back exactly, without any inference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_bundle import READ_TYPES, Bundle, Reader, Warnings, validation_problems
from secondopinion.intake.fhir_cancer import classify_conditions, read_cancers
from secondopinion.intake.fhir_markers import read_biomarkers
from secondopinion.intake.fhir_patient import (
    read_comorbidities,
    read_family_history,
    read_patient,
    read_patient_reported,
)
from secondopinion.intake.fhir_terms import vocabulary
from secondopinion.intake.fhir_treatments import read_treatments
from secondopinion.intake.fhir_values import as_dict, text
from secondopinion.knowledge.schema import KnowledgeBase


def is_fhir(raw: Any) -> bool:
    """Whether parsed JSON is a FHIR resource (a Bundle or a lone resource)."""
    return isinstance(raw, Mapping) and isinstance(raw.get("resourceType"), str)


def _load(data: bytes | str | Mapping[str, Any], name: str) -> dict[str, Any]:
    if isinstance(data, Mapping):
        raw: Any = dict(data)
    else:
        try:
            raw = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise InputError(f"{name}: not valid JSON{where}; a FHIR record must be a JSON Bundle") from None
        except RecursionError:
            raise InputError(f"{name}: JSON nested too deeply to be a FHIR record") from None
    if not is_fhir(raw):
        raise InputError(f"{name}: not a FHIR resource (no resourceType); give a FHIR Bundle")
    return raw


def _packet_id(raw: dict[str, Any]) -> str | None:
    """The case id of a SecondOpinion case packet; None for any other record."""
    identifier = as_dict(raw.get("identifier"))
    if identifier.get("system") == codes.SO_CASE_ID:
        return text(identifier.get("value")) or "case"
    return None


def parse_fhir(
    data: bytes | str | Mapping[str, Any],
    kb: KnowledgeBase,
    document: str | None = None,
    *,
    today: date | None = None,
) -> tuple[Case, list[str]]:
    """Read a FHIR Bundle (or one resource) into a case, with the warnings met on the way.

    `today` fixes the date ages are computed at (tests); it defaults to the current date.
    """
    name = document or "FHIR record"
    raw = _load(data, name)
    warnings = Warnings()
    try:
        bundle = Bundle(raw, warnings, name)
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply to be a FHIR record") from None
    for res in bundle.resources:
        if res.type not in READ_TYPES and validation_problems({"resourceType": res.type}) is None:
            warnings.add(f"{res.label}: not a FHIR R4 resource type; ignored")
    faithful = _packet_id(raw) is not None
    reader = Reader(bundle, vocabulary(kb), warnings, document, faithful)
    try:
        case = _read(reader, raw, today or date.today())
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply to be a FHIR record") from None
    return case, warnings.items


def _read(r: Reader, raw: dict[str, Any], today: date) -> Case:
    patient = read_patient(r, today)
    conditions = classify_conditions(r)
    patient = patient.model_copy(
        update={
            "comorbidities": read_comorbidities(r, conditions.others),
            "family_history": read_family_history(r),
        }
    )
    cancers = read_cancers(r, conditions)
    biomarkers = read_biomarkers(r)
    history, plan = read_treatments(r)
    reported = read_patient_reported(r)
    if not r.faithful:
        cancers = _scores_from_biomarkers(cancers, biomarkers, r.vocab.kb)
    fields = {
        "id": _packet_id(raw) or "case",
        "patient": patient,
        "cancers": cancers,
        "biomarkers": biomarkers,
        "history": history,
        "plan": plan,
        **reported,
    }
    try:
        return Case.model_validate(fields)
    except ValidationError as exc:  # a fact that slipped past the readers' checks
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        r.warn(f"Bundle: {where} could not be read into the case; left out")
        return Case(id=fields["id"], patient=patient if "patient" not in where else Case().patient)


def _scores_used(kb: KnowledgeBase, cancer_type: str) -> set[str]:
    """Score names the knowledge base's pathways and risk models for a cancer type look at."""
    whens = [p.when for p in kb.pathways_for(cancer_type)]
    whens += [w for m in kb.risk_models if m.cancer == cancer_type for rule in m.rules for w in rule.any]
    return {s.name for w in whens for s in w.scores}


def _scores_from_biomarkers(cancers: list[Any], biomarkers: list[Any], kb: KnowledgeBase) -> list[Any]:
    """A disease score that is also a biomarker (PSA): its latest value, for a cancer whose
    pathways or risk models use that score and that has no value for it yet."""
    out = []
    for cancer in cancers:
        used = _scores_used(kb, cancer.type) if cancer.type else set()
        scores = dict(cancer.scores)
        for b in biomarkers:  # in date order: the last wins
            score = codes.SCORE_FROM_BIOMARKER.get(b.name)
            if score in used and b.value is not None and score not in cancer.scores:
                scores[score] = b.value
        out.append(cancer.model_copy(update={"scores": scores}) if scores != cancer.scores else cancer)
    return out
