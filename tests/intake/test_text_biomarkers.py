"""Free-text intake: biomarker results, as pathology reports and patients write them."""

from __future__ import annotations

import pytest

from secondopinion.case import Biomarker, Case
from secondopinion.intake.text import parse_text
from tests.intake.test_text_kb import text_kb


def parse(text: str) -> Case:
    return parse_text(text, text_kb(), document="case.txt")


def result(text: str, name: str) -> Biomarker | None:
    return parse(text).biomarker(name)


def status(text: str, name: str) -> str | None:
    found = result(text, name)
    return found.status if found else None


# --- HER2 and hormone receptors ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Breast cancer, HER2 negative.", "negative"),
        ("Breast cancer, HER2-.", "negative"),
        ("Breast cancer, HER2 0.", "negative"),
        ("Breast cancer, HER2 3+.", "positive"),
        ("Breast cancer, HER2-positive.", "positive"),
        ("Breast cancer, HER2 amplified.", "positive"),
        ("Breast cancer, HER2/neu not amplified.", "negative"),
        ("Breast cancer, HER2 2+ on IHC.", "equivocal"),
        ("Breast cancer, HER2 2+ without ISH.", "equivocal"),
        ("Breast cancer, HER2 2+ on IHC, FISH amplified.", "positive"),
        ("Breast cancer, HER2 2+ on IHC, FISH not amplified.", "negative"),
        ("Breast cancer, HER2 IHC 2+, ISH positive.", "positive"),
    ],
)
def test_her2(text, expected):
    assert status(text, "ERBB2") == expected


def test_her2_1_plus_is_negative_and_her2_low():
    case = parse("Metastatic breast cancer, HER2 1+.")
    assert case.biomarker("ERBB2").status == "negative"
    assert case.biomarker("HER2_LOW").status == "positive"


def test_her2_2_plus_not_amplified_is_her2_low():
    case = parse("Breast cancer, HER2 2+ on IHC, FISH not amplified.")
    assert case.biomarker("HER2_LOW").status == "positive"


def test_her2_low_by_name_is_also_her2_negative():
    case = parse("Breast cancer, HER2-low.")
    assert case.biomarker("HER2_LOW").status == "positive"
    assert case.biomarker("ERBB2").status == "negative"


def test_fish_next_to_her2_is_a_method_not_a_myeloma_marker():
    case = parse("Breast cancer, HER2 2+, FISH not amplified.")
    assert case.biomarker("CYTO_HIGH_RISK") is None
    assert case.biomarker("ERBB2").method == "ISH"


def test_receptor_signs_in_a_row():
    case = parse("ER+/PR+/HER2- invasive ductal carcinoma of the breast.")
    assert [(b.name, b.status) for b in case.biomarkers] == [
        ("ER", "positive"),
        ("PR", "positive"),
        ("ERBB2", "negative"),
    ]


def test_a_list_shares_the_status_written_after_it():
    case = parse("Breast cancer, ER/PR positive, HER2 negative.")
    assert case.biomarker("ER").status == "positive"
    assert case.biomarker("PR").status == "positive"
    assert case.biomarker("ERBB2").status == "negative"


def test_a_percentage_is_kept_as_the_value():
    er = result("Breast cancer, ER 95%, PR 0%.", "ER")
    assert (er.status, er.value, er.unit) == ("positive", 95, "%")
    assert status("Breast cancer, ER 95%, PR 0%.", "PR") == "negative"


def test_triple_negative_means_er_pr_and_her2_negative():
    case = parse("Triple-negative breast cancer, stage II.")
    assert {b.name: b.status for b in case.biomarkers} == {
        "ER": "negative",
        "PR": "negative",
        "ERBB2": "negative",
    }


def test_hormone_receptor_positive_is_er_positive():
    assert status("Hormone receptor positive breast cancer.", "ER") == "positive"
    assert status("HR+/HER2- breast cancer.", "ER") == "positive"


def test_hormone_sensitive_prostate_cancer_is_not_a_receptor_result():
    assert result("Metastatic hormone-sensitive prostate cancer.", "ER") is None


def test_lower_case_receptor_names_count_when_a_status_follows():
    assert status("breast cancer, er positive", "ER") == "positive"


