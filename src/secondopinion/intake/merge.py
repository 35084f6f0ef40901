"""Several documents about one person (a pathology report, a consult letter, a scan report) made
into one case, each fact keeping the provenance of every document that stated it.

Documents are taken in the order given, oldest first: when two disagree, the more specific value
wins (stage IIIA over III, pT2a over T2), otherwise the later one, and the disagreement itself is
added to the case's concerns ("Documents disagree on stage: ...") so the review and the reviewer
see it instead of a silent choice. A definite biomarker result beats a pending one; two definite
results that differ are both kept. Pure functions: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from secondopinion.case import TNM, Biomarker, Cancer, Case, Fact, Patient, PlanItem, Provenance
from secondopinion.errors import InputError

F = TypeVar("F", bound=Fact)

RANK = {"positive": 0, "negative": 0, "equivocal": 1, "pending": 2, "not_tested": 3, "unknown": 4}


def merge_cases(cases: list[Case]) -> Case:
    """One case from several documents about the same person, given oldest first."""
    if not cases:
        raise InputError("no documents to merge")
    if len(cases) == 1:
        return cases[0]
    labels = _labels(cases)
    notes: list[str] = []
    cancers = _merge_cancers([(c, i) for i, case in enumerate(cases) for c in case.cancers], labels, notes)
    merged = Case(
        id=cases[0].id,
        patient=_merge_patient([(case.patient, i) for i, case in enumerate(cases)], labels, notes),
        cancers=cancers,
        biomarkers=_merge_biomarkers(
            [(b, i) for i, case in enumerate(cases) for b in case.biomarkers], labels, notes
        ),
        history=_dedupe([(p, i) for i, case in enumerate(cases) for p in case.history], _same_item),
        plan=_dedupe([(p, i) for i, case in enumerate(cases) for p in case.plan], _same_item),
        opinions=_dedupe(
            [(o, i) for i, case in enumerate(cases) for o in case.opinions],
            lambda a, b: _norm(a.by) == _norm(b.by) and _norm(a.recommends) == _norm(b.recommends),
        ),
        records=_dedupe(
            [(r, i) for i, case in enumerate(cases) for r in case.records],
            lambda a, b: _norm(a.kind) == _norm(b.kind),
        ),
        concerns=_unique([*(c for case in cases for c in case.concerns), *notes]),
        questions=_unique(q for case in cases for q in case.questions),
    )
    texts = [case.source_text for case in cases if case.source_text]
    merged.source_text = "\n\n".join(texts) if texts else None
    return merged


# --- documents and values --------------------------------------------------------------------


def _labels(cases: list[Case]) -> list[str]:
    """A name for each document: the one its facts' provenance gives most often."""
    out = []
    for i, case in enumerate(cases):
        docs = Counter(p.document for p in _provenance(case) if p.document)
        out.append(docs.most_common(1)[0][0] if docs else f"document {i + 1}")
    return out


