"""How far a trial site is from the patient: the site's place, and the nearest open site.

Places, the bundled table and distances live in secondopinion.places (shared with the specialist
directory); this module adds only what is particular to trial records: a site may carry its own
coordinates, and a closed site should not win over an open one.
"""

from __future__ import annotations

from secondopinion.places import Gazetteer, Place, distance_km, state_of
from secondopinion.trials.model import Site

_OPEN_SITE = {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}


def site_place(site: Site, gaz: Gazetteer) -> Place | None:
    """Coordinates from the record when it has them, else the site's city or state from the table."""
    if site.latitude is not None and site.longitude is not None:
        label = ", ".join(x for x in (site.facility, site.city, site.state, site.country) if x)
        return Place("site", label, None, site.latitude, site.longitude)
    if site.country and site.country.strip().lower() not in ("united states", "usa", "us"):
        return None
    state = state_of(site.state, gaz) if site.state else None
    if state is None:
        return None
    return (gaz.city(site.city, state) if site.city else None) or gaz.states[state]


def nearest_site(origin: Place, sites: list[Site], gaz: Gazetteer) -> tuple[Site, float] | None:
    """The closest site that can be placed (recruiting sites preferred), with its distance."""
    best: tuple[bool, float, int] | None = None
    chosen: tuple[Site, float] | None = None
    for i, site in enumerate(sites):
        place = site_place(site, gaz)
        if place is None:
            continue
        km = distance_km(origin, place)
        status = (site.status or "").strip().upper().replace(" ", "_")
        closed = bool(status) and status not in _OPEN_SITE
        key = (closed, km, i)
        if best is None or key < best:
            best, chosen = key, (site, km)
    return chosen
