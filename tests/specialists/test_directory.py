"""The bundled directory: NCI-designated centres that treat patients, checked and located."""

from __future__ import annotations

import pytest

from secondopinion.errors import InputError
from secondopinion.places import resolve
from secondopinion.specialists.data import bundled_centres, bundled_gazetteer
from secondopinion.specialists.directory import ReviewerProfile, parse_centres


def test_every_centre_is_unique_and_has_a_known_place():
    centres = bundled_centres()
    assert len(centres) == 68
    assert len({c.id for c in centres}) == len(centres)
    gaz = bundled_gazetteer()
    for c in centres:
        place = resolve(c.place, gaz)
        assert place is not None and place.kind == "city" and place.state == c.state, c.place


def test_census_place_names_were_corrected():
    cities = {c.city for c in bundled_centres()}
    for wrong in (
        "urban honolulu",
        "indianapolis city",
        "lexington-fayette",
        "nashville-davidson",
        "manhattan",
    ):
        assert wrong not in {x.lower() for x in cities}
    assert {"Honolulu", "Indianapolis", "Lexington", "Nashville", "New York"} <= cities


def test_doubtful_rows_are_flagged_not_hidden():
    doubtful = {c.id: c.note for c in bundled_centres() if not c.verified}
    assert doubtful and all(note for note in doubtful.values())


def test_the_childrens_hospital_is_marked_paediatric():
    st_jude = next(c for c in bundled_centres() if c.id == "st-jude")
    assert st_jude.ages == "paediatric" and st_jude.tier == "Comprehensive"


def test_parse_centres_refuses_bad_files_in_one_line():
    with pytest.raises(InputError, match="needs the columns"):
        parse_centres("name,city\nx,y\n")
    with pytest.raises(InputError, match="line 2"):
        parse_centres("id,name,city,state,tier\na,A,Town,XX1,Comprehensive\n")
    with pytest.raises(InputError, match="duplicate"):
        parse_centres("id,name,city,state,tier\na,A,T,TX,Clinical\na,B,T,TX,Clinical\n")


def test_reviewer_licence_state():
    r = ReviewerProfile(
        id="r", name="Dr R", specialties=["nsclc"], licence_jurisdiction="US-ma", languages=["EN", " es"]
    )
    assert r.licence_state == "MA" and r.languages == ["en", "es"]
    assert (
        ReviewerProfile(id="r", name="R", specialties=["nsclc"], licence_jurisdiction="UK-GMC").licence_state
        is None
    )