def test_short_names_that_are_words_need_capitals():
    case = parse("I met my oncologist about my lung cancer and she was positive about it.")
    assert case.biomarker("MET") is None


# --- lung drivers ----------------------------------------------------------------------------------


def test_egfr_exon_19_deletion():
    egfr = result("Lung adenocarcinoma, EGFR exon 19 deletion.", "EGFR")
    assert (egfr.status, egfr.detail) == ("positive", "exon 19 deletion")


def test_egfr_point_mutation_named_by_protein_change():
    egfr = result("NSCLC with EGFR L858R.", "EGFR")
    assert (egfr.status, egfr.detail) == ("positive", "L858R")


@pytest.mark.parametrize(
    "text",
    ["NSCLC, no EGFR mutation.", "NSCLC, EGFR wild-type.", "NSCLC, EGFR WT.", "NSCLC, EGFR negative."],
)
def test_egfr_negative(text):
    assert status(text, "EGFR") == "negative"


def test_no_evidence_of_a_list_of_alterations_negates_each():
    case = parse("Lung adenocarcinoma. No evidence of EGFR, ALK or ROS1 alterations.")
    assert [(b.name, b.status) for b in case.biomarkers] == [
        ("EGFR", "negative"),
        ("ALK", "negative"),
        ("ROS1", "negative"),
    ]


def test_negative_for_a_list():
    case = parse("NSCLC, negative for EGFR, ALK, ROS1; KRAS G12C.")
    assert [b.status for b in case.biomarkers[:3]] == ["negative"] * 3
    kras = case.biomarker("KRAS")
    assert (kras.status, kras.detail) == ("positive", "G12C")


def test_positive_for_one_negative_for_others_in_one_sentence():
    case = parse("Lung adenocarcinoma positive for ALK, negative for EGFR and ROS1.")
    assert case.biomarker("ALK").status == "positive"
    assert case.biomarker("EGFR").status == "negative"
    assert case.biomarker("ROS1").status == "negative"


def test_a_long_negative_panel():
    case = parse(
        "NSCLC. The NGS panel found no EGFR, ALK, ROS1, BRAF, KRAS, MET, RET, NTRK or HER2 alterations."
    )
    names = ["EGFR", "ALK", "ROS1", "BRAF", "KRAS", "MET", "RET", "NTRK", "ERBB2"]
    assert all(case.biomarker(n).status == "negative" for n in names)
    assert case.biomarker("EGFR").method == "NGS"


def test_alk_fusion():
    alk = result("Lung adenocarcinoma with an EML4-ALK fusion.", "ALK")
    assert alk.status == "positive"
    assert "fusion" in alk.detail


@pytest.mark.parametrize(
    ("text", "value", "unit", "expected"),
    [
        ("NSCLC, PD-L1 TPS 60%.", 60, "TPS", "positive"),
        ("NSCLC, PD-L1 80%.", 80, "TPS", "positive"),
        ("Gastric cancer, PD-L1 CPS 12.", 12, "CPS", "positive"),
        ("NSCLC, PD-L1 <1%.", 0, "TPS", "negative"),
        ("NSCLC, PD-L1 negative.", 0, None, "negative"),
        ("NSCLC, tumor proportion score is 50%.", 50, "TPS", "positive"),
    ],
)
def test_pd_l1(text, value, unit, expected):
    pdl1 = result(text, "PD-L1")
    assert (pdl1.value, pdl1.unit, pdl1.status) == (value, unit, expected)


def test_tmb_value_and_unit():
    tmb = result("NSCLC, TMB 12 mut/Mb.", "TMB")
    assert (tmb.value, tmb.unit, tmb.status) == (12, "mut/Mb", "positive")


