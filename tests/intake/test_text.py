"""Free-text intake: the cancer itself. Each test is one behaviour, on sentences as people write them."""

from __future__ import annotations

import pytest

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake.text import mentions_cancer, parse_text
from tests.intake.test_text_kb import text_kb


def parse(text: str) -> Case:
    return parse_text(text, text_kb(), document="case.txt")


def primary(text: str):  # type: ignore[no-untyped-def]
    case = parse(text)
    assert case.primary is not None
    return case.primary


# --- which cancer --------------------------------------------------------------------------------


def test_a_cancer_type_is_read_from_its_knowledge_base_name():
    assert primary("I was diagnosed with colon cancer last month.").type == "colon"


def test_the_longest_name_wins_small_cell_is_not_non_small_cell():
    assert primary("He has small cell lung cancer.").type == "sclc"
    assert primary("He has non-small cell lung cancer.").type == "nsclc"


def test_lung_adenocarcinoma_is_non_small_cell():
    assert primary("Stage IV lung adenocarcinoma.").type == "nsclc"


def test_cancer_of_the_lung_without_a_type_is_lung():
    assert primary("They found a cancer of the lung.").type == "lung"


def test_the_more_specific_of_two_related_names_is_kept_as_one_cancer():
    case = parse("I have lung cancer. The biopsy says lung adenocarcinoma.")
    assert [c.type for c in case.cancers] == ["nsclc"]


def test_a_site_named_after_the_cancer_word_resolves_the_type():
    assert primary("Adenocarcinoma in the right upper lobe, 3 cm.").type == "nsclc"


def test_a_procedure_names_the_organ_when_the_text_does_not():
    assert primary("Right upper lobectomy 5 weeks ago for adenocarcinoma, pT2 pN0.").type == "nsclc"


def test_brand_new_capitalised_abbreviations_need_capitals():
    assert primary("GIST of the stomach, 6 cm.").type == "gist"
    with pytest.raises(InputError):
        parse("I just want to know the gist of it.")


def test_a_cancer_the_knowledge_base_does_not_know_still_parses_with_histology_and_site():
    cancer = primary("Appendix goblet cell adenocarcinoma, resected last month.")
    assert cancer.type is None
    assert cancer.histology == "goblet cell adenocarcinoma"
    assert cancer.primary_site == "appendix"


def test_two_unrelated_primaries_give_two_cancers():
    case = parse("I have breast cancer and, separately, a melanoma on my back.")
    assert {c.type for c in case.cancers} == {"breast", "melanoma"}


def test_a_past_cancer_is_listed_after_the_current_one():
    case = parse("History of breast cancer in 2010. Now diagnosed with stage II colon cancer.")
    assert [c.type for c in case.cancers] == ["colon", "breast"]


def test_a_relatives_cancer_is_not_the_patients():
    with pytest.raises(InputError):
        parse("My mother had ovarian cancer. I am worried about a lump.")


def test_history_of_carcinoma_in_mother_is_family_history():
    case = parse("History of carcinoma in mother. I have stage I breast cancer.")
    assert [c.type for c in case.cancers] == ["breast"]
    assert [(f.relative, f.condition) for f in case.patient.family_history] == [("mother", "carcinoma")]


def test_a_negated_cancer_is_not_a_diagnosis():
    case = parse("No evidence of lung cancer on CT. Biopsy: melanoma.")
    assert [c.type for c in case.cancers] == ["melanoma"]


def test_a_text_written_for_a_relative_is_about_that_relative():
    case = parse("My wife is 47 and has stage IV melanoma with metastases in her lungs and liver.")
    assert case.primary is not None and case.primary.type == "melanoma"
    assert case.patient.age == 47
    assert case.patient.sex == "female"
    assert case.patient.family_history == []


def test_text_without_a_cancer_is_refused_with_one_actionable_line():
    with pytest.raises(InputError) as err:
        parse("I have had a cough for three weeks and my doctor ordered tests.")
    assert "\n" not in str(err.value)
    assert "name the cancer type" in str(err.value)


