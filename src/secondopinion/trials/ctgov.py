"""ClinicalTrials.gov records to Trials: API v2 study JSON (one study, a `studies` page, a JSON
array or JSON Lines), the legacy XML format, and FHIR ResearchStudy resources built from them.

Reading is in two steps so that one bad record never stops an import: `iter_ctgov_records` cuts
the input into records (a record that cannot even be read comes out with its error), and
`parse_record` turns one record into a Trial or raises InputError naming the record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from pydantic import ValidationError

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria import parse_criteria
from secondopinion.trials.criteria_terms import terms_for
from secondopinion.trials.model import Arm, Site, Trial

RecordFormat = Literal["ctgov_v2", "ctgov_xml", "fhir", "ctml"]
MAX_BYTES = 2_000_000_000
_NCT = re.compile(r"^NCT\d{8}$")


@dataclass(frozen=True)
class StudyRecord:
    """One record cut from an input: where it was, its id when readable, its content, or why it
    could not be read."""

    where: str
    id: str | None
    format: RecordFormat | None
    content: Any = None
    error: str | None = None


@dataclass(frozen=True)
class BadRecord:
    """A record that was skipped, with its id (or position) and the reason, for the import report."""

    where: str
    id: str | None
    reason: str


# --- cutting input into records ---------------------------------------------------------------


def decode(data: bytes, name: str) -> str:
    """Text of a file's bytes (UTF-8, or UTF-16 with a byte-order mark); binaries are refused."""
    if not isinstance(data, bytes | bytearray):
        raise InputError(f"{name}: expected the bytes of a file")
    if len(data) > MAX_BYTES:
        raise InputError(f"{name}: larger than 2 GB; split it into JSON Lines files")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return bytes(data).decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: unreadable UTF-16 text; save it as UTF-8") from None
    if b"\x00" in data[:4096]:
        raise InputError(f"{name}: a binary file, not ClinicalTrials.gov JSON or XML")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text; save it as UTF-8") from None


def _record_of(obj: Any, where: str) -> StudyRecord:
    if isinstance(obj, dict):
        if isinstance(obj.get("protocolSection"), dict):
            return StudyRecord(where, _v2_id(obj), "ctgov_v2", obj)
        if obj.get("resourceType") == "ResearchStudy":
            return StudyRecord(where, _fhir_id(obj), "fhir", obj)
        if isinstance(obj.get("treatment_list"), dict):
            ident = next(
                (str(obj[k]) for k in ("nct_id", "protocol_no") if isinstance(obj.get(k), str | int)), None
            )
            return StudyRecord(where, ident, "ctml", obj)
    ident = _v2_id(obj) if isinstance(obj, dict) else None
    return StudyRecord(where, ident, None, error="not a ClinicalTrials.gov study (no protocolSection)")


def _records_of_json(obj: Any, name: str) -> Iterator[StudyRecord]:
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        for i, study in enumerate(obj["studies"]):
            yield _record_of(study, f"{name}#{i + 1}")
    elif isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
        entries = obj.get("entry") if isinstance(obj.get("entry"), list) else []
        studies = [
            (i, e["resource"])
            for i, e in enumerate(entries)
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "ResearchStudy"
        ]
        if not studies:
            yield StudyRecord(
                name, None, None, error="a FHIR Bundle without ResearchStudy resources (a patient record?)"
            )
        for i, res in studies:
            yield _record_of(res, f"{name}#{i + 1}")
    elif isinstance(obj, list):
        for i, study in enumerate(obj):
            yield _record_of(study, f"{name}#{i + 1}")
    else:
        yield _record_of(obj, name)


def iter_ctgov_records(data: bytes, name: str) -> Iterator[StudyRecord]:
    """Records of a file's bytes: v2 JSON (study, page, array, JSON Lines), legacy XML, or FHIR
    ResearchStudy (resource or Bundle); a CTML trial in JSON is recognised too (format 'ctml').
    Raises InputError only when the whole input is unusable."""
    text = decode(data, name)
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{name}: the file is empty")
    if stripped.startswith("<"):
        yield from _xml_records(text, name)
        return
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        pass
    else:
        yield from _records_of_json(obj, name)
        return
    lines = text.splitlines()
    if not any(line.strip().startswith("{") for line in lines[:50]):
        raise InputError(f"{name}: neither JSON, JSON Lines nor XML; give ClinicalTrials.gov study records")
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            found = re.search(r"NCT\d{8}", line)
            yield StudyRecord(where, found.group() if found else None, None, error="not valid JSON")
            continue
        yield from _records_of_json(obj, where)


