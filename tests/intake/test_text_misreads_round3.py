"""Free-text intake, third round of misreadings: a later negation or another person's clause must not
reach back over 'and'; a decision between two doctors names the plan; numbers keep their thousands;
a place of spread is not the primary; germ cell histology and prognosis groups; the 17p deletion."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.intake import text_patterns as pat
from secondopinion.intake.text import parse_text
from secondopinion.review.normalise import normalise


def read(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt")


def regimens(case) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [i.regimen for i in case.plan]


# --- 1. a negation after 'and' starts a new predicate ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Stage III DLBCL. My oncologist has booked R-CHOP to start next week and never mentioned waiting.",
        "Diffuse large B-cell lymphoma, stage II. R-CHOP is planned and the doctor hasn't discussed "
        "radiotherapy.",
        "DLBCL stage IV. The haematologist recommends R-CHOP but she never mentioned a clinical trial.",
    ],
)
def test_a_later_negation_does_not_erase_the_treatment_before_it(kb, text: str) -> None:
    assert "R-CHOP" in regimens(read(text, kb))


@pytest.mark.parametrize(
    "text",
    [
        "Bladder cancer, muscle invasive. Chemo before the operation was never mentioned.",
        "DLBCL stage II. Radiotherapy and R-CHOP have not been discussed.",
        "Stage II colon cancer after surgery. FOLFOX hasn't been mentioned by anyone.",
    ],
)
def test_a_treatment_that_is_itself_not_discussed_stays_out_of_the_plan(kb, text: str) -> None:
    case = read(text, kb)
    assert not [i for i in case.plan if i.modality == "chemotherapy"]


# --- 2. another person's scope ends at a new clause --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I have AML in first remission. My brother is a full match and the transplant doctor recommends an "
        "allogeneic stem cell transplant now.",
        "AML in CR1. My sister is a matched donor, and the team plans an allogeneic transplant.",
        "High-risk AML. My brother was tested and the haematologist wants a stem cell transplant next month.",
    ],
)
def test_a_relative_named_earlier_does_not_take_the_patients_plan(kb, text: str) -> None:
    assert [i.modality for i in read(text, kb).plan] == ["transplant"]


@pytest.mark.parametrize(
    "text",
    [
        "Colon cancer stage III. My father had colon cancer and they gave him FOLFOX. My oncologist "
        "recommends CAPOX.",
        "Stage II breast cancer. My mother had breast cancer and she had a mastectomy. My surgeon "
        "recommends a lumpectomy.",
    ],
)
def test_a_clause_that_refers_back_to_the_relative_stays_theirs(kb, text: str) -> None:
    case = read(text, kb)
    assert "FOLFOX" not in regimens(case)
    assert all(i.procedure != "mastectomy" for i in case.plan)
    assert len(case.plan) == 1


# --- 3. a decision between two doctors ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I have CLL needing treatment. Two doctors disagree: one suggests FCR, the other ibrutinib plus "
        "venetoclax. We have decided on ibrutinib and venetoclax.",
        "CLL, treatment is needed. One haematologist recommends FCR while the other prefers ibrutinib with "
        "venetoclax. I chose ibrutinib and venetoclax.",
        "CLL. Two specialists disagree: one proposes FCR; another recommends venetoclax with ibrutinib. "
        "We are going with ibrutinib and venetoclax.",
    ],
)
def test_the_decided_option_is_the_plan_and_is_not_already_given(kb, text: str) -> None:
    case = read(text, kb)
    assert [sorted(i.drugs) for i in case.plan] == [["ibrutinib", "venetoclax"]]
    assert case.history == []
    assert len(case.opinions) == 2


def test_without_a_decision_both_gapped_opinions_stay_in_the_plan(kb) -> None:
    case = read(
        "CLL. Two doctors disagree: one suggests FCR, the other ibrutinib plus venetoclax. I don't know "
        "what to do.",
        kb,
    )
    assert sorted(r or "" for r in regimens(case)) == ["FCR", "ibrutinib-venetoclax"]
    assert [o.recommends for o in case.opinions] == ["FCR", "ibrutinib plus venetoclax"]


def test_one_opinion_keeps_its_whole_wording(kb) -> None:
    case = read("Stage III colon cancer. My oncologist recommends FOLFOX for 6 months.", kb)
    assert [o.recommends for o in case.opinions] == ["FOLFOX for 6 months"]


# --- 4. numbers with thousands separators ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Testicular cancer. AFP 15,000 and hCG 2,000.", "afp", 15000.0),
        ("Testicular cancer. AFP 15 000, LDH normal.", "afp", 15000.0),
        ("Testicular cancer. hCG 2 000.", "hcg", 2000.0),
        ("Testicular cancer with LDH 1,250.5 at diagnosis.", "ldh", 1250.5),
        ("Prostate cancer, Gleason 4+5, PSA 1,200.", "psa", 1200.0),
        ("Prostate cancer, PSA 6.2, Gleason 3+4.", "psa", 6.2),
    ],
)
def test_serum_values_keep_their_thousands(kb, text: str, key: str, value: float) -> None:
    assert read(text, kb).primary.scores[key] == value


def test_a_comma_and_space_still_separate_two_numbers(kb) -> None:
    case = read("Breast cancer. ER 90%, PR 80%, HER2 negative.", kb)
    assert (case.biomarker("ER").value, case.biomarker("PR").value) == (90.0, 80.0)


def test_a_biomarker_value_keeps_its_thousands(kb) -> None:
    case = read("Lung adenocarcinoma, stage IV. TMB 1,200 mut/Mb.", kb)
    assert case.biomarker("TMB").value == 1200.0


@pytest.mark.parametrize("text", ["PSA 6 100 days ago", "nodes 2, 3", "values 12,34"])
def test_spaces_and_commas_that_are_not_thousands(text: str) -> None:
    first = re.search(pat.NUM, text)
    assert first is not None and pat.number(first.group()) < 100


@given(st.integers(min_value=1000, max_value=10**8))
def test_any_grouped_number_reads_back(value: int) -> None:
    for sep in (",", " "):
        written = f"{value:,}".replace(",", sep)
        found = re.fullmatch(pat.NUM, written)
        assert found is not None and pat.number(found.group()) == value


# --- 5. a place of spread is not the primary, and it is metastatic -----------------------------


@pytest.mark.parametrize(
    ("text", "sites"),
    [
        ("Intermediate-risk nonseminomatous germ cell tumour with lung metastases. Plan BEP x4.", {"lung"}),
        ("Non-seminoma of the testis, good risk, spread to the lungs.", {"lung"}),
        ("Testicular cancer, locally advanced, and now it has spread to my lungs.", {"lung"}),
        ("Germ cell tumour with liver and lung metastases. Plan BEP x4.", {"liver", "lung"}),
    ],
)
def test_a_site_of_spread_does_not_type_the_cancer_and_makes_it_metastatic(kb, text: str, sites) -> None:  # type: ignore[no-untyped-def]
    cancer = read(text, kb).primary
    assert cancer.type not in ("lung", "nsclc", "sclc", "hcc", "liver")
    assert set(cancer.metastatic_sites) == sites
    assert cancer.setting == "metastatic"


def test_a_site_named_as_the_primary_still_types_the_cancer(kb) -> None:
    assert read("Adenocarcinoma in the right lung, stage IB, lobectomy planned.", kb).primary.type == "nsclc"


# --- 6. germ cell histology and prognosis groups -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Non-seminoma of the left testis, stage IA.",
        "Nonseminomatous germ cell tumour of the testis, stage IB.",
        "Mixed germ cell tumour of the testis after orchiectomy.",
        "Testicular NSGCT, stage IS.",
    ],
)
def test_a_non_seminoma_keeps_its_histology(kb, text: str) -> None:
    cancer = read(text, kb).primary
    assert cancer.type == "testicular"
    assert cancer.histology == "non-seminoma"


def test_a_pure_seminoma_is_still_a_seminoma(kb) -> None:
    assert read("Testicular seminoma, stage IA, after orchiectomy.", kb).primary.histology == "seminoma"


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Testicular non-seminoma, good risk, lung metastases.", "good"),
        ("Testicular non-seminoma, good-risk disease.", "good"),
        ("Poor prognosis NSGCT of the testis with liver metastases.", "poor"),
        ("Testicular cancer, intermediate prognosis.", "intermediate"),
        ("Testicular cancer, IGCCCG intermediate.", "intermediate"),
        ("Testicular cancer, favourable-risk.", "favorable"),
    ],
)
def test_germ_cell_prognosis_groups_are_risk_groups(kb, text: str, group: str) -> None:
    assert read(text, kb).primary.risk_group == group


def test_a_general_remark_on_prognosis_is_no_risk_group(kb) -> None:
    assert read("Pancreatic cancer, stage II. It has a poor prognosis.", kb).primary.risk_group is None


# --- 7. the 17p deletion -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CLL needing treatment. FISH showed del(17p).",
        "CLL, FISH: del17p detected.",
        "CLL with a 17p deletion.",
    ],
)
def test_a_17p_deletion_is_the_del17p_marker(kb, text: str) -> None:
    case = read(text, kb)
    assert case.biomarker("DEL17P") is not None and case.biomarker("DEL17P").status == "positive"
    assert case.biomarker("CYTO_HIGH_RISK") is None
    assert normalise(case, kb).biomarker("CYTO_HIGH_RISK") is None  # CLL asks for the deletion itself


@pytest.mark.parametrize(
    ("text", "status"), [("with del(17p)", "positive"), ("FISH: no del(17p)", "negative")]
)
def test_for_myeloma_the_deletion_answers_high_risk_cytogenetics(kb, text: str, status: str) -> None:
    case = normalise(read(f"Multiple myeloma {text}. Plan VRd.", kb), kb)
    assert case.biomarker("DEL17P").status == status
    high = case.biomarker("CYTO_HIGH_RISK")
    assert high is not None and (high.status, high.detail) == (status, "del(17p)")


def test_other_high_risk_changes_stay_high_risk_cytogenetics(kb) -> None:
    case = read("Multiple myeloma, FISH: t(4;14) positive, no del(17p). Plan VRd.", kb)
    assert case.biomarker("CYTO_HIGH_RISK").status == "positive"
    assert case.biomarker("DEL17P").status == "negative"