@pytest.mark.parametrize("text", ["", "   \n", "????"])
def test_empty_or_meaningless_text_is_refused(text):
    with pytest.raises(InputError):
        parse(text)


def test_mentions_cancer_answers_without_a_full_parse():
    assert mentions_cancer("Stage II carcinoma of the appendix")
    assert not mentions_cancer("No evidence of malignancy.")
    assert not mentions_cancer("My father had prostate cancer.")
    assert mentions_cancer("Stage IV NSCLC", text_kb())


# --- histology, grade, stage, TNM --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "histology"),
    [
        ("Invasive ductal carcinoma of the left breast.", "invasive ductal carcinoma"),
        ("Lung cancer, squamous cell carcinoma on biopsy.", "squamous cell carcinoma"),
        ("Lobular breast cancer, 2 cm.", "lobular"),
        ("High-grade serous ovarian cancer.", "high-grade serous"),
        ("Breast cancer: IDC, grade 2.", "invasive ductal carcinoma"),
    ],
)
def test_histology_phrases(text, histology):
    assert primary(text).histology == histology


def test_non_small_cell_is_not_read_as_small_cell_histology():
    assert primary("Non-small cell lung cancer, stage IIIA.").histology is None


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("Breast cancer, grade 3.", "3"),
        ("Colon cancer, G2.", "2"),
        ("Colon cancer, well differentiated.", "1"),
        ("Poorly differentiated colon adenocarcinoma.", "3"),
        ("High-grade serous ovarian cancer.", "high"),
        ("Breast cancer, Nottingham grade II.", "2"),
    ],
)
def test_grade(text, grade):
    assert primary(text).grade == grade


def test_a_prostate_grade_group_is_not_a_grade():
    cancer = primary("Prostate cancer, Grade Group 2.")
    assert cancer.grade is None
    assert cancer.scores["grade_group"] == 2


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Stage IIIA lung adenocarcinoma.", "IIIA"),
        ("Stage 3a lung adenocarcinoma.", "IIIA"),
        ("stage IV colon cancer", "IV"),
        ("I have stage four breast cancer.", "IV"),
        ("Cervical cancer, stage IB2.", "IB2"),
        ("Breast cancer, stage 0.", "0"),
    ],
)
def test_stage_group(text, stage):
    assert primary(text).stage_group == stage


def test_the_more_precise_stage_wins():
    assert primary("Stage III colon cancer; pathologic stage IIIB.").stage_group == "IIIB"


def test_a_kidney_disease_stage_is_not_the_cancer_stage():
    cancer = primary("Breast cancer. I also have CKD stage 4.")
    assert cancer.stage_group is None


def test_figo_stage_is_a_score_and_the_stage_group():
    cancer = primary("Ovarian cancer, FIGO IIIC1.")
    assert cancer.scores["figo"] == "IIIC1"
    assert cancer.stage_group == "IIIC1"


@pytest.mark.parametrize(
    ("text", "t", "n", "m"),
    [
        ("Colon cancer pT2N1M0.", "T2", "N1", "M0"),
        ("Colon cancer T3 N1 M0.", "T3", "N1", "M0"),
        ("Lung adenocarcinoma cT2a.", "T2a", None, None),
        ("Rectal cancer, MRI T3c N2.", "T3c", "N2", None),
        ("Breast cancer ypT1c ypN0.", "T1c", "N0", None),
    ],
)
def test_tnm(text, t, n, m):
    tnm = primary(text).tnm
    assert (tnm.t, tnm.n, tnm.m) == (t, n, m)


def test_an_mri_weighting_is_not_a_t_category():
    assert primary("Glioblastoma, enhancing on T2 images.").tnm.t is None


def test_negative_sentinel_nodes_mean_n0_when_no_n_is_given():
    cancer = primary("Breast cancer, 2.1 cm, sentinel node 0/3.")
    assert cancer.tnm.n == "N0"
    assert cancer.scores["nodes_positive"] == 0
    assert cancer.scores["nodes_examined"] == 3


def test_positive_node_counts_are_kept_without_guessing_the_n():
    cancer = primary("Colon cancer, 2/15 lymph nodes positive.")
    assert cancer.scores["nodes_positive"] == 2
    assert cancer.tnm.n is None


