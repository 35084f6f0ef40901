"""MatchMiner CTML (Clinical Trial Markup Language, YAML or JSON) to Trials.

A CTML trial is curated: its steps, arms and dose levels carry boolean match trees of `clinical`
and `genomic` leaves. Each tree is expanded into its alternatives (the "match paths" MatchMiner
itself computes); criteria common to every alternative are plain criteria of the arm, the rest
carry `group` (the arm) and `option` (which alternative). Alternatives that differ only in the
diagnosis are merged into one cancer-type criterion. The trial's eligibility text is the list of
these criteria, one line each, so every criterion's text is a line of it.

Leaf keys this reads: clinical age_numerical, oncotree_primary_diagnosis (incl. _SOLID_/_LIQUID_),
gender, her2_status/er_status/pr_status, tmb_numerical; genomic hugo_symbol, variant_category,
protein_change, wildcard_protein_change, variant_classification, cnv_call, exon,
fusion_partner_hugo_symbol, wildtype, mmr_status, ms_status. Any other key stays an `unparsed`
criterion, shown to a person. A leading '!' negates the leaf (MatchMiner's convention).

The alternatives agree with MatchMiner's own expected match paths on its boolean test cases, except
for a mapping holding both 'and' and 'or' keys at once, which is read here as their conjunction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria_terms import cancer_category_ids, terms_for
from secondopinion.trials.ctgov import BadRecord, StudyRecord, normalise_status, parse_date, trial_id
from secondopinion.trials.model import Arm, Criterion, Trial

MAX_PATHS = 512  # alternatives per match tree; beyond this the tree is shown unparsed
MAX_DEPTH = 60

_Leaf = tuple[int, str, dict[str, Any]]  # (leaf number, 'clinical' | 'genomic' | other, content)


# --- reading documents ----------------------------------------------------------------------


def _documents(text: str, name: str) -> list[Any]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        docs: list[Any] = []
        decoder = json.JSONDecoder()
        pos = len(text) - len(stripped)
        try:
            while pos < len(text):
                obj, end = decoder.raw_decode(text, pos)
                docs.append(obj)
                pos = end
                while pos < len(text) and text[pos].isspace():
                    pos += 1
        except (json.JSONDecodeError, RecursionError):
            if not docs:
                raise InputError(f"{name}: not valid CTML JSON") from None
            raise InputError(f"{name}: not valid JSON after document {len(docs)}") from None
        return docs
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InputError(f"{name}: not valid CTML YAML{where}") from None


def looks_like_ctml(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("treatment_list"), dict)


def iter_ctml_records(data: bytes, name: str) -> Iterator[StudyRecord]:
    """CTML trials of a file: one document, several (YAML '---' or concatenated JSON), or a JSON array."""
    if not isinstance(data, bytes | bytearray):
        raise InputError(f"{name}: expected the bytes of a file")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text; save it as UTF-8") from None
    if not text.strip():
        raise InputError(f"{name}: the file is empty")
    docs = _documents(text, name)
    trials = [t for d in docs for t in (d if isinstance(d, list) else [d])]
    for i, obj in enumerate(trials):
        where = name if len(trials) == 1 else f"{name}#{i + 1}"
        ident = _ctml_id(obj) if isinstance(obj, dict) else None
        if looks_like_ctml(obj):
            yield StudyRecord(where, ident, "ctml", obj)
        else:
            yield StudyRecord(where, ident, None, error="not a CTML trial (no treatment_list)")


def iter_ctml_trials(data: bytes, name: str, kb: KnowledgeBase) -> Iterator[Trial | BadRecord]:
    for record in iter_ctml_records(data, name):
        label = record.id or record.where
        if record.error is not None:
            yield BadRecord(record.where, record.id, f"{label}: {record.error}")
            continue
        try:
            yield parse_ctml(record.content, kb, fallback_id=_stem(record.where))
        except InputError as exc:
            message = str(exc)
            yield BadRecord(
                record.where, record.id, message if message.startswith(label) else f"{label}: {message}"
            )


def _stem(where: str) -> str:
    """'data/11-112.json#2' -> '11-112-2': an id for a trial that carries none."""
    base, _, index = where.rpartition("/")[2].partition("#")
    stem = re.sub(r"\.(?:json|ya?ml)$", "", base, flags=re.I)
    return f"{stem}-{index}" if index else stem


def _ctml_id(obj: dict[str, Any]) -> str | None:
    for key in ("nct_id", "protocol_no", "protocol_id"):
        value = obj.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None


# --- the trial ------------------------------------------------------------------------------


def parse_ctml(obj: Any, kb: KnowledgeBase, fallback_id: str | None = None) -> Trial:
    """One CTML trial (a parsed YAML/JSON mapping) to a Trial with per-arm criteria. A trial with
    neither nct_id nor protocol_no takes `fallback_id` (e.g. its file name)."""
    if not looks_like_ctml(obj):
        raise InputError("not a CTML trial (no treatment_list)")
    ident = trial_id(_ctml_id(obj) or fallback_id, "CTML trial")
    title = (
        _text(obj.get("long_title"))
        or _text(obj.get("short_title"))
        or _text(obj.get("protocol_no"))
        or ident
    )
    status = _text(obj.get("status")) or _text(_summary_status(obj)) or "UNKNOWN"
    # Arms are closed by a closed trial or their own suspension; a trial without a status leaves
    # its arms open (the trial's own status is judged separately).
    trial_open = status == "UNKNOWN" or normalise_status(status) in ("OPEN_TO_ACCRUAL", "OPEN", "RECRUITING")
    steps = obj["treatment_list"].get("step")
    steps = steps if isinstance(steps, list) else [steps] if isinstance(steps, dict) else []
    arms: list[Arm] = []
    criteria: list[Criterion] = []
    reader = _LeafReader(kb)
    for s_i, step in enumerate(s for s in steps if isinstance(s, dict)):
        step_id = f"step {_text(step.get('step_code')) or s_i + 1}"
        if step.get("match"):
            arms.append(Arm(id=step_id, description=_text(step.get("step_type")), open=trial_open))
            criteria += _tree_criteria(step["match"], step_id, reader)
        arm_list = step.get("arm")
        for a_i, arm in enumerate(
            a for a in (arm_list if isinstance(arm_list, list) else []) if isinstance(a, dict)
        ):
            arm_id = (
                _text(arm.get("arm_code")) or _text(arm.get("arm_internal_id")) or f"{step_id} arm {a_i + 1}"
            )
            arm_open = trial_open and not _suspended(arm.get("arm_suspended"))
            arms.append(Arm(id=arm_id[:200], description=_text(arm.get("arm_description")), open=arm_open))
            if arm.get("match"):
                criteria += _tree_criteria(arm["match"], arm_id[:200], reader)
            levels = arm.get("dose_level")
            for l_i, level in enumerate(
                x for x in (levels if isinstance(levels, list) else []) if isinstance(x, dict)
            ):
                code = _text(level.get("level_code")) or _text(level.get("level_internal_id")) or str(l_i + 1)
                level_id = f"{arm_id} / dose level {code}"[:200]
                arms.append(
                    Arm(
                        id=level_id,
                        description=_text(level.get("level_description")),
                        open=arm_open and not _suspended(level.get("level_suspended")),
                    )
                )
                if level.get("match"):
                    criteria += _tree_criteria(level["match"], level_id, reader)
    cancer_types: list[str] = []
    for c in criteria:
        if c.type == "cancer_type" and c.inclusion:
            cancer_types += [t for t in c.cancer_types if t not in cancer_types]
    conditions = list(dict.fromkeys(reader.diagnoses))
    try:
        return Trial(
            nct_id=ident,
            title=title,
            status=normalise_status(status),
            phase=[p for p in [_text(obj.get("phase"))] if p],
            conditions=conditions,
            cancer_types=cancer_types,
            eligibility_text="\n".join(dict.fromkeys(c.text for c in criteria)),
            criteria=criteria,
            arms=_unique_arms(arms),
            last_update=parse_date(_text(obj.get("last_updated"))),
            source_format="ctml",
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(f"{ident}: {str(exc).splitlines()[0]}") from None


def _summary_status(obj: dict[str, Any]) -> Any:
    summary = obj.get("_summary")
    statuses = summary.get("status") if isinstance(summary, dict) else None
    if isinstance(statuses, list) and statuses and isinstance(statuses[0], dict):
        return statuses[0].get("value")
    return None


def _suspended(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().upper() in ("Y", "YES", "TRUE"))


def _unique_arms(arms: list[Arm]) -> list[Arm]:
    seen: set[str] = set()
    out = []
    for arm in arms:
        if arm.id not in seen:
            seen.add(arm.id)
            out.append(arm)
    return out


# --- match trees ----------------------------------------------------------------------------


class _TooMany(Exception):
    pass


def match_paths(tree: Any) -> list[list[_Leaf]]:
    """The tree's alternatives (disjunctive normal form): each a list of leaves that must all hold.
    A list or 'and' is a conjunction, 'or' a disjunction; a mapping with several leaf keys is a
    conjunction of them. Raises InputError past MAX_PATHS alternatives or MAX_DEPTH levels."""
    counter = [0]

    def walk(node: Any, depth: int) -> list[list[_Leaf]]:
        if depth > MAX_DEPTH:
            raise InputError(f"match tree nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, list):
            return conj([walk(n, depth + 1) for n in node])
        if not isinstance(node, dict):
            counter[0] += 1
            return [[(counter[0], "value", {"value": node})]]
        parts: list[list[list[_Leaf]]] = []
        for key, value in node.items():
            if key == "and":
                parts.append(walk(value if isinstance(value, list) else [value], depth + 1))
            elif key == "or":
                items = value if isinstance(value, list) else [value]
                alternatives = [p for item in items for p in walk(item, depth + 1)]
                if len(alternatives) > MAX_PATHS:
                    raise _TooMany
                parts.append(alternatives or [[]])
            else:
                counter[0] += 1
                parts.append(
                    [[(counter[0], str(key), value if isinstance(value, dict) else {"value": value})]]
                )
        return conj(parts)

    def conj(parts: list[list[list[_Leaf]]]) -> list[list[_Leaf]]:
        paths: list[list[_Leaf]] = [[]]
        for alternatives in parts:
            if len(paths) * len(alternatives) > MAX_PATHS:
                raise _TooMany
            paths = [p + a for p in paths for a in alternatives]
        return paths

    try:
        return walk(tree, 0)
    except _TooMany:
        raise InputError(f"match tree with more than {MAX_PATHS} alternatives") from None


def _tree_criteria(tree: Any, arm: str, reader: _LeafReader) -> list[Criterion]:
    try:
        paths = match_paths(tree)
    except InputError as exc:
        return [
            Criterion(
                inclusion=True, type="unparsed", text=f"{arm}: match tree not expanded ({exc})", arm=arm
            )
        ]
    # Criteria of each alternative, keyed so identical criteria compare equal.
    per_path: list[list[Criterion]] = []
    for path in paths:
        crits: list[Criterion] = []
        for leaf in path:
            crits += reader.read(leaf, arm)
        per_path.append(crits)
    per_path = _merge_diagnoses(per_path, arm)
    keys = [[_key(c) for c in crits] for crits in per_path]
    common = set(keys[0]).intersection(*map(set, keys[1:])) if keys else set()
    by_key = {k: c for crits, ks in zip(per_path, keys, strict=True) for c, k in zip(crits, ks, strict=True)}
    out = [by_key[k] for k in dict.fromkeys(k for ks in keys for k in ks if k in common)]
    distinct = list(dict.fromkeys(tuple(dict.fromkeys(k for k in ks if k not in common)) for ks in keys))
    if len(distinct) == 1:
        out += [by_key[k] for k in distinct[0]]
    elif all(distinct):
        for option, option_keys in enumerate(distinct):
            out += [by_key[k].model_copy(update={"group": arm, "option": option}) for k in option_keys]
    # else: one alternative needs nothing beyond the common criteria, so the others are moot.
    return out


def _key(c: Criterion) -> str:
    return c.model_dump_json(exclude={"group", "option"})


def _merge_diagnoses(per_path: list[list[Criterion]], arm: str) -> list[list[Criterion]]:
    """Alternatives that differ only in one included cancer type become one alternative with a
    cancer-type criterion naming all of them ('any of these melanomas')."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, crits in enumerate(per_path):
        diag = [c for c in crits if c.type == "cancer_type" and c.inclusion]
        if len(diag) != 1 or len({_key(c) for p in per_path for c in p if c.type == "cancer_type"}) < 2:
            groups.setdefault(("#", str(i)), []).append(i)
            continue
        rest = tuple(sorted(_key(c) for c in crits if c is not diag[0]))
        groups.setdefault(rest, []).append(i)
    out: list[list[Criterion]] = []
    for members in groups.values():
        if len(members) == 1:
            out.append(per_path[members[0]])
            continue
        diags = [next(c for c in per_path[i] if c.type == "cancer_type" and c.inclusion) for i in members]
        names = [d.text.split("oncotree_primary_diagnosis ", 1)[-1] for d in diags]
        types = list(dict.fromkeys(t for d in diags for t in d.cancer_types))
        merged = Criterion(
            inclusion=True,
            type="cancer_type",
            text=f"{arm}: oncotree_primary_diagnosis is one of: {'; '.join(dict.fromkeys(names))}",
            cancer_types=types,
            histology=list(dict.fromkeys(h for d in diags for h in d.histology)),
            arm=arm,
        )
        first = per_path[members[0]]
        out.append(
            [
                merged if c is next(d for d in first if d.type == "cancer_type" and d.inclusion) else c
                for c in first
            ]
        )
    return out


