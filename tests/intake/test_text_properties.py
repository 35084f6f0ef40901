"""Free-text intake: properties that hold for any input, and speed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake.text import parse_text
from tests.intake.test_text_kb import text_kb

WORDS = [
    "stage",
    "IV",
    "IIIA",
    "lung",
    "adenocarcinoma",
    "breast",
    "cancer",
    "HER2",
    "2+",
    "FISH",
    "not",
    "amplified",
    "EGFR",
    "exon",
    "19",
    "deletion",
    "no",
    "ALK",
    "negative",
    "PD-L1",
    "60%",
    "my",
    "mother",
    "had",
    "ovarian",
    "recommends",
    "FOLFOX",
    "after",
    "surgery",
    "I",
    "had",
    "a",
    "lumpectomy",
    "ECOG",
    "1",
    "62F",
    "Gleason",
    "3+4=7",
    "PSA",
    "6.2",
    "T2N1M0",
    "metastatic",
    "to",
    "liver",
    "and",
    "bones",
    ",",
    ".",
    "?",
    ";",
    "(",
    ")",
    "\n",
    "Keytruda",
    "chemoradiation",
    "not",
    "sure",
    "Dr.",
    "Smith",
]


def all_provenance(case: Case):  # type: ignore[no-untyped-def]
    facts = [
        case.patient,
        *case.patient.comorbidities,
        *case.patient.family_history,
        *case.cancers,
        *case.biomarkers,
        *case.plan,
        *case.history,
        *case.opinions,
        *case.records,
    ]
    for fact in facts:
        yield from fact.provenance


def check(text: str) -> None:
    try:
        case = parse_text(text, text_kb(), document="d")
    except InputError as err:
        assert "\n" not in str(err)
        return
    for p in all_provenance(case):
        assert p.source == "text"
        assert p.start is not None and p.end is not None
        assert 0 <= p.start <= p.end <= len(text)
        assert text[p.start : p.end] == p.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_raises_nothing_but_input_error(text):
    check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join))
def test_shuffled_clinical_words_parse_and_quote_the_original_text(text):
    check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join), st.text(max_size=20))
def test_offsets_hold_with_arbitrary_characters_mixed_in(words, noise):
    check(noise + " " + words + noise)


SUMMARY = (
    "I'm a 62-year-old woman from Lyon. In March I was diagnosed with stage IIIA adenocarcinoma of the "
    "right upper lobe of the lung, T2 N2 M0, grade 2. Next-generation sequencing showed an EGFR exon 19 "
    "deletion; ALK and ROS1 negative, KRAS wild-type, PD-L1 TPS 60%. My ECOG is 1 and I have type 2 "
    "diabetes and mild COPD. My mother had ovarian cancer and my sister is a BRCA carrier. I had a "
    "mediastinoscopy in April. My thoracic surgeon recommends a lobectomy followed by adjuvant "
    "osimertinib, but the medical oncologist says definitive chemoradiation with cisplatin and "
    "etoposide, then durvalumab. I have the pathology report and my CT scans on a disk. I'm not sure "
    "which plan is right for me, and I am worried about side effects. Should I wait for a second "
    "opinion before starting treatment? Is surgery really better than radiation for me? My PET scan "
    "showed no spread outside the chest and my brain MRI was clear. I still work part time, walk every "
    "day and my kidney function is normal. My husband and I live near Lyon and can travel if needed. "
    "The tumour board has not discussed my case yet, and nobody has mentioned testing for MET or RET."
)


def test_a_long_patient_summary_is_read_whole():
    """Its speed is measured by benchmarks/review_speed.py, not here."""
    kb = text_kb()
    assert 170 <= len(SUMMARY.split()) <= 230
    case = parse_text(SUMMARY, kb)
    assert case.primary is not None and case.primary.type == "nsclc"
    assert case.biomarker("EGFR").detail == "exon 19 deletion"
    assert {o.by for o in case.opinions} == {"thoracic surgeon", "medical oncologist"}
