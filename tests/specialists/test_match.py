"""Who has the experience: rare cancers to high-volume Comprehensive centres, common cancers to
the nearest centres, children to children's programmes, reviewers by exact specialty."""

from __future__ import annotations

import pytest

from secondopinion.case import Cancer, Case, Patient
from secondopinion.specialists.data import bundled_gazetteer, default_directory
from secondopinion.specialists.directory import Centre, Directory, ReviewerProfile
from secondopinion.specialists.match import match_specialists

GAZ = bundled_gazetteer()


def case(ctype: str, age: int | None = 60, location: str | None = None) -> Case:
    return Case(patient=Patient(age=age, location=location), cancers=[Cancer(type=ctype)])


def test_common_cancer_with_a_location_lists_the_nearest_first(kb):
    found = match_specialists(case("breast", location="Austin, TX"), kb, default_directory(), GAZ)
    assert not found.rare and found.place == "Austin, TX"
    distances = [m.distance_km for m in found.centres]
    assert distances == sorted(distances, key=lambda d: round(d / 25))
    assert found.centres[0].centre.city == "San Antonio"


def test_rare_cancer_puts_comprehensive_centres_first_even_when_farther(kb):
    found = match_specialists(
        case("soft_tissue_sarcoma", location="Austin, TX"), kb, default_directory(), GAZ
    )
    assert found.rare and found.incidence_per_100k is not None and found.incidence_per_100k < 6
    tiers = [m.centre.tier for m in found.centres]
    assert tiers[0] == "Comprehensive" and "Clinical" not in tiers[: tiers.count("Comprehensive")]
    assert found.centres[0].centre.state == "TX"  # among equals, distance still decides
    assert any("rare" in n for n in found.notes)


def test_a_centre_with_a_dedicated_programme_leads_for_a_rare_cancer(kb):
    special = Centre(
        id="s",
        name="Sarcoma Institute",
        city="Seattle",
        state="WA",
        tier="Comprehensive",
        cancer_types=["soft_tissue_sarcoma"],
        yearly_new_patients=900,
    )
    directory = Directory(centres=[*default_directory().centres, special])
    found = match_specialists(case("soft_tissue_sarcoma", location="Miami, FL"), kb, directory, GAZ)
    assert found.centres[0].centre.id == "s"
    assert "has a dedicated programme for this cancer" in found.centres[0].reasons
    other = match_specialists(case("breast"), kb, directory, GAZ)
    assert "s" not in {m.centre.id for m in other.centres}


def test_adults_are_never_sent_to_a_childrens_hospital_and_children_go_there_first(kb):
    adult = match_specialists(case("hodgkin", age=40), kb, default_directory(), GAZ, limit=100)
    assert "st-jude" not in {m.centre.id for m in adult.centres}
    child = match_specialists(case("hodgkin", age=9, location="Nashville, TN"), kb, default_directory(), GAZ)
    assert child.child and child.centres[0].centre.ages in ("paediatric", "all")
    assert child.centres[0].centre.id == "st-jude"


def test_unknown_or_missing_location_is_said_and_centres_still_listed(kb):
    found = match_specialists(case("breast", location="Atlantis"), kb, default_directory(), GAZ)
    assert found.place is None and any("Atlantis" in n for n in found.notes)
    assert found.centres and all(m.distance_km is None for m in found.centres)
    assert found.centres[0].centre.tier == "Comprehensive"
    none = match_specialists(case("breast"), kb, default_directory(), GAZ)
    assert any("No location" in n for n in none.notes)


def test_location_argument_overrides_the_case(kb):
    found = match_specialists(
        case("breast", location="Austin, TX"), kb, default_directory(), GAZ, location="Seattle, WA"
    )
    assert found.centres[0].centre.city == "Seattle"


REVIEWERS = [
    ReviewerProfile(
        id="a",
        name="Dr Lung",
        specialties=["lung"],
        yearly_case_volume=900,
        location="Boston, MA",
        licence_jurisdiction="US-MA",
    ),
    ReviewerProfile(
        id="b",
        name="Dr NSCLC",
        specialties=["nsclc"],
        yearly_case_volume=100,
        licence_jurisdiction="US-TX",
        location="Houston, TX",
    ),
    ReviewerProfile(
        id="c",
        name="Dr NSCLC Two",
        specialties=["nsclc"],
        yearly_case_volume=300,
        licence_jurisdiction="US-NY",
        languages=["en", "es"],
    ),
    ReviewerProfile(id="d", name="Dr Breast", specialties=["breast"], yearly_case_volume=5000),
]


@pytest.fixture
def directory() -> Directory:
    return default_directory(REVIEWERS)


def test_reviewers_with_the_exact_specialty_come_before_the_wider_group(kb, directory):
    found = match_specialists(case("nsclc"), kb, directory, GAZ)
    assert [m.reviewer.id for m in found.reviewers] == ["c", "b", "a"]
    assert [m.exact for m in found.reviewers] == [True, True, False]


def test_a_reviewer_licensed_where_the_patient_lives_comes_first_for_a_common_cancer(kb, directory):
    found = match_specialists(case("nsclc", location="Dallas, TX"), kb, directory, GAZ)
    assert found.reviewers[0].reviewer.id == "b" and found.reviewers[0].licensed_where_patient_lives


def test_language_preference_is_honoured(kb, directory):
    found = match_specialists(case("nsclc", location="Dallas, TX"), kb, directory, GAZ, language="es")
    assert found.reviewers[0].reviewer.id == "c" and "speaks es" in found.reviewers[0].reasons


def test_no_cancer_type_means_no_matches(kb, directory):
    found = match_specialists(Case(cancers=[Cancer(histology="carcinoma")]), kb, directory, GAZ)
    assert found.centres == [] and found.reviewers == []
