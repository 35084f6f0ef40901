"""Free-text intake: the plan (treatments proposed now) and the history (treatments given)."""

from __future__ import annotations

import pytest

from secondopinion.case import Case, PlanItem
from secondopinion.intake.text import parse_text
from tests.intake.test_text_kb import text_kb


def parse(text: str) -> Case:
    return parse_text(text, text_kb(), document="case.txt")


def summary(items: list[PlanItem]) -> list[tuple[str, ...]]:
    return [
        (i.modality, ",".join(i.drugs), i.regimen or "", i.procedure or "", i.intent, i.status) for i in items
    ]


def only(items: list[PlanItem]) -> PlanItem:
    assert len(items) == 1, summary(items)
    return items[0]


# --- what is planned ------------------------------------------------------------------------------


def test_a_recommended_regimen_after_surgery_is_proposed_adjuvant_chemotherapy():
    item = only(parse("Stage III colon cancer. My oncologist recommends FOLFOX after surgery.").plan)
    assert item.modality == "chemotherapy"
    assert item.regimen == "FOLFOX"
    assert item.drugs == ["leucovorin", "fluorouracil", "oxaliplatin"]
    assert (item.intent, item.status) == ("adjuvant", "proposed")


def test_after_surgery_is_an_intent_not_a_planned_operation():
    case = parse("Stage III colon cancer. My oncologist recommends FOLFOX after surgery.")
    assert [i.modality for i in case.plan] == ["chemotherapy"]
    assert case.history == []


@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Keytruda is planned.", "pembrolizumab"),
        ("She will start Herceptin.", "trastuzumab"),
        ("The plan is 5-FU.", "fluorouracil"),
    ],
)
def test_brand_names_and_abbreviations_map_to_generic_names(text, drug):
    assert only(parse("Breast cancer. " + text).plan).drugs == [drug]


def test_drugs_of_one_modality_make_one_item_and_others_their_own():
    case = parse("Stage IV NSCLC. Plan: carboplatin, pemetrexed and pembrolizumab.")
    assert summary(case.plan) == [
        ("chemotherapy", "carboplatin,pemetrexed", "", "", "unknown", "proposed"),
        ("immunotherapy", "pembrolizumab", "", "", "unknown", "proposed"),
    ]


def test_a_drug_listed_inside_a_regimen_adds_no_item():
    case = parse(
        "DLBCL stage III. Planned R-CHOP (rituximab, cyclophosphamide, doxorubicin, vincristine, prednisone)."
    )
    item = only(case.plan)
    assert item.regimen == "R-CHOP"
    assert len(item.drugs) == 5


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("Breast cancer. Plan: radiation.", "radiation"),
        ("Lung cancer. SBRT is recommended.", "radiation"),
        ("Prostate cancer. He will have IMRT.", "radiation"),
        ("Cervical cancer. Plan: brachytherapy.", "radiation"),
        ("Myeloma. ASCT is planned.", "transplant"),
        ("Myeloma. They recommend a stem cell transplant.", "transplant"),
        ("DLBCL relapsed. Plan: CAR-T.", "cellular_therapy"),
        ("Prostate cancer. Plan: ADT.", "hormonal_therapy"),
        ("Breast cancer. She will start hormone therapy.", "hormonal_therapy"),
        ("Colon cancer. The plan is chemo.", "chemotherapy"),
        ("Melanoma. Immunotherapy is recommended.", "immunotherapy"),
        ("Prostate cancer. My urologist recommends active surveillance.", "active_surveillance"),
        ("Prostate cancer, low risk. Watch and wait was suggested.", "watchful_waiting"),
        ("Liver cancer. Radiofrequency ablation is planned.", "ablation"),
    ],
)
def test_modality_words(text, modality):
    assert [i.modality for i in parse(text).plan] == [modality]


def test_chemo_without_drug_names_has_no_drugs():
    item = only(parse("Breast cancer. The plan is chemo.").plan)
    assert (item.modality, item.drugs) == ("chemotherapy", [])


def test_chemoradiation_is_radiation_and_chemotherapy():
    case = parse("Stage III NSCLC. The plan is chemoradiation with cisplatin.")
    assert summary(case.plan) == [
        ("radiation", "", "", "", "unknown", "proposed"),
        ("chemotherapy", "cisplatin", "", "", "unknown", "proposed"),
    ]


