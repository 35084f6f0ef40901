"""Stage groups derived from TNM (stage_models/*.yaml): right where the categories decide the
group, and no stage at all where they do not (unknown is safe; a wrong stage is not)."""

from __future__ import annotations

import pytest

from secondopinion.case import TNM, Biomarker, Cancer, Case, Patient
from secondopinion.review.normalise import is_t_model, normalise

# Cancer types the brief asks a stage model for; every one must have one.
STAGED_TYPES = {
    "breast", "nsclc", "sclc", "colon", "rectal", "colorectal", "anal", "pancreatic", "gastric",
    "esophageal", "hcc", "biliary", "bladder", "kidney", "head_neck_scc", "thyroid", "melanoma",
    "soft_tissue_sarcoma", "mesothelioma", "cervical", "endometrial", "ovarian",
}  # fmt: skip

HPV_POS = [Biomarker(name="HPV", status="positive")]
HPV_NEG = [Biomarker(name="HPV", status="negative")]


def staged(
    kb,
    cancer: str,
    t: str | None,
    n: str | None,
    m: str | None = None,
    *,
    age: int | None = None,
    grade: str | None = None,
    site: str | None = None,
    biomarkers: list[Biomarker] | None = None,
) -> Cancer:
    case = Case(
        patient=Patient(age=age),
        cancers=[Cancer(type=cancer, tnm=TNM(t=t, n=n, m=m), grade=grade, primary_site=site)],
        biomarkers=biomarkers or [],
    )
    return normalise(case, kb).cancers[0]


