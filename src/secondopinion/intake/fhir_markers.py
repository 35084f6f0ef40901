"""Biomarkers: tumour marker tests (by LOINC code), genomic variants and the genes a panel
studied, tumour mutational burden and microsatellite instability."""

from __future__ import annotations

import re
from typing import Any

from secondopinion.case import Biomarker
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
    labels,
    quantity,
    status_from_concept,
    status_from_words,
    text,
    when,
)

_SYMBOL = re.compile(r"^[A-Z][A-Z0-9-]{0,15}$")
_STATUSES = ("positive", "negative", "equivocal", "not_tested", "pending", "unknown")
_METHOD_WORDS = (
    ("immune stain", "IHC"),
    ("immunohistochem", "IHC"),
    ("fish", "FISH"),
    ("in situ hybridization", "ISH"),
    ("sequencing", "NGS"),
    ("pcr", "PCR"),
)


def read_biomarkers(r: Reader) -> list[Biomarker]:
    found: list[tuple[str, Biomarker]] = []
    studied: list[tuple[Res, str, str | None]] = []
    for obs in r.resources("Observation"):
        if obs.get("status") == "entered-in-error":
            continue
        code = obs.get("code")
        date = when(obs.data)
        if r.faithful and obs.has({"cancer-attributes", "menopausal-status"}, codes.SO_ATTRIBUTE):
            continue
        so_name = next((c for s, c, _ in codings(code) if s == codes.SO_BIOMARKER), None)
        if obs.has({codes.GENETIC_VARIANT}, codes.LOINC) or "variant" in obs.kinds:
            found += [(date, b) for b in _variants(r, obs, so_name)]
        elif obs.has({codes.REGION_STUDIED}, codes.LOINC) or "region_studied" in obs.kinds:
            studied += [(obs, gene, name) for gene, name in _genes(r, obs, "region studied")]
        elif so_name:
            found.append((date, _marker(r, obs, so_name)))
        elif any((s, c) in codes.SCORE_TESTS for s, c, _ in codings(code)):
            continue  # a score of the cancer (e.g. a recurrence score), read with the cancer
        elif any(c in codes.COMBINED_MARKERS for c in codes_of(code, codes.LOINC)):
            found += [(date, b) for b in _combined(r, obs)]
        else:
            name = next(
                (
                    r.vocab.biomarker_for_loinc(c)
                    for c in codes_of(code, codes.LOINC)
                    if r.vocab.biomarker_for_loinc(c)
                ),
                None,
            )
            if name is None and obs.kinds & {"tumor_marker", "tmb", "msi"}:
                name = label(code)
                if name is None:
                    r.warn(f"{obs.label}: tumour marker test without a code text or display; skipped")
                    continue
                r.warn(
                    f"{obs.label}: tumour marker '{name}' is not a knowledge-base biomarker; recorded by name"
                )
            if name is not None:
                found.append((date, _marker(r, obs, name)))
    tested = {b.name for _, b in found} | {(b.detail or "").split(" ")[0] for _, b in found}
    for obs, gene, name in studied:
        if gene in tested or name in tested:
            continue
        tested.add(gene)
        found.append(
            (
                when(obs.data),
                Biomarker(
                    name=name or gene,
                    status="negative",
                    detail=None if (name or gene) == gene else gene,
                    method=_method(obs),
                    provenance=[r.provenance(obs, "component")],
                ),
            )
        )
    markers = [b for _, b in sorted(found, key=lambda x: x[0])] if not r.faithful else [b for _, b in found]
    _warn_conflicts(r, markers)
    return markers


def _status(r: Reader, obs: Res) -> str:
    interpretation = as_list(obs.get("interpretation"))
    for concept in interpretation:
        for s, c, _ in codings(concept):
            if s == codes.SO_STATUS and c in _STATUSES:
                return c
    if (
        obs.get("status") in ("registered", "preliminary")
        and "dataAbsentReason" not in obs.data
        and not any(k.startswith("value") for k in obs.data)
    ):
        return "pending"
    if obs.get("status") == "cancelled" or has_code(obs.get("dataAbsentReason"), {"not-performed"}):
        return "not_tested"
    for key in ("valueCodeableConcept",):
        if key in obs.data:
            found = status_from_concept(obs.get(key))
            if found:
                return found
    if text(obs.get("valueString")):
        found = status_from_words(text(obs.get("valueString")) or "")
        if found and not re.search(r"\d", text(obs.get("valueString")) or ""):
            return found
    for concept in interpretation:
        found = status_from_concept(concept)
        if found:
            return found
    return "unknown"


