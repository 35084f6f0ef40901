"""Trial matching: a range of prior lines ('1-2 prior lines') is unknown when any count the
unclear treatments could make meets it, not only the two ends of that span."""

from __future__ import annotations

from secondopinion.case import Cancer, Case, Patient, PlanItem
from secondopinion.trials.match import match_trials
from secondopinion.trials.model import Criterion, Trial

_TEXT = "1-2 prior lines of systemic therapy for metastatic disease"


def _lines_result(history: list[PlanItem], kb):  # type: ignore[no-untyped-def]
    c = Criterion(inclusion=True, type="line_of_therapy", text=_TEXT, min_lines=1, max_lines=2)
    case = Case(
        patient=Patient(age=60, sex="female", ecog=1),
        cancers=[Cancer(type="nsclc", stage_group="IV", metastatic_sites=["bone"])],
        history=history,
    )
    trial = Trial(nct_id="NCT00000001", title="T", status="RECRUITING", cancer_types=[], criteria=[c])
    [m] = match_trials(case, [trial], kb)
    [r] = [r for r in m.results if r.criterion == c]
    return r


def _chemo(drug: str, intent: str = "unknown") -> PlanItem:
    return PlanItem(modality="chemotherapy", drugs=[drug], status="done", intent=intent)


def test_three_chemotherapies_of_unknown_intent_may_be_one_or_two_lines(kb):
    history = [_chemo("carboplatin"), _chemo("pemetrexed"), _chemo("docetaxel")]
    assert _lines_result(history, kb).evaluation == "unknown"


def test_three_lines_for_advanced_disease_are_too_many(kb):
    history = [_chemo(d, "palliative") for d in ("carboplatin", "pemetrexed", "docetaxel")]
    assert _lines_result(history, kb).evaluation == "not_met"


def test_one_sure_line_stays_met_whatever_the_unclear_one_was(kb):
    assert _lines_result([_chemo("carboplatin", "palliative"), _chemo("docetaxel")], kb).evaluation == "met"
