"""FHIR R4 out: the case as an mCODE bundle (the patient-owned case packet) and the review as a
FHIR document (a Composition with one DetectedIssue per finding).

Case packets use mCODE profiles and standard codes wherever the case has a standard meaning, and
SecondOpinion's own URN-coded elements for the rest (concerns, setting, exact statuses...), so
that `secondopinion review packet.json` reads back exactly the case that was exported.
"""

from __future__ import annotations

import html
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from secondopinion import __version__
from secondopinion.case import Biomarker, Cancer, Case, PlanItem
from secondopinion.intake import fhir_codes as codes
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.model import Finding, Review

_SEVERITY = {
    "not_recommended": "high",
    "missing_treatment": "high",
    "missing_test": "moderate",
    "information_needed": "moderate",
    "alternative": "low",
    "confirmed": "low",
}
_MED_STATUS = {"proposed": "draft", "ongoing": "active", "done": "completed"}
_PROC_STATUS = {"ongoing": "in-progress", "done": "completed"}
_INTERPRETATION = {"positive": "POS", "negative": "NEG", "equivocal": "IND"}
_SNOMED_ANSWER = {"positive": ("10828004", "Positive"), "negative": ("260385009", "Negative")}
_VARIANT_ANSWER = {"positive": ("LA9633-4", "Present"), "negative": ("LA9634-2", "Absent")}
_ABSENT = {"not_tested": "not-performed", "unknown": "unknown"}
_HGNC_IDS = {symbol: number for number, symbol in codes.HGNC_SYMBOLS.items()}
_TNM_PROFILE = {
    "t": "mcode-tnm-primary-tumor-category",
    "n": "mcode-tnm-regional-nodes-category",
    "m": "mcode-tnm-distant-metastases-category",
}
_TNM = {
    "t": (("399504009", "cT category"), ("384625004", "pT category")),
    "n": (("399534004", "cN category"), ("371494008", "pN category")),
    "m": (("399387003", "cM category"), ("371497001", "pM category")),
}


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(text: str | None = None, *coding: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if coding:
        out["coding"] = list(coding)
    if text:
        out["text"] = text
    return out


def _clean(value: str | None) -> str | None:
    """FHIR strings may not be empty: an empty or blank value is left out."""
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Packet:
    """Builds the resources of one case, with stable ids derived from the case id."""

    def __init__(self, case: Case, kb: KnowledgeBase | None) -> None:
        self.case = case
        self.kb = kb
        self.entries: list[dict[str, Any]] = []
        self.patient_ref = self._url("patient")
        self.by_item: dict[tuple[str, int], list[str]] = {}

    def _uuid(self, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{codes.SO}:{self.case.id}:{key}"))

    def _url(self, key: str) -> str:
        return f"urn:uuid:{self._uuid(key)}"

    def add(self, key: str, resource: dict[str, Any]) -> str:
        rid = self._uuid(key)
        self.entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": {"id": rid, **resource}})
        return f"urn:uuid:{rid}"

    def observation(self, key: str, code: dict[str, Any], profile: str | None = None, **fields: Any) -> str:
        resource: dict[str, Any] = {"resourceType": "Observation"}
        if profile:
            resource["meta"] = {"profile": [codes.MCODE + profile]}
        resource |= {"status": "final", "code": code, "subject": {"reference": self.patient_ref}, **fields}
        return self.add(key, resource)

    # ---- patient --------------------------------------------------------------------------

    def patient(self) -> None:
        p = self.case.patient
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "meta": {"profile": [codes.MCODE + "mcode-cancer-patient"]},
            "gender": p.sex,
        }
        if _clean(p.location):
            resource["address"] = [{"text": _clean(p.location)}]
        self.add("patient", resource)
        if p.age is not None:
            self.observation(
                "age",
                _concept("Age", _coding(codes.LOINC, codes.AGE, "Age")),
                valueQuantity={"value": p.age, "unit": "a", "system": codes.UCUM, "code": "a"},
            )
        if p.ecog is not None:
            self.observation(
                "ecog",
                _concept(None, _coding(codes.LOINC, codes.ECOG, "ECOG Performance Status score")),
                "mcode-ecog-performance-status",
                valueInteger=p.ecog,
            )
        if p.karnofsky is not None:
            self.observation(
                "karnofsky",
                _concept(None, _coding(codes.LOINC, codes.KARNOFSKY, "Karnofsky Performance Status score")),
                "mcode-karnofsky-performance-status",
                valueInteger=p.karnofsky,
            )
        if p.pregnant is not None:
            answer = (codes.PREGNANT, "Pregnant") if p.pregnant else (codes.NOT_PREGNANT, "Not pregnant")
            self.observation(
                "pregnancy",
                _concept(None, _coding(codes.LOINC, codes.PREGNANCY_STATUS, "Pregnancy status")),
                valueCodeableConcept=_concept(None, _coding(codes.SNOMED, *answer)),
            )
        if p.menopausal_status:
            self.observation(
                "menopause",
                _concept("Menopausal status", _coding(codes.SO_ATTRIBUTE, "menopausal-status")),
                valueCodeableConcept=_concept(p.menopausal_status),
            )
        for i, c in enumerate(p.comorbidities):
            if not _clean(c.name):
                continue
            resource = {
                "resourceType": "Condition",
                "clinicalStatus": _concept(None, _coding(codes.CONDITION_CLINICAL, "active")),
                "category": [_concept(None, _coding(codes.CONDITION_CATEGORY, "problem-list-item"))],
                "code": _concept(c.name),
                "subject": {"reference": self.patient_ref},
            }
            if c.serious:
                resource["severity"] = _concept(None, _coding(codes.SNOMED, codes.SEVERE, "Severe"))
            self.add(f"comorbidity-{i}", resource)
        for i, f in enumerate(p.family_history):
            if _clean(f.relative) and _clean(f.condition):
                self.add(
                    f"family-{i}",
                    {
                        "resourceType": "FamilyMemberHistory",
                        "status": "completed",
                        "patient": {"reference": self.patient_ref},
                        "relationship": _concept(f.relative),
                        "condition": [{"code": _concept(f.condition)}],
                    },
                )

    # ---- cancers --------------------------------------------------------------------------

    def cancer(self, i: int, c: Cancer) -> str:
        ctype = self.kb.cancers.get(c.type) if self.kb and c.type else None
        codings = []
        if c.type:
            codings.append(_coding(codes.SO_CANCER_TYPE, c.type, ctype.name if ctype else None))
        if ctype and ctype.snomed:
            codings.append(_coding(codes.SNOMED, str(ctype.snomed[0])))
        if ctype and ctype.icd10:
            codings.append(_coding(codes.ICD10CM, str(ctype.icd10[0])))
        name = (ctype.name if ctype else c.type) or _clean(c.histology) or _clean(c.primary_site) or "Cancer"
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "meta": {"profile": [codes.MCODE + "mcode-primary-cancer-condition"]},
            "clinicalStatus": _concept(
                None, _coding(codes.CONDITION_CLINICAL, "recurrence" if c.recurrent else "active")
            ),
            "category": [_concept(None, _coding(codes.CONDITION_CATEGORY, "problem-list-item"))],
            "code": _concept(name, *codings),
            "subject": {"reference": self.patient_ref},
        }
        if _clean(c.histology):
            resource["extension"] = [
                {"url": codes.EXT_HISTOLOGY, "valueCodeableConcept": _concept(c.histology)}
            ]
        site: dict[str, Any] = {}
        if _clean(c.primary_site):
            site["text"] = _clean(c.primary_site)
        if _clean(c.laterality):
            side = {v: k for k, v in codes.LATERALITY_CODES.items()}.get((c.laterality or "").lower())
            site["extension"] = [
                {
                    "url": codes.EXT_LATERALITY,
                    "valueCodeableConcept": _concept(
                        _clean(c.laterality), *([_coding(codes.SNOMED, side)] if side else [])
                    ),
                }
            ]
        if site:
            resource["bodySite"] = [site]
        key = f"cancer-{i}"
        cond = self._url(key)
        members = []
        for axis in ("t", "n", "m"):
            value = _clean(getattr(c.tnm, axis))
            if value:
                code, display = _TNM[axis][1 if value.lower().startswith("p") else 0]
                members.append(
                    {
                        "reference": self.observation(
                            f"{key}-{axis}",
                            _concept(None, _coding(codes.SNOMED, code, display)),
                            _TNM_PROFILE[axis],
                            focus=[{"reference": cond}],
                            valueCodeableConcept=_concept(value),
                        )
                    }
                )
        if _clean(c.stage_group):
            fields: dict[str, Any] = {
                "focus": [{"reference": cond}],
                "valueCodeableConcept": _concept(_clean(c.stage_group)),
            }
            if members:
                fields["hasMember"] = members
            stage_ref = self.observation(
                f"{key}-stage",
                _concept(None, _coding(codes.LOINC, "21908-9", "Stage group.clinical Cancer")),
                **fields,
            )
            resource["stage"] = [
                {"summary": _concept(_clean(c.stage_group)), "assessment": [{"reference": stage_ref}]}
            ]
        self.add(key, resource)
        self._attributes(key, cond, c)
        for j, s in enumerate(c.metastatic_sites):
            if not _clean(s):
                continue
            self.add(
                f"{key}-metastasis-{j}",
                {
                    "resourceType": "Condition",
                    "meta": {"profile": [codes.MCODE + "mcode-secondary-cancer-condition"]},
                    "extension": [{"url": codes.EXT_RELATED_PRIMARY, "valueReference": {"reference": cond}}],
                    "clinicalStatus": _concept(None, _coding(codes.CONDITION_CLINICAL, "active")),
                    "category": [_concept(None, _coding(codes.CONDITION_CATEGORY, "problem-list-item"))],
                    "code": _concept(
                        f"Metastasis to {_clean(s)}",
                        _coding(codes.SNOMED, "128462008", "Secondary malignant neoplastic disease"),
                    ),
                    "bodySite": [_concept(_clean(s))],
                    "subject": {"reference": self.patient_ref},
                },
            )
        return cond

    def _attributes(self, key: str, cond: str, c: Cancer) -> None:
        parts: list[dict[str, Any]] = []

        def part(code: str, **value: Any) -> None:
            parts.append({"code": _concept(None, _coding(codes.SO_ATTRIBUTE, code)), **value})

        if c.setting:
            part("setting", valueString=c.setting)
        if c.recurrent is not None:
            part("recurrent", valueBoolean=c.recurrent)
        if _clean(c.risk_group):
            part("risk_group", valueString=_clean(c.risk_group))
        if _clean(c.grade):
            part("grade", valueString=_clean(c.grade))
        for name, value in c.scores.items():
            if not _clean(name):
                continue
            entry: dict[str, Any] = {"code": _concept(name, _coding(codes.SO_ATTRIBUTE, "score"))}
            if isinstance(value, str):
                if not _clean(value):
                    continue
                entry["valueString"] = value
            else:
                entry["valueQuantity"] = {"value": value}
            parts.append(entry)
        if parts:
            self.observation(
                f"{key}-attributes",
                _concept(
                    "Cancer details recorded by SecondOpinion",
                    _coding(codes.SO_ATTRIBUTE, "cancer-attributes"),
                ),
                focus=[{"reference": cond}],
                component=parts,
            )

    # ---- biomarkers -----------------------------------------------------------------------

    def _is_gene(self, b: Biomarker) -> bool:
        known = self.kb.biomarkers.get(b.name) if self.kb else None
        if known is not None:
            return known.kind == "gene" and not known.loinc
        return b.name.isupper() and " " not in b.name and len(b.name) <= 16

    def biomarker(self, i: int, b: Biomarker) -> None:
        known = self.kb.biomarkers.get(b.name) if self.kb else None
        gene = self._is_gene(b)
        interpretation = [_coding(codes.SO_STATUS, b.status)]
        if b.status in _INTERPRETATION:
            interpretation.append(_coding(codes.OBS_INTERPRETATION, _INTERPRETATION[b.status]))
        fields: dict[str, Any] = {
            "category": [_concept(None, _coding(codes.OBS_CATEGORY, "laboratory"))],
            "interpretation": [{"coding": interpretation}],
        }
        if b.status == "pending":
            fields["status"] = "registered"
        components: list[dict[str, Any]] = []
        if gene:
            number = _HGNC_IDS.get(b.name)
            components.append(
                {
                    "code": _concept(None, _coding(codes.LOINC, codes.GENE_STUDIED, "Gene studied [ID]")),
                    "valueCodeableConcept": _concept(
                        b.name, *([_coding(codes.HGNC, f"HGNC:{number}", b.name)] if number else [])
                    ),
                }
            )
            answer = _VARIANT_ANSWER.get(b.status)
            code = _concept(
                None,
                _coding(codes.LOINC, codes.GENETIC_VARIANT, "Genetic variant assessment"),
                _coding(codes.SO_BIOMARKER, b.name),
            )
            profile = "mcode-genomic-variant"
            if b.value is not None:
                components.append(
                    {
                        "code": _concept(None, _coding(codes.SO_ATTRIBUTE, "value")),
                        "valueQuantity": self._quantity(b),
                    }
                )
            if answer:
                fields["valueCodeableConcept"] = _concept(None, _coding(codes.LOINC, *answer))
        else:
            loinc = [_coding(codes.LOINC, str(known.loinc[0]))] if known and known.loinc else []
            code = _concept(known.name if known else b.name, *loinc, _coding(codes.SO_BIOMARKER, b.name))
            profile = "mcode-tumor-marker-test"
            if b.value is not None:
                fields["valueQuantity"] = self._quantity(b)
            elif b.status in _SNOMED_ANSWER:
                fields["valueCodeableConcept"] = _concept(
                    None, _coding(codes.SNOMED, *_SNOMED_ANSWER[b.status])
                )
        if not any(k.startswith("value") for k in fields) and b.status == "equivocal":
            fields["valueCodeableConcept"] = _concept("Equivocal")
        if not any(k.startswith("value") for k in fields) and b.status in _ABSENT:
            fields["dataAbsentReason"] = _concept(None, _coding(codes.DATA_ABSENT, _ABSENT[b.status]))
        if b.germline is not None:
            components.append(
                {
                    "code": _concept(
                        None, _coding(codes.LOINC, codes.GENOMIC_SOURCE_CLASS, "Genomic source class")
                    ),
                    "valueCodeableConcept": _concept(
                        None,
                        _coding(
                            codes.LOINC,
                            *((codes.GERMLINE, "Germline") if b.germline else (codes.SOMATIC, "Somatic")),
                        ),
                    ),
                }
            )
        if components:
            fields["component"] = components
        if _clean(b.method):
            fields["method"] = _concept(_clean(b.method))
        if _clean(b.detail):
            fields["extension"] = [{"url": codes.SO_EXT_DETAIL, "valueString": _clean(b.detail)}]
        self.observation(f"biomarker-{i}", code, profile, **fields)

    @staticmethod
    def _quantity(b: Biomarker) -> dict[str, Any]:
        q: dict[str, Any] = {"value": b.value}
        if _clean(b.unit):
            q["unit"] = _clean(b.unit)
        return q

    # ---- treatments -----------------------------------------------------------------------

    def treatment(self, where: str, index: int, item: PlanItem, reason: str | None) -> None:
        details = [
            ("list", "valueCode", where),
            ("index", "valueInteger", index),
            ("status", "valueCode", item.status),
            ("modality", "valueCode", item.modality),
            ("intent", "valueCode", item.intent),
        ]
        for key in ("regimen", "timing", "description", "procedure"):
            if _clean(getattr(item, key)):
                details.append((key, "valueString", _clean(getattr(item, key))))
        extensions: list[dict[str, Any]] = []
        if item.intent != "unknown":
            curative = (
                [_coding(codes.SNOMED, codes.CURATIVE, "Curative - procedure intent")]
                if (item.intent == "curative")
                else []
            )
            extensions.append(
                {"url": codes.EXT_INTENT, "valueCodeableConcept": _concept(item.intent, *curative)}
            )
        extensions.append(
            {"url": codes.SO_EXT_PLAN_ITEM, "extension": [{"url": k, t: v} for k, t, v in details]}
        )
        modality = _concept(item.modality.replace("_", " "), _coding(codes.SO_MODALITY, item.modality))
        common: dict[str, Any] = {"extension": extensions, "subject": {"reference": self.patient_ref}}
        refs = self.by_item.setdefault((where, index), [])
        if item.drugs:
            for j, drug in enumerate(item.drugs):
                resource = {
                    "resourceType": "MedicationRequest",
                    "meta": {"profile": [codes.MCODE + "mcode-cancer-related-medication-request"]},
                    **common,
                    "status": _MED_STATUS[item.status],
                    "intent": "proposal" if item.status == "proposed" else "order",
                    "category": [modality],
                    "medicationCodeableConcept": _concept(_clean(drug) or "unnamed drug"),
                }
                if reason:
                    resource["reasonReference"] = [{"reference": reason}]
                refs.append(self.add(f"{where}-{index}-drug-{j}", resource))
            return
        label = _clean(item.procedure) or item.modality.replace("_", " ")
        code = (
            _concept(label, _coding(codes.SNOMED, "1217123003", "Radiotherapy course of treatment"))
            if (item.modality == "radiation")
            else _concept(label)
        )
        if item.status == "proposed":
            resource = {
                "resourceType": "ServiceRequest",
                **common,
                "status": "active",
                "intent": "plan",
                "category": [modality],
                "code": code,
            }
        else:
            resource = {
                "resourceType": "Procedure",
                **common,
                "status": _PROC_STATUS[item.status],
                "category": modality,
                "code": code,
            }
            if item.modality == "surgery":
                resource["meta"] = {"profile": [codes.MCODE + "mcode-cancer-related-surgical-procedure"]}
        if reason:
            resource["reasonReference"] = [{"reference": reason}]
        refs.append(self.add(f"{where}-{index}", resource))

    def patient_reported(self) -> None:
        items: list[dict[str, Any]] = []
        for link, values in (("concern", self.case.concerns), ("question", self.case.questions)):
            for v in values:
                if _clean(v):
                    items.append({"linkId": link, "answer": [{"valueString": _clean(v)}]})
        for o in self.case.opinions:
            if _clean(o.by) and _clean(o.recommends):
                items.append(
                    {
                        "linkId": "opinion",
                        "item": [
                            {"linkId": "by", "answer": [{"valueString": _clean(o.by)}]},
                            {"linkId": "recommends", "answer": [{"valueString": _clean(o.recommends)}]},
                        ],
                    }
                )
        for rec in self.case.records:
            if _clean(rec.kind):
                items.append({"linkId": "record", "answer": [{"valueString": _clean(rec.kind)}]})
        if items:
            self.add(
                "patient-reported",
                {
                    "resourceType": "QuestionnaireResponse",
                    "questionnaire": codes.SO_PATIENT_REPORTED,
                    "status": "completed",
                    "subject": {"reference": self.patient_ref},
                    "item": items,
                },
            )

    def build(self) -> list[str]:
        """Add every resource of the case; return the references of the cancers."""
        self.patient()
        cancers = [self.cancer(i, c) for i, c in enumerate(self.case.cancers)]
        for i, b in enumerate(self.case.biomarkers):
            self.biomarker(i, b)
        reason = cancers[0] if cancers else None
        for where, items in (("plan", self.case.plan), ("history", self.case.history)):
            for i, item in enumerate(items):
                self.treatment(where, i, item, reason)
        self.patient_reported()
        return cancers


