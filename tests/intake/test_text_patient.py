"""Free-text intake: the person (age, sex, fitness, other illnesses, family, home)."""

from __future__ import annotations

import pytest

from secondopinion.case import Case, Patient
from secondopinion.intake.text import parse_text
from tests.intake.test_text_kb import text_kb


def parse(text: str) -> Case:
    return parse_text(text, text_kb(), document="case.txt")


def patient(text: str) -> Patient:
    return parse(text).patient


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("62-year-old woman with breast cancer.", 62),
        ("62 yo with breast cancer.", 62),
        ("62F, breast cancer.", 62),
        ("I'm 45 and have breast cancer.", 45),
        ("Breast cancer, aged 70.", 70),
        ("Breast cancer in a man 70 years of age.", 70),
    ],
)
def test_age(text, age):
    assert patient(text).age == age


def test_numbers_that_are_not_ages():
    assert patient("I'm 20 weeks pregnant with breast cancer.").age is None
    assert patient("My 70-year-old mother drove me; I have breast cancer.").age is None


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("62-year-old woman with colon cancer.", "female"),
        ("58 yo man with colon cancer.", "male"),
        ("62F, colon cancer.", "female"),
        ("64M, colon cancer.", "male"),
        ("Mrs Jones has colon cancer.", "female"),
        ("She has colon cancer and her scans are clear.", "female"),
        ("He was diagnosed with colon cancer.", "male"),
        ("Sex: M. Diagnosis: colon cancer.", "male"),
    ],
)
def test_sex(text, sex):
    assert patient(text).sex == sex


def test_pronouns_in_a_first_person_text_are_other_people():
    assert patient("I have colon cancer and she, my surgeon, says it is early.").sex == "unknown"


def test_a_female_doctor_does_not_make_the_patient_female():
    assert patient("I have colon cancer; my doctor is a female surgeon.").sex == "unknown"


@pytest.mark.parametrize(
    ("text", "ecog", "kps"),
    [
        ("Lung cancer, ECOG 1.", 1, None),
        ("Lung cancer, PS 2.", 2, None),
        ("Lung cancer, performance status 0.", 0, None),
        ("Lung cancer, ECOG performance status of 1.", 1, None),
        ("Lung cancer, KPS 80.", None, 80),
        ("Lung cancer, Karnofsky 70%.", None, 70),
    ],
)
def test_performance_status(text, ecog, kps):
    p = patient(text)
    assert (p.ecog, p.karnofsky) == (ecog, kps)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("I'm postmenopausal with breast cancer.", "postmenopausal"),
        ("Pre-menopausal woman with breast cancer.", "premenopausal"),
        ("Breast cancer; I still have periods.", "premenopausal"),
        ("Breast cancer; I went through menopause at 50.", "postmenopausal"),
    ],
)
def test_menopausal_status(text, status):
    assert patient(text).menopausal_status == status


@pytest.mark.parametrize(
    ("text", "pregnant"),
    [
        ("I am 20 weeks pregnant and have breast cancer.", True),
        ("Breast cancer. She is pregnant.", True),
        ("Breast cancer. I am not pregnant.", False),
        ("Breast cancer. Pregnancy test was negative.", False),
        ("Breast cancer. I want to get pregnant after treatment.", None),
    ],
)
def test_pregnancy(text, pregnant):
    assert patient(text).pregnant is pregnant


@pytest.mark.parametrize(
    ("text", "name", "serious"),
    [
        ("Lung cancer. He has heart failure.", "heart failure", True),
        ("Lung cancer. CKD stage 4.", "chronic kidney disease", True),
        ("Lung cancer. Mild chronic kidney disease, stage 2.", "chronic kidney disease", False),
        ("Lung cancer. On dialysis three times a week.", "chronic kidney disease", True),
        ("HCC on a background of cirrhosis.", "cirrhosis", True),
        ("Lung cancer. Severe COPD on home oxygen.", "COPD", True),
        ("Lung cancer. Mild COPD.", "COPD", False),
        ("Lung cancer. Type 2 diabetes.", "diabetes", False),
        ("Melanoma. I have lupus with an active flare.", "autoimmune disease", True),
        ("Melanoma. Crohn's disease in remission.", "autoimmune disease", False),
        ("Lung cancer. HIV, well controlled.", "HIV", False),
        ("Melanoma after a kidney transplant in 2015.", "organ transplant", True),
    ],
)
def test_comorbidities(text, name, serious):
    found = {c.name: c.serious for c in patient(text).comorbidities}
    assert found == {name: serious}


