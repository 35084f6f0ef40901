"""Normalisation: the setting from TNM when the stage table of the type leaves the combination
unstaged, and fitness read from the plan when no performance status is given."""

from __future__ import annotations

import pytest

from secondopinion.case import TNM, Cancer, Case, Comorbidity, Patient, PlanItem
from secondopinion.knowledge.schema import When
from secondopinion.review.conditions import evaluate, fit_by_plan
from secondopinion.review.normalise import normalise


def setting(kb, ctype: str, t: str | None, n: str | None, m: str | None = None):  # type: ignore[no-untyped-def]
    case = Case(cancers=[Cancer(type=ctype, tnm=TNM(t=t, n=n, m=m))])
    return normalise(case, kb).cancers[0].setting


@pytest.mark.parametrize(
    ("ctype", "t", "n", "m", "expected"),
    [
        ("gastric", "T3", "N1", "M0", "locally_advanced"),  # clinical III, pathological IIB
        ("esophageal", "T3", "N1", "M0", "locally_advanced"),
        ("rectal", "T3", "N2", None, "locally_advanced"),
        ("melanoma", "pT1a", None, None, "localized"),
        ("colon", "T1", None, None, "localized"),
        ("esophageal", "T3", "N0", "M0", None),  # T3 N0 differs between cancers: stays unknown
        ("gastric", "T3", "N1", "M1", "metastatic"),
    ],
)
def test_setting_from_tnm_where_the_stage_table_is_silent(kb, ctype, t, n, m, expected):
    assert setting(kb, ctype, t, n, m) == expected


def test_a_biomarker_that_picks_the_table_is_not_guessed(kb):
    # head and neck T2 N1: stage I if HPV-positive oropharynx, III otherwise
    assert setting(kb, "head_neck_scc", "T2", "N1", "M0") is None


def test_the_larynx_is_staged_without_hpv(kb):
    case = Case(
        cancers=[Cancer(type="head_neck_scc", primary_site="larynx", tnm=TNM(t="T3", n="N0", m="M0"))]
    )
    out = normalise(case, kb).cancers[0]
    assert (out.stage_group, out.setting) == ("III", "locally_advanced")


def _case(plan: list[PlanItem], **patient: object) -> Case:
    return Case(cancers=[Cancer(type="bladder")], plan=plan, patient=Patient(**patient))


def test_a_planned_operation_or_chemotherapy_says_the_team_judged_the_person_fit():
    assert fit_by_plan(_case([PlanItem(modality="surgery", procedure="radical cystectomy")]))
    assert fit_by_plan(_case([PlanItem(modality="radiation"), PlanItem(modality="targeted_therapy")]))


@pytest.mark.parametrize(
    "case",
    [
        _case([PlanItem(modality="radiation")]),
        _case([PlanItem(modality="chemotherapy", intent="palliative")]),
        _case([PlanItem(modality="surgery")], age=84),
        _case(
            [PlanItem(modality="surgery")], comorbidities=[Comorbidity(name="heart failure", serious=True)]
        ),
        _case([]),
    ],
)
def test_fitness_is_not_read_from_a_gentle_palliative_or_frail_plan(case):
    assert not fit_by_plan(case)


def test_a_stated_limit_leaves_fitness_to_the_team_even_with_a_good_ecog(kb):
    when = When(ecog_max=1)
    ok = _case([PlanItem(modality="surgery")], ecog=0)
    limited = _case([PlanItem(modality="surgery")], ecog=0, comorbidities=[Comorbidity(name="hearing loss")])
    assert evaluate(when, ok, ok.cancers[0], kb).value is True
    assert evaluate(when, limited, limited.cancers[0], kb).value is None


def test_unknown_ecog_with_a_planned_operation_satisfies_fitness_but_not_ecog_zero(kb):
    case = _case([PlanItem(modality="surgery", procedure="radical cystectomy")])
    assert evaluate(When(ecog_max=1), case, case.cancers[0], kb).value is True
    assert evaluate(When(ecog_max=0), case, case.cancers[0], kb).value is None
