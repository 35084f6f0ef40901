"""Criterion-by-criterion trial matching: which trials a person may fit, and what is left to check.

Every criterion is judged met, not met or unknown against the case's normalised facts, and each
judgement names the fact that decided it. A fact the case does not state leaves the criterion
unknown, never failed: the match then says which question or test would settle it. Ranking puts
trials with no failed criterion first, then those with the fewest unknowns on facts that decide
eligibility, then (when the case has a location) those with the nearest site.

The checks themselves live in match_checks, the keys that pick candidate trials in match_keys.
Pure: no I/O beyond the bundled place table, no clock; the same inputs give the same output.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.places import Gazetteer, Place, bundled_gazetteer, resolve
from secondopinion.review.normalise import normalise
from secondopinion.trials.geo import nearest_site
from secondopinion.trials.match_checks import Facts, cancer_name, check_criterion, prepare_facts
from secondopinion.trials.model import Criterion, CriterionResult, Evaluation, Site, Trial, TrialMatch

# Checks the trial team does at screening for everyone: still reported, but they do not tell
# one trial from another, so they weigh least in the ranking.
SCREENING = frozenset({"organ_function", "measurable_disease", "pregnancy", "unparsed"})

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


def _label(c: Criterion) -> str:
    if c.type == "biomarker" and c.gene:
        return f"{c.gene} status"
    return _LABEL[c.type]


@dataclass(slots=True)
class _Result:
    """A criterion's evaluation while ranking; made into a CriterionResult only for the trials
    shown, which keeps ranking thousands of candidates cheap."""

    criterion: Criterion
    evaluation: Evaluation
    because: str
    to_resolve: str | None


def _judge(criterion: Criterion, facts: Facts) -> _Result:
    evaluation, check = check_criterion(criterion, facts)
    return _Result(criterion, evaluation, check.fact, check.ask if evaluation == "unknown" else None)


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
        names = ", ".join(cancer_name(t, kb) for t in types[:3]) + (" and others" if len(types) > 3 else "")
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
        if origin is not None and origin.kind == "state":
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
    facts = prepare_facts(case, kb)
    gaz = gazetteer or bundled_gazetteer()
    origin = resolve(case.patient.location, gaz)
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