def _xml_records(text: str, name: str) -> Iterator[StudyRecord]:
    try:
        root = SafeET.fromstring(text)
    except SafeET.ParseError as exc:
        raise InputError(f"{name}: not well-formed XML ({exc})") from None
    except Exception as exc:  # defusedxml refuses entity expansion and external references
        raise InputError(
            f"{name}: XML refused ({type(exc).__name__}); give a plain ClinicalTrials.gov record"
        ) from None
    studies = [root] if root.tag == "clinical_study" else list(root.iter("clinical_study"))
    if not studies:
        raise InputError(f"{name}: XML without a <clinical_study> record")
    for i, study in enumerate(studies):
        where = name if len(studies) == 1 else f"{name}#{i + 1}"
        yield StudyRecord(where, _xml_text(study, "id_info/nct_id"), "ctgov_xml", study)


def parse_record(record: StudyRecord, kb: KnowledgeBase) -> Trial:
    """The Trial of one record; InputError names the record and the problem."""
    label = record.id or record.where
    if record.error is not None or record.format is None:
        raise InputError(f"{label}: {record.error or 'unknown record format'}")
    if record.format == "ctml":
        from secondopinion.trials.ctml import parse_ctml

        parser: Callable[[Any, KnowledgeBase], Trial] = parse_ctml
    else:
        parser = {
            "ctgov_v2": parse_ctgov_json,
            "ctgov_xml": _parse_xml_element,
            "fhir": parse_research_study,
        }[record.format]
    try:
        return parser(record.content, kb)
    except InputError as exc:
        message = str(exc)
        raise InputError(message if message.startswith(label) else f"{label}: {message}") from None


def iter_ctgov_trials(data: bytes, name: str, kb: KnowledgeBase) -> Iterator[Trial | BadRecord]:
    """Trials of an input, with the records that had to be skipped reported in place."""
    for record in iter_ctgov_records(data, name):
        try:
            yield parse_record(record, kb)
        except InputError as exc:
            yield BadRecord(record.where, record.id, str(exc))