# --- setting, spread, recurrence, side -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("Metastatic breast cancer.", "metastatic"),
        ("Advanced pancreatic cancer.", "metastatic"),
        ("Widespread prostate cancer.", "metastatic"),
        ("Locally advanced rectal cancer.", "locally_advanced"),
        ("Early-stage breast cancer.", "localized"),
        ("Localized prostate cancer.", "localized"),
        ("Stage IV colon cancer.", "metastatic"),
        ("Stage III colon cancer.", "locally_advanced"),
        ("Stage IIA colon cancer.", "localized"),
        ("Colon cancer pT3 N1 M1a.", "metastatic"),
        ("Colon cancer with liver mets.", "metastatic"),
    ],
)
def test_setting_is_given_or_derived(text, setting):
    assert primary(text).setting == setting


def test_no_metastatic_disease_does_not_make_it_metastatic():
    assert primary("Breast cancer, stage II, no metastatic disease on PET.").setting == "localized"


def test_lymphoma_and_myeloma_are_never_called_metastatic():
    lymphoma = primary("Advanced stage IV diffuse large B-cell lymphoma.")
    assert lymphoma.stage_group == "IV"
    assert lymphoma.setting is None
    assert primary("Multiple myeloma with bone lesions, R-ISS II.").setting is None


@pytest.mark.parametrize(
    ("text", "sites"),
    [
        ("Breast cancer that has spread to my liver and bones.", ["liver", "bone"]),
        ("Colon cancer with liver mets.", ["liver"]),
        ("NSCLC with brain metastases.", ["brain"]),
        ("Metastatic cholangiocarcinoma (liver and bones).", ["liver", "bone"]),
    ],
)
def test_metastatic_sites(text, sites):
    assert primary(text).metastatic_sites == sites


def test_spread_to_lymph_nodes_is_not_a_distant_site():
    cancer = primary("Colon cancer that has spread to 3 lymph nodes.")
    assert cancer.metastatic_sites == []


def test_possible_metastases_are_not_recorded():
    assert primary("Breast cancer with a possible liver metastasis on CT.").metastatic_sites == []


@pytest.mark.parametrize(
    "text",
    ["My breast cancer came back in the scar.", "Relapsed multiple myeloma.", "Recurrent ovarian cancer."],
)
def test_recurrence(text):
    assert primary(text).recurrent is True


def test_recurrence_words_that_are_not_a_recurrence():
    assert primary("Breast cancer, Oncotype recurrence score 18.").recurrent is None
    assert primary("Colon cancer; chemo to lower the risk of recurrence.").recurrent is None
    assert primary("Colon cancer. The biopsy came back positive.").recurrent is None


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("Left-sided colon cancer.", "left"),
        ("Sigmoid colon cancer.", "left"),
        ("Cancer of the caecum.", "right"),
        ("Colon cancer of the ascending colon.", "right"),
        ("Cancer in my right breast.", "right"),
        ("Lung adenocarcinoma in the RUL.", "right"),
    ],
)
def test_laterality_and_sidedness(text, side):
    assert primary(text).laterality == side


# --- scores ------------------------------------------------------------------------------------


def test_gleason_pattern_gives_sum_and_grade_group():
    scores = primary("Prostate cancer, Gleason 3+4=7.").scores
    assert scores["gleason"] == 7
    assert scores["grade_group"] == 2
    assert primary("Prostate cancer, Gleason 4+3.").scores["grade_group"] == 3