@pytest.mark.parametrize(
    ("text", "procedure"),
    [
        ("Lung cancer. A lobectomy is planned.", "lobectomy"),
        ("Breast cancer. She is scheduled for a double mastectomy.", "double mastectomy"),
        ("Pancreatic cancer. The surgeon offered a Whipple operation.", "whipple operation"),
        ("Rectal cancer. Plan: TME.", "total mesorectal excision"),
        (
            "Prostate cancer. He is booked for a robotic radical prostatectomy.",
            "robotic radical prostatectomy",
        ),
        ("Skin cancer, melanoma. Wide local excision recommended.", "wide local excision"),
    ],
)
def test_surgical_procedures(text, procedure):
    item = only(parse(text).plan)
    assert (item.modality, item.procedure) == ("surgery", procedure)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Breast cancer. Neoadjuvant chemo is planned.", "neoadjuvant"),
        ("Breast cancer. Chemo before surgery is planned.", "neoadjuvant"),
        ("Breast cancer. Adjuvant chemo is planned.", "adjuvant"),
        ("Head and neck cancer. Definitive radiotherapy is planned.", "definitive"),
        ("Prostate cancer. Radiation with curative intent is planned.", "curative"),
        ("Breast cancer with bone mets. Palliative radiation is planned.", "palliative"),
        ("Ovarian cancer. She will start olaparib maintenance.", "maintenance"),
    ],
)
def test_intent(text, intent):
    assert only(parse(text).plan).intent == intent


def test_each_treatment_takes_the_intent_written_next_to_it():
    case = parse("Pancreatic cancer. My oncologist plans FOLFOX and, later, maintenance olaparib.")
    intents = {i.drugs[-1]: i.intent for i in case.plan}
    assert intents == {"oxaliplatin": "unknown", "olaparib": "maintenance"}


def test_neoadjuvant_carries_through_a_sequence_until_surgery():
    case = parse("Rectal cancer. The plan is neoadjuvant radiation, then CAPOX, then surgery.")
    assert summary(case.plan) == [
        ("radiation", "", "", "", "neoadjuvant", "proposed"),
        ("chemotherapy", "capecitabine,oxaliplatin", "CAPOX", "", "neoadjuvant", "proposed"),
        ("surgery", "", "", "", "unknown", "proposed"),
    ]


@pytest.mark.parametrize(
    "cue",
    [
        "recommended",
        "the plan is",
        "will start",
        "proposed",
        "wants me to have",
        "scheduled",
        "suggests",
        "offered",
        "is going to give me",
    ],
)
def test_proposal_cues(cue):
    item = only(parse(f"Colon cancer. My doctor {cue} FOLFOX.").plan)
    assert item.status == "proposed"


# --- what was done or is ongoing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer. I had a lumpectomy in March.",
        "Breast cancer. She underwent a lumpectomy.",
        "Breast cancer, s/p lumpectomy.",
        "Breast cancer. Lumpectomy was completed last year.",
    ],
)
def test_done_surgery_goes_to_history(text):
    case = parse(text)
    item = only(case.history)
    assert (item.modality, item.procedure, item.status) == ("surgery", "lumpectomy", "done")
    assert case.plan == []


def test_received_and_treated_with_are_history():
    case = parse("DLBCL. He received 6 cycles of R-CHOP in 2022. Relapsed now.")
    assert only(case.history).regimen == "R-CHOP"
    case = parse("Colon cancer. I was treated with FOLFOX.")
    assert only(case.history).regimen == "FOLFOX"


def test_after_a_named_operation_it_was_done_and_what_follows_is_adjuvant():
    case = parse("Breast cancer. After my lumpectomy, radiation was recommended.")
    assert summary(case.history) == [("surgery", "", "", "lumpectomy", "unknown", "done")]
    assert summary(case.plan) == [("radiation", "", "", "", "adjuvant", "proposed")]


def test_a_treatment_the_cancer_grew_on_is_history():
    case = parse("Colon cancer. The cancer grew after 6 months of FOLFOX. Now FOLFIRI is proposed.")
    assert [i.regimen for i in case.history] == ["FOLFOX"]
    assert [i.regimen for i in case.plan] == ["FOLFIRI"]


def test_currently_on_is_ongoing_and_part_of_the_plan():
    item = only(parse("Prostate cancer. I am currently on enzalutamide.").plan)
    assert (item.drugs, item.status) == (["enzalutamide"], "ongoing")