def _provenance(node: Any) -> Iterable[Provenance]:
    if isinstance(node, Fact):
        yield from node.provenance
    if isinstance(node, Case | Fact):
        for name in type(node).model_fields:
            yield from _provenance(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            yield from _provenance(item)


def _norm(value: object) -> str:
    return " ".join(str(value).lower().split())


_STAGE = re.compile(r"^(0|is|iv|i{1,3}|v|[1-4])([a-d]?\d?)$")
_TNM = re.compile(r"^(?:yp|yc|rp|p|c|r|a)?([tnm])(is|mi|[0-4x])(.*)$")


def _relation(kind: str, old: object, new: object) -> str:
    """'same', 'more' (new is more specific), 'less' or 'different'."""
    a, b = _norm(old), _norm(new)
    if a == b:
        return "same"
    if kind in ("stage", "tnm"):
        ma, mb = (_STAGE.match(a), _STAGE.match(b)) if kind == "stage" else (_TNM.match(a), _TNM.match(b))
        if ma is None or mb is None or ma.groups()[:-1] != mb.groups()[:-1]:
            return "different"
        ta, tb = ma.groups()[-1], mb.groups()[-1]  # IIIA: 'a' after III; pT2a: 'a' after T2
        if ta == tb:
            return "same"  # cT2 and pT2
        return "more" if tb.startswith(ta) else "less" if ta.startswith(tb) else "different"
    if kind == "text":
        if re.search(rf"\b{re.escape(a)}\b", b):
            return "more"
        if re.search(rf"\b{re.escape(b)}\b", a):
            return "less"
        return "different"
    if kind == "number":
        try:
            return "same" if abs(float(str(old)) - float(str(new))) < 1e-9 else "different"
        except ValueError:
            return "different"
    return "different"


@dataclass
class _Pick:
    """The value chosen for one field across documents, and whether documents disagreed."""

    value: Any = None
    doc: int = -1
    seen: list[tuple[Any, int]] = field(default_factory=list)
    disagree: bool = False


def _pick(kind: str, observed: list[tuple[Any, int]]) -> _Pick:
    out = _Pick()
    for value, doc in observed:
        if value is None:
            continue
        out.seen.append((value, doc))
        if out.doc < 0:
            out.value, out.doc = value, doc
            continue
        rel = _relation(kind, out.value, value)
        if rel == "different" and doc != out.doc:
            out.disagree = True
        if rel in ("same", "more", "different"):
            out.value, out.doc = value, doc
    return out


def _shown(value: object) -> str:
    text = str(value).replace("_", " ")
    return "yes" if text == "True" else "no" if text == "False" else text


def _disagreement(what: str, pick: _Pick, labels: list[str]) -> str:
    """'Documents disagree on stage: IIIA (path.pdf) vs IIB (consult.pdf); using IIB'."""
    groups: dict[str, tuple[str, list[str]]] = {}
    for value, doc in pick.seen:
        key = _norm(value)
        _, docs = groups.setdefault(key, (_shown(value), []))
        if labels[doc] not in docs:
            docs.append(labels[doc])
    parts = [f"{shown} ({', '.join(docs)})" for shown, docs in groups.values()]
    return f"Documents disagree on {what}: {' vs '.join(parts)}; using {_shown(pick.value)}"


# --- the patient -----------------------------------------------------------------------------


def _merge_patient(patients: list[tuple[Patient, int]], labels: list[str], notes: list[str]) -> Patient:
    values: dict[str, Any] = {}
    for name, kind, what in (
        ("sex", "text", "sex"),
        ("ecog", "number", "ECOG performance status"),
        ("karnofsky", "number", "Karnofsky performance status"),
        ("menopausal_status", "text", "menopausal status"),
        ("pregnant", "bool", "pregnancy"),
        ("location", None, None),
        ("age", None, None),
    ):
        observed = [(getattr(p, name), i) for p, i in patients]
        if name == "sex":
            observed = [(v if v != "unknown" else None, i) for v, i in observed]
        pick = _pick(kind or "number", observed)
        if name == "age":
            ages = [v for v, _ in pick.seen]
            if ages and max(ages) - min(ages) > 1:  # reports a year apart may give ages a year apart
                notes.append(_disagreement("age", pick, labels))
        elif pick.disagree and what:
            notes.append(_disagreement(what, pick, labels))
        if pick.value is not None:
            values[name] = pick.value
    return Patient(
        provenance=_joined(p.provenance for p, _ in patients),
        comorbidities=_dedupe(
            [(c, i) for p, i in patients for c in p.comorbidities],
            lambda a, b: _norm(a.name) == _norm(b.name),
            combine=lambda a, b: {"serious": a.serious or b.serious},
        ),
        family_history=_dedupe(
            [(f, i) for p, i in patients for f in p.family_history],
            lambda a, b: _norm(a.relative) == _norm(b.relative) and _norm(a.condition) == _norm(b.condition),
        ),
        **values,
    )


# --- cancers ---------------------------------------------------------------------------------

_CANCER_FIELDS = (
    ("stage_group", "stage", "stage"),
    ("primary_site", "text", "primary site"),
    ("histology", "text", "histology"),
    ("grade", "text", "grade"),
    ("setting", "text", "setting"),
    ("recurrent", "bool", "recurrence"),
    ("laterality", "text", "side"),
    ("risk_group", "text", "risk group"),
)


def _merge_cancers(found: list[tuple[Cancer, int]], labels: list[str], notes: list[str]) -> list[Cancer]:
    """Cancers matched across documents by knowledge-base type (and side, when given), in order
    of first mention. Two cancers of one document stay two (cancers in both breasts); a cancer no
    document could type joins the only typed one there is (a report naming just the histology)."""
    types = list(dict.fromkeys(c.type for c, _ in found if c.type is not None))
    groups: list[tuple[str | None, list[tuple[Cancer, int]]]] = []
    for cancer, doc in found:
        ctype = cancer.type if cancer.type is not None or len(types) != 1 else types[0]
        home = next(
            (
                members
                for t, members in groups
                if t == ctype
                and all(d != doc for _, d in members)
                and all(_same_side(c.laterality, cancer.laterality) for c, _ in members)
            ),
            None,
        )
        if home is None:
            groups.append((ctype, [(cancer, doc)]))
        else:
            home.append((cancer, doc))
    same_type = Counter(t for t, _ in groups)
    for ctype in (t for t, n in same_type.items() if n > 1 and t is not None):
        sided = [members for t, members in groups if t == ctype]
        docs = [{d for _, d in members} for members in sided]
        if all(a.isdisjoint(b) for i, a in enumerate(docs) for b in docs[i + 1 :]):
            # no document names both: maybe two cancers, maybe one side written wrongly
            seen = [(next((c.laterality for c, _ in m if c.laterality), "unknown"), m[0][1]) for m in sided]
            pick = _Pick(value=None, seen=seen)
            parts = _disagreement(f"the side of the {ctype.replace('_', ' ')} cancer", pick, labels)
            notes.append(parts.rsplit("; using", 1)[0] + "; kept as separate cancers")
    out = []
    for ctype, members in groups:
        side = next((c.laterality for c, _ in members if c.laterality), None)
        name = f"{side} {ctype}" if side and same_type[ctype] > 1 else ctype
        of = f" of the {name.replace('_', ' ')} cancer" if len(groups) > 1 and name else ""
        out.append(_merge_cancer(ctype, members, labels, notes, of))
    return out


def _same_side(a: str | None, b: str | None) -> bool:
    return a is None or b is None or _norm(a) == _norm(b)


def _merge_cancer(
    ctype: str | None, members: list[tuple[Cancer, int]], labels: list[str], notes: list[str], of: str
) -> Cancer:
    values: dict[str, Any] = {"type": ctype}
    stage_disagrees = False
    for name, kind, what in _CANCER_FIELDS:
        pick = _pick(kind, [(getattr(c, name), doc) for c, doc in members])
        if pick.disagree and not (name == "setting" and stage_disagrees):
            notes.append(_disagreement(what + of, pick, labels))
            stage_disagrees = stage_disagrees or name == "stage_group"
        values[name] = pick.value
    tnm = {}
    for part in ("t", "n", "m"):
        pick = _pick("tnm", [(getattr(c.tnm, part), doc) for c, doc in members])
        if pick.disagree:
            notes.append(_disagreement(f"{part.upper()} category{of}", pick, labels))
        tnm[part] = pick.value
    scores: dict[str, float | str] = {}
    for key in dict.fromkeys(k for c, _ in members for k in c.scores):
        pick = _pick("number", [(c.scores.get(key), doc) for c, doc in members])
        if pick.disagree:
            notes.append(_disagreement(key.replace("_", " ") + of, pick, labels))
        scores[key] = pick.value
    return Cancer(
        provenance=_joined(c.provenance for c, _ in members),
        tnm=TNM(**tnm),
        metastatic_sites=list(dict.fromkeys(s for c, _ in members for s in c.metastatic_sites)),
        scores=scores,
        **values,
    )


# --- biomarkers ------------------------------------------------------------------------------


def _merge_biomarkers(
    found: list[tuple[Biomarker, int]], labels: list[str], notes: list[str]
) -> list[Biomarker]:
    """Per marker (and per alteration, when documents name different ones): the most informative
    class of result wins; agreeing results become one; differing definite results stay apart."""
    by_marker: dict[tuple[str, bool], list[tuple[Biomarker, int]]] = {}
    for b, doc in found:
        by_marker.setdefault((b.name, b.germline is True), []).append((b, doc))
    out: list[tuple[int, Biomarker]] = []
    for (name, _), entries in by_marker.items():
        details = list(dict.fromkeys(_norm(b.detail) for b, _ in entries if b.detail))
        groups: dict[str | None, list[tuple[Biomarker, int]]] = {}
        for b, doc in entries:
            key = _norm(b.detail) if b.detail else (details[0] if len(details) == 1 else None)
            groups.setdefault(key, []).append((b, doc))
        for members in groups.values():
            best = min(RANK.get(b.status, 4) for b, _ in members)
            kept = [(b, doc) for b, doc in members if RANK.get(b.status, 4) == best]
            clusters: list[list[tuple[Biomarker, int]]] = []
            for b, doc in kept:
                home = next((cl for cl in clusters if _agrees(cl[0][0], b)), None)
                if home is None:
                    clusters.append([(b, doc)])
                else:
                    home.append((b, doc))
            docs = {doc for _, doc in kept}
            if len(clusters) > 1 and len(docs) > 1:
                notes.append(_biomarker_disagreement(name, clusters, labels))
            for cluster in clusters:
                first = found.index(cluster[0])
                out.append((first, _combine_biomarkers([b for b, _ in cluster])))
    return [b for _, b in sorted(out, key=lambda pair: pair[0])]


def _agrees(a: Biomarker, b: Biomarker) -> bool:
    if a.status != b.status:
        return False
    if a.value is not None and b.value is not None and abs(a.value - b.value) > 1e-9:
        return False
    return not (a.detail and b.detail and _norm(a.detail) != _norm(b.detail))


def _combine_biomarkers(items: list[Biomarker]) -> Biomarker:
    values = items[0].model_dump(exclude={"provenance"})
    for b in items[1:]:
        for key in ("detail", "value", "unit", "method", "germline"):
            if values[key] is None and getattr(b, key) is not None:
                values[key] = getattr(b, key)
    return Biomarker(provenance=_joined(b.provenance for b in items), **values)


def _biomarker_disagreement(name: str, clusters: list[list[tuple[Biomarker, int]]], labels: list[str]) -> str:
    parts = []
    for cluster in clusters:
        b = cluster[0][0]
        value = ""
        if b.value is not None:
            unit = b.unit or ""
            value = f" {b.value:g}{unit if unit == '%' else (' ' + unit if unit else '')}"
        docs = list(dict.fromkeys(labels[doc] for _, doc in cluster))
        parts.append(f"{_shown(b.status)}{value} ({', '.join(docs)})")
    return f"Documents disagree on {name}: {' vs '.join(parts)}; both results are kept"


# --- plan, history and the lists -------------------------------------------------------------


def _same_item(a: PlanItem, b: PlanItem) -> bool:
    def same_or_missing(x: str | None, y: str | None) -> bool:
        return x is None or y is None or _norm(x) == _norm(y)

    return (
        a.modality == b.modality
        and a.status == b.status
        and {_norm(d) for d in a.drugs} == {_norm(d) for d in b.drugs}
        and same_or_missing(a.regimen, b.regimen)
        and same_or_missing(a.procedure, b.procedure)
        and (a.intent == b.intent or "unknown" in (a.intent, b.intent))
    )


def _fill(a: F, b: F, combine: Callable[[Any, Any], dict[str, Any]] | None) -> F:
    """a, with what only b says filled in, and both provenances."""
    update: dict[str, Any] = {"provenance": _joined([a.provenance, b.provenance])}
    for name in type(a).model_fields:
        mine, theirs = getattr(a, name), getattr(b, name)
        if name != "provenance" and (mine is None or mine == "unknown") and theirs not in (None, "unknown"):
            update[name] = theirs
    if combine is not None:
        update.update(combine(a, b))
    return a.model_copy(update=update)


def _dedupe(
    items: list[tuple[F, int]],
    same: Callable[[F, F], bool],
    combine: Callable[[Any, Any], dict[str, Any]] | None = None,
) -> list[F]:
    """Items stated by several documents kept once. Two items of one document are never merged:
    that document meant two things (two courses of radiation, say)."""
    out: list[tuple[F, set[int]]] = []
    for item, doc in items:
        for k, (kept, docs) in enumerate(out):
            if doc not in docs and same(kept, item):
                out[k] = (_fill(kept, item, combine), docs | {doc})
                break
        else:
            out.append((item, {doc}))
    return [item for item, _ in out]


def _joined(lists: Iterable[list[Provenance]]) -> list[Provenance]:
    out: list[Provenance] = []
    for provs in lists:
        for p in provs:
            if p not in out:
                out.append(p)
    return out


def _unique(texts: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in texts:
        if _norm(t) not in seen:
            seen.add(_norm(t))
            out.append(t)
    return out
