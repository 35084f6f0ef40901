"""Where is the patient? A small offline gazetteer of US states and cities, and distances.

No network and no geocoder: a location the table does not know stays unknown, and the matcher
then orders by experience alone. Coordinates are approximate (about 0.1 degree).
"""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

EARTH_RADIUS_KM = 6371.0

# First three digits of a ZIP code -> state (USPS prefix ranges; gaps are unassigned prefixes).
_ZIP3: tuple[tuple[int, int, str], ...] = (
    (6, 9, "PR"),
    (10, 27, "MA"),
    (28, 29, "RI"),
    (30, 38, "NH"),
    (39, 49, "ME"),
    (50, 54, "VT"),
    (55, 55, "MA"),
    (56, 59, "VT"),
    (60, 69, "CT"),
    (70, 89, "NJ"),
    (100, 149, "NY"),
    (150, 196, "PA"),
    (197, 199, "DE"),
    (200, 205, "DC"),
    (206, 219, "MD"),
    (220, 246, "VA"),
    (247, 268, "WV"),
    (270, 289, "NC"),
    (290, 299, "SC"),
    (300, 319, "GA"),
    (320, 349, "FL"),
    (350, 369, "AL"),
    (370, 385, "TN"),
    (386, 397, "MS"),
    (398, 399, "GA"),
    (400, 427, "KY"),
    (430, 459, "OH"),
    (460, 479, "IN"),
    (480, 499, "MI"),
    (500, 528, "IA"),
    (530, 549, "WI"),
    (550, 567, "MN"),
    (569, 569, "DC"),
    (570, 577, "SD"),
    (580, 588, "ND"),
    (590, 599, "MT"),
    (600, 629, "IL"),
    (630, 658, "MO"),
    (660, 679, "KS"),
    (680, 693, "NE"),
    (700, 714, "LA"),
    (716, 729, "AR"),
    (730, 749, "OK"),
    (750, 799, "TX"),
    (800, 816, "CO"),
    (820, 831, "WY"),
    (832, 838, "ID"),
    (840, 847, "UT"),
    (850, 865, "AZ"),
    (870, 884, "NM"),
    (885, 885, "TX"),
    (889, 898, "NV"),
    (900, 961, "CA"),
    (967, 968, "HI"),
    (970, 979, "OR"),
    (980, 994, "WA"),
    (995, 999, "AK"),
)


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["state", "city"]
    name: str
    state: str
    lat: float
    lon: float

    @property
    def label(self) -> str:
        return self.name if self.kind == "state" else f"{self.name}, {self.state}"


class Gazetteer(BaseModel):
    """Places indexed for lookup: states by code and name, cities by (name, state)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    states: dict[str, Place]
    state_names: dict[str, str]
    cities: dict[tuple[str, str], Place]

    @classmethod
    def from_places(cls, places: list[Place]) -> Gazetteer:
        states = {p.state: p for p in places if p.kind == "state"}
        return cls(
            states=states,
            state_names={_key(p.name): p.state for p in states.values()},
            cities={(_key(p.name), p.state): p for p in places if p.kind == "city"},
        )


def parse_places(text: str) -> list[Place]:
    """Places from CSV text (columns kind,name,state,lat,lon)."""
    return [
        Place(kind=r["kind"], name=r["name"], state=r["state"], lat=float(r["lat"]), lon=float(r["lon"]))
        for r in csv.DictReader(io.StringIO(text))
    ]


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
    """The best known place for a free-text location: 'Austin, TX', 'Ohio', '02115', 'Boston MA'.

    A city without a state is resolved only when the name is unique in the table.
    """
    if not location or not location.strip():
        return None
    text = location.strip()
    zips = re.findall(r"\b\d{5}\b", text)
    state_from_zip = zip_state(zips[0]) if zips else None
    words = re.sub(r"\b\d{5}(-\d{4})?\b", " ", text)
    parts = [p.strip() for p in re.split(r"[,;/]", words) if p.strip()]
    state: str | None = None
    city_part: str | None = None
    if parts:
        last = parts[-1]
        tail = re.fullmatch(r"(.*?)[\s]+([A-Za-z]{2})", last)
        if _state_of(last, gaz):
            state = _state_of(last, gaz)
            city_part = parts[-2] if len(parts) > 1 else None
        elif tail and tail.group(2).upper() in gaz.states and (len(parts) == 1 or tail.group(1)):
            state, city_part = tail.group(2).upper(), tail.group(1)
        else:
            for size in (2, 1):
                ws = last.split()
                if len(ws) > size and _state_of(" ".join(ws[-size:]), gaz):
                    state = _state_of(" ".join(ws[-size:]), gaz)
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


def _state_of(text: str, gaz: Gazetteer) -> str | None:
    t = text.strip()
    if len(t) == 2 and t.upper() in gaz.states and (t.isupper() or t.upper() not in {"IN", "OR", "ME"}):
        return t.upper()
    key = _key(t)
    if key.startswith("us "):
        key = key[3:]
    return gaz.state_names.get(key)


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
