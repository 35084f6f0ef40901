"""Free-text intake: opinions on record, records the person has, worries and questions."""

from __future__ import annotations

import pytest

from secondopinion.case import Case
from secondopinion.intake.text import parse_text
from tests.intake.test_text_kb import text_kb


def parse(text: str) -> Case:
    return parse_text(text, text_kb(), document="case.txt")


def test_two_doctors_who_disagree_are_two_opinions():
    case = parse(
        "Prostate cancer. My surgeon recommends a prostatectomy but the oncologist says radiation with ADT."
    )
    assert [(o.by, o.recommends) for o in case.opinions] == [
        ("surgeon", "a prostatectomy"),
        ("oncologist", "radiation with ADT"),
    ]


def test_a_named_doctor_is_kept_and_a_role_preferred_when_given():
    case = parse("Breast cancer. Dr. Alvarez suggested a lumpectomy.")
    assert [o.by for o in case.opinions] == ["Dr. Alvarez"]
    case = parse("Breast cancer. Dr. Alvarez, my surgeon, suggested a lumpectomy.")
    assert [o.by for o in case.opinions] == ["surgeon"]


def test_a_tumour_board_is_an_opinion_holder():
    case = parse("Rectal cancer. The tumour board recommends total neoadjuvant therapy.")
    assert [(o.by, o.recommends) for o in case.opinions] == [("tumour board", "total neoadjuvant therapy")]


def test_opinion_provenance_quotes_the_clause():
    text = "Colon cancer. My oncologist recommends FOLFOX after surgery."
    o = parse(text).opinions[0]
    assert o.provenance[0].text == "My oncologist recommends FOLFOX after surgery"
    assert text[o.provenance[0].start : o.provenance[0].end] == o.provenance[0].text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I have my CT scans on a disk.", "imaging_files"),
        ("I have the pathology report.", "pathology_report"),
        ("I can send the slides from the biopsy.", "pathology_slides"),
        ("Attached is my NGS report.", "ngs_report"),
        ("I have copies of my blood work.", "lab_results"),
        ("I have the operative report.", "operative_report"),
        ("I have my genetic testing results.", "germline_report"),
        ("I have the MRI report.", "imaging_report"),
        ("I have the consultation notes.", "consult_notes"),
    ],
)
def test_records_on_hand(text, kind):
    assert [r.kind for r in parse("Breast cancer. " + text).records] == [kind]


def test_records_the_person_does_not_have_are_not_on_hand():
    assert parse("Breast cancer. I don't have the pathology report yet.").records == []


def test_a_report_mentioned_without_having_it_is_not_on_hand():
    assert parse("Breast cancer. The pathology report says grade 2.").records == []


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm not sure this is the right treatment.",
        "I doubt that surgery is needed.",
        "I am worried about the side effects.",
        "My doctors gave me conflicting advice.",
        "I would like a second opinion.",
    ],
)
def test_concerns_are_kept_as_written(sentence):
    assert parse("Breast cancer, stage II. " + sentence).concerns == [sentence]


def test_questions_are_sentences_ending_with_a_question_mark():
    case = parse("Breast cancer, stage II. Is radiation really necessary? What about my fertility?")
    assert case.questions == ["Is radiation really necessary?", "What about my fertility?"]
    assert case.concerns == ["Is radiation really necessary?"]


def test_plain_facts_are_neither_concerns_nor_questions():
    case = parse("Breast cancer, stage II. The plan is lumpectomy.")
    assert (case.concerns, case.questions) == ([], [])


@pytest.mark.parametrize(
    "sentence",
    [
        "Should we push for a different drug?",
        "Is a scan every six months really all she needs?",
        "The nurse mentioned a trial - why did no one offer it to us?",
    ],
)
def test_questions_of_doubt_reach_the_questions(sentence):
    case = parse(f"My wife has stage II breast cancer and is on tamoxifen.\n{sentence} Thank you.")
    assert case.questions == [sentence]


def test_a_doubt_about_the_plan_is_a_concern():
    case = parse("Colon cancer stage III, FOLFOX planned. I am not sure the plan is right for me.")
    assert case.concerns == ["I am not sure the plan is right for me."]
