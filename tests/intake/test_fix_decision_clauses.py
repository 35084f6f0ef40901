"""Free-text intake: 'we decided against X' turns down X only, up to the end of its clause; an
item the decision names is never turned down."""

from __future__ import annotations

from secondopinion.intake.text import parse_text


def _modalities(text: str, kb) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(i.modality for i in parse_text(text, kb, document="case.txt").plan)


def test_a_rejection_stops_at_and(kb):
    text = (
        "Prostate cancer, Gleason 3+4, PSA 7. My urologist recommended radical prostatectomy; a radiation "
        "oncologist recommended radiotherapy. We decided against radiotherapy and chose radical "
        "prostatectomy."
    )
    assert _modalities(text, kb) == ["surgery"]


def test_a_rejection_stops_at_a_comma(kb):
    text = (
        "Prostate cancer, Gleason 3+4, PSA 7. My urologist recommended radical prostatectomy; a radiation "
        "oncologist recommended radiotherapy. We decided against radiotherapy, radical prostatectomy it is."
    )
    assert "surgery" in _modalities(text, kb)
    assert "radiation" not in _modalities(text, kb)


def test_two_treatments_turned_down_together_are_both_turned_down(kb):
    text = (
        "Prostate cancer, Gleason 3+4, PSA 7. The urologist recommended radical prostatectomy and the "
        "radiation oncologist recommended radiotherapy. We decided against surgery and radiotherapy, and "
        "chose active surveillance."
    )
    assert _modalities(text, kb) == ["active_surveillance"]


def test_a_recommendation_turned_down_by_its_kind_is_turned_down(kb):
    text = (
        "Prostate cancer, Gleason 3+4, PSA 7. The urologist recommended radical prostatectomy; another "
        "doctor recommended active surveillance. We decided against surgery."
    )
    assert _modalities(text, kb) == ["active_surveillance"]