def test_gleason_sum_alone_does_not_guess_a_grade_group():
    scores = primary("Prostate cancer, Gleason 7.").scores
    assert scores["gleason"] == 7
    assert "grade_group" not in scores


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Prostate cancer, PSA 6.2.", "psa", 6.2),
        ("Prostate cancer, my PSA was 12 ng/mL.", "psa", 12),
        ("Melanoma, Breslow 1.2 mm.", "breslow_mm", 1.2),
        ("Melanoma, Breslow depth of 0.8 mm, ulcerated.", "ulceration", "present"),
        ("Melanoma, no ulceration.", "ulceration", "absent"),
        ("Melanoma, mitotic rate 2/mm2.", "mitotic_rate", 2),
        ("DLBCL, IPI 3.", "ipi", 3),
        ("Multiple myeloma, R-ISS stage II.", "riss", "II"),
        ("Multiple myeloma, ISS III.", "iss", "III"),
        ("Breast cancer, Oncotype 18.", "oncotype_rs", 18),
        ("Breast cancer, recurrence score 25.", "oncotype_rs", 25),
        ("Hepatocellular carcinoma, Child-Pugh B7.", "child_pugh", "B7"),
        ("Hepatocellular carcinoma, Child-Pugh A, BCLC B.", "bclc", "B"),
        ("Breast cancer, tumour 3.2 cm.", "size_cm", 3.2),
        ("Breast cancer, a 25 mm mass.", "size_cm", 2.5),
    ],
)
def test_scores(text, key, value):
    assert primary(text).scores[key] == value


def test_a_lymph_node_size_is_not_the_tumour_size():
    assert "size_cm" not in primary("Colon cancer; a 2 cm lymph node.").scores


def test_a_stated_risk_group_is_kept():
    assert primary("Low-risk prostate cancer, Gleason 6.").risk_group == "low"


# --- provenance ---------------------------------------------------------------------------------


def test_every_cancer_fact_points_at_the_words_it_came_from():
    text = "62-year-old woman with stage IIIA lung adenocarcinoma, grade 2, T2 N2 M0."
    case = parse(text)
    cancer = case.cancers[0]
    assert cancer.provenance
    for p in cancer.provenance:
        assert p.source == "text" and p.document == "case.txt"
        assert p.start is not None and p.end is not None
        assert text[p.start : p.end] == p.text
    quoted = {p.text for p in cancer.provenance}
    assert "lung adenocarcinoma" in quoted and "stage IIIA" in quoted


def test_offsets_stay_true_with_unusual_characters():
    text = "İlk tanı: 58 yo F — stage II breast cancer – ER+ … “plan” lumpectomy."
    case = parse(text)
    for fact in [case.patient, *case.cancers, *case.biomarkers, *case.plan]:
        for p in fact.provenance:
            assert text[p.start : p.end] == p.text


def test_the_source_text_is_kept_on_the_case_but_not_exported():
    case = parse("Stage II colon cancer.")
    assert case.source_text == "Stage II colon cancer."
    assert "source_text" not in case.model_dump()


# --- held-out misreadings: cancer type from phrasing ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "cancer"),
    [
        ("Moderately differentiated adenocarcinoma of the sigmoid colon, resected.", "colon"),
        ("Metastatic adenocarcinoma of the descending colon with lung deposits.", "colon"),
        ("cT2 N0 rectal adenoca, 9 cm from the verge.", "rectal"),
        ("Serous endometrial ca. on the hysterectomy specimen.", "endometrial"),
        ("Follicular thyroid ca, 3 cm.", "thyroid"),
        ("Ca cervix, FIGO IIIB.", "cervical"),
        ("Nodular sclerosis cHL, stage IIA.", "hodgkin"),
        ("Left nephrectomy for papillary RCC.", "kidney"),
    ],
)
def test_the_type_is_read_through_the_site_and_clinical_short_forms(text, cancer):
    assert primary(text).type == cancer


def test_metastatic_histology_of_a_usual_site_of_spread_is_not_that_organs_cancer():
    cancer = primary("Metastatic adenocarcinoma of the liver, primary not yet found.")
    assert cancer.type is None
    assert cancer.setting == "metastatic"


def test_short_forms_that_are_not_cancers_stay_unread():
    with pytest.raises(InputError):
        parse("CA-125 is 40 and CA 19-9 normal; the cyst is ca. 3 cm.")


def test_a_gleason_score_names_a_prostate_cancer_when_no_type_is_written():
    cancer = primary("68M. PSA 7.9, PI-RADS 4 lesion, targeted biopsy Gleason 3+4=7 in 3 of 14 cores.")
    assert cancer.type == "prostate"
    assert cancer.scores["grade_group"] == 2


