"""Criterion checks: does the property a criterion describes hold for the case?

Three-valued: True, False, or None when the case does not state the fact — and then the check
says which question or test would settle it. A missing result is never read as a negative one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from secondopinion.case import SYSTEMIC_MODALITIES, Biomarker, Cancer, Case, PlanItem
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.conditions import stage_matches
from secondopinion.review.treatments import describe, item_modalities
from secondopinion.trials.model import Criterion, Evaluation

_BRAIN = re.compile(r"\b(brain|cerebr\w*|cns|intracranial|leptomening\w*)\b", re.I)
_LOCALLY_ADVANCED = re.compile(r"locally[\s-]+advanced|unresectable|inoperable", re.I)


def ancestors(cancer_id: str, kb: KnowledgeBase) -> list[str]:
    """The type itself and every broader type above it (nsclc -> nsclc, lung)."""
    parents = {c.id: c.parent for c in kb.cancers.values()}
    out: list[str] = []
    current: str | None = cancer_id
    while current and current not in out:
        out.append(current)
        current = parents.get(current)
    return out


def descendants(cancer_id: str, kb: KnowledgeBase) -> list[str]:
    """Every narrower type below this one (lung -> nsclc, sclc)."""
    parents = {c.id: c.parent for c in kb.cancers.values()}
    out: list[str] = []
    frontier = [cancer_id]
    while frontier:
        current = frontier.pop()
        for child, parent in sorted(parents.items()):
            if parent == current and child not in out:
                out.append(child)
                frontier.append(child)
    return sorted(out)


@dataclass(frozen=True)
class Check:
    """Whether the property a criterion describes holds for the case (None: not stated)."""

    holds: bool | None
    fact: str
    ask: str | None = None


@dataclass
class Facts:
    """The case prepared once for many trials."""

    case: Case
    cancer: Cancer | None
    received: list[PlanItem]
    kb: KnowledgeBase
    lineage: frozenset[str]  # the case's cancer type and the broader types above it
    narrower: frozenset[str]  # the types below it
    markers: dict[str, Biomarker]  # the most informative result per biomarker


def prepare_facts(case: Case, kb: KnowledgeBase) -> Facts:
    """The case's facts in the form every check reads, prepared once for many trials."""
    received = [*case.history, *(i for i in case.plan if i.status in ("done", "ongoing"))]
    ctype = case.primary.type if case.primary else None
    lineage = frozenset(ancestors(ctype, kb)) if ctype else frozenset()
    narrower = frozenset(descendants(ctype, kb)) if ctype else frozenset()
    markers = {name: b for name in {b.name for b in case.biomarkers} if (b := case.biomarker(name))}
    return Facts(case, case.primary, received, kb, lineage, narrower, markers)


def cancer_name(cancer_id: str, kb: KnowledgeBase) -> str:
    c = kb.cancers.get(cancer_id)
    return c.name if c else cancer_id


def _check_age(c: Criterion, f: Facts) -> Check:
    age = f.case.patient.age
    if age is None:
        return Check(None, "age not given", "What is your age? Add it to the case.")
    ok = (c.min_age is None or age >= c.min_age) and (c.max_age is None or age <= c.max_age)
    return Check(ok, f"age {age}")


def _check_sex(c: Criterion, f: Facts) -> Check:
    sex = f.case.patient.sex
    if c.sex is None:
        return Check(None, "the criterion names no sex")
    if sex not in ("female", "male"):
        return Check(None, "sex not given", "Add your sex (female or male) to the case.")
    return Check(sex == c.sex, f"sex {sex}")


def _type_question(wanted: list[str], kb: KnowledgeBase) -> str:
    names = ", ".join(cancer_name(t, kb) for t in wanted[:3]) + (" or others" if len(wanted) > 3 else "")
    return f"Which exact type of cancer is it? The pathology report names it (the trial is for {names})."


def _check_cancer_type(c: Criterion, f: Facts) -> Check:
    wanted = [t for t in c.cancer_types if t]
    if not wanted:
        return Check(None, "the criterion names no cancer type the knowledge base knows", None)
    if f.cancer is None or not f.cancer.type:
        return Check(None, "cancer type not given", _type_question(wanted, f.kb))
    have = f.cancer.type
    fact = f"cancer type: {cancer_name(have, f.kb)}"
    if f.lineage.intersection(wanted):
        return Check(True, fact)
    narrower = [t for t in wanted if t in f.narrower]
    if narrower:
        return Check(None, fact + " (the trial asks for a narrower type)", _type_question(narrower, f.kb))
    return Check(False, fact)


