"""Placing trial sites: the record's own coordinates first, then its city or state; open sites first."""

from __future__ import annotations

from secondopinion.places import bundled_gazetteer, resolve
from secondopinion.trials.geo import nearest_site, site_place
from secondopinion.trials.model import Site

GAZ = bundled_gazetteer()


def test_a_site_is_placed_by_its_coordinates_then_its_city_then_its_state():
    exact = site_place(Site(city="Boston", state="MA", latitude=42.34, longitude=-71.1), GAZ)
    assert exact is not None and exact.kind == "site" and (exact.lat, exact.lon) == (42.34, -71.1)
    city = site_place(Site(city="Houston", state="Texas", country="United States"), GAZ)
    assert city is not None and city.label == "Houston, TX"
    state = site_place(Site(city="Nowhere Town", state="Texas"), GAZ)
    assert state is not None and state.kind == "state" and state.state == "TX"


def test_a_site_abroad_or_without_a_state_is_not_placed():
    assert site_place(Site(city="Paris", country="France"), GAZ) is None
    assert site_place(Site(city="Houston"), GAZ) is None


def test_an_open_site_wins_over_a_nearer_closed_one():
    origin = resolve("Boston, MA", GAZ)
    assert origin is not None
    closed = Site(facility="near", city="Boston", state="MA", status="COMPLETED")
    open_ = Site(facility="far", city="Houston", state="TX", status="Recruiting")
    hit = nearest_site(origin, [closed, open_], GAZ)
    assert hit is not None and hit[0] == open_ and hit[1] > 2000
    assert nearest_site(origin, [Site(city="Paris", country="France")], GAZ) is None