def test_a_prostate_mri_score_types_an_unnamed_adenocarcinoma():
    assert primary("PI-RADS 5 lesion; biopsy shows adenocarcinoma.").type == "prostate"


def test_a_histology_before_a_carcinoma_abbreviation_is_the_histology():
    assert primary("Chromophobe RCC, 5 cm, pT1b.").histology == "chromophobe"


def test_the_clinical_short_form_adenoca_is_an_adenocarcinoma():
    assert primary("Sigmoid colon adenoca, pT2.").histology == "adenocarcinoma"


@pytest.mark.parametrize(
    ("text", "grade", "group"),
    [
        ("Clear cell RCC, ISUP grade 3, pT1b.", "3", None),
        ("Prostate cancer, ISUP grade 3 on biopsy.", None, 3.0),
        ("Prostate cancer, ISUP grade group 2.", None, 2.0),
    ],
)
def test_isup_grade_is_a_kidney_grade_and_a_prostate_grade_group(text, grade, group):
    cancer = primary(text)
    assert (cancer.grade, cancer.scores.get("grade_group")) == (grade, group)


# --- held-out misreadings: spread, setting and nodes ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Colon cancer, pT3 N1. CT thorax clear.",
        "Colon cancer, pT3 N1; no distant metastases.",
        "Colon cancer, pT3 N1, staging scans negative.",
        "Colon cancer, pT3 N1, no evidence of spread elsewhere.",
        "Colon cancer, pT3 N1. The cancer has not spread beyond the bowel.",
    ],
)
def test_no_distant_spread_in_words_is_m0_when_no_m_is_given(text):
    assert primary(text).tnm.m == "M0"


def test_no_spread_to_the_nodes_is_not_m0():
    cancer = primary("Colon cancer, pT3. No spread to the lymph nodes.")
    assert (cancer.tnm.n, cancer.tnm.m) == ("N0", None)


def test_no_spread_is_not_m0_against_a_named_metastasis():
    cancer = primary("Colon cancer with liver metastases; CT chest clear.")
    assert (cancer.tnm.m, cancer.setting) == (None, "metastatic")


def test_limited_stage_small_cell_is_not_metastatic_and_extensive_stage_is():
    limited = primary("Limited-stage small cell lung cancer, 3 cm primary.")
    assert (limited.tnm.m, limited.setting) == ("M0", None)
    assert primary("Extensive-stage small cell lung cancer.").setting == "metastatic"


def test_ipsilateral_mediastinal_nodes_are_n2_for_a_lung_cancer_only():
    assert primary("Small cell lung cancer with subcarinal nodes on PET.").tnm.n == "N2"
    assert primary("Small cell lung cancer; contralateral hilar nodes involved.").tnm.n == "N3"
    assert primary("Colon cancer with mediastinal nodes on CT.").tnm.n is None


def test_a_recurrence_in_distant_organs_is_metastatic_and_recurrent():
    cancer = primary("Cervical cancer treated in 2021; it has returned in the liver and both lungs.")
    assert (cancer.recurrent, cancer.setting) == (True, "metastatic")
    assert set(cancer.metastatic_sites) == {"liver", "lung"}


@pytest.mark.parametrize(
    "text",
    [
        "Basal cell carcinoma of the temple invading the orbit.",
        "Squamous cell carcinoma of the lung, not resectable because of the carina.",
        "Kidney cancer growing into the adjacent organs.",
    ],
)
def test_growth_into_neighbouring_structures_is_locally_advanced(text):
    assert primary(text).setting == "locally_advanced"


def test_a_stated_stage_outranks_local_growth_words():
    assert primary("Kidney cancer, stage IV, unresectable.").setting == "metastatic"


