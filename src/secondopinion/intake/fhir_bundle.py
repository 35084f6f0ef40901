"""A FHIR bundle as the importer sees it: its resources, indexed for references, each checked
against FHIR R4B (fhir.resources) with problems reported as warnings rather than failures.

Warnings name the resource (type/id) and the field, never a value: no names, dates or text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from secondopinion.case import Provenance
from secondopinion.errors import InputError
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_values import as_dict, as_list, codings, label, ref, text

MAX_WARNINGS = 200
# Resource types the importer reads; others are accepted silently (practitioners, encounters...).
READ_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "Observation",
        "MedicationRequest",
        "MedicationAdministration",
        "MedicationStatement",
        "Medication",
        "Procedure",
        "ServiceRequest",
        "FamilyMemberHistory",
        "QuestionnaireResponse",
    }
)
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_REF = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([^/]+)(?:/_history/[^/]+)?$")


class Warnings:
    """Collects warnings once each, up to a limit, and says how many more there were."""

    def __init__(self, limit: int = MAX_WARNINGS) -> None:
        self.limit = limit
        self._items: list[str] = []
        self._seen: set[str] = set()
        self._dropped = 0

    def add(self, message: str) -> None:
        if message in self._seen:
            return
        self._seen.add(message)
        if len(self._items) < self.limit:
            self._items.append(message)
        else:
            self._dropped += 1

    @property
    def items(self) -> list[str]:
        more = [f"{self._dropped} more warnings not shown"] if self._dropped else []
        return [*self._items, *more]


@dataclass
class Res:
    """One resource of the bundle."""

    data: dict[str, Any]
    type: str
    id: str
    index: int
    full_url: str | None
    kinds: set[str] = field(default_factory=set)

    _codes: frozenset[tuple[str, str]] | None = None

    @property
    def label(self) -> str:
        return f"{self.type}/{self.id}"

    def has(self, wanted: set[str] | frozenset[str], *systems: str) -> bool:
        """Whether the resource's code has one of some codes (in one of some systems)."""
        if self._codes is None:
            self._codes = frozenset((s, c) for s, c, _ in codings(self.data.get("code")) if c)
        return any(c in wanted and (not systems or s in systems) for s, c in self._codes)

    def get(self, key: str) -> Any:
        return self.data.get(key)


def _safe_id(value: Any, index: int) -> str:
    t = text(value) if isinstance(value, str) else None
    if t and _ID.match(t):
        return t
    return f"entry{index}"


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(resource)"