def _check_histology(c: Criterion, f: Facts) -> Check:
    histology = (f.cancer.histology if f.cancer else None) or ""
    ask = "What cell type (histology) does the pathology report give?"
    if not c.histology:
        return Check(None, "the criterion names no histology")
    if not histology:
        return Check(None, "histology not given", ask)
    have = histology.lower()
    ok = any(h.lower() in have or have in h.lower() for h in c.histology)
    return Check(ok, f"histology: {histology}")


def _check_stage(c: Criterion, f: Facts) -> Check:
    ask = "What is the stage of the cancer (for example IIIA)? The staging scans and report give it."
    if not c.stages:
        return Check(None, "the criterion names no stage")
    cancer = f.cancer
    if cancer is None:
        return Check(None, "stage not given", ask)
    if cancer.stage_group is None:
        if cancer.setting == "metastatic":
            return Check(any(s.strip().upper().startswith("IV") for s in c.stages), "metastatic (stage IV)")
        return Check(None, "stage not given", ask)
    ok = stage_matches(cancer.stage_group, c.stages)
    fact = f"stage {cancer.stage_group}"
    return Check(ok, fact, None if ok is not None else ask)


def wanted_settings(c: Criterion) -> set[str]:
    """The settings a 'metastatic' criterion describes: those the parser lists, else what its
    flag and wording say ('locally advanced or metastatic' admits both)."""
    if c.settings:
        return set(c.settings)
    if c.metastatic is False:
        return {"localized", "locally_advanced"}
    wanted = {"metastatic"}
    if _LOCALLY_ADVANCED.search(c.text):
        wanted.add("locally_advanced")
    return wanted


def _check_metastatic(c: Criterion, f: Facts) -> Check:
    cancer = f.cancer
    setting = cancer.setting if cancer else None
    wanted = wanted_settings(c)
    if "recurrent" in wanted and cancer is not None and cancer.recurrent:
        return Check(True, "recurrent cancer")
    if setting is None:
        return Check(
            None,
            "whether the cancer has spread is not given",
            "Has the cancer spread to other parts of the body (is it metastatic)? Your scans show it.",
        )
    if wanted == {"recurrent"} and cancer is not None and cancer.recurrent is None:
        return Check(
            None, "whether the cancer has come back is not given", "Has the cancer come back (recurred)?"
        )
    return Check(setting in wanted, f"setting: {setting.replace('_', ' ')}")


def _biomarker_id(name: str, kb: KnowledgeBase) -> str:
    if name in kb.biomarkers:
        return name
    low = name.strip().lower()
    for b in kb.biomarkers.values():
        if b.id.lower() == low or low in (a.lower() for a in b.aliases):
            return b.id
    return name


def _norm_alteration(text: str) -> str:
    t = text.lower()
    t = re.sub(r"\bp\.", "", t)
    t = re.sub(r"\bexon\s*", "ex", t)
    for long, short in (("deletion", "del"), ("insertion", "ins"), ("mutations", ""), ("mutation", "")):
        t = t.replace(long, short)
    return re.sub(r"[^a-z0-9*]", "", t)


def alteration_matches(wanted: str, detail: str) -> bool:
    """'exon 19 deletion' matches 'Exon 19 del'; 'p.V600' matches 'V600E'."""
    w, d = _norm_alteration(wanted), _norm_alteration(detail)
    return bool(w) and bool(d) and (w in d or d in w)


def _check_value(
    c: Criterion, name: str, status: str, value: float | None, unit: str | None, fact: str
) -> Check:
    """A level (PD-L1 50% or more, TMB 10 or more): the number decides; a negative result
    decides a 'more than' bound; a positive result without a number does not."""
    bounds = " and ".join(
        b
        for b in (
            f"at least {c.value_min:g}{c.unit or ''}" if c.value_min is not None else "",
            f"at most {c.value_max:g}{c.unit or ''}" if c.value_max is not None else "",
        )
        if b
    )
    if value is None:
        if status == "negative" and c.value_min is not None and c.value_min > 0 and c.value_max is None:
            return Check(False, fact)
        return Check(
            None, fact + ", level not given", f"What was the {name} level? The trial asks for {bounds}."
        )
    ok = (c.value_min is None or value >= c.value_min) and (c.value_max is None or value <= c.value_max)
    return Check(ok, f"{name} {value:g}{unit or c.unit or ''}")


