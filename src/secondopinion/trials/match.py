"""Criterion-by-criterion trial matching: which trials a person may fit, and what is left to check.

Every criterion is judged met, not met or unknown against the case's normalised facts, and each
judgement names the fact that decided it. A fact the case does not state leaves the criterion
unknown, never failed: the match then says which question or test would settle it. Ranking puts
trials with no failed criterion first, then those with the fewest unknowns on facts that decide
eligibility, then (when the case has a location) those with the nearest site.

Pure: no I/O beyond the bundled place table, no clock; the same inputs give the same output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from secondopinion.case import SYSTEMIC_MODALITIES, Biomarker, Cancer, Case, PlanItem
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.conditions import stage_matches
from secondopinion.review.normalise import normalise
from secondopinion.review.treatments import describe, item_modalities
from secondopinion.trials.ctgov import normalise_status
from secondopinion.trials.geo import Gazetteer, Place, default_gazetteer, locate, nearest_site
from secondopinion.trials.model import Criterion, CriterionResult, Evaluation, Site, Trial, TrialMatch

OPEN_STATUSES = frozenset(
    {
        "RECRUITING",
        "NOT_YET_RECRUITING",
        "ENROLLING_BY_INVITATION",
        "AVAILABLE",
        "OPEN",
        "OPEN_TO_ACCRUAL",
    }
)
# Checks the trial team does at screening for everyone: still reported, but they do not tell
# one trial from another, so they weigh least in the ranking.
SCREENING = frozenset({"organ_function", "measurable_disease", "pregnancy", "unparsed"})
GENERIC_SOLID = "~solid"
GENERIC_HEME = "~heme"
GENERIC_ANY = "~any"

_LABEL = {
    "age": "age",
    "sex": "sex",
    "cancer_type": "cancer type",
    "histology": "histology (cell type)",
    "stage": "stage",
    "metastatic": "whether the cancer has spread",
    "biomarker": "biomarker",
    "prior_therapy": "earlier treatment",
    "line_of_therapy": "number of earlier treatments",
    "performance_status": "performance status",
    "brain_metastases": "brain metastases",
    "measurable_disease": "measurable disease",
    "organ_function": "organ function",
    "pregnancy": "pregnancy",
    "unparsed": "criterion in free text",
}
_BRAIN = re.compile(r"\b(brain|cerebr\w*|cns|intracranial|leptomening\w*)\b", re.I)
_LOCALLY_ADVANCED = re.compile(r"locally[\s-]+advanced|unresectable|inoperable", re.I)
_GENERIC_HEME = re.compile(r"\b(ha?ematolog\w*|blood|lymphoid|myeloid)\s+(malignan|cancer|neoplas)", re.I)
_GENERIC_SOLID = re.compile(r"\bsolid\s+(tumou?r|malignan|neoplas|cancer)", re.I)
_GENERIC_ANY = re.compile(
    r"^(?:(?:advanced|metastatic|recurrent|refractory|relapsed|unresectable|malignant|adult|"
    r"pediatric|paediatric)\s+)*(?:cancers?|neoplasms?|malignanc(?:y|ies)|tumou?rs?|carcinomas?|"
    r"oncology)$",
    re.I,
)


def _label(c: Criterion) -> str:
    if c.type == "biomarker" and c.gene:
        return f"{c.gene} status"
    return _LABEL[c.type]


def is_open(status: str) -> bool:
    return normalise_status(status) in OPEN_STATUSES


# ----------------------------------------------------------------------------- cancer-type keys


def _parents(kb: KnowledgeBase) -> dict[str, str | None]:
    return {c.id: c.parent for c in kb.cancers.values()}


def ancestors(cancer_id: str, kb: KnowledgeBase) -> list[str]:
    """The type itself and every broader type above it (nsclc -> nsclc, lung)."""
    parents = _parents(kb)
    out: list[str] = []
    current: str | None = cancer_id
    while current and current not in out:
        out.append(current)
        current = parents.get(current)
    return out


def descendants(cancer_id: str, kb: KnowledgeBase) -> list[str]:
    """Every narrower type below this one (lung -> nsclc, sclc)."""
    parents = _parents(kb)
    out: list[str] = []
    frontier = [cancer_id]
    while frontier:
        current = frontier.pop()
        for child, parent in sorted(parents.items()):
            if parent == current and child not in out:
                out.append(child)
                frontier.append(child)
    return sorted(out)


def trial_cancer_keys(trial: Trial, kb: KnowledgeBase) -> list[str]:
    """The keys a trial is filed under for candidate search: its knowledge-base cancer types,
    or a generic key for basket trials ('solid tumours', 'haematological malignancies',
    'advanced cancer'). Trials with no key are not about cancer and are never candidates."""
    keys = set(trial.cancer_types)
    for c in trial.criteria:
        if c.type == "cancer_type" and c.inclusion:
            keys.update(c.cancer_types)
    keys &= set(kb.cancers)
    if keys:
        return sorted(keys)
    generic: set[str] = set()
    for text in (*trial.conditions, trial.title):
        if _GENERIC_SOLID.search(text):
            generic.add(GENERIC_SOLID)
        if _GENERIC_HEME.search(text):
            generic.add(GENERIC_HEME)
    for text in trial.conditions:
        if _GENERIC_ANY.match(text.strip()):
            generic.add(GENERIC_ANY)
    return sorted(generic)


def case_cancer_keys(case: Case, kb: KnowledgeBase) -> list[str]:
    """Keys of trials worth evaluating for this case: its type, the broader types above it (a
    lung-cancer trial takes NSCLC), the narrower ones below it (an NSCLC trial may fit 'lung
    cancer', to be confirmed) and the generic basket keys of its category."""
    cancer = case.primary
    if cancer is None or not cancer.type or cancer.type not in kb.cancers:
        return []
    keys = {*ancestors(cancer.type, kb), *descendants(cancer.type, kb), GENERIC_ANY}
    category = kb.cancers[cancer.type].category
    keys.add(GENERIC_HEME if category in ("lymphoma", "myeloma", "leukemia") else GENERIC_SOLID)
    return sorted(keys)


def trial_setting(trial: Trial) -> str | None:
    """'metastatic' or 'non_metastatic' when the criteria restrict the setting that plainly,
    else None. Criteria that also admit locally advanced disease do not restrict."""
    found: set[str] = set()
    for c in trial.criteria:
        if c.type != "metastatic" or c.arm is not None or c.group is not None:
            continue
        wanted = wanted_settings(c)
        if wanted == {"metastatic"}:
            found.add("metastatic" if c.inclusion else "non_metastatic")
        elif wanted <= {"localized", "locally_advanced"}:
            found.add("non_metastatic" if c.inclusion else "metastatic")
        else:
            return None
    return found.pop() if len(found) == 1 else None


def case_setting(case: Case) -> str | None:
    cancer = case.primary
    if cancer is None or cancer.setting is None:
        return None
    return "metastatic" if cancer.setting == "metastatic" else "non_metastatic"


# ----------------------------------------------------------------------------- criterion checks


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


def _prepare(case: Case, kb: KnowledgeBase) -> Facts:
    received = [*case.history, *(i for i in case.plan if i.status in ("done", "ongoing"))]
    ctype = case.primary.type if case.primary else None
    lineage = frozenset(ancestors(ctype, kb)) if ctype else frozenset()
    narrower = frozenset(descendants(ctype, kb)) if ctype else frozenset()
    markers = {name: b for name in {b.name for b in case.biomarkers} if (b := case.biomarker(name))}
    return Facts(case, case.primary, received, kb, lineage, narrower, markers)


def _cancer_name(cancer_id: str, kb: KnowledgeBase) -> str:
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
    names = ", ".join(_cancer_name(t, kb) for t in wanted[:3]) + (" or others" if len(wanted) > 3 else "")
    return f"Which exact type of cancer is it? The pathology report names it (the trial is for {names})."


def _check_cancer_type(c: Criterion, f: Facts) -> Check:
    wanted = [t for t in c.cancer_types if t]
    if not wanted:
        return Check(None, "the criterion names no cancer type the knowledge base knows", None)
    if f.cancer is None or not f.cancer.type:
        return Check(None, "cancer type not given", _type_question(wanted, f.kb))
    have = f.cancer.type
    fact = f"cancer type: {_cancer_name(have, f.kb)}"
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
    return bool(c.therapy_modalities and modalities & set(c.therapy_modalities))


def _check_prior_therapy(c: Criterion, f: Facts) -> Check:
    label = _therapy_label(c)
    hits = [i for i in f.received if _treats(c, i, f.kb)]
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
    lines = sum(1 for i in f.received if item_modalities(i, f.kb) & SYSTEMIC_MODALITIES)
    ok = (c.min_lines is None or lines >= c.min_lines) and (c.max_lines is None or lines <= c.max_lines)
    return Check(ok, f"{lines} earlier line(s) of drug treatment in the history given")


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


@dataclass(slots=True)
class _Result:
    """A criterion's evaluation while ranking; made into a CriterionResult only for the trials
    shown, which keeps ranking thousands of candidates cheap."""

    criterion: Criterion
    evaluation: Evaluation
    because: str
    to_resolve: str | None


def _judge(criterion: Criterion, facts: Facts) -> _Result:
    kind = criterion.type
    evaluation: Evaluation
    if kind == "brain_metastases":
        evaluation, check = _evaluate_brain(criterion, facts)
    elif kind == "pregnancy":
        evaluation, check = _evaluate_pregnancy(facts)
    elif kind == "measurable_disease":
        evaluation, check = "unknown", _MEASURABLE
    elif kind == "organ_function":
        evaluation = "unknown"
        check = Check(
            None,
            "blood test results are not recorded in the case",
            f"Recent blood tests: {criterion.lab or 'blood counts, kidney and liver function'}.",
        )
    elif kind in _CHECKS:
        check = _CHECKS[kind](criterion, facts)
        if check.holds is None:
            evaluation = "unknown"
        else:
            evaluation = "met" if check.holds == criterion.inclusion else "not_met"
    else:
        evaluation, check = "unknown", _FREE_TEXT
    return _Result(criterion, evaluation, check.fact, check.ask if evaluation == "unknown" else None)


_MEASURABLE = Check(
    None,
    "measurable disease is not recorded in the case",
    "Do recent scans show disease that can be measured (RECIST)? Ask your oncologist.",
)
_FREE_TEXT = Check(None, "not checked automatically: read it with the trial team")


def _public(r: _Result) -> CriterionResult:
    # Built from values the evaluation guarantees valid: no need to validate them again.
    return CriterionResult.model_construct(
        criterion=r.criterion, evaluation=r.evaluation, because=r.because, to_resolve=r.to_resolve
    )


def evaluate_criterion(criterion: Criterion, facts: Facts) -> CriterionResult:
    """Met, not met or unknown, with the fact that decided it and what would settle an unknown."""
    return _public(_judge(criterion, facts))


# ----------------------------------------------------------------------------- whole trials


def structured_criteria(trial: Trial, kb: KnowledgeBase) -> list[Criterion]:
    """Criteria the record states in fields rather than in the eligibility text (age limits, sex,
    conditions studied), added when the text's criteria do not already cover them."""
    have = {c.type for c in trial.criteria if c.inclusion and c.arm is None}
    out: list[Criterion] = []
    if "age" not in have and (trial.min_age is not None or trial.max_age is not None):
        bounds = [
            f"at least {trial.min_age:g} years" if trial.min_age is not None else "",
            f"at most {trial.max_age:g} years" if trial.max_age is not None else "",
        ]
        out.append(
            Criterion(
                inclusion=True,
                type="age",
                text="Age " + " and ".join(b for b in bounds if b) + " (trial record)",
                min_age=trial.min_age,
                max_age=trial.max_age,
            )
        )
    if "sex" not in have and trial.sex in ("female", "male"):
        text = f"Sex: {trial.sex} (trial record)"
        out.append(Criterion(inclusion=True, type="sex", text=text, sex=trial.sex))
    types = [t for t in trial.cancer_types if t in kb.cancers]
    if "cancer_type" not in have and types:
        names = ", ".join(_cancer_name(t, kb) for t in types[:3]) + (" and others" if len(types) > 3 else "")
        out.append(
            Criterion(
                inclusion=True,
                type="cancer_type",
                text=f"Condition studied: {names} (trial record)",
                cancer_types=types,
            )
        )
    return out


@dataclass(frozen=True)
class _Scored:
    results: list[_Result]
    arm: str | None
    met: int
    not_met: int
    unknown: int
    key_unknown: int

    def key(self) -> tuple[int, int, int]:
        return (1 if self.not_met else 0, self.key_unknown, -self.met)


def _score(results: list[_Result], arm: str | None) -> _Scored:
    met = not_met = unknown = key_unknown = 0
    for r in results:
        if r.evaluation == "met":
            met += 1
        elif r.evaluation == "not_met":
            not_met += 1
        else:
            unknown += 1
            if r.criterion.type not in SCREENING:
                key_unknown += 1
    return _Scored(results, arm, met, not_met, unknown, key_unknown)


def _outcome(evaluations: Iterable[str]) -> str:
    values = list(evaluations)
    if "not_met" in values:
        return "not_met"
    return "met" if all(v == "met" for v in values) else "unknown"


def _resolve_alternatives(results: list[_Result]) -> list[_Result]:
    """Criteria sharing a group are alternatives: the group holds when every criterion of one
    option does. Results are rewritten so they read at the level of the requirement: an option
    not taken never counts as a failure when another option is met or still open."""
    groups: dict[tuple[str | None, str], dict[int, list[int]]] = {}
    for i, r in enumerate(results):
        if r.criterion.group is not None:
            key = (r.criterion.arm, r.criterion.group)
            groups.setdefault(key, {}).setdefault(r.criterion.option or 0, []).append(i)
    if not groups:
        return results
    out = list(results)
    for options in groups.values():
        if len(options) < 2:
            continue
        outcome = {opt: _outcome(results[i].evaluation for i in idx) for opt, idx in options.items()}
        met = sorted(opt for opt, v in outcome.items() if v == "met")
        if met:
            via = "; ".join(dict.fromkeys(results[i].because for i in options[met[0]]))
            for opt, idx in options.items():
                for i in idx:
                    r = out[i]
                    if opt != met[0] and r.evaluation != "met":
                        because = f"{r.because}; not needed, an alternative is met ({via})"
                        out[i] = _Result(r.criterion, "met", because, None)
            continue
        every_fails = all(v == "not_met" for v in outcome.values())
        for opt, idx in options.items():
            for i in idx:
                r = out[i]
                if every_fails and r.evaluation == "unknown":
                    out[i] = _Result(r.criterion, "unknown", f"{r.because}; every alternative fails", None)
                elif not every_fails and outcome[opt] == "not_met":
                    tail = "; another alternative may still fit" if r.evaluation == "not_met" else ""
                    out[i] = _Result(r.criterion, "unknown", r.because + tail, None)
    return out


def _best_arm(trial: Trial, base: list[_Result], facts: Facts) -> _Scored | None:
    """Trial-wide criteria plus those of the arm that fits best; None when every arm with
    criteria of its own is closed (the trial cannot take anyone now)."""
    by_arm: dict[str, list[Criterion]] = {}
    for c in trial.criteria:
        if c.arm is not None:
            by_arm.setdefault(c.arm, []).append(c)
    if not by_arm:
        return _score(_resolve_alternatives(base), None)
    closed = {a.id for a in trial.arms if not a.open}
    best: _Scored | None = None
    for arm_id in sorted(by_arm):
        if arm_id in closed:
            continue
        arm_results = [_judge(c, facts) for c in by_arm[arm_id]]
        scored = _score(_resolve_alternatives(base + arm_results), arm_id)
        if best is None or scored.key() < best.key():
            best = scored
    return best


_DISTANCE_BUCKETS = (50.0, 150.0, 400.0, 1000.0, 3000.0)


def _bucket(km: float | None) -> int:
    if km is None:
        return len(_DISTANCE_BUCKETS) + 1
    return next((i for i, edge in enumerate(_DISTANCE_BUCKETS) if km <= edge), len(_DISTANCE_BUCKETS))


def _why(s: _Scored, where: str) -> str:
    if s.not_met:
        first = next(r for r in s.results if r.evaluation == "not_met")
        more = f" (and {s.not_met - 1} more)" if s.not_met > 1 else ""
        asks = first.criterion.text if first.criterion.inclusion else f"not: {first.criterion.text}"
        return f"Probably not a fit: {_label(first.criterion)} — {first.because}; trial: “{asks}”{more}."
    labels = sorted(
        {
            _label(r.criterion)
            for r in s.results
            if r.evaluation == "unknown" and r.criterion.type not in SCREENING
        }
    )
    decided = [r for r in s.results if r.evaluation == "met" and r.criterion.type not in SCREENING]
    shown = ", ".join(dict.fromkeys(r.because for r in decided[:4]))
    if s.key_unknown:
        text = f"Nothing rules you out so far; {s.key_unknown} to confirm ({', '.join(labels)})"
    else:
        text = "Fits every criterion that could be checked"
    if shown:
        text += f"; fits on {shown}"
    screening = s.unknown - s.key_unknown
    if screening:
        text += f"; {screening} routine screening check(s) for the trial team"
    return text + where + "."


def _to_resolve(s: _Scored) -> list[str]:
    ordered = sorted(
        (r for r in s.results if r.evaluation == "unknown" and r.to_resolve),
        key=lambda r: r.criterion.type in SCREENING,
    )
    asks = list(dict.fromkeys(r.to_resolve for r in ordered if r.to_resolve))
    free_text = sum(r.criterion.type == "unparsed" for r in s.results)
    if free_text:
        what = "criterion in free text was" if free_text == 1 else "criteria in free text were"
        asks.append(f"{free_text} {what} not checked automatically: go through them with the trial team.")
    return asks


def _rank_score(s: _Scored, bucket: int) -> float:
    """One number that orders matches as the ranking does: no failed criterion, then fewest
    unknown deciding facts, then nearest site, then most criteria met."""
    eligible = 0 if s.not_met else 1
    return float(
        eligible * 10**9
        + (999 - min(s.key_unknown, 999)) * 10**6
        + (9 - min(bucket, 9)) * 10**4
        + min(s.met, 9999)
    )


@dataclass(frozen=True)
class _Ranked:
    key: tuple[int, int, int, int, float, str]
    trial: Trial
    scored: _Scored
    site: Site | None
    km: float | None
    bucket: int


def _rank(trial: Trial, facts: Facts, origin: Place | None, gaz: Gazetteer) -> _Ranked | None:
    base = [_judge(c, facts) for c in structured_criteria(trial, facts.kb)]
    base += [_judge(c, facts) for c in trial.criteria if c.arm is None]
    scored = _best_arm(trial, base, facts)
    if scored is None:
        return None
    site, km = None, None
    if origin is not None:
        hit = nearest_site(origin, trial.sites, gaz)
        if hit is not None:
            site, km = hit[0], round(hit[1], 1)
    bucket = _bucket(km) if origin is not None else 0
    key = (1 if scored.not_met else 0, scored.key_unknown, bucket, -scored.met, km or 0.0, trial.nct_id)
    return _Ranked(key, trial, scored, site, km, bucket)


def _build(r: _Ranked, origin: Place | None) -> TrialMatch:
    where = ""
    if r.site is not None and r.km is not None:
        site, km = r.site, r.km
        place = ", ".join(x for x in (site.city, site.state, site.country) if x) or site.facility or "a site"
        where = f"; nearest site {place}, " + (f"about {km:,.0f} km away" if km >= 1 else "under 1 km away")
        if origin is not None and origin.precision == "state":
            where += " (from the centre of your state)"
    s = r.scored
    return TrialMatch(
        nct_id=r.trial.nct_id,
        title=r.trial.title,
        status=r.trial.status,
        phase=list(r.trial.phase),
        score=_rank_score(s, r.bucket),
        met=s.met,
        not_met=s.not_met,
        unknown=s.unknown,
        results=[_public(x) for x in s.results],
        why=_why(s, where),
        to_resolve=_to_resolve(s),
        nearest_site=r.site,
        distance_km=r.km,
        arm=s.arm,
        snapshot_date=r.trial.last_update,
    )


def match_trials(
    case: Case,
    trials: Iterable[Trial],
    kb: KnowledgeBase,
    top: int | None = 20,
    gazetteer: Gazetteer | None = None,
) -> list[TrialMatch]:
    """Rank the trials for one case; `top` None keeps them all. Trials whose every arm with its
    own criteria is closed are left out; the order is total (ties fall to the NCT id)."""
    case = normalise(case, kb)
    facts = _prepare(case, kb)
    gaz = gazetteer or default_gazetteer()
    origin = locate(case.patient.location, gaz)
    ranked: list[_Ranked] = []
    seen: set[str] = set()
    for trial in trials:
        if trial.nct_id in seen:
            continue
        seen.add(trial.nct_id)
        hit = _rank(trial, facts, origin, gaz)
        if hit is not None:
            ranked.append(hit)
    ranked.sort(key=lambda r: r.key)
    shown = ranked if top is None else ranked[: max(top, 0)]
    return [_build(r, origin) for r in shown]
