"""Free-text intake: a plan decided between two doctors who disagreed. The decided option is the
plan; what the other doctor recommended stays an opinion on record, and only then."""

from __future__ import annotations

from secondopinion.intake.text import parse_text


def case_of(text: str, kb):  # type: ignore[no-untyped-def]
    return parse_text(text, kb, document="case.txt")


def modalities(case) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(i.modality for i in case.plan)


def test_the_decided_option_is_the_plan_and_both_opinions_stay(kb):
    case = case_of(
        "I'm 66 with prostate cancer, Gleason 3+3, PSA 5.1. The first urologist wanted surgery; a second "
        "recommended active surveillance. We have decided on active surveillance.",
        kb,
    )
    assert modalities(case) == ["active_surveillance"]
    assert len(case.opinions) == 2


def test_a_decision_for_the_first_doctors_option_drops_the_second(kb):
    case = case_of(
        "Prostate cancer, Gleason 3+4, PSA 7. My urologist recommended a radical prostatectomy. Another "
        "urologist suggested radiotherapy with 6 months of hormone therapy. I chose the prostatectomy.",
        kb,
    )
    assert modalities(case) == ["surgery"]


def test_without_a_decision_both_recommendations_stay_in_the_plan(kb):
    case = case_of(
        "Prostate cancer, Gleason 3+3, PSA 5. The first urologist wanted surgery; a second recommended "
        "active surveillance. I don't know who to believe.",
        kb,
    )
    assert modalities(case) == ["active_surveillance", "surgery"]


def test_a_decision_with_one_doctor_on_record_changes_nothing(kb):
    case = case_of(
        "Stage III colon cancer after a right hemicolectomy. My oncologist recommends FOLFOX for 6 months "
        "and we have decided to go ahead.",
        kb,
    )
    assert [i.regimen for i in case.plan] == ["FOLFOX"]


def test_deciding_against_is_not_a_decision_for(kb):
    case = case_of(
        "Prostate cancer, Gleason 3+3. One urologist recommended surgery; another recommended active "
        "surveillance. We decided against surgery for now.",
        kb,
    )
    assert "active_surveillance" in modalities(case)
    assert "surgery" not in modalities(case)
