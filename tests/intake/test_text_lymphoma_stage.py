"""Lymphoma stages carry letters beyond A/B: E (extranodal), S (spleen), X (bulky disease)."""

from __future__ import annotations

import pytest

from secondopinion.intake.text_patterns import stages


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("gastric malt lymphoma, stage ie.", "I"),
        ("mantle cell lymphoma stage iie, no b symptoms", "II"),
        ("hodgkin lymphoma stage iiex", "II"),
        ("stage iiae disease", "IIA"),
        ("stage iiea disease", "IIA"),
        ("stage iiib lung adenocarcinoma", "IIIB"),
    ],
)
def test_extranodal_and_bulky_letters_do_not_hide_the_stage(text, group):
    assert [h.value for h in stages(text)] == [group]


def test_a_word_after_the_stage_is_not_read_as_a_letter():
    assert [h.value for h in stages("stage i even though the scan")] == ["I"]
    assert [h.value for h in stages("stage ii extensive")] == ["II"]
