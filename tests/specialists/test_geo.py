"""The offline gazetteer: free-text locations to places, and distances between them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from secondopinion.places import distance_km, resolve, zip_state
from secondopinion.specialists.data import bundled_gazetteer

GAZ = bundled_gazetteer()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Austin, TX", "Austin, TX"),
        ("Boston MA", "Boston, MA"),
        ("boston", "Boston, MA"),
        ("Sacramento, California 95817", "Sacramento, CA"),
        ("New York, New York", "New York, NY"),
        ("rochester, ny", "Rochester, NY"),
        ("Saint Louis, MO", "St. Louis, MO"),
        ("Ohio", "Ohio"),
        ("02115", "Massachusetts"),
        ("I live in Indiana", "Indiana"),
    ],
)
def test_known_locations(text, label):
    place = resolve(text, GAZ)
    assert place is not None and place.label == label


@pytest.mark.parametrize("text", ["Rochester", "Kansas City", "somewhere nice", "", "   ", None, "00000"])
def test_ambiguous_or_unknown_locations_stay_unknown(text):
    assert resolve(text, GAZ) is None


def test_zip_prefixes():
    assert zip_state("10027") == "NY" and zip_state("94110") == "CA" and zip_state("99501") == "AK"
    assert zip_state("1234") is None and zip_state("00100") is None


def test_distances_are_plausible():
    boston, la = resolve("Boston, MA", GAZ), resolve("Los Angeles, CA", GAZ)
    assert 4100 < distance_km(boston, la) < 4250
    assert distance_km(boston, boston) == 0


@given(st.text(max_size=80))
def test_resolve_never_fails_and_stays_in_the_table(text):
    place = resolve(text, GAZ)
    assert place is None or place.state in GAZ.states


@given(st.sampled_from(sorted(GAZ.cities)), st.sampled_from(sorted(GAZ.cities)))
def test_distance_is_symmetric_and_non_negative(a, b):
    pa, pb = GAZ.cities[a], GAZ.cities[b]
    assert distance_km(pa, pb) == pytest.approx(distance_km(pb, pa))
    assert distance_km(pa, pb) >= 0
