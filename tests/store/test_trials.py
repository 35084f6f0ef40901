"""The trial store behaves the same on SQLite and PostgreSQL: idempotent upserts by id and
last-update date, candidate queries by cancer type, status, setting, age and sex, full-text search."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from secondopinion.case import Cancer, Case, Patient
from secondopinion.store.trials import TrialStore, existing_trial_store
from secondopinion.trials.model import Arm, Criterion, Site, Trial


def make(nct: str, **fields) -> Trial:
    base = {
        "title": f"Study {nct}",
        "status": "RECRUITING",
        "cancer_types": ["nsclc"],
        "conditions": ["Non-small Cell Lung Cancer"],
        "last_update": date(2024, 1, 1),
    }
    return Trial(nct_id=nct, **{**base, **fields})


@pytest.fixture
def store(database_url):
    s = TrialStore.open(database_url)
    yield s
    s.close()


def ids(trials) -> list[str]:
    return [t.nct_id for t in trials]


def test_a_trial_round_trips_with_its_criteria_arms_and_sites(store, kb):
    t = make(
        "NCT00000001",
        eligibility_text="Inclusion Criteria: EGFR exon 19 deletion",
        criteria=[Criterion(inclusion=True, type="biomarker", text="EGFR", gene="EGFR", arm="A")],
        arms=[Arm(id="A", description="osimertinib")],
        sites=[Site(facility="X", city="Boston", state="Massachusetts", latitude=42.3, longitude=-71.1)],
        phase=["PHASE2"],
    )
    store.upsert([t], kb)
    assert store.get("NCT00000001") == t
    assert store.get("NCT09999999") is None


def test_upserts_are_idempotent(store, kb):
    trials = [make(f"NCT0000000{i}") for i in range(1, 4)]
    first = store.upsert(trials, kb)
    again = store.upsert(trials, kb)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert store.count() == 3


def test_an_older_record_never_replaces_a_newer_one(store, kb):
    store.upsert([make("NCT00000001", title="new", last_update=date(2024, 5, 1))], kb)
    result = store.upsert([make("NCT00000001", title="old", last_update=date(2023, 1, 1))], kb)
    assert result.unchanged == 1
    assert store.get("NCT00000001").title == "new"


def test_an_undated_record_never_replaces_a_dated_one(store, kb):
    store.upsert([make("NCT00000001", title="dated", last_update=date(2024, 5, 1))], kb)
    result = store.upsert([make("NCT00000001", title="undated", last_update=None)], kb)
    assert result.unchanged == 1 and store.get("NCT00000001").title == "dated"


def test_a_changed_record_replaces_the_stored_one_and_its_index_entries(store, kb):
    store.upsert([make("NCT00000001", title="Osimertinib study")], kb)
    result = store.upsert(
        [
            make(
                "NCT00000001", title="Lorlatinib study", cancer_types=["breast"], last_update=date(2024, 2, 1)
            )
        ],
        kb,
    )
    assert result.updated == 1
    assert store.get("NCT00000001").title == "Lorlatinib study"
    assert ids(store.search("lorlatinib")) == ["NCT00000001"]
    assert store.search("osimertinib") == []
    breast = Case(cancers=[Cancer(type="breast")])
    lung = Case(cancers=[Cancer(type="nsclc")])
    assert ids(store.candidates(breast, kb)) == ["NCT00000001"]
    assert store.candidates(lung, kb) == []


def test_within_a_batch_the_newest_version_of_an_id_wins(store, kb):
    batch = [
        make("NCT00000001", title="b", last_update=date(2024, 3, 1)),
        make("NCT00000001", title="a", last_update=date(2024, 1, 1)),
    ]
    result = store.upsert(batch, kb)
    assert (result.inserted, result.unchanged) == (1, 1)
    assert store.get("NCT00000001").title == "b"
    assert store.snapshot_date() == date(2024, 3, 1)


def test_candidates_by_type_hierarchy_status_setting_age_and_sex(store, kb):
    metastatic_only = [Criterion(inclusion=True, type="metastatic", text="metastatic", metastatic=True)]
    early_only = [Criterion(inclusion=True, type="metastatic", text="early", metastatic=False)]
    store.upsert(
        [
            make("NCT00000001"),
            make("NCT00000002", cancer_types=["lung"]),
            make("NCT00000003", status="COMPLETED"),
            make("NCT00000004", cancer_types=["breast"]),
            make("NCT00000005", criteria=metastatic_only),
            make("NCT00000006", criteria=early_only),
            make("NCT00000007", min_age=70),
            make("NCT00000008", sex="male"),
            make("NCT00000009", cancer_types=[], conditions=["Advanced Solid Tumors"]),
            make("NCT00000010", cancer_types=[], conditions=["Lymphoma", "Hematologic Malignancies"]),
            make("NCT00000011", cancer_types=[], conditions=["Healthy"]),
        ],
        kb,
    )
    case = Case(patient=Patient(age=62, sex="female"), cancers=[Cancer(type="nsclc", stage_group="IV")])
    assert ids(store.candidates(case, kb)) == ["NCT00000001", "NCT00000002", "NCT00000005", "NCT00000009"]
    assert "NCT00000003" in ids(store.candidates(case, kb, open_only=False))
    vague = Case(cancers=[Cancer(type="lung")])  # an NSCLC trial may fit 'lung cancer'
    assert {"NCT00000001", "NCT00000002", "NCT00000006", "NCT00000007"} <= set(
        ids(store.candidates(vague, kb))
    )
    assert store.candidates(Case(), kb) == []


def test_search_ranks_by_relevance_and_ignores_punctuation(store, kb):
    store.upsert(
        [
            make("NCT00000001", title="Pembrolizumab in lung cancer"),
            make(
                "NCT00000002",
                title="Chemotherapy",
                conditions=["Melanoma"],
                eligibility_text="No prior pembrolizumab allowed.",
            ),
            make("NCT00000003", title="Unrelated", conditions=["Asthma"], cancer_types=[]),
        ],
        kb,
    )
    hits = store.search("pembrolizumab")
    assert ids(hits) == ["NCT00000001", "NCT00000002"]
    assert hits[0].rank >= hits[1].rank
    assert ids(store.search('pembrolizumab "lung')) == ["NCT00000001"]
    assert store.search("zzzz") == []


def test_an_existing_store_is_found_but_never_created(tmp_path: Path, kb):
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    assert existing_trial_store(url) is None
    assert not (tmp_path / "trials.db").exists()
    s = TrialStore.open(url)
    assert existing_trial_store(url) is None  # a store without trials is not worth matching against
    s.upsert([make("NCT00000001")], kb)
    s.close()
    found = existing_trial_store(url)
    assert found is not None and found.count() == 1
    found.close()