def case_to_bundle(case: Case, kb: KnowledgeBase | None = None) -> dict[str, Any]:
    """The case as an mCODE collection Bundle that `secondopinion review` reads back exactly."""
    packet = _Packet(case, kb)
    packet.build()
    return {
        "resourceType": "Bundle",
        "id": packet._uuid("bundle"),
        "identifier": {"system": codes.SO_CASE_ID, "value": case.id},
        "type": "collection",
        "entry": packet.entries,
    }


# ---- the review as a FHIR document ---------------------------------------------------------


def _div(*paragraphs: str, items: list[str] | None = None) -> dict[str, Any]:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)
    if items:
        body += "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body or "<p>-</p>"}</div>',
    }


def _section(code: str, title: str, **fields: Any) -> dict[str, Any]:
    return {"title": title, "code": _concept(title, _coding(codes.SO_SECTION, code)), **fields}


def _implicated(packet: _Packet, finding: Finding, cancers: list[str]) -> list[dict[str, str]]:
    refs = list(cancers[:1])
    words = f"{finding.subject} {finding.explanation}".lower()
    if finding.kind in ("confirmed", "not_recommended"):
        for i, item in enumerate(packet.case.plan):
            names = [*item.drugs, item.procedure or "", item.regimen or ""]
            if any(n and n.lower() in words for n in names):
                refs += packet.by_item.get(("plan", i), [])
    return [{"reference": r} for r in dict.fromkeys(refs)]


