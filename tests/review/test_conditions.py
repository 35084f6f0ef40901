"""Conditions are three-valued: a fact the case does not state makes a condition unknown."""

from __future__ import annotations

import pytest

from secondopinion.case import TNM, Biomarker, Cancer, Case
from secondopinion.knowledge.schema import BiomarkerCondition, When
from secondopinion.review.conditions import biomarker_holds, category_matches, evaluate, stage_matches
from tests.review.small_kb import small_kb


@pytest.mark.parametrize(
    ("stage", "wanted", "expected"),
    [
        ("IIIA", ["III"], True),
        ("IV", ["I"], False),
        ("II", ["I"], False),
        ("III", ["IIIA"], None),
        ("IIIB", ["IIIA"], False),
        ("stage 3a", ["III"], True),
        ("IVB", ["IV"], True),
        (None, ["IV"], None),
    ],
)
def test_stage_groups_match_by_prefix_of_the_same_roman_numeral(stage, wanted, expected):
    assert stage_matches(stage, wanted) is expected


@pytest.mark.parametrize(
    ("value", "wanted", "expected"),
    [
        ("pT1c", ["T1"], True),
        ("T2", ["T2a"], None),
        ("TX", ["T1"], None),
        ("ypN0", ["N0"], True),
        ("N1", ["N0"], False),
        (None, ["T1"], None),
    ],
)
def test_tnm_categories_ignore_prefixes_and_unknown_subdivisions(value, wanted, expected):
    assert category_matches(value, wanted) is expected


def test_a_biomarker_without_its_alteration_detail_is_unknown_not_false():
    case = Case(biomarkers=[Biomarker(name="EGFR", status="positive")])
    cond = BiomarkerCondition(name="EGFR", status=["positive"], detail_any=["exon 19"])
    assert biomarker_holds(case, cond) is None


def test_a_pending_or_untested_biomarker_is_unknown():
    for status in ("pending", "not_tested", "unknown"):
        case = Case(biomarkers=[Biomarker(name="MSI", status=status)])
        assert biomarker_holds(case, BiomarkerCondition(name="MSI", status=["positive"])) is None


def test_value_bounds_need_a_value():
    cond = BiomarkerCondition(name="PD-L1", status=["positive"], value_min=50)
    assert biomarker_holds(Case(biomarkers=[Biomarker(name="PD-L1", status="positive", value=60)]), cond)
    assert (
        biomarker_holds(Case(biomarkers=[Biomarker(name="PD-L1", status="positive", value=10)]), cond)
        is False
    )
    assert biomarker_holds(Case(biomarkers=[Biomarker(name="PD-L1", status="positive")]), cond) is None


def test_a_definite_result_outranks_an_equivocal_one():
    case = Case(
        biomarkers=[
            Biomarker(name="ERBB2", status="equivocal", method="IHC"),
            Biomarker(name="ERBB2", status="positive", method="ISH"),
        ]
    )
    assert case.biomarker("ERBB2").status == "positive"


def test_evaluate_names_the_missing_facts():
    kb = small_kb()
    cancer = Cancer(type="crc", tnm=TNM(n="N1"))
    out = evaluate(When(setting=["metastatic"], n=["N1"]), Case(cancers=[cancer]), cancer, kb)
    assert out.value is None
    assert out.unknown == ["setting"]


def test_one_false_condition_makes_the_whole_false_even_with_unknowns():
    kb = small_kb()
    cancer = Cancer(type="crc", setting="localized")
    out = evaluate(When(setting=["metastatic"], stage=["IV"]), Case(cancers=[cancer]), cancer, kb)
    assert out.value is False


def test_m0_without_a_stage_group_settles_non_metastatic_conditions_only():
    from secondopinion.review.conditions import setting_matches

    cancer = Cancer(type="crc", tnm=TNM(t="cT2", n="N0", m="M0"))
    assert setting_matches(cancer, ["localized", "locally_advanced"]) is True
    assert setting_matches(cancer, ["metastatic"]) is False
    assert setting_matches(cancer, ["localized"]) is None


def test_gleason_sum_and_grade_group_complete_each_other_for_prostate_cancer():
    from secondopinion.review.normalise import _gleason_and_grade_group

    assert _gleason_and_grade_group({"grade_group": 2})["gleason"] == 7
    assert _gleason_and_grade_group({"gleason": 8})["grade_group"] == 4
    assert "grade_group" not in _gleason_and_grade_group({"gleason": 7})


def test_stage_iv_groups_that_are_m0_for_a_cancer_type_are_locally_advanced(kb):
    from secondopinion.review.normalise import derive_setting

    hn = kb.cancers["head_neck_scc"]
    assert derive_setting(Cancer(type="head_neck_scc", stage_group="IVA"), hn) == "locally_advanced"
    assert derive_setting(Cancer(type="head_neck_scc", stage_group="IVC"), hn) == "metastatic"
    assert derive_setting(Cancer(type="nsclc", stage_group="IVA"), kb.cancers["nsclc"]) == "metastatic"


def test_primary_site_conditions_read_the_site():
    kb = small_kb()
    cancer = Cancer(type="crc", primary_site="Sigmoid colon")
    assert evaluate(When(primary_site=["sigmoid"]), Case(cancers=[cancer]), cancer, kb).value is True
    bare = Cancer(type="crc")
    assert evaluate(When(primary_site=["sigmoid"]), Case(cancers=[bare]), bare, kb).unknown == [
        "primary site"
    ]