def _check_biomarker(c: Criterion, f: Facts) -> Check:
    if not c.gene:
        return Check(None, "the criterion names no biomarker")
    gene = _biomarker_id(c.gene, f.kb)
    name = f.kb.biomarkers[gene].name if gene in f.kb.biomarkers else c.gene
    what = f"{name} {c.alteration}" if c.alteration else name
    ask = f"Has the tumour been tested for {what}? Ask for the result" + (
        " and the exact alteration." if c.alteration else "."
    )
    result = f.markers.get(gene)
    if result is None or result.status in ("unknown", "not_tested"):
        return Check(None, f"no {name} result given", ask)
    if result.status == "pending":
        return Check(None, f"{name} result pending", f"Ask for the {name} result when it is ready.")
    if result.status == "equivocal":
        return Check(None, f"{name} equivocal", f"Ask whether the equivocal {name} result can be confirmed.")
    fact = f"{name} {result.status}" + (f" ({result.detail})" if result.detail else "")
    if c.value_min is not None or c.value_max is not None:
        return _check_value(c, name, result.status, result.value, result.unit, fact)
    want_positive = c.biomarker_status != "negative"
    positive = result.status == "positive"
    if c.alteration and positive:
        if not result.detail:
            return Check(None, fact + ", alteration not given", ask)
        carries = alteration_matches(c.alteration, result.detail)
        return Check(carries if want_positive else not carries, fact)
    return Check(positive == want_positive, fact)


def _item_classes(item: PlanItem, kb: KnowledgeBase) -> set[str]:
    return {cls.lower() for d in item.drugs for cls in kb.drug_classes(d)}


def _class_matches(wanted: str, have: set[str]) -> bool:
    w = wanted.lower().strip()
    return any(w == h or w in h or h in w for h in have)


def _therapy_label(c: Criterion) -> str:
    parts = [*c.therapy_drugs, *c.therapy_classes, *(m.replace("_", " ") for m in c.therapy_modalities)]
    return " or ".join(parts) or "any cancer treatment"


_NOT_TREATMENT = {"supportive_care", "active_surveillance", "watchful_waiting"}


def _describe_items(items: Sequence[PlanItem]) -> str:
    return ", ".join(describe(i) for i in items)


def _treats(c: Criterion, item: PlanItem, kb: KnowledgeBase) -> bool:
    """Is the item a treatment the criterion names? Naming nothing means any cancer treatment."""
    modalities = item_modalities(item, kb)
    if not (c.therapy_drugs or c.therapy_classes or c.therapy_modalities):
        return bool(modalities - _NOT_TREATMENT)
    if c.therapy_drugs and set(item.drugs) & set(c.therapy_drugs):
        return True
    if c.therapy_classes and any(_class_matches(w, _item_classes(item, kb)) for w in c.therapy_classes):
        return True
    wanted = set(c.therapy_modalities)
    if "systemic_therapy" in wanted:
        wanted |= SYSTEMIC_MODALITIES  # 'prior systemic therapy': chemotherapy, targeted, hormonal...
    return bool(wanted and modalities & wanted)


# "No prior systemic therapy for metastatic disease": treatment given with curative intent (before or
# after surgery, or definitive) does not count; treatment of unstated intent cannot be ruled in or out.
_ADVANCED_ONLY = re.compile(
    r"\b(?:for|in)\s+(?:the\s+)?(?:(?:locally\s+)?advanced|metastatic|recurrent|unresectable|incurable)"
    r"(?:(?:\s*,\s*|\s+(?:or|and/or)\s+)(?:locally\s+)?(?:advanced|metastatic|recurrent|unresectable))*"
    r"\s+(?:disease|setting|cancer|stage|carcinoma)",
    re.I,
)
_EARLY_INTENT = frozenset({"curative", "neoadjuvant", "adjuvant", "definitive"})