# (cancer, T, N, M, extra facts, expected stage group)
CASES = [
    # breast (anatomic stage)
    ("breast", "pT1c", "pN0", "cM0", {}, "IA"),
    ("breast", "T1b", "N1mi", None, {}, "IB"),
    ("breast", "pT1c", "pN1a", None, {}, "IIA"),
    ("breast", "T2", "N0", "M0", {}, "IIA"),
    ("breast", "T2", "N1mi", None, {}, "IIB"),
    ("breast", "T3", "N1", None, {}, "IIIA"),
    ("breast", "T4b", "N1", None, {}, "IIIB"),
    ("breast", "T1", "N3a", None, {}, "IIIC"),
    ("breast", "Tis", "N0", None, {}, "0"),
    ("breast", "T2", "N1", "M1", {}, "IV"),
    # non-small cell and small cell lung cancer
    ("nsclc", "T1b", "N0", "M0", {}, "IA"),
    ("nsclc", "T1", "N0", None, {}, "IA"),
    ("nsclc", "T2a", "N0", None, {}, "IB"),
    ("nsclc", "T2b", "N0", None, {}, "IIA"),
    ("nsclc", "T1c", "N1", None, {}, "IIB"),
    ("nsclc", "T3", "N1", None, {}, "IIIA"),
    ("nsclc", "T4", "N0", None, {}, "IIIA"),
    ("nsclc", "T2", "N3", None, {}, "IIIB"),
    ("nsclc", "T4", "N3", None, {}, "IIIC"),
    ("nsclc", "T2", "N2", "M1a", {}, "IVA"),
    ("nsclc", "T1", "N0", "M1c", {}, "IVB"),
    ("sclc", "T1c", "N2", "M0", {}, "IIIA"),
    ("sclc", "T4", "N3", "M1c", {}, "IVB"),
    # colon, rectal, colorectal
    ("colon", "pT2", "pN0", "cM0", {}, "I"),
    ("colon", "T3", "N0", None, {}, "IIA"),
    ("colon", "T4a", "N0", None, {}, "IIB"),
    ("colon", "T4b", "N0", None, {}, "IIC"),
    ("colon", "pT2", "pN1a", None, {}, "IIIA"),
    ("colon", "pT3", "pN1c", None, {}, "IIIB"),
    ("colon", "T2", "N2", None, {}, "IIIB"),
    ("colon", "T4", "N2", None, {}, "IIIC"),
    ("colon", "T3", "N2b", None, {}, "IIIC"),
    ("colon", "T3", "N1", "M1b", {}, "IVB"),
    ("rectal", "ypT3", "ypN1a", None, {}, "IIIB"),
    ("rectal", "T2", "N0", "M0", {}, "I"),
    ("rectal", "T3", "N2a", "M1a", {}, "IVA"),
    ("colorectal", "T1", "N2a", None, {}, "IIIA"),
    ("colorectal", "T4b", "N1", "M1c", {}, "IVC"),
    # anal
    ("anal", "T1", "N0", "M0", {}, "I"),
    ("anal", "T2", "N0", None, {}, "IIA"),
    ("anal", "T3", "N0", None, {}, "IIB"),
    ("anal", "T2", "N1a", None, {}, "IIIA"),
    ("anal", "T4", "N0", None, {}, "IIIB"),
    ("anal", "T3", "N1", None, {}, "IIIC"),
    ("anal", "T2", "N0", "M1", {}, "IV"),
    # pancreatic
    ("pancreatic", "T1c", "N0", "M0", {}, "IA"),
    ("pancreatic", "T2", "N0", None, {}, "IB"),
    ("pancreatic", "T3", "N0", None, {}, "IIA"),
    ("pancreatic", "T2", "N1", None, {}, "IIB"),
    ("pancreatic", "T2", "N2", None, {}, "III"),
    ("pancreatic", "T4", "N0", None, {}, "III"),
    ("pancreatic", "T3", "N1", "M1", {}, "IV"),
    # gastric (groups shared by the clinical and pathological tables)
    ("gastric", "cT2", "cN0", "cM0", {}, "I"),
    ("gastric", "T3", "N0", None, {}, "II"),
    ("gastric", "T2", "N1", None, {}, "II"),
    ("gastric", "T4a", "N1", None, {}, "III"),
    ("gastric", "T3", "N2", None, {}, "III"),
    ("gastric", "T3", "N1", "M1", {}, "IV"),
    # esophageal (only IVA/IVB, the same in every table)
    ("esophageal", "T4b", "N0", "M0", {}, "IVA"),
    ("esophageal", "T2", "N3", None, {}, "IVA"),
    ("esophageal", "T4a", "N2", None, {}, "IVA"),
    ("esophageal", "T3", "N1", "M1", {}, "IVB"),
    # hepatocellular
    ("hcc", "T1a", "N0", "M0", {}, "IA"),
    ("hcc", "T1b", "N0", None, {}, "IB"),
    ("hcc", "T2", "N0", None, {}, "II"),
    ("hcc", "T3", "N0", None, {}, "IIIA"),
    ("hcc", "T4", "N0", None, {}, "IIIB"),
    ("hcc", "T2", "N1", None, {}, "IVA"),
    ("hcc", "T2", "N0", "M1", {}, "IVB"),
    # biliary (intrahepatic table; M1 is IV at every biliary site)
    ("biliary", "T1b", "N0", "M0", {"site": "intrahepatic bile duct"}, "IB"),
    ("biliary", "T2", "N0", None, {"site": "intrahepatic bile duct"}, "II"),
    ("biliary", "T2", "N1", None, {"site": "intrahepatic bile duct"}, "IIIB"),
    ("biliary", "T3", "N1", "M1", {}, "IV"),
    # bladder
    ("bladder", "Ta", "N0", "M0", {}, "0a"),
    ("bladder", "Tis", "N0", None, {}, "0is"),
    ("bladder", "T1", "N0", None, {}, "I"),
    ("bladder", "T2b", "N0", None, {}, "II"),
    ("bladder", "T3a", "N0", None, {}, "IIIA"),
    ("bladder", "T2", "N1", None, {}, "IIIA"),
    ("bladder", "T3", "N2", None, {}, "IIIB"),
    ("bladder", "T2", "N0", "M1a", {}, "IVA"),
    ("bladder", "T3", "N1", "M1b", {}, "IVB"),
    # kidney
    ("kidney", "T1a", "N0", "M0", {}, "I"),
    ("kidney", "T2", "N0", None, {}, "II"),
    ("kidney", "T2", "N1", None, {}, "III"),
    ("kidney", "T3a", "N0", None, {}, "III"),
    ("kidney", "T1", "N0", "M1", {}, "IV"),
    # head and neck: same groups whatever HPV
    ("head_neck_scc", "T1", "N0", "M0", {}, "I"),
    ("head_neck_scc", "Tis", "N0", None, {}, "0"),
    # head and neck: HPV-negative (or non-oropharyngeal) table
    ("head_neck_scc", "T2", "N0", None, {"biomarkers": HPV_NEG}, "II"),
    ("head_neck_scc", "T3", "N0", None, {"biomarkers": HPV_NEG}, "III"),
    ("head_neck_scc", "T2", "N1", None, {"biomarkers": HPV_NEG}, "III"),
    ("head_neck_scc", "T2", "N2b", None, {"biomarkers": HPV_NEG}, "IVA"),
    ("head_neck_scc", "T4a", "N0", None, {"biomarkers": HPV_NEG}, "IVA"),
    ("head_neck_scc", "T4b", "N1", None, {"biomarkers": HPV_NEG}, "IVB"),
    ("head_neck_scc", "T1", "N3b", None, {"biomarkers": HPV_NEG}, "IVB"),
    ("head_neck_scc", "T2", "N1", "M1", {"biomarkers": HPV_NEG}, "IVC"),
    # head and neck: HPV-positive oropharynx table
    ("head_neck_scc", "T2", "N1", "M0", {"biomarkers": HPV_POS}, "I"),
    ("head_neck_scc", "T0", "N1", None, {"biomarkers": HPV_POS}, "I"),
    ("head_neck_scc", "T2", "N2", None, {"biomarkers": HPV_POS}, "II"),
    ("head_neck_scc", "T3", "N1", None, {"biomarkers": HPV_POS}, "II"),
    ("head_neck_scc", "T4", "N2", None, {"biomarkers": HPV_POS}, "III"),
    ("head_neck_scc", "T1", "N3", None, {"biomarkers": HPV_POS}, "III"),
    ("head_neck_scc", "T2", "N1", "M1", {"biomarkers": HPV_POS}, "IV"),
    # differentiated thyroid (age decides)
    ("thyroid", "T3a", "N1b", "M0", {"age": 40}, "I"),
    ("thyroid", "T2", "N1a", "M1", {"age": 40}, "II"),
    ("thyroid", "T1b", "N0", None, {"age": 60}, "I"),
    ("thyroid", "T2", "N1a", None, {"age": 60}, "II"),
    ("thyroid", "T3b", "N0", None, {"age": 60}, "II"),
    ("thyroid", "T4a", "N1b", None, {"age": 60}, "III"),
    ("thyroid", "T4b", "N0", None, {"age": 60}, "IVA"),
    ("thyroid", "T2", "N0", "M1", {"age": 70}, "IVB"),
    # melanoma (stage III not subdivided)
    ("melanoma", "pT1a", "N0", None, {}, "I"),
    ("melanoma", "pT1b", "cN0", "cM0", {}, "I"),
    ("melanoma", "pT2a", "N0", None, {}, "IB"),
    ("melanoma", "pT3a", "N0", None, {}, "IIA"),
    ("melanoma", "pT4a", "N0", None, {}, "IIB"),
    ("melanoma", "pT4b", "N0", None, {}, "IIC"),
    ("melanoma", "pT2b", "pN1a", None, {}, "III"),
    ("melanoma", "T0", "N2", None, {}, "III"),
    ("melanoma", "T3b", "N1", "M1c", {}, "IV"),
    # soft tissue sarcoma of the trunk and extremities (grade and site needed)
    ("soft_tissue_sarcoma", "T1", "N0", "M0", {"grade": "1", "site": "left thigh"}, "IA"),
    ("soft_tissue_sarcoma", "T3", "N0", None, {"grade": "low", "site": "thigh"}, "IB"),
    ("soft_tissue_sarcoma", "T1", "N0", None, {"grade": "3", "site": "upper arm"}, "II"),
    ("soft_tissue_sarcoma", "T2", "N0", None, {"grade": "2", "site": "chest wall"}, "IIIA"),
    ("soft_tissue_sarcoma", "T4", "N0", None, {"grade": "high", "site": "retroperitoneum"}, "IIIB"),
    ("soft_tissue_sarcoma", "T2", "N0", "M1", {}, "IV"),
    # pleural mesothelioma
    ("mesothelioma", "T1", "N0", "M0", {}, "IA"),
    ("mesothelioma", "T3", "N0", None, {}, "IB"),
    ("mesothelioma", "T2", "N1", None, {}, "II"),
    ("mesothelioma", "T3", "N1", None, {}, "IIIA"),
    ("mesothelioma", "T2", "N2", None, {}, "IIIB"),
    ("mesothelioma", "T4", "N0", None, {}, "IIIB"),
    ("mesothelioma", "T2", "N0", "M1", {}, "IV"),
    # cervical (FIGO 2018 where TNM fixes it)
    ("cervical", "T1a1", "N0", "M0", {}, "IA1"),
    ("cervical", "T1a2", "N0", None, {}, "IA2"),
    ("cervical", "T1b1", "N0", None, {}, "I"),
    ("cervical", "T1b3", "N0", None, {}, "IB3"),
    ("cervical", "T2a1", "N0", None, {}, "IIA1"),
    ("cervical", "T2b", "N0", None, {}, "IIB"),
    ("cervical", "T3b", "N0", None, {}, "IIIB"),
    ("cervical", "T1b2", "N1", None, {}, "IIIC1"),
    ("cervical", "T2b", "N2", None, {}, "IIIC2"),
    ("cervical", "T4", "N1", None, {}, "IVA"),
    ("cervical", "T2b", "N1", "M1", {}, "IVB"),
    # endometrial (AJCC 8th edition = FIGO 2009)
    ("endometrial", "pT1a", "pN0", "cM0", {}, "IA"),
    ("endometrial", "T1b", "N0", None, {}, "IB"),
    ("endometrial", "T2", "N0", None, {}, "II"),
    ("endometrial", "T3a", "N0", None, {}, "IIIA"),
    ("endometrial", "T1b", "N1mi", None, {}, "IIIC1"),
    ("endometrial", "T2", "N2a", None, {}, "IIIC2"),
    ("endometrial", "T4", "N0", None, {}, "IVA"),
    ("endometrial", "T1a", "N0", "M1", {}, "IVB"),
    # ovarian (AJCC 8th edition = FIGO 2014)
    ("ovarian", "pT1a", "pN0", "cM0", {}, "IA"),
    ("ovarian", "T1c2", "N0", None, {}, "IC"),
    ("ovarian", "T2b", "N0", None, {}, "IIB"),
    ("ovarian", "T2a", "N1b", None, {}, "IIIA1"),
    ("ovarian", "T3a", "N1", None, {}, "IIIA2"),
    ("ovarian", "T3c", "N0", None, {}, "IIIC"),
    ("ovarian", "T3c", "N1", "M1a", {}, "IVA"),
    ("ovarian", "T3b", "N0", "M1b", {}, "IVB"),
]


