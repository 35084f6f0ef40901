"""Where a patient is and how far a trial site is, without any network service.

A small bundled table (US states, major US cities, ZIP-code prefixes to states) is enough to put
the nearest sites first. It is deliberately coarse: a state or a ZIP code places a patient at the
state's centre, and the result says so rather than pretending to precision it does not have.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from secondopinion.trials.model import Site

DATA = Path(__file__).parent / "data" / "us_places.csv"
EARTH_RADIUS_KM = 6371.0

# First three digits of US ZIP codes by state (USPS allocation; a few enclaves are ignored).
_ZIP3: tuple[tuple[int, int, str], ...] = (
    (6, 9, "PR"), (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"), (50, 59, "VT"),
    (60, 69, "CT"), (70, 89, "NJ"), (100, 149, "NY"), (150, 196, "PA"), (197, 199, "DE"),
    (200, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"), (247, 268, "WV"), (270, 289, "NC"),
    (290, 299, "SC"), (300, 319, "GA"), (320, 349, "FL"), (350, 369, "AL"), (370, 385, "TN"),
    (386, 397, "MS"), (400, 427, "KY"), (430, 458, "OH"), (460, 479, "IN"), (480, 499, "MI"),
    (500, 528, "IA"), (530, 549, "WI"), (550, 567, "MN"), (570, 577, "SD"), (580, 588, "ND"),
    (590, 599, "MT"), (600, 629, "IL"), (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"),
    (700, 714, "LA"), (716, 729, "AR"), (730, 749, "OK"), (750, 799, "TX"), (800, 816, "CO"),
    (820, 831, "WY"), (832, 838, "ID"), (840, 847, "UT"), (850, 865, "AZ"), (870, 884, "NM"),
    (889, 898, "NV"), (900, 961, "CA"), (967, 968, "HI"), (970, 979, "OR"), (980, 994, "WA"),
    (995, 999, "AK"),
)  # fmt: skip
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
_US = re.compile(r",?\s*\b(?:usa|u\.s\.a\.?|u\.s\.?|united states(?: of america)?)\s*$", re.I)


@dataclass(frozen=True)
class Place:
    label: str
    lat: float
    lon: float
    precision: str  # "site" (from the record), "city" or "state"


@dataclass(frozen=True)
class Gazetteer:
    states: dict[str, Place]  # by two-letter code
    state_codes: dict[str, str]  # lowercase name or code -> code
    cities: dict[tuple[str, str], Place]  # (lowercase city, state code)
    city_states: dict[str, tuple[str, ...]]  # lowercase city -> state codes having it


def _key(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"^(?:saint|st\.?)\s", "st. ", text)


def load_gazetteer(path: Path = DATA) -> Gazetteer:
    states: dict[str, Place] = {}
    codes: dict[str, str] = {}
    cities: dict[tuple[str, str], Place] = {}
    by_city: dict[str, list[str]] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for row in csv.DictReader(lines):
        lat, lon = float(row["lat"]), float(row["lon"])
        code = row["state"]
        if row["kind"] == "state":
            states[code] = Place(row["name"], lat, lon, "state")
            codes[row["name"].lower()] = code
            codes[code.lower()] = code
        else:
            key = _key(row["name"])
            cities[(key, code)] = Place(f"{row['name']}, {code}", lat, lon, "city")
            by_city.setdefault(key, []).append(code)
    return Gazetteer(states, codes, cities, {k: tuple(v) for k, v in by_city.items()})


@cache
def default_gazetteer() -> Gazetteer:
    """The bundled table, read once per process (it never changes)."""
    return load_gazetteer()


def _zip_state(zip5: str) -> str | None:
    prefix = int(zip5[:3])
    return next((s for lo, hi, s in _ZIP3 if lo <= prefix <= hi), None)


def _state_code(text: str, gaz: Gazetteer) -> str | None:
    return gaz.state_codes.get(_key(text).rstrip("."))


def locate(text: str | None, gaz: Gazetteer) -> Place | None:
    """A place for 'Boston, MA', 'Houston, Texas', 'Ohio', 'Chicago' or a US ZIP code; None when
    the text names nothing in the table (the matcher then simply does not rank by distance)."""
    if not text or not text.strip():
        return None
    text = _US.sub("", text.strip()).strip(" ,")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if zm := _ZIP.search(text):
        parts = [p for p in (_ZIP.sub("", p).strip() for p in parts) if p]
        state = _zip_state(zm.group(1))
        if state and parts:
            hit = gaz.cities.get((_key(parts[0]), state))
            if hit:
                return hit
        if state:
            s = gaz.states[state]
            return Place(f"ZIP {zm.group(1)} ({s.label})", s.lat, s.lon, "state")
    if not parts:
        return None
    if len(parts) >= 2:
        state = _state_code(parts[-1], gaz) or _state_code(parts[-1].split()[0], gaz)
        if state:
            hit = gaz.cities.get((_key(parts[0]), state))
            return hit or gaz.states[state]
    only = parts[0]
    if state := _state_code(only, gaz):
        return gaz.states[state]
    # 'Boston MA' without a comma
    words = only.rsplit(" ", 1)
    if len(words) == 2 and (state := _state_code(words[1], gaz)):
        hit = gaz.cities.get((_key(words[0]), state))
        if hit:
            return hit
    homes = gaz.city_states.get(_key(only), ())
    if len(homes) == 1:
        return gaz.cities[(_key(only), homes[0])]
    return None


def site_place(site: Site, gaz: Gazetteer) -> Place | None:
    """Coordinates from the record when it has them, else the site's city or state from the table."""
    label = ", ".join(x for x in (site.facility, site.city, site.state, site.country) if x)
    if site.latitude is not None and site.longitude is not None:
        return Place(label, site.latitude, site.longitude, "site")
    if site.country and site.country.strip().lower() not in ("united states", "usa", "us"):
        return None
    if site.city and site.state and (state := _state_code(site.state, gaz)):
        hit = gaz.cities.get((_key(site.city), state))
        if hit:
            return Place(label, hit.lat, hit.lon, "city")
    if site.state and (state := _state_code(site.state, gaz)):
        s = gaz.states[state]
        return Place(label, s.lat, s.lon, "state")
    return None


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


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


_OPEN_SITE = {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"}
