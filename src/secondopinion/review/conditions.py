"""Three-valued evaluation of knowledge-base conditions against a case.

A condition on a fact the case does not state is *unknown*, never false: the engine then asks for
the fact instead of drawing a conclusion, which is what keeps missing facts from causing alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from secondopinion.case import Biomarker, Cancer, Case
from secondopinion.knowledge.schema import BiomarkerCondition, KnowledgeBase, ScoreCondition, When
from secondopinion.review.treatments import any_match

_STAGE = re.compile(r"^(0|IS|IV|III|II|I)(.*)$")
_NUMERIC_STAGE = {"4": "IV", "3": "III", "2": "II", "1": "I", "0": "0"}


@dataclass
class Outcome:
    """Result of a condition: True, False or None (unknown), and which facts were missing."""

    value: bool | None = True
    unknown: list[str] = field(default_factory=list)

    def add(self, value: bool | None, fact: str) -> None:
        if value is False:
            self.value = False
        elif value is None:
            if self.value is not False:
                self.value = None
            self.unknown.append(fact)


def split_stage(stage: str) -> tuple[str, str] | None:
    s = stage.strip().upper().removeprefix("STAGE").strip()
    if s[:1] in _NUMERIC_STAGE:
        s = _NUMERIC_STAGE[s[0]] + s[1:]
    m = _STAGE.match(s)
    return (m.group(1), m.group(2)) if m else None


def stage_matches(case_stage: str | None, wanted: list[str]) -> bool | None:
    """'III' matches IIIA; 'IIIA' asked of a case staged only 'III' is unknown."""
    if case_stage is None:
        return None
    have = split_stage(case_stage)
    if have is None:
        return None
    unknown = False
    for w in wanted:
        want = split_stage(w)
        if want is None or want[0] != have[0]:
            continue
        if have[1].startswith(want[1]):
            return True
        if want[1].startswith(have[1]):
            unknown = True
    return None if unknown else False


def _norm_tnm(value: str) -> str:
    v = value.strip()
    v = re.sub(r"^[cpyruaCPYRUA]+(?=[TNM])", "", v)
    return v.upper()


_ORDER = ("0", "IS", "A", "1", "2", "3", "4")


def _at_least(have: str, wanted: list[str]) -> bool | None:
    """'T2+' (at least T2, e.g. 'muscle-invasive' bladder cancer): true when the wanted
    categories cover every category from T2 up (T4a standing for T4: a T4b tumour is fixed to the
    pelvic or abdominal wall and is described as such), false when none of them is that high,
    unknown otherwise."""
    letter, base = have[0], have[1:-1]
    if base not in _ORDER:
        return None
    higher = _ORDER[_ORDER.index(base) :]
    levels = {
        "IS" if _norm_tnm(w)[1:3] == "IS" else _norm_tnm(w)[1:2] for w in wanted if _norm_tnm(w)[:1] == letter
    }
    if not levels & set(higher):
        return False
    return True if all(h in levels for h in higher if h.isdigit()) else None


def category_matches(case_value: str | None, wanted: list[str]) -> bool | None:
    """TNM categories by prefix: 'T1' matches T1c; 'T2a' asked of a bare 'T2' is unknown."""
    if not case_value:
        return None
    have = _norm_tnm(case_value)
    if have.endswith("X"):
        return None
    if have.endswith("+"):
        return _at_least(have, wanted)
    unknown = False
    for w in wanted:
        want = _norm_tnm(w)
        if have.startswith(want):
            return True
        if want.startswith(have):
            unknown = True
    return None if unknown else False


def setting_matches(cancer: Cancer, wanted: list[str]) -> bool | None:
    """With no stage group, 'M0' still says the cancer has not spread: enough for a condition on
    any non-metastatic setting, not for telling localized from locally advanced."""
    if cancer.setting is not None:
        return cancer.setting in wanted
    if cancer.tnm.m and category_matches(cancer.tnm.m, ["M0"]):
        if "metastatic" in wanted and len(wanted) == 1:
            return False
        if {"localized", "locally_advanced"} <= set(wanted):
            return True
    return None


def _result_for(case: Case, cond: BiomarkerCondition) -> Biomarker | None:
    """The result a condition reads: with a unit (PD-L1 TPS vs CPS), only results in that unit
    or with none stated; a definite result beats an indefinite one."""
    if not cond.unit:
        return case.biomarker(cond.name)
    unit = cond.unit.lower()
    found = [b for b in case.biomarkers if b.name == cond.name and (b.unit or unit).lower() == unit]
    rank = {"positive": 0, "negative": 1, "equivocal": 2, "pending": 3, "not_tested": 4}
    return sorted(found, key=lambda b: (rank.get(b.status, 5), b.unit is None))[0] if found else None


def biomarker_holds(case: Case, cond: BiomarkerCondition) -> bool | None:
    result = _result_for(case, cond)
    if result is None or result.status in ("unknown", "not_tested", "pending"):
        return None
    if result.status not in cond.status:
        return False
    detail = (result.detail or "").lower()
    if cond.detail_none and any(d.lower() in detail for d in cond.detail_none):
        return False
    if cond.detail_any:
        if not detail:
            return None
        if not any(d.lower() in detail for d in cond.detail_any):
            return False
    if cond.value_min is not None or cond.value_max is not None:
        if result.value is None:
            return None
        if cond.value_min is not None and result.value < cond.value_min:
            return False
        if cond.value_max is not None and result.value > cond.value_max:
            return False
    return True


def score_holds(cancer: Cancer, cond: ScoreCondition) -> bool | None:
    value = cancer.scores.get(cond.name)
    if value is None:
        return None
    if cond.any_of and str(value).strip().lower() not in {a.lower() for a in cond.any_of}:
        return False
    if cond.min is not None or cond.max is not None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if cond.min is not None and number < cond.min:
            return False
        if cond.max is not None and number > cond.max:
            return False
    return True


_INTENSIVE = {"surgery", "chemotherapy"}
_SYSTEMIC = {"chemotherapy", "targeted_therapy", "immunotherapy", "systemic_therapy"}


# Conditions that, stated for the patient, leave fitness for intensive treatment (what an
# `ecog_max` of 0-1 stands for: cisplatin, major surgery) to the treating team, whatever the ECOG.
_FITNESS_LIMITS = {
    "heart failure",
    "chronic kidney disease",
    "peripheral neuropathy",
    "hearing loss",
    "frailty",
    "dementia",
    "unfit for cisplatin",
}


def _fitness_in_doubt(case: Case) -> bool:
    return any(c.name in _FITNESS_LIMITS for c in case.patient.comorbidities)


def fit_by_plan(case: Case) -> bool:
    """Performance status not stated, but the plan itself says the team judged the person fit
    (ECOG 0-1): a curative operation, chemotherapy, or radiation given with a drug. Not assumed
    at 80 or over, with a serious illness beside the cancer, or for a palliative plan."""
    p = case.patient
    if (p.age is not None and p.age >= 80) or any(c.serious for c in p.comorbidities):
        return False
    items = [i for i in case.plan if i.intent != "palliative"]
    mods = {i.modality for i in items}
    return bool(mods & _INTENSIVE or ("radiation" in mods and mods & _SYSTEMIC))


def _any_of(values: list[str], wanted: list[str]) -> bool:
    return any(v.lower() in (w.lower() for w in wanted) for v in values)


def evaluate(when: When, case: Case, cancer: Cancer, kb: KnowledgeBase) -> Outcome:
    out = Outcome()
    patient = case.patient
    if when.setting:
        out.add(setting_matches(cancer, when.setting), "setting")
    if when.stage:
        out.add(stage_matches(cancer.stage_group, when.stage), "stage")
    if when.t:
        out.add(category_matches(cancer.tnm.t, when.t), "T category")
    if when.n:
        out.add(category_matches(cancer.tnm.n, when.n), "nodal status (N)")
    if when.m:
        out.add(category_matches(cancer.tnm.m, when.m), "distant spread (M)")
    if when.primary_site:
        site = (cancer.primary_site or "").lower()
        out.add(any(w.lower() in site for w in when.primary_site) if site else None, "primary site")
    if when.histology or when.histology_not:
        histology = (cancer.histology or "").lower()
        if not histology:
            out.add(None, "histology")
        else:
            if when.histology:
                out.add(any(h.lower() in histology for h in when.histology), "histology")
            if when.histology_not:
                out.add(not any(h.lower() in histology for h in when.histology_not), "histology")
    if when.grade:
        out.add(None if cancer.grade is None else _any_of([cancer.grade], when.grade), "grade")
    for cond in when.biomarkers:
        out.add(biomarker_holds(case, cond), f"biomarker:{cond.name}")
    if when.biomarkers_any:
        values = [biomarker_holds(case, c) for c in when.biomarkers_any]
        if any(v is True for v in values):
            out.add(True, "")
        elif all(v is False for v in values):
            out.add(False, "")
        else:
            out.add(None, "biomarker:" + "/".join(c.name for c in when.biomarkers_any))
    for sc in when.scores:
        out.add(score_holds(cancer, sc), f"score:{sc.name}")
    if when.risk_group:
        rg = cancer.risk_group
        out.add(None if rg is None else _any_of([rg], when.risk_group), "risk group")
    if when.age_min is not None or when.age_max is not None:
        if patient.age is None:
            out.add(None, "age")
        else:
            ok = (when.age_min is None or patient.age >= when.age_min) and (
                when.age_max is None or patient.age <= when.age_max
            )
            out.add(ok, "age")
    if when.sex is not None:
        sex = patient.sex
        out.add(None if sex in ("unknown", "other") else sex == when.sex, "sex")
    if when.menopausal_status is not None:
        ms = patient.menopausal_status
        out.add(None if ms is None else ms == when.menopausal_status, "menopausal status")
    if when.recurrent is not None:
        rec = cancer.recurrent
        value = None if rec is None and when.recurrent else (bool(rec) == when.recurrent)
        out.add(value, "recurrence")
    if when.ecog_max is not None:
        if when.ecog_max <= 1 and _fitness_in_doubt(case):
            out.add(None, "performance status")
        elif patient.ecog is not None:
            out.add(patient.ecog <= when.ecog_max, "performance status")
        else:
            out.add(True if when.ecog_max >= 1 and fit_by_plan(case) else None, "performance status")
    if when.prior_any:
        out.add(bool(any_match(case.history, when.prior_any, kb, lenient=True)) or None, "previous treatment")
    if when.prior_none:
        out.add(not any_match(case.history, when.prior_none, kb, lenient=False), "")
    return out