@pytest.mark.parametrize(
    ("cancer", "t", "n", "m", "extra", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1]}{c[2]}{c[3] or ''}-{c[5]}" for c in CASES],
)
def test_stage_group_from_tnm(kb, cancer, t, n, m, extra, expected):
    assert staged(kb, cancer, t, n, m, **extra).stage_group == expected


# Cases whose categories do not decide the group: the engine must give no stage at all.
UNDECIDED = [
    ("breast", "T1", "N1", None, {}),  # N1mi (IB) or N1a-c (IIA)
    ("nsclc", "T2", "N0", None, {}),  # T2a (IB) or T2b (IIA)
    ("nsclc", "T2", "N0", "M1", {}),  # M1a/b (IVA) or M1c (IVB); the setting is still metastatic
    ("colon", "T4", "N0", None, {}),  # IIB or IIC
    ("colon", "T3", "N2", None, {}),  # N2a (IIIB) or N2b (IIIC)
    ("gastric", "T3", "N1", None, {}),  # clinical III, pathological IIB
    ("gastric", "T4b", "N0", None, {}),  # clinical IVA, pathological IIIA
    ("esophageal", "T3", "N1", None, {}),  # depends on histology and kind of staging
    ("hcc", "T1", "N0", None, {}),  # T1a (IA) or T1b (IB)
    ("biliary", "T2", "N0", None, {}),  # subsite not stated
    ("bladder", "T4b", "N0", None, {}),  # AJCC IVA, but M0: left out on purpose
    ("kidney", "T4", "N0", None, {}),  # AJCC IV, but M0: left out on purpose
    ("head_neck_scc", "T2", "N1", None, {}),  # HPV not stated
    ("head_neck_scc", "T3", "N2", None, {"biomarkers": HPV_POS}),  # clinical II, pathological III
    ("thyroid", "T2", "N1a", None, {}),  # age not stated
    ("melanoma", "T2", "N0", None, {}),  # T2a (IB) or T2b (IIA)
    ("soft_tissue_sarcoma", "T2", "N0", None, {"site": "thigh"}),  # grade not stated
    ("soft_tissue_sarcoma", "T2", "N0", None, {"grade": "3"}),  # site not stated
    ("soft_tissue_sarcoma", "T2", "N1", None, {"grade": "3", "site": "thigh"}),  # N1 M0 left out
    ("cervical", "T2", "N0", None, {}),  # IIA or IIB
    ("cervical", "T2b", "NX", None, {}),  # nodes not assessed
    ("endometrial", "T1", "N0", None, {}),  # IA or IB
    ("ovarian", "T3", "N0", None, {}),  # IIIA2, IIIB or IIIC
]


