"""Reading values out of FHIR JSON that may be malformed: every accessor accepts anything and
returns an empty answer rather than raising, so one bad element never stops an import."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from secondopinion.intake import fhir_codes as codes

Coding = tuple[str, str, str | None]  # system, code, display

_TAG = re.compile(
    r"\s*\((?:disorder|finding|morphologic abnormality|morphology|body structure|qualifier value|procedure|"
    r"situation|observable entity|regime/therapy|substance|product|tumor staging|staging scale|"
    r"cell structure|"
    r"attribute|clinical drug|medicinal product|physical object|specimen|event|environment)\)\s*$",
    re.IGNORECASE,
)
_ROMAN = {"4": "IV", "3": "III", "2": "II", "1": "I", "0": "0"}
_STAGE = re.compile(r"^[cpy]{0,2}(IV|III|II|I|0|[0-4])([ABC][0-9]?|IS)?$", re.IGNORECASE)
_STAGE_IN_TEXT = re.compile(
    r"\bstage\s+([cpy]{0,2}(?:IV|III|II|I|0|[0-4])(?:[ABC][0-9]?|IS)?)\b", re.IGNORECASE
)
_TNM = re.compile(r"^[cpyra]{0,3}([TNM])(is|[Xx]|[0-4])[A-Za-z0-9()+]*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def as_list(value: Any) -> list[Any]:
    """A FHIR array: a list as is, a lone object (a common mistake) as a list of one."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def number(value: Any) -> float | None:
    """A finite number, else None (JSON may hold booleans, strings, infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        out = float(value)
    except OverflowError:
        return None
    return out if math.isfinite(out) else None


def strip_tag(label: str) -> str:
    """'Malignant neoplasm of breast (disorder)' -> 'Malignant neoplasm of breast'."""
    return _TAG.sub("", label).strip()


def codings(concept: Any) -> list[Coding]:
    """The codings of a CodeableConcept (or of a lone Coding)."""
    concept = as_dict(concept)
    items = as_list(concept.get("coding")) if "coding" in concept else [concept]
    out: list[Coding] = []
    for c in items:
        c = as_dict(c)
        code = c.get("code")
        if isinstance(code, int | float) and not isinstance(code, bool):
            code = str(code)
        system = text(c.get("system")) or ""
        if text(code) or text(c.get("display")):
            out.append((system, (text(code) or ""), text(c.get("display"))))
    return out


def codes_of(concept: Any, *systems: str) -> list[str]:
    return [c for s, c, _ in codings(concept) if c and (not systems or s in systems)]


def has_code(concept: Any, wanted: Iterable[str], *systems: str) -> bool:
    wanted = set(wanted)
    return any(c in wanted for c in codes_of(concept, *systems))


def label(concept: Any) -> str | None:
    """What a person would read: the text, else the first display, without its semantic tag."""
    concept = as_dict(concept)
    t = text(concept.get("text"))
    if t:
        return strip_tag(t)
    for _, _, display in codings(concept):
        if display:
            return strip_tag(display)
    return None


def labels(concept: Any) -> list[str]:
    """Every human-readable label of a concept: text and all displays."""
    concept = as_dict(concept)
    out = [strip_tag(t) for t in [text(concept.get("text"))] if t]
    out += [strip_tag(d) for _, _, d in codings(concept) if d]
    return list(dict.fromkeys(out))


def ref(value: Any) -> str | None:
    return text(as_dict(value).get("reference"))


def extensions(element: Any, keyword: str) -> list[dict[str, Any]]:
    """Extensions of an element whose URL contains a keyword (release-independent matching)."""
    return [
        e
        for e in as_list(as_dict(element).get("extension"))
        if isinstance(e, dict) and keyword in (text(e.get("url")) or "")
    ]


def extension_value(element: Any, url: str) -> Any:
    for e in as_list(as_dict(element).get("extension")):
        if isinstance(e, dict) and e.get("url") == url:
            for k, v in e.items():
                if k.startswith("value"):
                    return v
    return None


def when(resource: dict[str, Any]) -> str:
    """The date a resource is about, as an ISO string for ordering ('' if none)."""
    for key in (
        "effectiveDateTime",
        "performedDateTime",
        "occurrenceDateTime",
        "onsetDateTime",
        "authoredOn",
        "issued",
        "recordedDate",
        "dateAsserted",
    ):
        t = text(resource.get(key))
        if t:
            return t
    for key in ("effectivePeriod", "performedPeriod", "occurrencePeriod"):
        period = as_dict(resource.get(key))
        t = text(period.get("start")) or text(period.get("end"))
        if t:
            return t
    return ""


def parse_date(value: Any) -> date | None:
    m = _DATE.match(text(value) or "")
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def stage_group(raw: str | None) -> str | None:
    """AJCC stage group as the case writes it: 'c3A', 'Stage 3A', 'stage IIIA' -> 'IIIA'."""
    if not raw:
        return None
    s = strip_tag(raw).strip()
    m = _STAGE.match(s)
    if not m:
        found = _STAGE_IN_TEXT.search(s)
        m = _STAGE.match(found.group(1)) if found else None
    if not m:
        return None
    head = m.group(1).upper()
    return _ROMAN.get(head, head) + (m.group(2) or "").upper()


def stage_from_concept(concept: Any) -> str | None:
    for candidate in [
        as_dict(concept).get("text"),
        *(d for _, _, d in codings(concept)),
        *(c for s, c, _ in codings(concept) if s == codes.AJCC),
    ]:
        found = stage_group(text(candidate))
        if found:
            return found
    return None


def tnm_category(concept: Any, axis: str) -> str | None:
    """'American Joint Committee on Cancer cT3 (qualifier value)' -> 'cT3' (axis 't')."""
    candidates = [
        as_dict(concept).get("text"),
        *(d for _, _, d in codings(concept)),
        *(c for _, c, _ in codings(concept)),
    ]
    for candidate in candidates:
        for token in strip_tag(text(candidate) or "").split():
            token = token.strip(",;:")
            m = _TNM.match(token)
            if m and m.group(1).lower() == axis:
                return token
    return None


_NEGATIVE_WORDS = re.compile(
    r"\b(not detected|not present|negative|absent|not amplified|non-amplified|no variant|stable|mss|"
    r"msi-l|low|wild[- ]?type)\b"
)
_EQUIVOCAL_WORDS = re.compile(r"\b(equivocal|indeterminate|borderline|inconclusive|no call)\b")
_POSITIVE_WORDS = re.compile(
    r"\b(positive|detected|present|amplified|amplification|msi-h|high|mutated|mutation)\b"
)


def status_from_words(words: str) -> str | None:
    w = words.lower()
    if _NEGATIVE_WORDS.search(w):
        return "negative"
    if _EQUIVOCAL_WORDS.search(w):
        return "equivocal"
    if _POSITIVE_WORDS.search(w):
        return "positive"
    return None


def status_from_concept(concept: Any) -> str | None:
    """Positive/negative/equivocal from answer codes, then from the words of the answer."""
    found = codes_of(concept)
    if any(c in codes.POSITIVE_CODES for c in found):
        return "positive"
    if any(c in codes.NEGATIVE_CODES for c in found):
        return "negative"
    if any(c in codes.EQUIVOCAL_CODES for c in found):
        return "equivocal"
    return status_from_words(" ".join(labels(concept)))


def quantity(value: Any) -> tuple[float | None, str | None, str | None]:
    """(value, unit, comparator) of a Quantity."""
    q = as_dict(value)
    return number(q.get("value")), text(q.get("unit")) or text(q.get("code")), text(q.get("comparator"))