@pytest.mark.parametrize(
    ("text", "setting"),
    [
        ("Kidney cancer (T1b, node negative).", "localized"),
        ("Kidney cancer, cT2 cN1.", "locally_advanced"),
        ("Kidney cancer, pT4 N0.", "locally_advanced"),
        ("Kidney cancer, pT3a pN0.", None),
        ("Basal cell carcinoma, 9 mm, on the forearm.", "localized"),
        ("Basal cell carcinoma, 4 cm, on the forearm.", None),
    ],
)
def test_setting_from_tnm_words_when_the_knowledge_base_cannot_stage_the_type(text, setting):
    assert primary(text).setting == setting


def test_tnm_is_left_to_the_knowledge_bases_stage_model_when_it_has_one():
    from secondopinion.knowledge.schema import RiskRule, StageModel, When

    model = StageModel(
        id="kidney-test",
        cancer="kidney",
        name="test",
        sources=["s"],
        rules=[RiskRule(group="III", any=[When(n=["N1"])])],
    )
    kb = text_kb().model_copy(update={"version": "intake-text-staged", "stage_models": [model]})
    cancer = parse_text("Kidney cancer, cT2 N1.", kb).primary
    assert cancer is not None and (cancer.tnm.n, cancer.setting) == ("N1", None)


@pytest.mark.parametrize(
    ("text", "t", "n", "m"),
    [
        ("Breast cancer (T2, no nodes, nothing elsewhere).", "T2", "N0", "M0"),
        ("Lung adenocarcinoma, clinical T1b, nodes negative.", "T1b", "N0", None),
        ("Breast cancer cT1 N0 M0.", "T1", "N0", "M0"),
        ("Anal cancer T3, N2.", "T3", "N2", None),
    ],
)
def test_a_bare_t_category_reads_beside_nodes_spread_or_stage_words(text, t, n, m):
    tnm = primary(text).tnm
    assert (tnm.t, tnm.n, tnm.m) == (t, n, m)


def test_a_vertebra_is_not_a_t_category():
    assert primary("Lung cancer with bone metastases at T4 and L1 vertebrae.").tnm.t is None


@pytest.mark.parametrize(
    ("text", "positive"),
    [
        ("Colon cancer pT3 (2/15 lymph nodes), margins clear.", 2),
        ("Colon cancer pT3, 2 of 15 nodes positive.", 2),
        ("Colon cancer pT3, 14/15 nodes negative.", 1),
        ("Colon cancer pT3, nodes neg 0/15.", 0),
    ],
)
def test_a_node_count_counts_positive_nodes(text, positive):
    assert primary(text).scores["nodes_positive"] == positive


def test_zero_positive_nodes_is_n0_when_no_n_is_given():
    assert primary("Colon cancer pT3, 0/21 nodes.").tnm.n == "N0"


def test_a_negative_count_beside_positive_nodes_does_not_make_n0():
    assert primary("Colon cancer pT3, 17/18 nodes negative.").tnm.n is None


# --- held-out misreadings: words that are not what they look like ---------------------------------


def test_an_ordinary_word_in_capitals_is_not_a_cancer_name():
    case = parse("BREAST CANCER. SENTINEL NODES ALL NEGATIVE.")
    assert [c.type for c in case.cancers] == ["breast"]
    assert case.cancers[0].tnm.n == "N0"


def test_a_kidney_function_next_to_the_stage_does_not_hide_it():
    assert primary("Colon cancer; kidney function normal, stage IIIB.").stage_group == "IIIB"


def test_a_stage_of_another_illness_is_still_not_the_cancer_stage():
    assert primary("Breast cancer, ER positive. CKD stage 3.").stage_group is None
    assert primary("Kidney cancer stage III.").stage_group == "III"


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("GIST of the stomach, intermediate risk by Miettinen criteria.", "intermediate"),
        ("High-risk GIST, 11 cm, resected.", "high"),
        ("Prostate cancer, unfavourable intermediate risk.", "unfavorable intermediate"),
        ("Myeloma, standard-risk cytogenetics.", "standard"),
        ("Kidney cancer, risk group: high.", "high"),
        ("Very low risk prostate cancer.", "very low"),
    ],
)
def test_risk_groups_in_words(text, group):
    assert primary(text).risk_group == group


def test_a_risk_of_something_is_not_a_risk_group():
    assert primary("Melanoma with a low risk of recurrence after excision.").risk_group is None