@pytest.mark.parametrize(
    ("cancer", "t", "n", "m", "extra"), UNDECIDED, ids=[f"{c[0]}-{c[1]}{c[2]}{c[3] or ''}" for c in UNDECIDED]
)
def test_no_stage_when_the_categories_do_not_decide(kb, cancer, t, n, m, extra):
    assert staged(kb, cancer, t, n, m, **extra).stage_group is None


def test_every_requested_cancer_type_has_a_stage_model(kb):
    covered = {m.cancer for m in kb.stage_models}
    assert covered >= STAGED_TYPES, sorted(STAGED_TYPES - covered)


def test_every_stage_rule_states_m(kb):
    """Non-IV rules say M0 explicitly, so a case with distant spread never reaches them (a table
    of T categories by size is not a stage table: T does not depend on M)."""
    for model in kb.stage_models:
        if is_t_model(model):
            continue
        for rule in model.rules:
            for when in rule.any:
                assert when.m, f"{model.id} {rule.group}: rule without an M condition"
                assert not (when.setting or when.stage), f"{model.id} {rule.group}: circular condition"


def test_t_and_n_without_m_is_read_as_m0_and_says_so(kb):
    cancer = staged(kb, "colon", "pT3", "pN1a")
    assert cancer.stage_group == "IIIB"
    assert cancer.setting == "locally_advanced"
    assert cancer.tnm.m is None  # the stated facts are not rewritten
    note = cancer.provenance[-1]
    assert note.source == "derived" and "M0 assumed" in (note.text or "")


