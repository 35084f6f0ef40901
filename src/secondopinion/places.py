"""Where is the patient, and how far is a trial site or a cancer centre? One offline table of places.

No network and no geocoder: a small bundled table (US states, major US cities, ZIP-code prefixes to
states) is enough to put the nearest places first. It is deliberately coarse: a state or a ZIP code
places a patient at the state's centre (the place's `kind` says so), and a location the table does
not know stays unknown, so callers rank without distances rather than guess. Trial matching and the
specialist directory both read places here, so a city known to one is known to the other.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

EARTH_RADIUS_KM = 6371.0

# First three digits of a ZIP code -> state (USPS prefix ranges; gaps are unassigned prefixes).
_ZIP3: tuple[tuple[int, int, str], ...] = (
    (6, 9, "PR"), (10, 27, "MA"), (28, 29, "RI"), (30, 38, "NH"), (39, 49, "ME"), (50, 54, "VT"),
    (55, 55, "MA"), (56, 59, "VT"), (60, 69, "CT"), (70, 89, "NJ"), (100, 149, "NY"), (150, 196, "PA"),
    (197, 199, "DE"), (200, 205, "DC"), (206, 219, "MD"), (220, 246, "VA"), (247, 268, "WV"),
    (270, 289, "NC"), (290, 299, "SC"), (300, 319, "GA"), (320, 349, "FL"), (350, 369, "AL"),
    (370, 385, "TN"), (386, 397, "MS"), (398, 399, "GA"), (400, 427, "KY"), (430, 459, "OH"),
    (460, 479, "IN"), (480, 499, "MI"), (500, 528, "IA"), (530, 549, "WI"), (550, 567, "MN"),
    (569, 569, "DC"), (570, 577, "SD"), (580, 588, "ND"), (590, 599, "MT"), (600, 629, "IL"),
    (630, 658, "MO"), (660, 679, "KS"), (680, 693, "NE"), (700, 714, "LA"), (716, 729, "AR"),
    (730, 749, "OK"), (750, 799, "TX"), (800, 816, "CO"), (820, 831, "WY"), (832, 838, "ID"),
    (840, 847, "UT"), (850, 865, "AZ"), (870, 884, "NM"), (885, 885, "TX"), (889, 898, "NV"),
    (900, 961, "CA"), (967, 968, "HI"), (970, 979, "OR"), (980, 994, "WA"), (995, 999, "AK"),
)  # fmt: skip
_US = re.compile(r",?\s*\b(?:usa|u\.s\.a\.?|u\.s\.?|united states(?: of america)?)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class Place:
    """A point and how precise it is: a site's own coordinates, a city, or a state's centre."""

    kind: Literal["site", "city", "state"]
    name: str
    state: str | None  # two-letter code; None for a site placed only by its record's coordinates
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}" if self.kind == "city" else self.name


@dataclass(frozen=True)
class Gazetteer:
    """Places indexed for lookup: states by code and name, cities by (name key, state)."""

    states: dict[str, Place]
    state_names: dict[str, str]
    cities: dict[tuple[str, str], Place]

    @classmethod
    def from_places(cls, places: list[Place]) -> Gazetteer:
        states = {p.state: p for p in places if p.kind == "state" and p.state}
        return cls(
            states=states,
            state_names={_key(p.name): code for code, p in states.items()},
            cities={(_key(p.name), p.state): p for p in places if p.kind == "city" and p.state},
        )

    def city(self, name: str, state: str) -> Place | None:
        return self.cities.get((_key(name), state))


def parse_places(text: str) -> list[Place]:
    """Places from CSV text (columns kind,name,state,lat,lon; lines starting with '#' are notes)."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    places = []
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        if r["kind"] not in ("city", "state"):
            raise ValueError(f"place table: kind must be city or state, not {r['kind']!r}")
        places.append(Place(r["kind"], r["name"], r["state"], float(r["lat"]), float(r["lon"])))
    return places


@cache
def bundled_gazetteer() -> Gazetteer:
    """The bundled table, read once per process (it never changes)."""
    text = resources.files("secondopinion").joinpath("data", "us_places.csv").read_text(encoding="utf-8")
    return Gazetteer.from_places(parse_places(text))


def _key(name: str) -> str:
    name = name.lower().replace("saint ", "st. ").replace("st ", "st. ")
    return re.sub(r"[^a-z.]+", " ", name).strip()


def zip_state(code: str) -> str | None:
    """The state of a 5-digit ZIP code from its first three digits."""
    if not re.fullmatch(r"\d{5}", code):
        return None
    prefix = int(code[:3])
    return next((st for lo, hi, st in _ZIP3 if lo <= prefix <= hi), None)


def resolve(location: str | None, gaz: Gazetteer) -> Place | None:
    """The best known place for a free-text location: 'Austin, TX', 'Ohio', '02115', 'Boston MA',
    'Houston, Texas, USA'.

    A city without a state is resolved only when the name is unique in the table.
    """
    if not location or not location.strip():
        return None
    text = _US.sub("", location.strip()).strip(" ,")
    zips = re.findall(r"\b\d{5}\b", text)
    state_from_zip = zip_state(zips[0]) if zips else None
    words = re.sub(r"\b\d{5}(-\d{4})?\b", " ", text)
    parts = [p.strip() for p in re.split(r"[,;/]", words) if p.strip()]
    state: str | None = None
    city_part: str | None = None
    if parts:
        last = parts[-1]
        tail = re.fullmatch(r"(.*?)[\s]+([A-Za-z]{2})", last)
        # after a comma, a lone 'or' or 'in' can only be a state ('Portland, or')
        code = last.upper() if len(parts) > 1 and last.upper() in gaz.states else state_of(last, gaz)
        if code:
            state = code
            city_part = parts[-2] if len(parts) > 1 else None
        elif tail and tail.group(2).upper() in gaz.states and (len(parts) == 1 or tail.group(1)):
            state, city_part = tail.group(2).upper(), tail.group(1)
        else:
            for size in (2, 1):
                ws = last.split()
                if len(ws) > size and state_of(" ".join(ws[-size:]), gaz):
                    state = state_of(" ".join(ws[-size:]), gaz)
                    city_part = " ".join(ws[:-size])
                    break
            else:
                city_part = last if len(parts) == 1 else parts[0]
    state = state or state_from_zip
    if city_part:
        key = _key(city_part)
        if state and (key, state) in gaz.cities:
            return gaz.cities[(key, state)]
        if not state:
            found = [p for (k, _), p in gaz.cities.items() if k == key]
            if len(found) == 1:
                return found[0]
    return gaz.states.get(state) if state else None


def state_of(text: str, gaz: Gazetteer) -> str | None:
    """The two-letter code of a state named or abbreviated in `text` ('Texas', 'TX'); a lowercase
    'in', 'or' or 'me' is read as the word, not as Indiana, Oregon or Maine."""
    t = text.strip()
    if len(t) == 2 and t.upper() in gaz.states and (t.isupper() or t.upper() not in {"IN", "OR", "ME"}):
        return t.upper()
    key = _key(t)
    if key.startswith("us "):
        key = key[3:]
    return gaz.state_names.get(key)


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
