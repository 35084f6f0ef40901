"""The one offline table of places, shared by trial matching and the specialist directory."""

from __future__ import annotations

import pytest

from secondopinion.places import Place, bundled_gazetteer, distance_km, parse_places, resolve, state_of

GAZ = bundled_gazetteer()


@pytest.mark.parametrize(
    ("text", "label", "kind"),
    [
        ("Houston, Texas, USA", "Houston, TX", "city"),
        ("Ohio, United States", "Ohio", "state"),
        ("Boston, MA, U.S.A.", "Boston, MA", "city"),
        ("Portland, or", "Portland, OR", "city"),
        ("portland, me", "Portland, ME", "city"),
        ("Cambridge, MA 02139", "Massachusetts", "state"),
        ("Hershey, PA", "Hershey, PA", "city"),
        ("Kansas City, KS", "Kansas City, KS", "city"),
    ],
)
def test_locations_as_patients_and_registries_write_them(text, label, kind):
    place = resolve(text, GAZ)
    assert place is not None and (place.label, place.kind) == (label, kind)


@pytest.mark.parametrize("text", ["Charleston", "Kansas City", "Columbia", "USA", "in", "or"])
def test_a_name_the_table_holds_twice_or_a_bare_word_stays_unknown(text):
    assert resolve(text, GAZ) is None


def test_every_state_is_known_by_name_and_code():
    assert len(GAZ.states) == 52  # 50 states, DC and Puerto Rico
    for code, place in GAZ.states.items():
        assert state_of(place.name, GAZ) == code and state_of(code, GAZ) == code


def test_the_table_skips_notes_and_refuses_an_unknown_kind():
    text = "# a note\nkind,name,state,lat,lon\ncity,Boston,MA,42.36,-71.06\n"
    assert parse_places(text) == [Place("city", "Boston", "MA", 42.36, -71.06)]
    with pytest.raises(ValueError, match="kind"):
        parse_places("kind,name,state,lat,lon\ntown,Boston,MA,42.36,-71.06\n")


def test_a_city_is_nearer_its_own_state_centre_than_the_far_coast():
    boston, ma, ca = GAZ.cities[("boston", "MA")], GAZ.states["MA"], GAZ.states["CA"]
    assert distance_km(boston, ma) < 100 < distance_km(boston, ca)