# --- small typed accessors -------------------------------------------------------------------


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _s(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _strs(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [s for s in (_s(v) for v in value) if s]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
        return float(value)
    return None


def _v2_id(obj: dict[str, Any]) -> str | None:
    return _s(_get(obj, "protocolSection", "identificationModule", "nctId"))


def _fhir_id(obj: dict[str, Any]) -> str | None:
    for ident in _dicts(obj.get("identifier")):
        value = _s(ident.get("value"))
        if value and _NCT.match(value):
            return value
    return _s(obj.get("id"))


def trial_id(value: str | None, what: str = "record") -> str:
    """A usable trial id: an NCT number, or a registry/protocol id made of safe characters."""
    if value is None:
        raise InputError(f"{what} has no trial id (nctId)")
    value = value.strip()
    if _NCT.match(value.upper()):
        return value.upper()
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-")[:64]
    if not cleaned:
        raise InputError(f"{what}: unusable trial id {value[:40]!r}")
    return cleaned


def normalise_status(value: str | None) -> str:
    """'Active, not recruiting' and 'ACTIVE_NOT_RECRUITING' are one status."""
    if not value:
        return "UNKNOWN"
    return (re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").upper() or "UNKNOWN")[:40]


def normalise_phases(values: list[str]) -> list[str]:
    """v2 style: 'Phase 1/Phase 2' -> ['PHASE1', 'PHASE2'], 'N/A' -> ['NA']."""
    out: list[str] = []
    for value in values:
        if re.fullmatch(r"\s*n\s*/?\s*a\s*", value, re.I):
            value = "NA"
        for part in re.split(r"[/,]| and ", value):
            p = re.sub(r"[^A-Za-z0-9]", "", part).upper()
            if not p:
                continue
            p = {"EARLYPHASE1": "EARLY_PHASE1", "PHASE0": "EARLY_PHASE1"}.get(p, p)
            if p not in out:
                out.append(p[:20])
    return out


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / 8766,
    "minute": 1 / 525960,
}


def age_years(value: Any) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5; 'N/A' and anything unreadable -> None."""
    text = _s(value)
    if text is None:
        return None
    m = _AGE.match(text)
    if m is None:
        return None
    years = float(m.group(1)) * _AGE_UNIT[m.group(2).lower()]
    return round(years, 2) if years <= 150 else None


def parse_date(value: Any) -> date | None:
    text = _s(value)
    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y-%m", "%B %d, %Y", "%B %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _sex(value: Any) -> Literal["all", "female", "male"]:
    text = (_s(value) or "").lower()
    return "female" if text == "female" else "male" if text == "male" else "all"


def cancer_types_of(texts: list[str], kb: KnowledgeBase) -> list[str]:
    """Knowledge-base cancer ids named in conditions (or, failing that, a title)."""
    finder = terms_for(kb).finder
    out: list[str] = []
    for text in texts:
        for name in finder.find(text, text.lower()):
            if name.kind == "cancer" and name.id not in out:
                out.append(name.id)
    return out


def _build(fields: dict[str, Any], what: str) -> Trial:
    try:
        return Trial(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{what}: field {where}: {err['msg']}") from None


# --- API v2 JSON ----------------------------------------------------------------------------


def parse_ctgov_json(obj: Any, kb: KnowledgeBase) -> Trial:
    """A ClinicalTrials.gov API v2 study object to a Trial."""
    if not isinstance(obj, dict) or not isinstance(obj.get("protocolSection"), dict):
        raise InputError("not a ClinicalTrials.gov API v2 study (no protocolSection)")
    ps = obj["protocolSection"]
    nct = trial_id(_s(_get(ps, "identificationModule", "nctId")), "study")
    ident = _get(ps, "identificationModule")
    title = (
        _s(_get(ident, "briefTitle")) or _s(_get(ident, "officialTitle")) or _s(_get(ident, "acronym")) or nct
    )
    elig = _get(ps, "eligibilityModule")
    text = _s(_get(elig, "eligibilityCriteria")) or ""
    conditions = _strs(_get(ps, "conditionsModule", "conditions"))
    arms_mod = _get(ps, "armsInterventionsModule")
    arms = [
        Arm(id=label[:200], description=_s(a.get("description")))
        for a in _dicts(_get(arms_mod, "armGroups"))
        if (label := _s(a.get("label")))
    ]
    interventions = [n for n in (_s(i.get("name")) for i in _dicts(_get(arms_mod, "interventions"))) if n]
    sites = [_v2_site(loc) for loc in _dicts(_get(ps, "contactsLocationsModule", "locations"))]
    status = _get(ps, "statusModule")
    return _build(
        {
            "nct_id": nct,
            "title": title,
            "brief_summary": _s(_get(ps, "descriptionModule", "briefSummary")),
            "status": normalise_status(_s(_get(status, "overallStatus"))),
            "phase": normalise_phases(_strs(_get(ps, "designModule", "phases"))),
            "conditions": conditions,
            "cancer_types": cancer_types_of(conditions, kb) or cancer_types_of([title], kb),
            "interventions": interventions,
            "min_age": age_years(_get(elig, "minimumAge")),
            "max_age": age_years(_get(elig, "maximumAge")),
            "sex": _sex(_get(elig, "sex")),
            "eligibility_text": text,
            "criteria": parse_criteria(text, kb),
            "arms": arms,
            "sites": sites,
            "last_update": parse_date(_get(status, "lastUpdatePostDateStruct", "date"))
            or parse_date(_get(status, "lastUpdateSubmitDate")),
            "source_format": "ctgov_v2",
        },
        nct,
    )


def _v2_site(loc: dict[str, Any]) -> Site:
    geo = loc.get("geoPoint") if isinstance(loc.get("geoPoint"), dict) else {}
    lat, lon = _float(geo.get("lat")), _float(geo.get("lon"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    status = _s(loc.get("status"))
    return Site(
        facility=_s(loc.get("facility")),
        city=_s(loc.get("city")),
        state=_s(loc.get("state")),
        country=_s(loc.get("country")),
        postal_code=_s(loc.get("zip")),
        status=normalise_status(status) if status else None,
        latitude=lat,
        longitude=lon,
    )


# --- legacy XML -----------------------------------------------------------------------------


def _xml_text(el: Element, path: str) -> str | None:
    found = el.find(path)
    if found is None:
        return None
    return _s("".join(found.itertext()))


def _xml_texts(el: Element, path: str) -> list[str]:
    return [t for t in (_s("".join(x.itertext())) for x in el.findall(path)) if t]


def _xml_block(el: Element, path: str) -> str | None:
    """A <textblock>: kept as written, only its common indentation and outer blank lines removed."""
    found = el.find(path)
    if found is None:
        return None
    lines = "".join(found.itertext()).strip("\n").split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return _s("\n".join(line[cut:] for line in lines))


def parse_ctgov_xml(text: str, kb: KnowledgeBase) -> Trial:
    """A legacy ClinicalTrials.gov XML record (<clinical_study>) to a Trial."""
    if not isinstance(text, str):
        raise InputError("expected the text of a ClinicalTrials.gov XML record")
    if not text.lstrip().startswith("<"):
        raise InputError("not XML; expected a <clinical_study> record")
    record = next(_xml_records(text, "XML record"))
    return _parse_xml_element(record.content, kb)


def _parse_xml_element(study: Element, kb: KnowledgeBase) -> Trial:
    nct = trial_id(_xml_text(study, "id_info/nct_id"), "XML record")
    title = _xml_text(study, "brief_title") or _xml_text(study, "official_title") or nct
    conditions = _xml_texts(study, "condition")
    text = _xml_block(study, "eligibility/criteria/textblock") or ""
    arms = [
        Arm(id=label[:200], description=_xml_text(a, "description"))
        for a in study.findall("arm_group")
        if (label := _xml_text(a, "arm_group_label"))
    ]
    sites = []
    for loc in study.findall("location"):
        status = _xml_text(loc, "status")
        sites.append(
            Site(
                facility=_xml_text(loc, "facility/name"),
                city=_xml_text(loc, "facility/address/city"),
                state=_xml_text(loc, "facility/address/state"),
                country=_xml_text(loc, "facility/address/country"),
                postal_code=_xml_text(loc, "facility/address/zip"),
                status=normalise_status(status) if status else None,
            )
        )
    return _build(
        {
            "nct_id": nct,
            "title": title,
            "brief_summary": _xml_block(study, "brief_summary/textblock"),
            "status": normalise_status(_xml_text(study, "overall_status")),
            "phase": normalise_phases(_xml_texts(study, "phase")),
            "conditions": conditions,
            "cancer_types": cancer_types_of(conditions, kb) or cancer_types_of([title], kb),
            "interventions": _xml_texts(study, "intervention/intervention_name"),
            "min_age": age_years(_xml_text(study, "eligibility/minimum_age")),
            "max_age": age_years(_xml_text(study, "eligibility/maximum_age")),
            "sex": _sex(_xml_text(study, "eligibility/gender")),
            "eligibility_text": text,
            "criteria": parse_criteria(text, kb),
            "arms": arms,
            "sites": sites,
            "last_update": parse_date(_xml_text(study, "last_update_posted"))
            or parse_date(_xml_text(study, "last_update_submitted")),
            "source_format": "ctgov_xml",
        },
        nct,
    )


# --- FHIR ResearchStudy ---------------------------------------------------------------------

_FHIR_STATUS = {
    "active": "RECRUITING",
    "approved": "NOT_YET_RECRUITING",
    "in-review": "NOT_YET_RECRUITING",
    "closed-to-accrual": "ACTIVE_NOT_RECRUITING",
    "closed-to-accrual-and-intervention": "ACTIVE_NOT_RECRUITING",
    "temporarily-closed-to-accrual": "SUSPENDED",
    "temporarily-closed-to-accrual-and-intervention": "SUSPENDED",
    "administratively-completed": "TERMINATED",
    "completed": "COMPLETED",
    "withdrawn": "WITHDRAWN",
}


def parse_research_study(obj: Any, kb: KnowledgeBase) -> Trial:
    """A FHIR R4 ResearchStudy made from a registry record (as clinical-trial matching services
    publish them) to a Trial; the eligibility text is the enrollment Group's display."""
    if not isinstance(obj, dict) or obj.get("resourceType") != "ResearchStudy":
        raise InputError("not a FHIR ResearchStudy")
    nct = trial_id(_fhir_id(obj), "ResearchStudy")
    title = _s(obj.get("title")) or nct
    conditions = [t for t in (_s(c.get("text")) for c in _dicts(obj.get("condition"))) if t]
    text = next((t for t in (_s(r.get("display")) for r in _dicts(obj.get("enrollment"))) if t), "")
    phase = [t for t in (_s(c.get("code")) for c in _dicts(_get(obj, "phase", "coding"))) if t]
    arms = [
        Arm(id=name[:200], description=_s(a.get("description")))
        for a in _dicts(obj.get("arm"))
        if (name := _s(a.get("name")))
    ]
    status = _s(obj.get("status"))
    return _build(
        {
            "nct_id": nct,
            "title": title,
            "brief_summary": _s(obj.get("description")),
            "status": _FHIR_STATUS.get(status or "", normalise_status(status)),
            "phase": normalise_phases(phase),
            "conditions": conditions,
            "cancer_types": cancer_types_of(conditions, kb) or cancer_types_of([title], kb),
            "eligibility_text": text,
            "criteria": parse_criteria(text, kb),
            "arms": arms,
            "source_format": "fhir",
        },
        nct,
    )