def test_denied_or_negative_conditions_are_left_out():
    assert patient("Lung cancer. No heart failure, HIV negative, denies diabetes.").comorbidities == []


def test_a_stem_cell_transplant_is_a_treatment_not_an_organ_transplant():
    assert patient("Myeloma. ASCT is planned.").comorbidities == []


def test_relatives_illnesses_are_not_the_patients():
    assert patient("Lung cancer. My father had diabetes and heart failure.").comorbidities == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I have breast cancer. My mother had ovarian cancer.", [("mother", "ovarian cancer")]),
        ("Prostate cancer; father with prostate cancer.", [("father", "prostate cancer")]),
        ("Breast cancer. Family history of breast cancer in her sister.", [("sister", "breast cancer")]),
        (
            "Breast cancer. My mother and sister both had breast cancer.",
            [("mother", "breast cancer"), ("sister", "breast cancer")],
        ),
        ("Colon cancer. My maternal aunt had leukemia.", [("maternal aunt", "leukemia")]),
    ],
)
def test_family_history(text, expected):
    assert [(f.relative, f.condition) for f in patient(text).family_history] == expected


def test_family_history_never_becomes_the_patients_cancer():
    case = parse("I have breast cancer. My father had prostate cancer.")
    assert [c.type for c in case.cancers] == ["breast"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("I live in Ohio and have breast cancer.", "Ohio"),
        ("62-year-old woman from Lyon with breast cancer.", "Lyon"),
        ("We are based in Columbus, Ohio. Breast cancer.", "Columbus, Ohio"),
    ],
)
def test_location(text, place):
    assert patient(text).location == place


def test_a_second_opinion_from_a_clinic_is_not_a_home():
    assert patient("Breast cancer; I want an opinion from Mayo Clinic.").location is None


def test_patient_facts_point_at_their_words():
    text = "I'm a 62-year-old woman from Lyon with breast cancer, ECOG 1."
    p = patient(text)
    quoted = {pr.text for pr in p.provenance}
    assert {"62-year-old", "woman", "ECOG 1", "Lyon"} <= quoted
    assert all(text[pr.start : pr.end] == pr.text for pr in p.provenance)


@pytest.mark.parametrize(
    ("text", "age", "sex"),
    [
        ("My husband, 58, has colon cancer and starts FOLFOX next week.", 58, "male"),
        ("My mother (81) was told she has breast cancer. I am 50 and have diabetes.", 81, "female"),
        ("Dad is 69 and has lung cancer; I have asthma myself.", 69, "male"),
        ("Mum, aged 74, was diagnosed with ovarian cancer last month.", 74, "female"),
        ("My 66-year-old father has prostate cancer.", 66, "male"),
    ],
)
def test_a_caregivers_text_is_about_the_person_cared_for(text, age, sex):
    case = parse(text)
    assert (case.patient.age, case.patient.sex) == (age, sex)
    assert case.patient.family_history == []
    assert case.primary is not None


def test_the_person_cared_fors_own_relative_is_still_family_history():
    case = parse("Mum is 70 and has ovarian cancer. Her mother had breast cancer.")
    assert [(f.relative, f.condition) for f in case.patient.family_history] == [("mother", "breast cancer")]
    assert case.primary is not None and case.primary.type == "ovarian"


def test_being_pregnant_says_the_patient_is_a_woman():
    assert patient("I'm 31 and 20 weeks pregnant; the biopsy showed breast cancer.").sex == "female"