def test_past_and_proposed_in_one_sentence():
    case = parse("Breast cancer. I had a lumpectomy in March and my oncologist now recommends radiation.")
    assert [i.procedure for i in case.history] == ["lumpectomy"]
    assert [i.modality for i in case.plan] == ["radiation"]


def test_an_unmarked_sentence_is_history_when_the_plan_is_stated_elsewhere():
    case = parse(
        "Ovarian cancer. Debulking surgery, then 6 cycles of carboplatin and paclitaxel. "
        "Plan: olaparib maintenance."
    )
    assert {i.modality for i in case.history} == {"surgery", "chemotherapy"}
    assert [i.drugs for i in case.plan] == [["olaparib"]]


# --- what is not planned ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer. No chemotherapy is planned.",
        "Breast cancer. She does not need radiation.",
        "Breast cancer. My surgeon says I don't need chemotherapy.",
        "Breast cancer. Chemotherapy is not recommended.",
        "Rectal cancer. Surgery without radiation or chemotherapy beforehand.",
        "Breast cancer. I declined chemotherapy.",
    ],
)
def test_negated_treatments_are_not_plan_items(text):
    case = parse(text)
    assert all(i.modality not in ("chemotherapy", "radiation") for i in case.plan)


@pytest.mark.parametrize(
    "text",
    [
        "Breast cancer. Plan: docetaxel. No trastuzumab (Herceptin) planned.",
        "Breast cancer. Plan: docetaxel, without trastuzumab (Herceptin).",
    ],
)
def test_a_brand_name_in_brackets_is_negated_with_its_generic_name(text):
    assert [d for i in parse(text).plan for d in i.drugs] == ["docetaxel"]


def test_conditional_treatments_are_not_plan_items():
    case = parse(
        "Breast cancer. If the nodes are positive she would need chemotherapy. Lumpectomy is planned."
    )
    assert [i.modality for i in case.plan] == ["surgery"]


def test_a_treatment_only_read_about_is_not_planned():
    case = parse("Lung cancer. The plan is chemoradiation. I have read about targeted pills for EGFR.")
    assert {i.modality for i in case.plan} == {"radiation", "chemotherapy"}


def test_another_doctors_suggestion_is_an_opinion_not_the_plan():
    case = parse("Kidney cancer. The plan is surgery. A second oncologist suggested immunotherapy instead.")
    assert [i.modality for i in case.plan] == ["surgery"]
    assert [o.by for o in case.opinions] == ["oncologist"]


def test_a_question_about_a_treatment_is_not_a_plan_item():
    case = parse("Breast cancer. I had a lumpectomy. Do I really need chemo?")
    assert case.plan == []
    assert case.questions == ["Do I really need chemo?"]


def test_a_score_that_looks_like_a_drug_abbreviation_is_not_a_drug():
    case = parse("DLBCL stage IV, IPI 3. Plan: R-CHOP.")
    assert [i.regimen for i in case.plan] == ["R-CHOP"]


def test_plan_items_point_at_their_sentence():
    text = "Colon cancer. My oncologist recommends FOLFOX after surgery."
    item = only(parse(text).plan)
    p = item.provenance[0]
    assert p.text == "My oncologist recommends FOLFOX after surgery."
    assert text[p.start : p.end] == p.text


def test_timing_is_kept_when_written():
    item = only(parse("Colon cancer. My oncologist recommends CAPOX for 3 months.").plan)
    assert item.timing == "3 months"


# --- tense and status of plan items (held-out misreadings) -----------------------------------------


def test_a_treatment_after_a_future_event_in_a_planned_sequence_is_proposed():
    case = parse(
        "Breast cancer, HER2 positive. The team will give AC first, then after the delivery "
        "weekly Taxol with Herceptin, then an operation."
    )
    assert case.history == []
    assert {i.modality for i in case.plan} == {"chemotherapy", "targeted_therapy", "surgery"}
    assert all(i.status == "proposed" for i in case.plan)


def test_a_treatment_named_as_what_came_before_after_is_history():
    case = parse("Colon cancer. After six cycles of FOLFOX the CT showed a good response.")
    assert only(case.history).regimen == "FOLFOX"


