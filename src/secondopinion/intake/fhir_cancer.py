"""Cancers from Conditions and the observations about them: type, site, laterality, histology,
grade, stage group, TNM categories, metastatic sites, tumour size and scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from secondopinion.case import TNM, Cancer, Provenance
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir_bundle import Reader, Res
from secondopinion.intake.fhir_values import (
    as_dict,
    as_list,
    codes_of,
    codings,
    extension_value,
    extensions,
    has_code,
    label,
    labels,
    quantity,
    stage_from_concept,
    text,
    tnm_category,
    when,
)

_SYSTEM_NAMES = {
    codes.SNOMED: "SNOMED CT",
    codes.ICD10CM: "ICD-10-CM",
    codes.ICD10: "ICD-10",
    codes.ICDO3: "ICD-O-3",
    codes.ICDO3_OID: "ICD-O-3",
}


@dataclass
class Conditions:
    primaries: list[Res] = field(default_factory=list)
    secondaries: list[Res] = field(default_factory=list)
    others: list[Res] = field(default_factory=list)


def classify_conditions(r: Reader) -> Conditions:
    out = Conditions()
    for cond in r.resources("Condition"):
        verification = codes_of(cond.get("verificationStatus"))
        if any(v in ("entered-in-error", "refuted") for v in verification):
            r.warn(f"{cond.label}: verificationStatus says it is refuted or in error; ignored")
            continue
        code = cond.get("code")
        if not labels(code) and not codings(code):
            r.warn(f"{cond.label}: code is missing; condition skipped")
            continue
        if r.faithful:
            if "primary_cancer" in cond.kinds:
                out.primaries.append(cond)
            elif "secondary_cancer" in cond.kinds:
                out.secondaries.append(cond)
            else:
                out.others.append(cond)
            continue
        coded_secondary = r.vocab.looks_secondary(code)
        if "secondary_cancer" in cond.kinds or (coded_secondary and "primary_cancer" not in cond.kinds):
            out.secondaries.append(cond)
        elif "primary_cancer" in cond.kinds:
            if coded_secondary:
                r.warn(
                    f"{cond.label}: profiled as a primary cancer but coded as a secondary (metastatic) "
                    "neoplasm; read as a metastasis of an unknown primary"
                )
                out.secondaries.append(cond)
            else:
                out.primaries.append(cond)
        elif r.vocab.is_history(code):
            out.others.append(cond)
        else:
            match = r.vocab.cancer_type([code])
            if match.type or match.ambiguous or r.vocab.looks_malignant(code):
                out.primaries.append(cond)
            else:
                out.others.append(cond)
    return out


class _Links:
    """Which condition each observation is about (focus, related-condition extension, stage
    assessment, or membership of a stage group)."""

    def __init__(self, r: Reader, primaries: list[Res]) -> None:
        self.r = r
        self.primaries = primaries
        self.of: dict[str, str] = {}
        for cond in primaries:
            for stage in as_list(cond.get("stage")):
                for a in as_list(as_dict(stage).get("assessment")):
                    target = r.bundle.resolve(a, "Observation")
                    if target is not None:
                        self.of.setdefault(target.label, cond.label)
        for obs in r.bundle.of_type("Observation"):
            found = self._direct(obs)
            if found:
                self.of[obs.label] = found
        for obs in r.bundle.of_type("Observation"):
            owner = self.of.get(obs.label)
            if owner:
                for m in as_list(obs.get("hasMember")):
                    member = r.bundle.resolve(m, "Observation")
                    if member is not None:
                        self.of.setdefault(member.label, owner)

    def _direct(self, obs: Res) -> str | None:
        targets = list(as_list(obs.get("focus")))
        for ext in extensions(obs.data, "elated"):
            targets.append(as_dict(ext).get("valueReference"))
        for t in targets:
            target = self.r.bundle.resolve(t)
            if target is None:
                continue
            if target.type == "Condition":
                return target.label
            for ext in extensions(target.data, "elated"):
                cond = self.r.bundle.resolve(as_dict(ext).get("valueReference"), "Condition")
                if cond is not None:
                    return cond.label
        return None

    def owner(self, obs: Res) -> str | None:
        """The primary cancer an observation belongs to; None when it cannot be told."""
        linked = self.of.get(obs.label)
        labels_ = [p.label for p in self.primaries]
        if linked in labels_:
            return linked
        if linked is None and len(self.primaries) == 1:
            return labels_[0]
        if linked is None and self.primaries:
            self.r.warn(
                f"{obs.label}: cannot tell which of the {len(self.primaries)} cancers it is about; skipped"
            )
        return None


def _code_names(concept: Any) -> str:
    shown = [f"{_SYSTEM_NAMES.get(s, 'code')} {c}" for s, c, _ in codings(concept) if c][:2]
    return f" ({', '.join(shown)})" if shown else ""


def _cancer_type(r: Reader, cond: Res) -> str | None:
    code = cond.get("code")
    concepts = [code, *as_list(cond.get("bodySite"))]
    for ext in extensions(cond.data, "histology-morphology-behavior"):
        concepts.append(as_dict(ext).get("valueCodeableConcept"))
    match = r.vocab.cancer_type(concepts)
    if match.type or r.faithful:
        return match.type
    if match.ambiguous:
        r.warn(
            f"{cond.label}: codes fit several cancer types ({', '.join(match.ambiguous)}); type left unknown"
        )
        return None
    named = r.vocab.cancer_type_by_name([code])
    if named.type:
        r.warn(
            f"{cond.label}: cancer type '{named.type}' recognised from the diagnosis name; the knowledge "
            f"base has none of its codes{_code_names(code)}"
        )
        return named.type
    r.warn(f"{cond.label}: cancer type not in the knowledge base{_code_names(code)}")
    return None


def _laterality(r: Reader, cond: Res) -> str | None:
    for site in as_list(cond.get("bodySite")):
        for ext in extensions(site, "laterality"):
            concept = as_dict(ext).get("valueCodeableConcept")
            if as_dict(concept).get("text"):
                return text(as_dict(concept).get("text"))
            for c in codes_of(concept, codes.SNOMED):
                if c in codes.LATERALITY_CODES:
                    return codes.LATERALITY_CODES[c]
            if label(concept):
                return label(concept)
    if r.faithful:
        return None
    words = " ".join(
        lbl.lower() for s in [cond.get("code"), *as_list(cond.get("bodySite"))] for lbl in labels(s)
    )
    sides = [side for side in ("left", "right") if f"{side} " in f"{words} "]
    return sides[0] if len(sides) == 1 else None


def _histology(r: Reader, cond: Res) -> str | None:
    for ext in extensions(cond.data, "histology-morphology-behavior"):
        found = r.name_of(as_dict(ext).get("valueCodeableConcept"))
        if found:
            return found
    if not extensions(cond.data, "histology-morphology-behavior"):
        for ext in as_list(cond.get("extension")):
            url = text(as_dict(ext).get("url")) or ""
            if "mcode" in url.lower() and as_dict(ext).get("valueCodeableConcept") is not None:
                r.warn(f"{cond.label}: extension with unrecognised url {url!r} ignored (histology not read)")
    for system, _, display in codings(cond.get("code")):
        if system in (codes.ICDO3, codes.ICDO3_OID) and display:
            return display
    return None


@dataclass
class _Pick:
    """Candidates for one fact of a cancer: (priority, date, value, resource, path)."""

    items: list[tuple[int, str, Any, Res, str]] = field(default_factory=list)

    def add(self, priority: int, res: Res, value: Any, path: str) -> None:
        if value is not None:
            self.items.append((priority, when(res.data), value, res, path))

    def best(self) -> tuple[Any, Res, str] | None:
        if not self.items:
            return None
        _, _, value, res, path = max(self.items, key=lambda x: (x[0], x[1]))
        return value, res, path


def _concept_value(obs: Res) -> Any:
    return obs.get("valueCodeableConcept")


def read_cancers(r: Reader, conds: Conditions) -> list[Cancer]:
    links = _Links(r, conds.primaries)
    per: dict[str, dict[str, Any]] = {
        c.label: {
            "stage": _Pick(),
            "t": _Pick(),
            "n": _Pick(),
            "m": _Pick(),
            "grade": _Pick(),
            "histology": _Pick(),
            "scores": {},
            "attributes": {},
            "prov": [],
        }
        for c in conds.primaries
    }
    for cond in conds.primaries:
        for i, stage in enumerate(as_list(cond.get("stage"))):
            summary = as_dict(stage).get("summary")
            value = text(as_dict(summary).get("text")) if r.faithful else stage_from_concept(summary)
            per[cond.label]["stage"].add(0, cond, value, f"stage[{i}].summary")
    for obs in r.resources("Observation"):
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        kind = _cancer_observation_kind(obs)
        if kind is None:
            continue
        owner = links.owner(obs)
        if owner is None:
            continue
        _read_cancer_observation(r, obs, kind, per[owner])
    cancers = []
    sites = _metastatic_sites(r, conds)
    for cond in conds.primaries:
        cancers.append(_build(r, cond, per[cond.label], sites.get(cond.label, [])))
    orphans = sites.get("", [])
    if not cancers and not r.faithful:
        found = _cancer_from_reasons(r)
        if found is not None:
            return [
                found.model_copy(
                    update={
                        "metastatic_sites": [s for s, _ in orphans],
                        "provenance": [*found.provenance, *(p for _, p in orphans)],
                    }
                )
            ]
    if orphans:
        r.warn("Bundle: metastases are recorded without a primary cancer; the primary is unknown")
        cancers.append(Cancer(metastatic_sites=[s for s, _ in orphans], provenance=[p for _, p in orphans]))
    return cancers


def _cancer_from_reasons(r: Reader) -> Cancer | None:
    """Without any cancer Condition (a lab's genomics report), the diagnosis an order or report
    gives as its reason, if it is a cancer the knowledge base knows."""
    for res in r.resources("ServiceRequest", "DiagnosticReport"):
        field = "reasonCode" if res.type == "ServiceRequest" else "conclusionCode"
        for i, concept in enumerate(as_list(res.get(field))):
            match = r.vocab.cancer_type([concept])
            if match.type:
                r.warn(f"Bundle: no cancer Condition; the cancer type was read from {res.label}.{field}")
                histology = next(
                    (d for s, _, d in codings(concept) if s in (codes.ICDO3, codes.ICDO3_OID) and d), None
                )
                return Cancer(
                    type=match.type, histology=histology, provenance=[r.provenance(res, f"{field}[{i}]")]
                )
    return None


def _cancer_observation_kind(obs: Res) -> str | None:
    if obs.has({"cancer-attributes"}, codes.SO_ATTRIBUTE):
        return "attributes"
    if (
        obs.has(codes.STAGE_GROUP_CLINICAL | codes.STAGE_GROUP_PATHOLOGIC, codes.LOINC)
        or obs.has(codes.STAGE_GROUP_SNOMED_CLINICAL | codes.STAGE_GROUP_SNOMED_PATHOLOGIC, codes.SNOMED)
        or "stage_group" in obs.kinds
    ):
        return "stage"
    for axis, wanted in codes.TNM_CODES.items():
        if obs.has(wanted) or f"{axis}_category" in obs.kinds:
            return axis
    if (
        obs.has(codes.HISTOLOGIC_GRADE, codes.LOINC)
        or "histologic_grade" in obs.kinds
        or obs.has({codes.HISTOLOGIC_GRADE_NCIT})
    ):
        return "grade"
    if "histology" in obs.kinds or obs.has(codes.HISTOLOGIC_BEHAVIOR, codes.LOINC):
        return "histology"
    if obs.has({codes.TUMOR_SIZE}, codes.LOINC) or "tumor_size" in obs.kinds:
        return "size"
    if obs.has({code for _, code in codes.SCORE_TESTS}) and any(
        (s, c) in codes.SCORE_TESTS for s, c, _ in codings(obs.get("code"))
    ):
        return "score"
    return None


def _read_cancer_observation(r: Reader, obs: Res, kind: str, acc: dict[str, Any]) -> None:
    value = _concept_value(obs)
    code = obs.get("code")
    if kind == "attributes":
        _read_attributes(r, obs, acc)
        return
    if kind == "stage":
        pathologic = has_code(code, codes.STAGE_GROUP_PATHOLOGIC) or has_code(
            code, codes.STAGE_GROUP_SNOMED_PATHOLOGIC
        )
        found = text(as_dict(value).get("text")) if r.faithful else stage_from_concept(value)
        if found is None and not r.faithful:
            r.warn(f"{obs.label}: stage group value is not an AJCC stage group; ignored")
        acc["stage"].add(2 if pathologic else 1, obs, found, "valueCodeableConcept")
    elif kind in ("t", "n", "m"):
        if has_code(value, {"not-applicable", "unknown", "asked-unknown"}, codes.DATA_ABSENT):
            return
        found = text(as_dict(value).get("text")) if r.faithful else tnm_category(value, kind)
        if found is None and not r.faithful:
            r.warn(f"{obs.label}: {kind.upper()} category value is not a TNM category; ignored")
        pathologic = any(c in codes.PATHOLOGIC_TNM for c in codes_of(code))
        acc[kind].add(2 if pathologic else 1, obs, found, "valueCodeableConcept")
    elif kind == "grade":
        acc["grade"].add(1, obs, label(value) or text(obs.get("valueString")), "value")
    elif kind == "histology":
        acc["histology"].add(1, obs, label(value), "valueCodeableConcept")
    elif kind == "size":
        sizes = []
        for part in [obs.data, *[as_dict(c) for c in as_list(obs.get("component"))]]:
            v, unit, _ = quantity(part.get("valueQuantity"))
            if v is not None and (unit or "").lower() in (
                "cm",
                "mm",
                "centimeters",
                "millimeters",
                "centimeter",
            ):
                sizes.append(v / 10 if (unit or "").lower().startswith("m") else v)
        if sizes:
            acc["scores"]["tumor_size_cm"] = (round(max(sizes), 3), obs)
        else:
            r.warn(f"{obs.label}: tumour size has no dimension in cm or mm; ignored")
    elif kind == "score":
        name = next(codes.SCORE_TESTS[(s, c)] for s, c, _ in codings(code) if (s, c) in codes.SCORE_TESTS)
        v, _, _ = quantity(obs.get("valueQuantity"))
        if v is not None:
            acc["scores"][name] = (v, obs)


def _read_attributes(r: Reader, obs: Res, acc: dict[str, Any]) -> None:
    attrs = acc["attributes"]
    for part in as_list(obs.get("component")):
        part = as_dict(part)
        key = next((c for s, c, _ in codings(part.get("code")) if s == codes.SO_ATTRIBUTE), None)
        if key == "score":
            name = text(as_dict(part.get("code")).get("text"))
            v, _, _ = quantity(part.get("valueQuantity"))
            value: Any = v if v is not None else text(part.get("valueString"))
            if name and value is not None:
                attrs.setdefault("scores", {})[name] = value
        elif key == "recurrent" and isinstance(part.get("valueBoolean"), bool):
            attrs["recurrent"] = part["valueBoolean"]
        elif key in ("setting", "risk_group", "grade") and text(part.get("valueString")):
            attrs[key] = text(part.get("valueString"))
    acc["prov"].append(r.provenance(obs, "component"))


def _metastatic_sites(r: Reader, conds: Conditions) -> dict[str, list[tuple[str, Provenance]]]:
    out: dict[str, list[tuple[str, Provenance]]] = {}
    primaries = [p.label for p in conds.primaries]
    for sec in conds.secondaries:
        site = None
        for s in as_list(sec.get("bodySite")):
            site = label(s) if not r.faithful else text(as_dict(s).get("text"))
            if site:
                break
        if site is None and not r.faithful:
            site = r.vocab.secondary_site(sec.get("code"))
        if site is None:
            r.warn(
                f"{sec.label}: metastatic site not named (no bodySite text or display); "
                "recorded as unspecified"
            )
            site = "unspecified site"
        owner = ""
        related = extension_value(sec.data, codes.EXT_RELATED_PRIMARY)
        if related is None:
            for ext in extensions(sec.data, "related-primary"):
                related = as_dict(ext).get("valueReference")
        target = r.bundle.resolve(related, "Condition") if related is not None else None
        if target is not None and target.label in primaries:
            owner = target.label
        elif len(primaries) == 1:
            owner = primaries[0]
        elif primaries:
            r.warn(f"{sec.label}: does not say which cancer spread; attached to {primaries[0]}")
            owner = primaries[0]
        out.setdefault(owner, []).append((site, r.provenance(sec)))
    return out


def _build(r: Reader, cond: Res, acc: dict[str, Any], sites: list[tuple[str, Provenance]]) -> Cancer:
    prov = [r.provenance(cond)]
    fields: dict[str, Any] = {"type": _cancer_type(r, cond)}
    site = None
    for s in as_list(cond.get("bodySite")):
        site = text(as_dict(s).get("text")) if r.faithful else label(s)
        if site:
            break
    fields["primary_site"] = site
    fields["laterality"] = _laterality(r, cond)
    fields["histology"] = _histology(r, cond)
    clinical = codes_of(cond.get("clinicalStatus"))
    if any(c in ("recurrence", "relapse") for c in clinical):
        fields["recurrent"] = True
    tnm = {}
    for key in ("stage", "t", "n", "m", "grade", "histology"):
        best = acc[key].best()
        if best is None:
            continue
        value, res, path = best
        if key == "stage":
            _warn_disagreement(r, cond, acc["stage"], value)
            fields["stage_group"] = value
        elif key in ("t", "n", "m"):
            tnm[key] = value
        elif key == "histology" and fields.get("histology"):
            continue
        else:
            fields[key] = value
        if res is not cond:
            prov.append(r.provenance(res, path))
    fields["tnm"] = TNM(**tnm)
    scores: dict[str, Any] = {}
    for name, (value, res) in acc["scores"].items():
        scores[name] = value
        prov.append(r.provenance(res, "value"))
    attrs = acc["attributes"]
    for key in ("setting", "risk_group", "grade", "recurrent"):
        if key in attrs:
            fields[key] = attrs[key]
    scores.update(attrs.get("scores", {}))
    fields["scores"] = scores
    fields["metastatic_sites"] = [s for s, _ in sites]
    prov += acc["prov"] + [p for _, p in sites]
    if fields.get("setting") not in (None, "localized", "locally_advanced", "metastatic"):
        r.warn(f"{cond.label}: setting is not one SecondOpinion knows; ignored")
        fields["setting"] = None
    return Cancer(provenance=prov, **{k: v for k, v in fields.items() if v is not None})


def _warn_disagreement(r: Reader, cond: Res, pick: _Pick, chosen: str) -> None:
    others = {v for _, _, v, _, _ in pick.items if v and v != chosen}
    conflicting = sorted(v for v in others if not (chosen.startswith(v) or v.startswith(chosen)))
    if conflicting:
        r.warn(
            f"{cond.label}: stage groups in the record disagree ({', '.join(conflicting)} and {chosen}); "
            f"{chosen} was used"
        )