def _detected_issue(packet: _Packet, i: int, f: Finding, cancers: list[str]) -> str:
    evidence = []
    if _clean(f.evidence_level):
        evidence.append({"code": [_concept(f"Evidence level: {f.evidence_level}")]})
    for c in f.citations:
        evidence.append(
            {
                "code": [
                    _concept(f"{c.title} ({c.year})", _coding(codes.SO_SOURCE, c.source_id, _clean(c.title)))
                ],
                "detail": [{"display": c.url_or_pmid}] if _clean(c.url_or_pmid) else [],
            }
        )
    for e in evidence:
        if not e.get("detail"):
            e.pop("detail", None)
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "status": "final",
        "code": _concept(
            _clean(f.subject) or f.kind, _coding(codes.SO_FINDING, f.kind, f.kind.replace("_", " "))
        ),
        "severity": _SEVERITY[f.kind],
        "patient": {"reference": packet.patient_ref},
        "detail": _clean(f.explanation) or f.kind.replace("_", " "),
    }
    implicated = _implicated(packet, f, cancers)
    if implicated:
        resource["implicated"] = implicated
    if evidence:
        resource["evidence"] = evidence
    url = next((c.url_or_pmid for c in f.citations if c.url_or_pmid.startswith("https://")), None)
    if url:
        resource["reference"] = url
    return packet.add(f"finding-{i}", resource)