# --- leaves ---------------------------------------------------------------------------------

_NUMERIC = re.compile(r"^\s*(>=|<=|==|=|>|<)?\s*(-?\d+(?:\.\d+)?)\s*$")
_CNV = {
    "homozygous deletion": "homozygous deletion",
    "heterozygous deletion": "heterozygous deletion",
    "high amplification": "amplification",
    "high level amplification": "amplification",
    "low amplification": "low-level amplification",
    "gain": "gain",
}


class _LeafReader:
    """Turns CTML leaves into criteria, mapping names to knowledge-base ids."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.finder = terms_for(kb).finder
        self.diagnoses: list[str] = []

    def read(self, leaf: _Leaf, arm: str) -> list[Criterion]:
        _, kind, content = leaf
        if kind == "clinical":
            return self._clinical(content, arm)
        if kind == "genomic":
            return self._genomic(content, arm)
        return [self._unparsed(arm, f"{kind}: {_render(content)}")]

    @staticmethod
    def _unparsed(arm: str, text: str) -> Criterion:
        return Criterion(inclusion=True, type="unparsed", text=f"{arm}: {text}", arm=arm)

    # clinical ------------------------------------------------------------------------------

    def _clinical(self, content: dict[str, Any], arm: str) -> list[Criterion]:
        out: list[Criterion] = []
        for key, raw in content.items():
            value = _text(raw) if not isinstance(raw, bool) else str(raw)
            line = f"{arm}: clinical {key} {value if value is not None else _render(raw)}"
            if value is None:
                out.append(self._unparsed(arm, f"clinical {key} {_render(raw)}"))
                continue
            negated = value.startswith("!")
            bare = value[1:].strip() if negated else value
            made = self._clinical_key(str(key), bare, line, arm, negated)
            out.append(made or self._unparsed(arm, f"clinical {key} {value}"))
        return out

    def _clinical_key(self, key: str, value: str, line: str, arm: str, negated: bool) -> Criterion | None:
        inclusion = not negated
        if key == "age_numerical":
            bounds = _bounds(value, whole=True)
            if bounds is None:
                return None
            lo, hi = bounds
            if negated:
                return Criterion(inclusion=False, type="age", text=line, min_age=lo, max_age=hi, arm=arm)
            return Criterion(inclusion=True, type="age", text=line, min_age=lo, max_age=hi, arm=arm)
        if key == "oncotree_primary_diagnosis":
            if not negated:
                self.diagnoses.append(value)
            return Criterion(
                inclusion=inclusion,
                type="cancer_type",
                text=line,
                cancer_types=self._diagnosis(value),
                arm=arm,
            )
        if key == "gender":
            sex = value.lower()
            if sex not in ("female", "male"):
                return None
            return Criterion(inclusion=inclusion, type="sex", text=line, sex=sex, arm=arm)  # type: ignore[arg-type]
        if key in ("her2_status", "er_status", "pr_status"):
            gene = self._marker({"her2_status": "her2", "er_status": "er", "pr_status": "pr"}[key])
            status = _status_word(value)
            if gene is None or status is None:
                return None
            return Criterion(
                inclusion=inclusion, type="biomarker", text=line, gene=gene, biomarker_status=status, arm=arm
            )
        if key == "tmb_numerical":
            bounds = _bounds(value, whole=False)
            gene = self._marker("tmb")
            if bounds is None or gene is None:
                return None
            return Criterion(
                inclusion=inclusion,
                type="biomarker",
                text=line,
                gene=gene,
                biomarker_status="positive" if bounds[0] is not None else None,
                value_min=bounds[0],
                value_max=bounds[1],
                unit="mut/Mb",
                arm=arm,
            )
        return None

    def _diagnosis(self, name: str) -> list[str]:
        upper = name.strip().upper()
        if upper in ("_SOLID_", "_LIQUID_"):
            return cancer_category_ids(self.kb, liquid=upper == "_LIQUID_")
        for candidate in (name, f"{name} cancer"):
            low = candidate.lower()
            found = [n for n in self.finder.find(candidate, low) if n.kind == "cancer"]
            exact = [n for n in found if n.start == 0 and n.end == len(low)]
            if exact:
                return [exact[0].id]
        low = name.lower()
        found = [n.id for n in self.finder.find(name, low) if n.kind == "cancer"]
        by_code = [
            c.id for c in self.kb.cancers.values() if name.strip().upper() in (x.upper() for x in c.oncotree)
        ]
        return list(dict.fromkeys(by_code + found))

    def _marker(self, name: str) -> str | None:
        low = name.lower()
        found = [n for n in self.finder.find(name.upper(), low) if n.kind == "biomarker"]
        exact = [n for n in found if n.start == 0 and n.end == len(low)]
        if exact:
            return exact[0].id
        return next((b.id for b in self.kb.biomarkers.values() if b.id.lower() == low), None)

    # genomic -------------------------------------------------------------------------------

    def _genomic(self, content: dict[str, Any], arm: str) -> list[Criterion]:
        values = {str(k): (_text(v) if not isinstance(v, bool) else str(v)) for k, v in content.items()}
        line = f"{arm}: genomic " + ", ".join(f"{k} {_render(v)}" for k, v in content.items())
        negated = any(v is not None and v.startswith("!") for v in values.values())
        clean = {k: (v[1:].strip() if v and v.startswith("!") else v) for k, v in values.items()}
        symbol = clean.get("hugo_symbol")
        if symbol is not None and (symbol.lower() in ("none", "") or symbol.isdigit()):
            symbol = None
        handled = {"hugo_symbol", "display_name"}
        out: list[Criterion] = []
        ms = clean.get("ms_status") or clean.get("mmr_status")
        if ms is not None:
            handled |= {"ms_status", "mmr_status"}
            gene = self._marker("msi")
            status = (
                "positive"
                if re.search(r"msi-h|high|deficient|dmmr", ms, re.I)
                else ("negative" if re.search(r"mss|stable|proficient|pmmr|msi-l", ms, re.I) else None)
            )
            if gene and status:
                out.append(
                    Criterion(
                        inclusion=not negated,
                        type="biomarker",
                        text=line,
                        gene=gene,
                        biomarker_status=status,
                        arm=arm,
                    )
                )
            else:
                out.append(self._unparsed(arm, line.split(": ", 1)[1]))
        if "wildtype" in clean:
            handled.add("wildtype")
        variant_keys = {
            "variant_category",
            "protein_change",
            "wildcard_protein_change",
            "variant_classification",
            "cnv_call",
            "exon",
            "fusion_partner_hugo_symbol",
            "wildtype",
        }
        if symbol is not None or variant_keys & set(clean):
            handled |= variant_keys
            gene = self._gene(symbol or clean.get("fusion_partner_hugo_symbol"))
            if gene is None:
                out.append(self._unparsed(arm, line.split(": ", 1)[1]))
            else:
                wild = (clean.get("wildtype") or "").lower() in ("true", "yes")
                out.append(
                    Criterion(
                        inclusion=not negated,
                        type="biomarker",
                        text=line,
                        gene=gene,
                        alteration=_alteration(clean, symbol),
                        biomarker_status="negative" if wild else "positive",
                        arm=arm,
                    )
                )
        leftover = [k for k in clean if k not in handled]
        if leftover and not out:
            out.append(self._unparsed(arm, line.split(": ", 1)[1]))
        elif leftover:
            out.append(self._unparsed(arm, "genomic " + ", ".join(f"{k} {values[k]}" for k in leftover)))
        return out

    def _gene(self, symbol: str | None) -> str | None:
        if symbol is None:
            return None
        clean = symbol.strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,30}", clean) or clean.lower() in (
            "any_gene",
            "intergenic",
        ):
            return None
        return self._marker(clean) or clean.upper()


def _alteration(values: dict[str, str | None], symbol: str | None) -> str | None:
    parts: list[str] = []
    exon = values.get("exon")
    if exon:
        parts.append(f"exon {exon}")
    protein = values.get("protein_change") or values.get("wildcard_protein_change")
    if protein:
        parts.append(re.sub(r"^p\.", "", protein))
    classification = values.get("variant_classification")
    if classification:
        parts.append(classification.replace("_", " ").lower().replace("in frame", "in-frame"))
    cnv = values.get("cnv_call")
    if cnv:
        parts.append(_CNV.get(cnv.lower(), cnv.lower()))
    partner = values.get("fusion_partner_hugo_symbol")
    category = (values.get("variant_category") or "").lower()
    if category == "structural variation" or partner:
        if partner and partner.lower() not in ("any_gene",) and symbol:
            other = "intergenic" if partner.lower() == "intergenic" else partner.upper()
            parts.append(f"{symbol.upper()}-{other} fusion")
        else:
            parts.append("fusion")
    elif category == "cnv" and not cnv:
        parts.append("copy number change")
    elif category == "mutation" and not protein and not classification:
        parts.append("mutation")
    return " ".join(parts) or None


def _bounds(value: str, whole: bool) -> tuple[float | None, float | None] | None:
    m = _NUMERIC.match(value)
    if m is None:
        return None
    op, number = m.group(1) or "==", float(m.group(2))
    if op in (">=", ">"):
        # Whole years: someone aged 18 is usually older than 18 (the text parser reads it the same way).
        return number, None
    if op == "<=":
        return None, number
    if op == "<":
        return None, number - 1 if whole and number.is_integer() else number
    return number, number


def _status_word(value: str) -> str | None:
    v = value.strip().lower()
    if v in ("true", "positive", "pos", "yes", "+"):
        return "positive"
    if v in ("false", "negative", "neg", "no", "-"):
        return "negative"
    return None


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return str(value)