# --- colorectal and others -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Colon cancer, KRAS mutant.", "KRAS", "positive"),
        ("Colon cancer, RAS mutant.", "RAS", "positive"),
        ("Colon cancer, BRAF V600E.", "BRAF", "positive"),
        ("Colon cancer, MSI-high.", "MSI", "positive"),
        ("Colon cancer, MSI-H.", "MSI", "positive"),
        ("Colon cancer, dMMR.", "MSI", "positive"),
        ("Colon cancer, mismatch repair deficient.", "MSI", "positive"),
        ("Colon cancer with loss of MLH1 and PMS2.", "MSI", "positive"),
        ("Colon cancer, MSS.", "MSI", "negative"),
        ("Colon cancer, pMMR.", "MSI", "negative"),
        ("Colon cancer, microsatellite stable.", "MSI", "negative"),
        ("Colon cancer, MMR proficient.", "MSI", "negative"),
        ("Colon cancer, MMR intact.", "MSI", "negative"),
        ("Colon cancer, proficient mismatch repair.", "MSI", "negative"),
    ],
)
def test_colorectal_markers(text, name, expected):
    assert status(text, name) == expected


def test_ras_wild_type_means_kras_and_nras_negative_too():
    case = parse("Left-sided colon cancer, all-RAS wild type.")
    assert {n: case.biomarker(n).status for n in ("RAS", "KRAS", "NRAS")} == {
        "RAS": "negative",
        "KRAS": "negative",
        "NRAS": "negative",
    }


def test_kras_wild_type_alone_says_nothing_of_nras():
    case = parse("Colon cancer, KRAS wild-type.")
    assert case.biomarker("KRAS").status == "negative"
    assert case.biomarker("NRAS") is None


@pytest.mark.parametrize(
    ("text", "name", "expected", "detail"),
    [
        ("Glioma, IDH-mutant.", "IDH", "positive", None),
        ("Glioblastoma, IDH wildtype.", "IDH", "negative", None),
        ("Glioblastoma, MGMT methylated.", "MGMT", "positive", None),
        ("Glioblastoma, MGMT unmethylated.", "MGMT", "negative", None),
        ("Oligodendroglioma, 1p/19q codeleted.", "1p19q", "positive", None),
        ("Astrocytoma, 1p/19q non-codeleted.", "1p19q", "negative", None),
        ("Oropharyngeal cancer, p16 positive.", "HPV", "positive", None),
        ("HPV-positive tonsil cancer.", "HPV", "positive", None),
        ("GIST, KIT exon 11 deletion.", "KIT", "positive", "exon 11 deletion"),
        ("GIST with PDGFRA D842V.", "PDGFRA", "positive", "D842V"),
        ("Stomach GIST; claudin 18.2 positive.", "CLDN18", "positive", None),
        ("Cholangiocarcinoma with an FGFR2 fusion.", "FGFR2", "positive", "fusion"),
        ("Colon cancer with an NTRK fusion.", "NTRK", "positive", "fusion"),
        ("DLBCL, double-hit.", "MYC_BCL2", "positive", None),
        ("DLBCL. Testing for double-hit lymphoma was negative.", "MYC_BCL2", "negative", None),
    ],
)
def test_other_markers(text, name, expected, detail):
    found = result(text, name)
    assert found is not None and found.status == expected
    if detail:
        assert found.detail == detail


def test_psa_is_a_score_not_a_biomarker():
    case = parse("Prostate cancer, PSA 6.2.")
    assert case.biomarker("PSA") is None
    assert case.primary.scores["psa"] == 6.2


# --- germline, pending, not tested, relatives ---------------------------------------------------------


def test_brca_mutation_is_positive_and_germline_when_said_so():
    brca = result("Ovarian cancer. I carry a germline BRCA1 mutation.", "BRCA")
    assert (brca.status, brca.detail, brca.germline) == ("positive", "BRCA1", True)


def test_brca_without_germline_words_leaves_germline_unknown():
    brca = result("Ovarian cancer with a BRCA2 mutation.", "BRCA")
    assert brca.status == "positive" and brca.germline is None


def test_a_relatives_brca_result_is_family_history_not_the_patients():
    case = parse("I have breast cancer. My sister is a BRCA carrier.")
    assert case.biomarker("BRCA") is None
    assert [(f.relative, f.condition) for f in case.patient.family_history] == [("sister", "BRCA carrier")]