def _trials_section(review: Review) -> dict[str, Any]:
    """Trials that may fit, as a narrative; empty ('not started') when no matching was run."""
    trials = list(getattr(review, "trials", []) or [])
    if not trials:
        return _section(
            "trials",
            "Clinical trials",
            text=_div("Trial matching has not been run for this review."),
            emptyReason=_concept(None, _coding(codes.LIST_EMPTY_REASON, "notstarted", "Not Started")),
        )
    items = [
        f"{t.nct_id}: {t.title} ({t.status}; criteria met {t.met}, not met {t.not_met}, unknown {t.unknown})"
        for t in trials
    ]
    return _section("trials", "Clinical trials", text=_div(items=items))


def review_to_bundle(
    review: Review, kb: KnowledgeBase | None = None, *, now: datetime | None = None
) -> dict[str, Any]:
    """The review as a FHIR document Bundle: Composition, the case's resources, DetectedIssues."""
    now = now or datetime.now(UTC)
    stamp = now.isoformat(timespec="seconds")
    packet = _Packet(review.case, kb)
    cancers = packet.build()
    case_entries = list(packet.entries)
    packet.entries.clear()
    issues = [_detected_issue(packet, i, f, cancers) for i, f in enumerate(review.plan_review.findings)]
    issue_entries = list(packet.entries)
    packet.entries.clear()
    device = packet.add(
        "device",
        {
            "resourceType": "Device",
            "deviceName": [{"name": "SecondOpinion", "type": "manufacturer-name"}],
            "version": [
                {"value": f"{__version__} (knowledge base {review.knowledge_base_version or 'unknown'})"}
            ],
        },
    )
    t = review.triage
    reasons = [f"{r.criterion.replace('_', ' ')}: {r.explanation}" for r in t.reasons]
    pr = review.plan_review
    sections = [
        _section(
            "triage",
            "Should I get a second opinion?",
            text=_div(
                f"Recommendation: {t.recommendation.replace('_', ' ')}.",
                f"Urgency: {t.urgency}",
                items=reasons,
            ),
        ),
        _section(
            "plan_review",
            "Plan review",
            text=_div(
                f"Verdict: {pr.verdict.replace('_', ' ')}.",
                pr.summary,
                items=[f"{f.kind.replace('_', ' ')}: {f.subject}" for f in pr.findings],
            ),
            **(
                {"entry": [{"reference": r} for r in issues]}
                if issues
                else {
                    "emptyReason": _concept(None, _coding(codes.LIST_EMPTY_REASON, "nilknown", "Nil Known"))
                }
            ),
        ),
        _section(
            "completeness",
            "Records the reviewer will need",
            text=_div(items=[f"{c.item} ({c.status}): {c.why}" for c in review.completeness])
            if (review.completeness)
            else _div("No records listed."),
        ),
        _section(
            "questions",
            "Questions to ask your doctors",
            text=_div(items=list(review.questions)) if review.questions else _div("No questions listed."),
        ),
        _trials_section(review),
        _section("notice", "About this review", text=_div(review.notice)),
    ]
    composition_id = packet._uuid("composition")
    composition = {
        "resourceType": "Composition",
        "id": composition_id,
        "status": "final",
        "type": _concept("Second-opinion pre-review", _coding(codes.SO_SECTION, "review")),
        "subject": {"reference": packet.patient_ref},
        "date": stamp,
        "author": [{"reference": device}],
        "title": "Second-opinion pre-review",
        "section": sections,
    }
    return {
        "resourceType": "Bundle",
        "id": packet._uuid("review-bundle"),
        "identifier": {"system": f"{codes.SO}:review-id", "value": packet._uuid(f"review:{stamp}")},
        "type": "document",
        "timestamp": stamp,
        "entry": [
            {"fullUrl": f"urn:uuid:{composition_id}", "resource": composition},
            *packet.entries,
            *case_entries,
            *issue_entries,
        ],
    }


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Check a bundle against the FHIR R4B models (fhir.resources); raises ValueError if invalid."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def render_fhir(
    reviews: list[Review], kb: KnowledgeBase | None = None, *, now: datetime | None = None
) -> str:
    """One review as a document Bundle; several as a collection Bundle of documents."""
    docs = [review_to_bundle(r, kb, now=now) for r in reviews]
    if len(docs) == 1:
        out = docs[0]
    else:
        out = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{d['id']}", "resource": d} for d in docs],
        }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def render_case_fhir(case: Case, kb: KnowledgeBase | None = None) -> str:
    return json.dumps(case_to_bundle(case, kb), indent=2, ensure_ascii=False) + "\n"