def _problem(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    where = _loc(tuple(err.get("loc", ())))
    msg = str(err.get("msg", ""))
    if kind == "missing":
        return f"{where} is required but missing"
    if kind == "list_type":
        return f"{where} should be a list"
    if kind == "extra_forbidden":
        return f"{where} is not an element of FHIR R4B"
    if "but got multiple" in msg:
        return f"{where}: more than one value[x] given"
    if kind.startswith(("string_", "int_", "float_", "bool_", "date", "url", "decimal")) or (
        kind == "value_error" and err.get("loc")
    ):
        return f"{where} is badly formed"
    return f"{where} is not valid ({kind or 'invalid'})"


def validation_problems(resource: dict[str, Any]) -> list[str] | None:
    """Problems fhir.resources (R4B) finds in one resource; None if the type is unknown to FHIR."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(resource["resourceType"])
    except (KeyError, ValueError):
        return None
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return list(dict.fromkeys(_problem(e) for e in exc.errors()))  # type: ignore[arg-type]
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError):
        return ["(resource) could not be checked"]
    return []


class Bundle:
    """The resources of a bundle (or of a lone resource), de-duplicated and indexed."""

    def __init__(self, raw: dict[str, Any], warnings: Warnings, name: str) -> None:
        self.warnings = warnings
        self.raw = raw
        self.resources: list[Res] = []
        self.by_type: dict[str, list[Res]] = {}
        self._by_url: dict[str, Res] = {}
        self._by_key: dict[tuple[str, str], Res] = {}
        self._by_id: dict[str, list[Res]] = {}
        if raw.get("resourceType") == "Bundle":
            entries = raw.get("entry", [])
            if not isinstance(entries, list):
                raise InputError(f"{name}: this FHIR Bundle's 'entry' is not a list; is the file complete?")
            items = [(i, e) for i, e in enumerate(entries)]
        else:
            items = [(0, {"resource": raw})]
        for i, entry in items:
            self._add_entry(i, entry)
        if not self.resources:
            raise InputError(
                f"{name}: this FHIR Bundle holds no resources; export the patient's record again"
            )
        if not any(r.type in READ_TYPES for r in self.resources):
            raise InputError(
                f"{name}: this FHIR Bundle holds no patient, condition, observation, medication or "
                "procedure resources; it cannot describe a case"
            )
        self.patient = self._choose_patient()
        self._checked: set[str] = set()
        self._about: dict[str, bool] = {}

    def _add_entry(self, i: int, entry: Any) -> None:
        if not isinstance(entry, dict):
            self.warnings.add(f"Bundle.entry[{i}] is not an object; skipped")
            return
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            self.warnings.add(f"Bundle.entry[{i}] has no resource; skipped")
            return
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str) or not re.match(r"^[A-Z][A-Za-z]{1,63}$", rtype):
            self.warnings.add(f"Bundle.entry[{i}].resource has no resourceType; skipped")
            return
        rid = _safe_id(resource.get("id"), i)
        if rid.startswith("entry") and resource.get("id") is not None:
            self.warnings.add(f"{rtype}/{rid}: id is badly formed; the entry position is used instead")
        key = (rtype, rid)
        if key in self._by_key:
            self.warnings.add(f"{rtype}/{rid}: appears more than once in the bundle; the first was used")
            return
        profiles = [p for p in as_list(as_dict(resource.get("meta")).get("profile")) if isinstance(p, str)]
        res = Res(resource, rtype, rid, i, text(entry.get("fullUrl")), codes.profile_kinds(profiles))
        self.resources.append(res)
        self.by_type.setdefault(rtype, []).append(res)
        self._by_key[key] = res
        self._by_id.setdefault(rid, []).append(res)
        if res.full_url:
            self._by_url.setdefault(res.full_url, res)

    def _choose_patient(self) -> Res | None:
        patients = self.by_type.get("Patient", [])
        if not patients:
            self.warnings.add("Bundle: no Patient resource; age, sex and other patient details are unknown")
            return None
        if len(patients) > 1:
            self.warnings.add(
                f"Bundle: holds {len(patients)} Patient resources; {patients[0].label} was read "
                "and facts about the others were skipped"
            )
        return patients[0]

    def of_type(self, *types: str) -> list[Res]:
        return [r for t in types for r in self.by_type.get(t, [])]

    def resolve(self, reference: Any, rtype: str | None = None, within: Res | None = None) -> Res | None:
        """The resource a reference points to, whatever form the reference takes."""
        r = reference if isinstance(reference, str) else ref(reference)
        if not r:
            return None
        if r.startswith("#") and within is not None:
            for contained in as_list(within.get("contained")):
                if isinstance(contained, dict) and contained.get("id") == r[1:]:
                    ctype = contained.get("resourceType")
                    return Res(
                        contained, ctype if isinstance(ctype, str) else "Resource", r[1:], within.index, None
                    )
            return None
        found = self._by_url.get(r)
        if found is None:
            m = _REF.search(r)
            if m:
                found = self._by_key.get((m.group(1), m.group(2)))
        if found is None:
            bare = r.removeprefix("urn:uuid:").rsplit("/", 1)[-1]
            candidates = [c for c in self._by_id.get(bare, []) if rtype is None or c.type == rtype]
            found = candidates[0] if candidates else None
        if found is not None and rtype is not None and found.type != rtype:
            return None
        return found

    def about_patient(self, res: Res) -> bool:
        """Whether a resource is about the bundle's patient (warns when it cannot tell)."""
        if res.label not in self._about:
            self._about[res.label] = self._is_about_patient(res)
        return self._about[res.label]

    def _is_about_patient(self, res: Res) -> bool:
        subject = res.get("subject") if "subject" in res.data else res.get("patient")
        if subject is None or self.patient is None:
            return True
        target = self.resolve(subject)
        if target is self.patient:
            return True
        if target is not None and target.type == "Patient":
            self.warnings.add(f"{res.label}: is about another patient ({target.label}); skipped")
            return False
        if ref(subject) is None:
            return True
        if len(self.by_type.get("Patient", [])) > 1:
            self.warnings.add(f"{res.label}: subject does not match any patient of the bundle; skipped")
            return False
        self.warnings.add(f"{res.label}: subject does not match the bundle's patient; read anyway")
        return True

    def check(self, res: Res) -> None:
        """Validate a resource the importer reads, once, warning about what is malformed."""
        if res.label in self._checked:
            return
        self._checked.add(res.label)
        problems = validation_problems(res.data)
        if problems is None:
            self.warnings.add(f"{res.label}: not a FHIR R4 resource type; ignored")
        elif problems:
            shown = "; ".join(problems[:4]) + ("; ..." if len(problems) > 4 else "")
            self.warnings.add(f"{res.label}: not valid FHIR R4 ({shown}); the usable parts were read")


@dataclass
class Reader:
    """What every part of the import needs: the bundle, the vocabulary and the warnings."""

    bundle: Bundle
    vocab: Any  # fhir_terms.Vocabulary
    warnings: Warnings
    document: str | None
    faithful: bool  # a SecondOpinion case packet: read back exactly, infer nothing

    def warn(self, message: str) -> None:
        self.warnings.add(message)

    def name_of(self, concept: Any) -> str | None:
        """A concept's label: its text verbatim in a case packet, else text or display, tidied."""
        if self.faithful:
            return text(as_dict(concept).get("text"))
        return label(concept)

    def provenance(self, res: Res, path: str | None = None) -> Provenance:
        return Provenance(
            source="fhir", document=self.document, field=f"{res.label}.{path}" if path else res.label
        )

    def resources(self, *types: str) -> list[Res]:
        """Resources of some types about the patient, each validated once."""
        cache = self.__dict__.setdefault("_resources", {})
        if types not in cache:
            out = []
            for res in self.bundle.of_type(*types):
                if not self.bundle.about_patient(res):
                    continue
                self.bundle.check(res)
                out.append(res)
            cache[types] = out
        return cache[types]
