"""`secondopinion trials import|match` and the trials section of `review`, as a user meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.store.trials import TrialStore
from secondopinion.trials.model import Criterion, Site, Trial

CASE = (
    "patient: {age: 62, sex: female, ecog: 1, location: 'Boston, MA'}\n"
    "cancer: {type: nsclc, stage_group: IV, histology: adenocarcinoma, metastatic_sites: [bone]}\n"
    "biomarkers: [{name: EGFR, status: positive, detail: exon 19 deletion}]\n"
    "plan: [{modality: targeted_therapy, drugs: [osimertinib]}]\n"
)


def run(*args: str, home: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SECONDOPINION_DATABASE_URL"}
    env["SECONDOPINION_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        check=False,
        env=env,
        text=stdin is None,
    )


def trials() -> list[Trial]:
    egfr = Criterion(inclusion=True, type="biomarker", text="EGFR exon 19 deletion or L858R", gene="EGFR")
    alk = Criterion(inclusion=True, type="biomarker", text="ALK rearrangement", gene="ALK")
    no_egfr = Criterion(
        inclusion=False,
        type="biomarker",
        text="Known EGFR mutation",
        gene="EGFR",
        biomarker_status="positive",
    )
    boston = Site(facility="Center B", city="Boston", state="Massachusetts", country="United States")
    common = {"status": "RECRUITING", "cancer_types": ["nsclc"], "conditions": ["NSCLC"], "phase": ["PHASE2"]}
    return [
        Trial(nct_id="NCT00000001", title="EGFR study", criteria=[egfr], sites=[boston],
              last_update=date(2024, 3, 1), **common),
        Trial(nct_id="NCT00000002", title="ALK study", criteria=[alk],
              last_update=date(2024, 2, 1), **common),
        Trial(nct_id="NCT00000003", title="EGFR wild-type study", criteria=[no_egfr],
              last_update=date(2024, 1, 1), **common),
        Trial(nct_id="NCT00000004", title="Closed study", last_update=date(2024, 1, 1),
              **{**common, "status": "COMPLETED"}),
    ]  # fmt: skip


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def stocked(home: Path) -> Path:
    """A home folder whose default trial store holds the trials above."""
    home.mkdir()
    store = TrialStore.open(f"sqlite:///{home / 'secondopinion.db'}")
    store.upsert(trials(), default_knowledge_base())
    store.close()
    return home


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    p = tmp_path / "case.yaml"
    p.write_text(CASE)
    return p


def test_match_ranks_trials_and_records_ids_and_snapshot_dates(stocked, case_file):
    out = run("trials", "match", str(case_file), "--format", "json", home=stocked)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    ids = [m["nct_id"] for m in doc["matches"]]
    assert ids == ["NCT00000001", "NCT00000002", "NCT00000003"]  # closed trial never shown
    first, second, last = doc["matches"]
    assert first["not_met"] == 0 and first["unknown"] == 0 and first["distance_km"] is not None
    assert second["unknown"] == 1 and any("ALK" in q for q in second["to_resolve"])
    assert last["not_met"] == 1 and last["why"].startswith("Probably not a fit")
    assert [m["snapshot_date"] for m in doc["matches"]] == ["2024-03-01", "2024-02-01", "2024-01-01"]
    assert doc["trial_store"] == {"trials": 4, "newest_record": "2024-03-01"}
    again = run("trials", "match", str(case_file), "--format", "json", home=stocked)
    assert again.stdout == out.stdout


def test_match_as_text_explains_each_trial(stocked, case_file):
    out = run("trials", "match", str(case_file), "--top", "2", home=stocked)
    assert out.returncode == 0, out.stderr
    assert "NCT00000001" in out.stdout and "NCT00000002" in out.stdout and "NCT00000003" not in out.stdout
    assert "To settle" in out.stdout


def test_match_without_a_store_says_how_to_make_one(home, case_file):
    out = run("trials", "match", str(case_file), home=home)
    assert out.returncode == 2
    assert "trials import" in out.stderr and "Traceback" not in out.stderr


def test_match_needs_a_cancer_type(stocked, tmp_path):
    vague = tmp_path / "vague.yaml"
    vague.write_text("patient: {age: 50}\n")
    out = run("trials", "match", str(vague), home=stocked)
    assert out.returncode == 2 and "cancer type" in out.stderr


def test_review_has_a_trials_section_only_when_a_store_exists(stocked, home, case_file, tmp_path):
    with_store = run("review", str(case_file), "--format", "json", home=stocked)
    assert with_store.returncode == 0, with_store.stderr
    listed = [t["nct_id"] for t in json.loads(with_store.stdout)["trials"]]
    assert listed == ["NCT00000001", "NCT00000002"]  # a trial that rules the patient out is left out
    markdown = run("review", str(case_file), "--format", "markdown", home=stocked)
    assert "## Clinical trials that may fit" in markdown.stdout
    skipped = run("review", str(case_file), "--format", "json", "--no-trials", home=stocked)
    assert json.loads(skipped.stdout)["trials"] == []
    elsewhere = tmp_path / "empty-home"
    without = run("review", str(case_file), "--format", "json", home=elsewhere)
    assert without.returncode == 0 and json.loads(without.stdout)["trials"] == []
    assert not (elsewhere / "secondopinion.db").exists()
    required = run("review", str(case_file), "--trials", home=elsewhere)
    assert required.returncode == 2 and "trials import" in required.stderr


def test_import_reports_counts_skips_bad_records_and_is_idempotent(home, tmp_path):
    fixtures = Path(__file__).parent / "data" / "trials"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT09999999"\n', encoding="utf-8")
    first = run(
        "trials",
        "import",
        str(fixtures / "ctgov"),
        str(fixtures / "ctml" / "11-112.yaml"),
        str(bad),
        home=home,
    )
    assert first.returncode == 0, first.stderr
    assert "1 bad record(s) skipped" in first.stdout and "2 new" in first.stdout
    assert "NCT09999999" in first.stderr and "bad.jsonl:1" in first.stderr
    again = run("trials", "import", str(fixtures / "ctgov"), home=home)
    assert again.returncode == 0 and "0 new, 0 updated, 3 unchanged" in again.stdout
    assert "records up to 2023-06-15" in again.stdout


def test_import_of_a_missing_path_is_bad_input(home, tmp_path):
    out = run("trials", "import", str(tmp_path / "nowhere.json"), home=home)
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr


def test_search_lists_trials_by_words(stocked):
    out = run("trials", "search", "wild-type", home=stocked)
    assert out.returncode == 0, out.stderr
    assert [line.split("\t")[0] for line in out.stdout.splitlines()] == ["NCT00000003"]


def test_an_unreachable_store_is_one_line_without_the_password(home, case_file):
    url = "postgresql+psycopg://so:secret@127.0.0.1:1/trials"
    out = run("trials", "match", str(case_file), "--db", url, home=home)
    assert out.returncode == 1 and "cannot open the trial store" in out.stderr
    assert "secret" not in out.stderr and "Traceback" not in out.stderr
