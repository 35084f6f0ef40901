"""Several documents about one person become one case: facts from each keep their provenance, the
more specific or later value wins, and every disagreement between documents is surfaced as a
concern that the triage counts as uncertainty."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secondopinion.case import (
    TNM,
    Biomarker,
    Cancer,
    Case,
    OpinionOnRecord,
    Patient,
    PlanItem,
    Provenance,
    RecordOnHand,
)
from secondopinion.errors import InputError
from secondopinion.intake.merge import merge_cases
from secondopinion.intake.pdf import read_pdf_case
from secondopinion.intake.text import parse_text
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review import review
from tests.intake.test_pdf import ALL, facts, text_pdf


def prov(doc: str, text: str = "") -> list[Provenance]:
    return [Provenance(source="pdf", document=doc, field="page 1", text=text or None)]


def doc(name: str, **parts: Any) -> Case:
    """A one-document case; every fact is attributed to `name`."""
    cancer = parts.pop("cancer", {"type": "nsclc"})
    return Case(
        cancers=[Cancer(provenance=prov(name), **cancer)],
        biomarkers=[Biomarker(provenance=prov(name), **b) for b in parts.pop("biomarkers", [])],
        plan=[PlanItem(provenance=prov(name), **p) for p in parts.pop("plan", [])],
        history=[PlanItem(provenance=prov(name), status="done", **p) for p in parts.pop("history", [])],
        patient=Patient(provenance=prov(name), **parts.pop("patient", {})),
        **parts,
    )


# --- conflicts ---------------------------------------------------------------------------------


def test_two_stages_keep_the_later_and_name_the_disagreement(kb: KnowledgeBase) -> None:
    path = doc("path.pdf", cancer={"type": "nsclc", "stage_group": "IIIA", "histology": "adenocarcinoma"})
    consult = doc("consult.pdf", cancer={"type": "nsclc", "stage_group": "IIB"})
    case = merge_cases([path, consult])
    assert len(case.cancers) == 1
    cancer = case.cancers[0]
    assert cancer.stage_group == "IIB" and cancer.histology == "adenocarcinoma"
    assert {p.document for p in cancer.provenance} == {"path.pdf", "consult.pdf"}
    assert case.concerns == ["Documents disagree on stage: IIIA (path.pdf) vs IIB (consult.pdf); using IIB"]
    reasons = {r.criterion for r in review(case, kb).triage.reasons}
    assert "uncertainty_or_disagreement" in reasons


def test_the_more_specific_value_wins_without_a_disagreement() -> None:
    early = doc("biopsy.pdf", cancer={"type": "nsclc", "stage_group": "III", "tnm": TNM(t="T2", n="N2")})
    later = doc("resection.pdf", cancer={"type": "nsclc", "stage_group": "IIIA", "tnm": TNM(t="pT2a")})
    for order in ([early, later], [later, early]):
        cancer = merge_cases(order).cancers[0]
        assert (cancer.stage_group, cancer.tnm.t, cancer.tnm.n) == ("IIIA", "pT2a", "N2")
        assert merge_cases(order).concerns == []


def test_stage_ii_is_not_a_less_specific_stage_iiia() -> None:
    case = merge_cases(
        [
            doc("a.pdf", cancer={"type": "colon", "stage_group": "II"}),
            doc("b.pdf", cancer={"type": "colon", "stage_group": "IIIA"}),
        ]
    )
    assert case.cancers[0].stage_group == "IIIA"
    assert case.concerns == ["Documents disagree on stage: II (a.pdf) vs IIIA (b.pdf); using IIIA"]


def test_a_changed_setting_is_not_reported_twice_when_the_stage_already_disagrees() -> None:
    case = merge_cases(
        [
            doc("a.pdf", cancer={"type": "nsclc", "stage_group": "IIIA", "setting": "locally_advanced"}),
            doc(
                "b.pdf",
                cancer={
                    "type": "nsclc",
                    "stage_group": "IVA",
                    "setting": "metastatic",
                    "metastatic_sites": ["bone"],
                },
            ),
        ]
    )
    cancer = case.cancers[0]
    assert (cancer.stage_group, cancer.setting, cancer.metastatic_sites) == ("IVA", "metastatic", ["bone"])
    assert len(case.concerns) == 1 and case.concerns[0].startswith("Documents disagree on stage:")


def test_patient_facts_disagreeing_are_surfaced_but_ages_a_year_apart_are_not() -> None:
    case = merge_cases(
        [
            doc("a.pdf", patient={"age": 61, "ecog": 1}),
            doc("b.pdf", patient={"age": 62, "ecog": 2, "sex": "female"}),
        ]
    )
    assert (case.patient.age, case.patient.ecog, case.patient.sex) == (62, 2, "female")
    assert case.concerns == ["Documents disagree on ECOG performance status: 1 (a.pdf) vs 2 (b.pdf); using 2"]


# --- biomarkers --------------------------------------------------------------------------------


def test_a_definite_result_beats_a_pending_one() -> None:
    case = merge_cases(
        [
            doc("biopsy.pdf", biomarkers=[{"name": "EGFR", "status": "pending"}]),
            doc("ngs.pdf", biomarkers=[{"name": "EGFR", "status": "positive", "detail": "exon 19 deletion"}]),
        ]
    )
    assert [(b.name, b.status, b.detail) for b in case.biomarkers] == [
        ("EGFR", "positive", "exon 19 deletion")
    ]
    assert [p.document for p in case.biomarkers[0].provenance] == ["ngs.pdf"]
    assert case.concerns == []


def test_the_same_result_in_two_documents_is_one_fact_with_both_sources() -> None:
    case = merge_cases(
        [
            doc("path.pdf", biomarkers=[{"name": "ALK", "status": "negative", "method": "IHC"}]),
            doc("consult.pdf", biomarkers=[{"name": "ALK", "status": "negative"}]),
        ]
    )
    assert len(case.biomarkers) == 1
    alk = case.biomarkers[0]
    assert alk.method == "IHC" and [p.document for p in alk.provenance] == ["path.pdf", "consult.pdf"]


def test_conflicting_definite_results_are_both_kept_and_surfaced() -> None:
    case = merge_cases(
        [
            doc("core.pdf", biomarkers=[{"name": "ERBB2", "status": "positive"}]),
            doc("excision.pdf", biomarkers=[{"name": "ERBB2", "status": "negative"}]),
        ]
    )
    assert sorted(b.status for b in case.biomarkers) == ["negative", "positive"]
    assert case.concerns == [
        "Documents disagree on ERBB2: positive (core.pdf) vs negative (excision.pdf); both results are kept"
    ]


def test_different_values_of_one_marker_are_both_kept() -> None:
    case = merge_cases(
        [
            doc("a.pdf", biomarkers=[{"name": "PD-L1", "status": "positive", "value": 10, "unit": "%"}]),
            doc("b.pdf", biomarkers=[{"name": "PD-L1", "status": "positive", "value": 60, "unit": "%"}]),
        ]
    )
    assert sorted(b.value for b in case.biomarkers if b.value is not None) == [10, 60]
    assert case.concerns == [
        "Documents disagree on PD-L1: positive 10% (a.pdf) vs positive 60% (b.pdf); both results are kept"
    ]


def test_different_alterations_of_one_marker_are_separate_facts_not_a_disagreement() -> None:
    case = merge_cases(
        [
            doc(
                "fish.pdf",
                cancer={"type": "multiple_myeloma"},
                biomarkers=[{"name": "CYTO_HIGH_RISK", "status": "negative", "detail": "del(17p)"}],
            ),
            doc(
                "karyotype.pdf",
                cancer={"type": "multiple_myeloma"},
                biomarkers=[{"name": "CYTO_HIGH_RISK", "status": "positive", "detail": "t(4;14)"}],
            ),
        ]
    )
    assert sorted((b.status, b.detail) for b in case.biomarkers) == [
        ("negative", "del(17p)"),
        ("positive", "t(4;14)"),
    ]
    assert case.concerns == []


# --- plan, history, opinions, records ----------------------------------------------------------


def test_plan_and_history_items_are_deduplicated_across_documents() -> None:
    osimertinib = {"modality": "targeted_therapy", "drugs": ["osimertinib"]}
    case = merge_cases(
        [
            doc(
                "consult.pdf", plan=[osimertinib], history=[{"modality": "surgery", "procedure": "lobectomy"}]
            ),
            doc(
                "letter.pdf",
                plan=[{**osimertinib, "intent": "adjuvant"}, {"modality": "radiation"}],
                history=[{"modality": "surgery"}],
            ),
        ]
    )
    assert [(p.modality, p.drugs, p.intent) for p in case.plan] == [
        ("targeted_therapy", ["osimertinib"], "adjuvant"),
        ("radiation", [], "unknown"),
    ]
    assert [p.document for p in case.plan[0].provenance] == ["consult.pdf", "letter.pdf"]
    assert [(h.modality, h.procedure) for h in case.history] == [("surgery", "lobectomy")]


def test_two_items_of_one_document_stay_two() -> None:
    rt = {"modality": "radiation"}
    case = merge_cases([doc("a.pdf", plan=[rt, rt]), doc("b.pdf", plan=[rt])])
    assert len(case.plan) == 2


def test_opinions_records_and_concerns_are_concatenated_without_repeats() -> None:
    surgeon = OpinionOnRecord(by="surgeon", recommends="lobectomy")
    oncologist = OpinionOnRecord(by="oncologist", recommends="chemoradiation")
    case = merge_cases(
        [
            doc(
                "a.txt",
                opinions=[surgeon],
                records=[RecordOnHand(kind="CT images")],
                concerns=["Is this right?"],
            ),
            doc(
                "b.txt",
                opinions=[surgeon, oncologist],
                records=[RecordOnHand(kind="ct images")],
                concerns=["Is this right?"],
            ),
        ]
    )
    assert [(o.by, o.recommends) for o in case.opinions] == [
        ("surgeon", "lobectomy"),
        ("oncologist", "chemoradiation"),
    ]
    assert [r.kind for r in case.records] == ["CT images"]
    assert case.concerns == ["Is this right?"]


def test_cancers_of_different_types_stay_apart_and_an_untyped_one_joins_the_only_type() -> None:
    two = merge_cases([doc("a.pdf", cancer={"type": "breast"}), doc("b.pdf", cancer={"type": "nsclc"})])
    assert [c.type for c in two.cancers] == ["breast", "nsclc"]
    one = merge_cases(
        [
            doc("path.pdf", cancer={"type": None, "histology": "adenocarcinoma"}),
            doc("consult.pdf", cancer={"type": "nsclc", "stage_group": "IV"}),
        ]
    )
    assert [(c.type, c.histology, c.stage_group) for c in one.cancers] == [("nsclc", "adenocarcinoma", "IV")]


def test_one_document_is_its_own_case_and_none_is_an_input_error() -> None:
    case = doc("a.pdf", cancer={"type": "nsclc", "stage_group": "IV"})
    assert merge_cases([case]) is case
    with pytest.raises(InputError):
        merge_cases([])


# --- real documents ----------------------------------------------------------------------------


def test_a_pathology_pdf_and_a_consult_note_make_one_case_with_provenance_from_each(
    kb: KnowledgeBase,
) -> None:
    pathology = (
        "Surgical pathology report. Right upper lobe, lobectomy: invasive adenocarcinoma of the lung, "
        "pT2a pN0, stage IB. Molecular testing: EGFR exon 19 deletion detected. ALK negative."
    )
    consult = (
        "I am 61 and had surgery for stage IB lung adenocarcinoma. ALK testing was negative. "
        "My oncologist recommends adjuvant osimertinib for 3 years."
    )
    from_pdf, _ = read_pdf_case(text_pdf([pathology]), "pathology.pdf", kb)
    from_note = parse_text(consult, kb, document="consult.txt")
    case = merge_cases([from_pdf, from_note])
    assert len(case.cancers) == 1 and case.cancers[0].stage_group == "IB"
    assert {p.document for p in case.cancers[0].provenance} == {"pathology.pdf", "consult.txt"}
    egfr, alk = case.biomarker("EGFR"), case.biomarker("ALK")
    assert egfr is not None and egfr.status == "positive"
    assert {p.document for p in egfr.provenance} == {"pathology.pdf"}
    assert alk is not None and {p.document for p in alk.provenance} == {"pathology.pdf", "consult.txt"}
    assert [b.name for b in case.biomarkers].count("ALK") == 1
    assert any("osimertinib" in p.drugs for p in case.plan)
    assert case.concerns == []


@pytest.mark.parametrize("vignette", ALL[::7], ids=[v["id"] for v in ALL[::7]])
def test_a_document_merged_with_a_copy_of_itself_is_unchanged(
    vignette: dict[str, Any], kb: KnowledgeBase
) -> None:
    one = parse_text(vignette["text"], kb, document="a.txt")
    copy = parse_text(vignette["text"], kb, document="b.txt")
    merged = merge_cases([one, copy])
    assert facts(merged) == facts(one)
    assert merged.concerns == one.concerns


# --- properties --------------------------------------------------------------------------------

STAGES = ["I", "IA", "IB", "II", "IIA", "IIB", "III", "IIIA", "IIIB", "IIIC", "IV", "IVA", "IVB", None]
STATUSES = ["positive", "negative", "equivocal", "pending", "not_tested", "unknown"]
MARKERS = ["EGFR", "ALK", "ERBB2", "PD-L1"]

documents = st.lists(
    st.builds(
        lambda stage, t, markers, ecog: (stage, t, markers, ecog),
        st.sampled_from(STAGES),
        st.sampled_from(["T1", "T1a", "pT1b", "T2", "cT2", "ypT3", None]),
        st.lists(st.tuples(st.sampled_from(MARKERS), st.sampled_from(STATUSES)), max_size=4),
        st.one_of(st.none(), st.integers(0, 4)),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_merging_keeps_every_marker_and_names_every_disagreement(docs: list[Any]) -> None:
    cases = [
        doc(
            f"d{i}.pdf",
            cancer={"type": "nsclc", "stage_group": stage, "tnm": TNM(t=t)},
            biomarkers=[{"name": n, "status": s} for n, s in markers],
            patient={"ecog": ecog},
        )
        for i, (stage, t, markers, ecog) in enumerate(docs)
    ]
    case = merge_cases(cases)
    assert len(case.cancers) == 1
    assert {b.name for b in case.biomarkers} == {n for _, _, markers, _ in docs for n, _ in markers}
    stages = {s for s, *_ in docs if s}
    assert case.cancers[0].stage_group in stages | ({None} if not stages else set())
    stage_conflict = any(c.startswith("Documents disagree on stage") for c in case.concerns)
    if len(stages) <= 1:
        assert not stage_conflict
    romans = {re.match(r"IV|I{1,3}", s).group() for s in stages}  # type: ignore[union-attr]
    if len(romans) > 1:  # II and IV: one can never refine the other
        assert stage_conflict
    ecogs = {e for *_, e in docs if e is not None}
    assert any(c.startswith("Documents disagree on ECOG") for c in case.concerns) == (len(ecogs) > 1)


def test_cancers_in_both_breasts_from_one_document_stay_two_and_match_later_reports_by_side() -> None:
    both = Case(
        cancers=[
            Cancer(provenance=prov("mammo.pdf"), type="breast", laterality="left", stage_group="IA"),
            Cancer(provenance=prov("mammo.pdf"), type="breast", laterality="right"),
        ]
    )
    right = doc("right-path.pdf", cancer={"type": "breast", "laterality": "right", "stage_group": "IIA"})
    case = merge_cases([both, right])
    assert [(c.laterality, c.stage_group) for c in case.cancers] == [("left", "IA"), ("right", "IIA")]
    assert case.concerns == []


def test_two_documents_giving_different_sides_keep_two_cancers_and_say_so() -> None:
    case = merge_cases(
        [
            doc("path.pdf", cancer={"type": "breast", "laterality": "left"}),
            doc("consult.pdf", cancer={"type": "breast", "laterality": "right"}),
        ]
    )
    assert [c.laterality for c in case.cancers] == ["left", "right"]
    assert case.concerns == [
        "Documents disagree on the side of the breast cancer: left (path.pdf) vs right (consult.pdf); "
        "kept as separate cancers"
    ]