def _for_advanced_disease(c: Criterion) -> bool:
    return _ADVANCED_ONLY.search(c.text) is not None


def _in_scope(c: Criterion, items: Sequence[PlanItem]) -> tuple[list[PlanItem], list[PlanItem]]:
    """The items a criterion counts, and those it may count (intent not given). Only a criterion
    about treatment for advanced disease leaves curative-intent treatment out."""
    if not _for_advanced_disease(c):
        return list(items), []
    sure = [i for i in items if i.intent not in _EARLY_INTENT and i.intent != "unknown"]
    maybe = [i for i in items if i.intent == "unknown"]
    return sure, maybe


def _check_prior_therapy(c: Criterion, f: Facts) -> Check:
    label = _therapy_label(c)
    treated = [i for i in f.received if _treats(c, i, f.kb)]
    hits, maybe = _in_scope(c, treated)
    if not hits and maybe:
        return Check(
            None,
            f"earlier treatment: {_describe_items(maybe)}, intent not given",
            f"Was {_describe_items(maybe)} given for advanced or metastatic disease, or around surgery "
            "(before or after it, to cure)? The trial counts only treatment for advanced disease.",
        )
    if hits and c.within_days is not None:
        ongoing = [i for i in hits if i.status == "ongoing"]
        if ongoing:
            return Check(True, f"ongoing treatment: {_describe_items(ongoing)}")
        return Check(
            None,
            f"earlier treatment: {_describe_items(hits)}, date not given",
            f"When did you last receive {_describe_items(hits)}? "
            f"The trial counts treatment in the last {c.within_days} days.",
        )
    if hits:
        return Check(True, f"earlier treatment: {_describe_items(hits[:1])}")
    if not f.received:
        return Check(None, "no treatment history given", f"Have you been treated before with {label}?")
    return Check(False, f"treatment history given ({_describe_items(f.received)}) has no {label}")


def _check_lines(c: Criterion, f: Facts) -> Check:
    if c.min_lines is None and c.max_lines is None:
        return Check(None, "the criterion names no number of lines")
    if not f.received:
        return Check(
            None,
            "no treatment history given",
            "How many courses (lines) of drug treatment have you had for this cancer so far?",
        )
    systemic = [i for i in f.received if item_modalities(i, f.kb) & SYSTEMIC_MODALITIES]
    sure, maybe = _in_scope(c, systemic)

    def within_bounds(lines: int) -> bool:
        return (c.min_lines is None or lines >= c.min_lines) and (c.max_lines is None or lines <= c.max_lines)

    ok = within_bounds(len(sure))
    # Any count the unclear items could make (not only the two ends) may change the verdict:
    # "1-2 lines" with none sure and three unclear fails at 0 and at 3 but is met at 1 or 2.
    if maybe and any(within_bounds(n) != ok for n in range(len(sure) + 1, len(sure) + len(maybe) + 1)):
        return Check(
            None,
            f"{len(sure) + len(maybe)} earlier line(s) of drug treatment, intent of {len(maybe)} not given",
            f"Was {_describe_items(maybe)} given for advanced or metastatic disease, or around surgery "
            "(to cure)? The trial counts only lines for advanced disease.",
        )
    scope = " for advanced disease" if _for_advanced_disease(c) else ""
    return Check(ok, f"{len(sure)} earlier line(s) of drug treatment{scope} in the history given")


# ECOG grade and the Karnofsky range usually equated with it (Oken et al., Am J Clin Oncol 1982).
_KPS_OF_ECOG = {0: (90, 100), 1: (70, 80), 2: (50, 60), 3: (30, 40), 4: (10, 20), 5: (0, 0)}


def _ecog_of_kps(kps: int) -> int:
    return next(e for e, (lo, _) in _KPS_OF_ECOG.items() if kps >= lo)


