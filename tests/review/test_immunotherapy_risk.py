"""Normalisation: whether the person mentioned an illness that can make immunotherapy unsafe,
derived only for cancer types whose pathways ask for it."""

from __future__ import annotations

from secondopinion.case import Cancer, Case, Comorbidity, Patient
from secondopinion.review.normalise import IMMUNOTHERAPY_RISK, normalise


def risk(kb, ctype: str, *illnesses: str):  # type: ignore[no-untyped-def]
    patient = Patient(comorbidities=[Comorbidity(name=n) for n in illnesses])
    case = Case(patient=patient, cancers=[Cancer(type=ctype, setting="metastatic")])
    return normalise(case, kb).cancers[0].scores.get(IMMUNOTHERAPY_RISK)


def test_none_mentioned(kb):
    assert risk(kb, "hcc") == "none mentioned"


def test_a_transplant_or_an_autoimmune_disease_is_a_risk(kb):
    assert risk(kb, "hcc", "organ transplant") == "present"
    assert risk(kb, "hcc", "autoimmune disease") == "present"


def test_other_illnesses_are_not(kb):
    assert risk(kb, "hcc", "diabetes") == "none mentioned"


def test_types_whose_pathways_do_not_ask_carry_no_such_score(kb):
    assert risk(kb, "colon") is None