def test_stated_stage_group_is_never_overwritten(kb):
    case = Case(cancers=[Cancer(type="colon", stage_group="IIA", tnm=TNM(t="T4b", n="N0"))])
    assert normalise(case, kb).cancers[0].stage_group == "IIA"


def test_no_m0_assumed_when_spread_is_mentioned(kb):
    case = Case(cancers=[Cancer(type="breast", tnm=TNM(t="T2", n="N1"), metastatic_sites=["bone"])])
    cancer = normalise(case, kb).cancers[0]
    assert cancer.stage_group is None
    assert cancer.setting == "metastatic"


@pytest.mark.parametrize(
    ("cancer", "t", "n", "extra", "setting"),
    [
        ("breast", "T2", "N0", {}, "localized"),
        ("nsclc", "T1", "N2", {}, "locally_advanced"),
        ("cervical", "T2b", "N0", {}, "locally_advanced"),  # IIB is treated as locally advanced
        ("cervical", "T1a2", "N0", {}, "localized"),
        ("cervical", "T4", "N0", {}, "locally_advanced"),  # IVA without distant spread
        ("head_neck_scc", "T2", "N2c", {"biomarkers": HPV_NEG}, "locally_advanced"),  # IVA
        ("head_neck_scc", "T4b", "N0", {"biomarkers": HPV_NEG}, "locally_advanced"),  # IVB
        ("hcc", "T2", "N1", {}, "locally_advanced"),  # IVA
        ("esophageal", "T4b", "N0", {}, "locally_advanced"),  # IVA
        ("thyroid", "T4b", "N0", {"age": 60}, "locally_advanced"),  # IVA
    ],
)
def test_setting_follows_from_the_derived_stage(kb, cancer, t, n, extra, setting):
    assert staged(kb, cancer, t, n, **extra).setting == setting


def test_m1_gives_a_metastatic_setting(kb):
    for cancer in sorted(STAGED_TYPES):
        assert staged(kb, cancer, "T2", "N0", "M1", age=60).setting == "metastatic", cancer
