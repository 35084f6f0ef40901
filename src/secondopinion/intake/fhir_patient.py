"""The patient: age, sex, performance status, pregnancy, comorbid conditions, family history, and
what the patient reported in a SecondOpinion case packet (concerns, questions, opinions, records)."""

from __future__ import annotations

from datetime import date
from typing import Any

from secondopinion.case import Comorbidity, FamilyHistory, OpinionOnRecord, Patient, RecordOnHand
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_bundle import Reader, Res
from secondopinion.intake.fhir_values import (
    as_dict,
    as_list,
    codes_of,
    codings,
    extension_value,
    has_code,
    label,
    number,
    parse_date,
    quantity,
    text,
    when,
)

_SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_BIRTH_SEX = {"F": "female", "M": "male"}


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _latest(items: list[tuple[str, Res, Any]]) -> tuple[Res, Any] | None:
    if not items:
        return None
    _, res, value = sorted(items, key=lambda x: x[0])[-1]
    return res, value


def _score(res: Res, lo: int, hi: int, name: str, answers: dict[str, int], r: Reader) -> int | None:
    data = res.data
    value: Any = data.get("valueInteger")
    if value is not None and number(value) is None:
        r.warn(f"{res.label}: {name} value is not a number; ignored")
        return None
    value = number(value)
    if value is None:
        value = number(as_dict(data.get("valueQuantity")).get("value"))
    if value is None:
        for c in codes_of(data.get("valueCodeableConcept")) + codes_of(
            (as_list(data.get("interpretation")) or [None])[0]
        ):
            if c in answers:
                value = answers[c]
                break
    if value is None:
        if "valueString" in data or "valueCodeableConcept" in data:
            r.warn(f"{res.label}: {name} value is not a number; ignored")
        else:
            r.warn(f"{res.label}: {name} has no value; ignored")
        return None
    if value != int(value) or not lo <= value <= hi:
        r.warn(f"{res.label}: {name} value is outside {lo}-{hi}; ignored")
        return None
    return int(value)


def read_patient(r: Reader, today: date) -> Patient:
    fields: dict[str, Any] = {}
    prov = []
    p = r.bundle.patient
    if p is not None:
        r.bundle.check(p)
        prov.append(r.provenance(p))
        gender = text(p.get("gender"))
        birth_sex = extension_value(
            p.data, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
        )
        if gender in _SEX:
            fields["sex"] = _SEX[gender]
        elif isinstance(birth_sex, str) and birth_sex in _BIRTH_SEX:
            fields["sex"] = _BIRTH_SEX[birth_sex]
        elif gender is not None:
            r.warn(f"{p.label}: gender is not a FHIR gender code; sex unknown")
        born = parse_date(p.get("birthDate"))
        died = parse_date(p.get("deceasedDateTime"))
        if p.get("deceasedBoolean") is True or died:
            r.warn(f"{p.label}: the patient is recorded as deceased")
        if born is None:
            if p.get("birthDate") is None:
                if not r.faithful:
                    r.warn(f"{p.label}: birthDate is missing; age unknown")
            else:
                r.warn(f"{p.label}: birthDate is badly formed; age unknown")
        else:
            age = _age(born, min(today, died) if died else today)
            if 0 <= age <= 120:
                fields["age"] = age
            else:
                r.warn(f"{p.label}: birthDate gives an age outside 0-120; age unknown")
        fields["location"] = _location(p)
    ecog, karnofsky, ages, pregnant, menopause = [], [], [], [], []
    for obs in r.resources("Observation"):
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        if obs.has({codes.ECOG}, codes.LOINC) or "ecog" in obs.kinds:
            v = _score(obs, 0, 5, "ECOG", codes.ECOG_ANSWERS, r)
            if v is not None:
                ecog.append((when(obs.data), obs, v))
        elif obs.has({codes.KARNOFSKY}, codes.LOINC) or "karnofsky" in obs.kinds:
            v = _score(obs, 0, 100, "Karnofsky", {}, r)
            if v is not None:
                karnofsky.append((when(obs.data), obs, v))
        elif obs.has({codes.AGE}, codes.LOINC):
            v, _, _ = quantity(obs.get("valueQuantity"))
            if v is not None and v == int(v) and 0 <= v <= 120:
                ages.append((when(obs.data), obs, int(v)))
            else:
                r.warn(f"{obs.label}: age value is missing or outside 0-120; ignored")
        elif obs.has({codes.PREGNANCY_STATUS}, codes.LOINC):
            answer = codes_of(obs.get("valueCodeableConcept"))
            if codes.PREGNANT in answer:
                pregnant.append((when(obs.data), obs, True))
            elif codes.NOT_PREGNANT in answer:
                pregnant.append((when(obs.data), obs, False))
        elif obs.has({"menopausal-status"}, codes.SO_ATTRIBUTE):
            value = r.name_of(obs.get("valueCodeableConcept")) or text(obs.get("valueString"))
            if value in ("premenopausal", "postmenopausal"):
                menopause.append((when(obs.data), obs, value))
    for name, items, path in (
        ("ecog", ecog, "valueInteger"),
        ("karnofsky", karnofsky, "valueInteger"),
        ("age", ages, "valueQuantity"),
        ("pregnant", pregnant, "valueCodeableConcept"),
        ("menopausal_status", menopause, "valueCodeableConcept"),
    ):
        latest = _latest(items)
        if latest:
            fields[name] = latest[1]
            prov.append(r.provenance(latest[0], path))
    return Patient(provenance=prov, **{k: v for k, v in fields.items() if v is not None})