def _check_performance(c: Criterion, f: Facts) -> Check:
    ecog, kps = f.case.patient.ecog, f.case.patient.karnofsky
    ask = "What is your performance status (ECOG or Karnofsky score)? Your oncologist records it."
    if c.ecog_max is None and c.karnofsky_min is None:
        return Check(None, "the criterion names no score")
    if ecog is None and kps is None:
        return Check(None, "performance status not given", ask)
    if c.ecog_max is not None:
        if ecog is not None:
            return Check(ecog <= c.ecog_max, f"ECOG {ecog}")
        assert kps is not None
        return Check(_ecog_of_kps(kps) <= c.ecog_max, f"Karnofsky {kps} (about ECOG {_ecog_of_kps(kps)})")
    assert c.karnofsky_min is not None
    if kps is not None:
        return Check(kps >= c.karnofsky_min, f"Karnofsky {kps}")
    assert ecog is not None
    lo, hi = _KPS_OF_ECOG[ecog]
    if lo >= c.karnofsky_min:
        return Check(True, f"ECOG {ecog} (about Karnofsky {lo}-{hi})")
    if hi < c.karnofsky_min:
        return Check(False, f"ECOG {ecog} (about Karnofsky {lo}-{hi})")
    return Check(None, f"ECOG {ecog} (about Karnofsky {lo}-{hi})", ask)


def _brain_metastases(f: Facts) -> Check:
    cancer = f.cancer
    ask = "Has a brain MRI or CT been done, and did it show any spread to the brain?"
    if cancer is None:
        return Check(None, "brain imaging not reported", ask)
    sites = [s for s in cancer.metastatic_sites if _BRAIN.search(s)]
    if sites:
        return Check(True, f"spread to {', '.join(sites)}")
    if cancer.setting in ("localized", "locally_advanced"):
        return Check(False, f"setting: {cancer.setting.replace('_', ' ')} (no distant spread)")
    return Check(None, "brain not among the sites of spread given", ask)


def _evaluate_brain(c: Criterion, f: Facts) -> tuple[Evaluation, Check]:
    rule = c.brain_metastases or ("required" if c.inclusion else "excluded")
    check = _brain_metastases(f)
    if check.holds is None:
        return "unknown", check
    if rule == "required":
        return ("met" if check.holds else "not_met"), check
    if not check.holds:
        return "met", check
    if rule == "allowed_if_treated":
        return "unknown", Check(
            None, check.fact, "Have the brain metastases been treated, and are they stable on recent scans?"
        )
    return "not_met", check


def _evaluate_pregnancy(f: Facts) -> tuple[Evaluation, Check]:
    """Whatever its wording, a pregnancy criterion asks that the person not be pregnant."""
    p = f.case.patient
    if p.sex == "male":
        return "met", Check(False, "not applicable (male)")
    if p.pregnant is True:
        return "not_met", Check(True, "pregnant")
    if p.pregnant is False:
        return "met", Check(False, "not pregnant")
    if p.menopausal_status == "postmenopausal":
        return "met", Check(False, "postmenopausal")
    return "unknown", Check(
        None, "pregnancy not stated", "A pregnancy test is part of screening for this trial."
    )


_CHECKS = {
    "age": _check_age,
    "sex": _check_sex,
    "cancer_type": _check_cancer_type,
    "histology": _check_histology,
    "stage": _check_stage,
    "metastatic": _check_metastatic,
    "biomarker": _check_biomarker,
    "prior_therapy": _check_prior_therapy,
    "line_of_therapy": _check_lines,
    "performance_status": _check_performance,
}


_MEASURABLE = Check(
    None,
    "measurable disease is not recorded in the case",
    "Do recent scans show disease that can be measured (RECIST)? Ask your oncologist.",
)
_FREE_TEXT = Check(None, "not checked automatically: read it with the trial team")


def check_criterion(criterion: Criterion, facts: Facts) -> tuple[Evaluation, Check]:
    """Met, not met or unknown, with the check that decided it. For an exclusion criterion the
    property must not hold; brain metastases and pregnancy carry their own stance."""
    kind = criterion.type
    if kind == "brain_metastases":
        return _evaluate_brain(criterion, facts)
    if kind == "pregnancy":
        return _evaluate_pregnancy(facts)
    if kind == "measurable_disease":
        return "unknown", _MEASURABLE
    if kind == "organ_function":
        return "unknown", Check(
            None,
            "blood test results are not recorded in the case",
            f"Recent blood tests: {criterion.lab or 'blood counts, kidney and liver function'}.",
        )
    if kind in _CHECKS:
        check = _CHECKS[kind](criterion, facts)
        if check.holds is None:
            return "unknown", check
        return ("met" if check.holds == criterion.inclusion else "not_met"), check
    return "unknown", _FREE_TEXT
