"""Who has the experience for this cancer: centres and reviewers ranked for one case. Pure.

Order of preference, and why: a child goes to centres that treat children; for a rare cancer
(fewer than 6 new cases per 100,000 a year) experience matters more than distance, so NCI
Comprehensive centres and known high-volume programmes come first and distance only breaks ties;
for common cancers good care is widely available, so the nearest centres come first.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.places import Gazetteer, Place, distance_km, resolve
from secondopinion.specialists.directory import Centre, Directory, ReviewerProfile

RARE_PER_100K = 6.0
KM_PER_MILE = 1.609344


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CentreMatch(Out):
    centre: Centre
    distance_km: float | None = None
    reasons: list[str] = Field(default_factory=list)


class ReviewerMatch(Out):
    reviewer: ReviewerProfile
    exact: bool = Field(description="specialises in this exact cancer type, not only its family")
    distance_km: float | None = None
    licensed_where_patient_lives: bool = False
    reasons: list[str] = Field(default_factory=list)


class SpecialistMatches(Out):
    cancer_type: str | None
    cancer_name: str
    rare: bool
    incidence_per_100k: float | None = None
    child: bool = False
    location: str | None = Field(default=None, description="the location as given")
    place: str | None = Field(default=None, description="the place it was resolved to, if any")
    reviewers: list[ReviewerMatch] = Field(default_factory=list)
    centres: list[CentreMatch] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _family(cancer_type: str | None, kb: KnowledgeBase) -> list[str]:
    """The type and its broader types (nsclc -> lung), nearest first."""
    out: list[str] = []
    current = cancer_type
    while current and current not in out:
        out.append(current)
        ct = kb.cancers.get(current)
        current = ct.parent if ct else None
    return out


def _miles(km: float) -> str:
    return f"about {round(km / KM_PER_MILE):,} miles ({round(km):,} km)"


def _centre_ok_for_age(centre: Centre, child: bool | None) -> bool:
    if child:
        return True
    return centre.ages != "paediatric"


def _rank_centres(
    centres: list[Centre],
    family: list[str],
    rare: bool,
    child: bool | None,
    here: Place | None,
    gaz: Gazetteer,
) -> list[CentreMatch]:
    scored = []
    for c in centres:
        if not _centre_ok_for_age(c, child):
            continue
        if c.cancer_types and not set(c.cancer_types) & set(family):
            continue
        where = gaz.cities.get((c.city.lower(), c.state)) or resolve(c.place, gaz)
        dist = distance_km(here, where) if here and where else None
        reasons = [f"NCI-designated {c.tier} Cancer Center" + ("" if c.verified else " (tier not confirmed)")]
        specialised = bool(c.cancer_types)
        if specialised:
            reasons.append("has a dedicated programme for this cancer")
        if c.yearly_new_patients:
            reasons.append(f"sees about {c.yearly_new_patients:,} new patients a year")
        if child and c.ages in ("paediatric", "all"):
            reasons.append("treats children")
        if dist is not None and here is not None:
            reasons.append(f"in or near {here.label}" if dist < 16 else f"{_miles(dist)} from {here.label}")
        child_fit = 0 if not child or c.ages in ("paediatric", "all") else 1
        tier = 0 if c.tier == "Comprehensive" else 1
        far = dist if dist is not None else float("inf")
        volume = -(c.yearly_new_patients or 0)
        if rare:
            key: tuple = (child_fit, not specialised, tier, volume, not c.verified, far, c.name)
        elif here is not None:
            key = (child_fit, round(far / 25), tier, not specialised, c.name)
        else:
            key = (child_fit, not specialised, tier, not c.verified, c.name)
        scored.append((key, CentreMatch(centre=c, distance_km=dist, reasons=reasons)))
    return [m for _, m in sorted(scored, key=lambda kv: kv[0])]


def _rank_reviewers(
    reviewers: list[ReviewerProfile],
    family: list[str],
    rare: bool,
    here: Place | None,
    gaz: Gazetteer,
    language: str | None,
    kb: KnowledgeBase,
) -> list[ReviewerMatch]:
    scored = []
    for r in reviewers:
        hit = [t for t in family if t in r.specialties]
        if not hit:
            continue
        exact = hit[0] == family[0]
        where = resolve(r.location, gaz)
        dist = distance_km(here, where) if here and where else None
        licensed = bool(here and r.licence_state and r.licence_state == here.state)
        speaks = language is None or language.lower() in r.languages
        name = kb.cancers[hit[0]].name if hit[0] in kb.cancers else hit[0]
        reasons = [f"specialises in {name}" if exact else f"specialises in the wider group ({name})"]
        if r.subspecialty:
            reasons.append(r.subspecialty)
        if r.yearly_case_volume:
            reasons.append(f"reviews about {r.yearly_case_volume:,} cases a year")
        if licensed:
            reasons.append(f"licensed in {here.state if here else ''}")
        if language and speaks:
            reasons.append(f"speaks {language}")
        if dist is not None:
            reasons.append(_miles(dist))
        far = dist if dist is not None else float("inf")
        volume = -(r.yearly_case_volume or 0)
        if rare:
            key: tuple = (not exact, not speaks, volume, not licensed, far, r.name, r.id)
        else:
            key = (not exact, not speaks, not licensed, volume, far, r.name, r.id)
        scored.append(
            (
                key,
                ReviewerMatch(
                    reviewer=r,
                    exact=exact,
                    distance_km=dist,
                    licensed_where_patient_lives=licensed,
                    reasons=reasons,
                ),
            )
        )
    return [m for _, m in sorted(scored, key=lambda kv: kv[0])]


def match_specialists(
    case: Case,
    kb: KnowledgeBase,
    directory: Directory,
    gazetteer: Gazetteer,
    *,
    location: str | None = None,
    language: str | None = None,
    limit: int = 10,
) -> SpecialistMatches:
    """Reviewers and centres with the experience for the case's primary cancer, best first."""
    cancer = case.primary
    ctype = cancer.type if cancer else None
    known = kb.cancers.get(ctype) if ctype else None
    per_100k = known.incidence.per_100k if known and known.incidence else None
    rare = per_100k is not None and per_100k < RARE_PER_100K
    age = case.patient.age
    child = None if age is None else age < 18
    given = location or case.patient.location
    here = resolve(given, gazetteer)
    family = _family(ctype, kb)
    notes: list[str] = []
    if rare:
        notes.append(
            f"{known.name if known else 'This cancer'} is rare (about {per_100k:g} new cases per 100,000 "
            "people a year). Experience matters more than distance. A centre that sees many such cases is "
            "worth the trip, at least for the second opinion."
        )
    if given and here is None:
        notes.append(f"The location '{given}' was not recognised; centres are listed without distances.")
    if not given:
        notes.append("No location was given; add a city and state to list the nearest centres first.")
    if child:
        notes.append("Children and teenagers are best seen at centres with a children's cancer programme.")
    if any(not c.verified for c in directory.centres):
        notes.append("The NCI list changes over time; check a centre's current designation at cancer.gov.")
    centres = _rank_centres(directory.centres, family, rare, child, here, gazetteer) if family else []
    reviewers = (
        _rank_reviewers(directory.reviewers, family, rare, here, gazetteer, language, kb) if family else []
    )
    return SpecialistMatches(
        cancer_type=ctype,
        cancer_name=known.name if known else (ctype or "cancer"),
        rare=rare,
        incidence_per_100k=per_100k,
        child=bool(child),
        location=given,
        place=here.label if here else None,
        reviewers=reviewers[:limit],
        centres=centres[:limit],
        notes=notes,
    )