def _method(obs: Res) -> str | None:
    method = label(obs.get("method"))
    if method:
        return method
    words = " ".join(labels(obs.get("code"))).lower()
    for key, name in _METHOD_WORDS:
        if key in words:
            return name
    return None


def _germline(obs: Res) -> bool | None:
    for part in as_list(obs.get("component")):
        part = as_dict(part)
        if has_code(part.get("code"), {codes.GENOMIC_SOURCE_CLASS}):
            value = codes_of(part.get("valueCodeableConcept"))
            if codes.GERMLINE in value:
                return True
            if codes.SOMATIC in value:
                return False
    return None


def _value(obs: Res) -> tuple[float | None, str | None, str | None]:
    """Numeric value and unit, and a detail for a value that is only text or a ratio."""
    v, unit, comparator = quantity(obs.get("valueQuantity"))
    for part in as_list(obs.get("component")):
        part = as_dict(part)
        if v is None and has_code(part.get("code"), {"value"}, codes.SO_ATTRIBUTE):
            v, unit, comparator = quantity(part.get("valueQuantity"))
    detail = None
    if v is not None and comparator:
        detail = f"{comparator}{v:g}{(' ' + unit) if unit else ''}"
    if text(obs.get("valueString")):
        detail = text(obs.get("valueString"))
    ratio = as_dict(obs.get("valueRatio"))
    if ratio:
        num, _, c1 = quantity(ratio.get("numerator"))
        den, _, c2 = quantity(ratio.get("denominator"))
        if num is not None and den is not None:
            detail = f"{c1 or ''}{num:g}:{c2 or ''}{den:g}"
    return v, unit, detail


def _marker(r: Reader, obs: Res, name: str) -> Biomarker:
    value, unit, detail = _value(obs)
    exact = extension_value(obs.data, codes.SO_EXT_DETAIL)
    if r.faithful or exact is not None:
        detail = text(exact)
    return Biomarker(
        name=name,
        status=_status(r, obs),  # type: ignore[arg-type]
        detail=detail,
        value=value,
        unit=unit if value is not None else None,
        method=_method(obs) if not r.faithful else r.name_of(obs.get("method")),
        germline=_germline(obs),
        provenance=[r.provenance(obs, "value")],
    )


def _combined(r: Reader, obs: Res) -> list[Biomarker]:
    names = next(
        codes.COMBINED_MARKERS[c]
        for c in codes_of(obs.get("code"), codes.LOINC)
        if c in codes.COMBINED_MARKERS
    )
    status = _status(r, obs)
    if status == "negative":
        return [_marker(r, obs, n).model_copy(update={"detail": "combined test"}) for n in names]
    r.warn(
        f"{obs.label}: a combined {'+'.join(names)} test cannot tell which receptor it found; "
        f"read as {names[0]} {status}"
    )
    return [_marker(r, obs, names[0]).model_copy(update={"detail": f"combined {'+'.join(names)} test"})]


def _symbol(r: Reader, obs: Res, concept: Any, path: str) -> list[str]:
    """Gene symbols a gene-studied value names (a value may carry several codings)."""
    out = []
    for system, code, display in codings(concept):
        if "genenames" not in system and not code.upper().startswith("HGNC:"):
            continue
        number = code.upper().removeprefix("HGNC:")
        by_code = codes.HGNC_SYMBOLS.get(number)
        by_display = display if display and _SYMBOL.match(display) else None
        if by_code and by_display and by_code != by_display:
            r.warn(
                f"{obs.label}: {path} code HGNC:{number} is {by_code} but its display says {by_display}; "
                "the code was used"
            )
        symbol = by_code or by_display or (f"HGNC:{number}" if number else None)
        if symbol:
            out.append(symbol)
    if not out:
        for t in [text(as_dict(concept).get("text")), *(d for _, _, d in codings(concept))]:
            if t and _SYMBOL.match(t):
                out.append(t)
                break
    return list(dict.fromkeys(out))