@pytest.mark.parametrize("verb", ["has prescribed", "has recommended", "has perscribed"])
def test_a_doctor_who_has_prescribed_or_recommended_proposes(verb):
    case = parse(
        f"Myeloma. Stage II, plan discussed. Her haematologist {verb} lenalidomide until progression."
    )
    assert only(case.plan).status == "proposed"
    assert case.history == []


def test_a_plan_heading_makes_the_lines_under_it_proposed():
    case = parse("Rectal cancer, stage III. I had a colonoscopy.\nPlan:\nshort-course RT\nthen CAPOX\n")
    assert {i.modality for i in case.plan} == {"radiation", "chemotherapy"}
    assert all(i.status == "proposed" for i in case.plan)


def test_a_plan_heading_on_the_line_of_a_minor_procedure():
    item = only(parse("Basal cell carcinoma on the shin, 6 mm. Plan: curettage and cautery.").plan)
    assert (item.modality, item.procedure, item.status) == ("surgery", "curettage and cautery", "proposed")


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("Ovarian cancer, chemo finished. Now we just watch her with CT scans.", "active_surveillance"),
        ("Sarcoma removed. From here it is watch and scan every 4 months.", "active_surveillance"),
        (
            "Melanoma excised. The surgeon says no more treatment is required and will see me in a year.",
            "watchful_waiting",
        ),
    ],
)
def test_watching_with_scans_is_the_plan(text, modality):
    item = next(i for i in parse(text).plan if i.modality in ("active_surveillance", "watchful_waiting"))
    assert (item.modality, item.status) == (modality, "proposed")


def test_a_drug_given_to_put_off_other_treatment_does_not_plan_that_treatment():
    case = parse("Glioma, grade 2. The plan is olaparib to postpone radiotherapy and chemotherapy.")
    assert [i.drugs for i in case.plan] == [["olaparib"]]


@pytest.mark.parametrize(
    "text",
    [
        "Bladder cancer. Radiation therapy hasnt been discussed with us.",
        "Bladder cancer. No one has brought up chemotherapy at any point.",
        "Bladder cancer. Chemo before the operation was never mentioned.",
        "Bladder cancer. I have seen online that some people get pembrolizumab instead.",
        "Bladder cancer. An operation would mean losing the bladder, which she declines.",
    ],
)
def test_treatments_only_talked_about_or_refused_are_neither_plan_nor_history(text):
    case = parse(text)
    assert (case.plan, case.history) == ([], [])


def test_a_lump_shelled_out_was_an_operation_already_done():
    case = parse("Sarcoma of the thigh. The GP thought it was a cyst and scooped it out last month.")
    assert only(case.history).modality == "surgery"


def test_a_next_step_that_waits_on_the_response_is_still_planned():
    case = parse("DLBCL relapsed. The plan is R-CHOP again and, if it responds, an autologous transplant.")
    assert {i.modality for i in case.plan} == {"chemotherapy", "transplant"}


def test_a_step_that_waits_on_a_recurrence_is_not_planned():
    case = parse("DLBCL. The plan is R-CHOP and, if it comes back, an autologous transplant.")
    assert {i.modality for i in case.plan} == {"chemotherapy"}


def test_a_disease_described_by_a_drug_is_not_treated_with_it():
    case = parse("Thyroid cancer, radioiodine-refractory, now cisplatin-ineligible. Plan: olaparib.")
    assert [i.drugs for i in [*case.plan, *case.history]] == [["olaparib"]]


def test_radiation_named_by_its_technique_keeps_it():
    case = parse(
        "Cervical cancer stage IIB. Plan: pelvic radiotherapy with cisplatin, followed by brachytherapy."
    )
    assert any(i.modality == "radiation" and i.procedure == "brachytherapy" for i in case.plan)


def test_two_names_for_the_same_drugs_make_one_item_under_the_fuller_regimen():
    item = only(parse("Myeloma. Plan: daratumumab with lenalidomide and dexamethasone (DRd).").plan)
    assert (item.regimen, sorted(item.drugs)) == ("DRd", ["daratumumab", "dexamethasone", "lenalidomide"])


@pytest.mark.parametrize(
    "text",
    [
        "Melanoma of the eye (uveal melanoma). Plan: enucleation of the eye.",
        "Pancreatic neuroendocrine tumour, 1.5 cm. Plan: enucleation.",
    ],
)
def test_enucleation_is_a_planned_operation_not_a_shell_out(text):
    assert [(i.modality, i.procedure) for i in parse(text).plan] == [("surgery", "enucleation")]