def test_the_patients_own_brca_mutation_counts_even_with_relatives_named():
    case = parse("My mother had ovarian cancer. I have breast cancer and a BRCA2 mutation.")
    assert case.biomarker("BRCA").status == "positive"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NSCLC. EGFR pending.", "pending"),
        ("NSCLC. Awaiting EGFR results.", "pending"),
        ("NSCLC. EGFR was sent off last week.", "pending"),
        ("NSCLC. EGFR not tested.", "not_tested"),
        ("NSCLC. EGFR testing was not done.", "not_tested"),
        ("NSCLC. My tumour hasn't been tested for EGFR.", "not_tested"),
    ],
)
def test_pending_and_not_tested(text, expected):
    assert status(text, "EGFR") == expected


def test_a_marker_with_no_readable_result_is_left_out():
    assert result("NSCLC. My doctor talked about EGFR.", "EGFR") is None
    assert result("NSCLC. I haven't heard anything about EGFR.", "EGFR") is None


def test_a_drug_target_is_not_a_result():
    assert result("Breast cancer; she will get anti-HER2 therapy.", "ERBB2") is None
    assert result("NSCLC; an EGFR inhibitor was discussed.", "EGFR") is None


def test_hypothetical_results_are_left_out():
    assert result("NSCLC. If EGFR is positive she would get osimertinib.", "EGFR") is None


def test_germline_testing_result():
    assert status("Pancreatic cancer. Germline genetic testing was negative.", "DNA_GERMLINE") == "negative"


def test_biomarker_provenance_quotes_the_result():
    text = "Lung adenocarcinoma, EGFR exon 19 deletion, ALK negative."
    case = parse(text)
    for b in case.biomarkers:
        p = b.provenance[0]
        assert text[p.start : p.end] == p.text
    assert "exon 19 deletion" in case.biomarker("EGFR").provenance[0].text
    assert "ALK negative" in case.biomarker("ALK").provenance[0].text


# --- held-out misreadings -----------------------------------------------------------------------


def test_two_pd_l1_scores_in_one_phrase_are_two_results_with_their_units():
    found = [b for b in parse("Gastric cancer. PD-L1 CPS 8, TPS 1%.").biomarkers if b.name == "PD-L1"]
    assert sorted((b.unit, b.value) for b in found) == [("CPS", 8.0), ("TPS", 1.0)]


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("Lung cancer. The PD-L1 tumour proportion score was 35%.", "TPS", 35.0),
        ("Cervical cancer. PD-L1 combined positive score is 12.", "CPS", 12.0),
        ("Cervical cancer. PD-L1 CPS is 12 and HER2 was not tested.", "CPS", 12.0),
        ("Cervical cancer. PD-L1 CPS\n12. ECOG 0.", "CPS", 12.0),
    ],
)
def test_pd_l1_written_as_a_sentence_or_broken_by_a_line(text, unit, value):
    found = result(text, "PD-L1")
    assert found is not None and (found.unit, found.value, found.status) == (unit, value, "positive")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Stomach cancer, HER2-negative, MMR intact.", "ERBB2", "negative"),
        ("Astrocytoma, IDH2-mutant.", "IDH", "positive"),
        ("Astrocytoma, MGMT promoter\nunmethylated.", "MGMT", "negative"),
        ("Cholangiocarcinoma: IDH1 wt, FGFR2 fusion.", "IDH", "negative"),
        ("Cholangiocarcinoma: HER2 not amplified.", "ERBB2", "negative"),
        ("Gastric cancer: HER2 2+ but not amplified.", "ERBB2", "negative"),
        ("Colon cancer, MSS.", "MSI", "negative"),
    ],
)
def test_results_written_with_hyphens_abbreviations_and_line_breaks(text, name, expected):
    assert status(text, name) == expected


def test_a_referral_to_look_for_a_syndrome_is_not_a_positive_result():
    case = parse("Colon cancer, dMMR. She was referred for genetic counselling to look for Lynch syndrome.")
    assert case.biomarker("DNA_GERMLINE") is None


def test_a_possible_alteration_is_not_a_result():
    assert result("Lung adenocarcinoma, possible KRAS mutation on the first panel.", "KRAS") is None


def test_standard_risk_cytogenetics_is_not_high_risk():
    assert status("Multiple myeloma, standard-risk FISH, IgG kappa.", "CYTO_HIGH_RISK") == "negative"