def _genes(r: Reader, obs: Res, what: str) -> list[tuple[str, str | None]]:
    """(symbol, knowledge-base id or None) of every gene an observation names."""
    out: list[tuple[str, str | None]] = []
    for i, part in enumerate(as_list(obs.get("component"))):
        part = as_dict(part)
        concept = part.get("valueCodeableConcept")
        is_gene = has_code(part.get("code"), {codes.GENE_STUDIED})
        if not is_gene and any("genenames" in s for s, _, _ in codings(concept)):
            if not part.get("code"):
                r.warn(f"{obs.label}: component[{i}].code is missing; its gene value was read")
            is_gene = True
        if not is_gene:
            continue
        for symbol in _symbol(r, obs, concept, f"component[{i}]"):
            if symbol.startswith("HGNC:"):
                r.warn(
                    f"{obs.label}: component[{i}] gene {symbol} is not one SecondOpinion can name; "
                    "recorded by its HGNC id"
                )
            out.append((symbol, r.vocab.gene(symbol)))
    if not out:
        r.warn(f"{obs.label}: {what} names no gene; skipped")
    return out


def _variant_detail(obs: Res, genes: list[str]) -> str | None:
    exact = extension_value(obs.data, codes.SO_EXT_DETAIL)
    if exact is not None:
        return text(exact)
    parts: list[str] = []
    for wanted in (codes.PROTEIN_HGVS, codes.CODING_HGVS, codes.VARIATION_CODE, codes.GENOMIC_HGVS):
        for part in as_list(obs.get("component")):
            part = as_dict(part)
            if has_code(part.get("code"), {wanted}):
                concept = part.get("valueCodeableConcept")
                shown = label(concept)
                if shown is None and wanted != codes.VARIATION_CODE:  # a bare ClinVar id says little
                    shown = next((c for _, c, _ in codings(concept) if c), None)
                if shown:
                    parts.append(shown)
        if parts:
            break
    for part in as_list(obs.get("component")):
        part = as_dict(part)
        if "molecular" in (label(part.get("code")) or "").lower() or has_code(
            part.get("code"), {codes.DNA_CHANGE_TYPE}
        ):
            shown = label(part.get("valueCodeableConcept"))
            if shown:
                parts.append(shown.replace("_", " "))
    for concept in as_list(obs.get("interpretation")):
        shown = label(concept)
        if shown and not re.fullmatch(r"(?i)positive|negative|abnormal|pos|neg|a", shown):
            parts.append(shown)
    if len(genes) > 1:
        parts.insert(0, "-".join(genes))
    return "; ".join(dict.fromkeys(parts)) or None


def _variants(r: Reader, obs: Res, so_name: str | None) -> list[Biomarker]:
    status = _status(r, obs)
    if r.faithful and so_name:
        value, unit, _ = _value(obs)
        return [
            Biomarker(
                name=so_name,
                status=status,  # type: ignore[arg-type]
                detail=text(extension_value(obs.data, codes.SO_EXT_DETAIL)),
                value=value,
                unit=unit if value is not None else None,
                method=r.name_of(obs.get("method")),
                germline=_germline(obs),
                provenance=[r.provenance(obs, "value")],
            )
        ]
    genes = _genes(r, obs, "genetic variant")
    symbols = [g for g, _ in genes]
    detail = _variant_detail(obs, symbols)
    out = []
    for symbol, kb_id in genes:
        name = kb_id or symbol
        d = detail
        if name != symbol:
            d = f"{symbol} {detail}" if detail else symbol
        value, unit, _ = _value(obs)
        out.append(
            Biomarker(
                name=name,
                status=status,
                detail=d,
                value=value,  # type: ignore[arg-type]
                unit=unit if value is not None else None,
                method=_method(obs),
                germline=_germline(obs),
                provenance=[r.provenance(obs, "component")],
            )
        )
    return out


def _warn_conflicts(r: Reader, markers: list[Biomarker]) -> None:
    by_name: dict[str, dict[str, list[str]]] = {}
    for b in markers:
        if b.status in ("positive", "negative"):
            where = [p.field or "" for p in b.provenance][:1]
            by_name.setdefault(b.name, {}).setdefault(b.status, []).extend(where)
    for name, statuses in by_name.items():
        if len(statuses) > 1:
            pos = ", ".join(x.split(".")[0] for x in statuses["positive"][:2])
            neg = ", ".join(x.split(".")[0] for x in statuses["negative"][:2])
            r.warn(f"{name}: results disagree (positive in {pos}; negative in {neg}); all are recorded")