def _location(p: Res) -> str | None:
    for address in as_list(p.get("address")):
        address = as_dict(address)
        if text(address.get("text")):
            return text(address.get("text"))
        parts = [text(address.get("city")), text(address.get("state"))]
        joined = ", ".join(x for x in parts if x)
        if joined:
            return joined
        if text(address.get("postalCode")):
            return text(address.get("postalCode"))
    return None


def read_comorbidities(r: Reader, others: list[Res]) -> list[Comorbidity]:
    """Comorbid conditions: those an mCODE comorbidities observation names, and the patient's
    other active conditions (findings and situations such as employment are left out)."""
    listed: dict[str, Res] = {}
    coded: list[tuple[Res, Any]] = []
    for obs in r.resources("Observation"):
        if "comorbidities" not in obs.kinds and not has_code(
            obs.get("code"), {codes.COMORBIDITIES}, codes.SNOMED
        ):
            continue
        for ext in as_list(obs.get("extension")):
            url = (text(as_dict(ext).get("url")) or "").lower()
            if not ("comorbid" in url or "related-condition" in url) or "absent" in url:
                continue
            target = r.bundle.resolve(as_dict(ext).get("valueReference"), "Condition")
            if target is not None:
                listed[target.label] = target
            elif as_dict(ext).get("valueCodeableConcept"):
                coded.append((obs, as_dict(ext).get("valueCodeableConcept")))
    out: list[Comorbidity] = []
    for cond in others:
        code = cond.get("code")
        name = r.name_of(code)
        if name is None:
            r.warn(f"{cond.label}: code has no text or display; condition skipped")
            continue
        clinical = codes_of(cond.get("clinicalStatus"))
        if cond.label not in listed and not r.faithful:
            if any(c in ("resolved", "inactive", "remission") for c in clinical):
                continue
            if r.vocab.is_history(code) or _is_finding(code):
                continue
        serious = has_code(cond.get("severity"), {codes.SEVERE}, codes.SNOMED)
        out.append(Comorbidity(name=name, serious=serious, provenance=[r.provenance(cond, "code")]))
    for obs, concept in coded:
        name = label(concept)
        if name:
            out.append(Comorbidity(name=name, provenance=[r.provenance(obs, "extension")]))
    return out


def _is_finding(concept: Any) -> bool:
    displays = [d for _, _, d in codings(concept) if d]
    return bool(displays) and all(d.rstrip().endswith(("(finding)", "(situation)")) for d in displays)


def read_family_history(r: Reader) -> list[FamilyHistory]:
    out = []
    for fmh in r.resources("FamilyMemberHistory"):
        if fmh.get("status") == "entered-in-error":
            continue
        relative = r.name_of(fmh.get("relationship"))
        if relative is None:
            r.warn(f"{fmh.label}: relationship has no text or display; skipped")
            continue
        for i, cond in enumerate(as_list(fmh.get("condition"))):
            name = r.name_of(as_dict(cond).get("code"))
            if name:
                out.append(
                    FamilyHistory(
                        relative=relative, condition=name, provenance=[r.provenance(fmh, f"condition[{i}]")]
                    )
                )
    return out


def read_patient_reported(r: Reader) -> dict[str, Any]:
    """Concerns, questions, opinions and records from a SecondOpinion QuestionnaireResponse."""
    out: dict[str, Any] = {"concerns": [], "questions": [], "opinions": [], "records": []}
    for qr in r.resources("QuestionnaireResponse"):
        if text(qr.get("questionnaire")) != codes.SO_PATIENT_REPORTED:
            continue
        for i, item in enumerate(as_list(qr.get("item"))):
            item = as_dict(item)
            link = item.get("linkId")
            answers = [text(as_dict(a).get("valueString")) for a in as_list(item.get("answer"))]
            answers = [a for a in answers if a]
            prov = [r.provenance(qr, f"item[{i}]")]
            if link == "concern" and answers:
                out["concerns"].append(answers[0])
            elif link == "question" and answers:
                out["questions"].append(answers[0])
            elif link == "record" and answers:
                out["records"].append(RecordOnHand(kind=answers[0], provenance=prov))
            elif link == "opinion":
                parts = {
                    as_dict(sub).get("linkId"): text(
                        as_dict((as_list(as_dict(sub).get("answer")) or [{}])[0]).get("valueString")
                    )
                    for sub in as_list(item.get("item"))
                }
                if parts.get("by") and parts.get("recommends"):
                    out["opinions"].append(
                        OpinionOnRecord(by=parts["by"], recommends=parts["recommends"], provenance=prov)
                    )
    return out
