"""Importing trial files into the store: every supported input, idempotent, and one bad record
never stops an import."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.store.trials import TrialStore
from secondopinion.trials.importer import import_paths, total_bytes

DATA = Path(__file__).resolve().parents[1] / "data" / "trials"
V2 = DATA / "ctgov" / "NCT02513394.json"


def study(nct: str, updated: str = "2024-01-01", condition: str = "Breast Cancer") -> dict:
    """A v2 record: the PALLAS fixture under another id, date and condition."""
    obj = json.loads(V2.read_text(encoding="utf-8"))
    ps = obj["protocolSection"]
    ps["identificationModule"]["nctId"] = nct
    ps["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated, "type": "ACTUAL"}
    ps["statusModule"]["overallStatus"] = "RECRUITING"
    ps["conditionsModule"]["conditions"] = [condition]
    return obj


def jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def store(database_url):
    s = TrialStore.open(database_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path):
    s = TrialStore.open(f"sqlite:///{tmp_path / 'trials.db'}")
    yield s
    s.close()


def test_v2_xml_and_fhir_versions_of_one_study_give_one_trial_the_newest(store, kb):
    report = import_paths([DATA / "ctgov"], store, kb)
    assert (report.files, report.records, report.bad) == (3, 3, [])
    assert (report.stored.inserted, report.stored.unchanged) == (1, 2)
    trial = store.get("NCT02513394")
    assert trial is not None and trial.source_format == "ctgov_v2" and trial.cancer_types == ["breast"]


def test_ctml_trials_in_yaml_and_json(store, kb):
    report = import_paths(
        [DATA / "ctml" / "11-111.yaml", DATA / "ctml" / "integration_all_open.json"], store, kb
    )
    assert report.bad == [] and store.nct_ids() == ["10-002", "11-111"]
    assert store.get("10-002").source_format == "ctml"


def test_a_bad_record_is_reported_with_its_id_and_skipped(sqlite_store, kb, tmp_path):
    no_id = {"protocolSection": {"identificationModule": {"briefTitle": "A study without its NCT number"}}}
    path = jsonl(
        tmp_path / "page.jsonl",
        json.dumps(study("NCT00000001")),
        '{"protocolSection": {"identificationModule": {"nctId": "NCT00000002"',  # cut short
        json.dumps(no_id),
        json.dumps(study("NCT00000004")),
    )
    report = import_paths([path], sqlite_store, kb)
    assert sqlite_store.nct_ids() == ["NCT00000001", "NCT00000004"]
    bad = {b.where.rpartition(":")[2]: b for b in report.bad}  # 'page.jsonl:<line>'
    assert set(bad) == {"2", "3"}
    assert bad["2"].id == "NCT00000002" and "JSON" in bad["2"].reason  # the id is read even from a torn line
    assert "no trial id" in bad["3"].reason and bad["3"].id is None
    assert report.records == 2


def test_an_unreadable_file_does_not_stop_the_others(sqlite_store, kb, tmp_path):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(study("NCT00000001")), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored: not a trial file", encoding="utf-8")
    report = import_paths([tmp_path], sqlite_store, kb)
    assert report.files == 2 and report.records == 1 and len(report.bad) == 1
    assert "a.json" in report.bad[0].where


def test_reimporting_skips_what_is_stored_and_takes_newer_versions(sqlite_store, kb, tmp_path):
    first = jsonl(tmp_path / "a.jsonl", *(json.dumps(study(f"NCT0000000{i}")) for i in range(1, 4)))
    import_paths([first], sqlite_store, kb)
    again = import_paths([first], sqlite_store, kb)
    assert (again.records, again.stored.unchanged, again.stored.inserted, again.stored.updated) == (
        3,
        3,
        0,
        0,
    )
    newer = jsonl(tmp_path / "b.jsonl", json.dumps(study("NCT00000002", "2024-06-01", "Melanoma")))
    report = import_paths([newer], sqlite_store, kb)
    assert report.stored.updated == 1
    assert sqlite_store.get("NCT00000002").cancer_types == ["melanoma"]
    forced = import_paths([first], sqlite_store, kb, force=True)
    assert forced.stored.unchanged == 3  # parsed again; the stored newer version stays


def test_a_zip_archive_like_the_registry_download(sqlite_store, kb, tmp_path):
    archive = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(1, 4):
            z.writestr(f"ctg-studies/NCT0000000{i}.json", json.dumps(study(f"NCT0000000{i}")))
        z.writestr("ctg-studies/README.txt", "not a study")
    report = import_paths([archive], sqlite_store, kb)
    assert report.records == 3 and report.bad == []
    assert total_bytes([archive]) > 0


def test_worker_processes_give_the_same_store(tmp_path, kb):
    path = jsonl(tmp_path / "s.jsonl", *(json.dumps(study(f"NCT0000001{i}")) for i in range(6)), "{oops")
    one = TrialStore.open(f"sqlite:///{tmp_path / 'one.db'}")
    two = TrialStore.open(f"sqlite:///{tmp_path / 'two.db'}")
    r1 = import_paths([path], one, kb, batch_size=2)
    r2 = import_paths([path], two, kb, batch_size=2, workers=2)
    assert (r1.records, len(r1.bad)) == (r2.records, len(r2.bad)) == (6, 1)
    assert [one.get(i) for i in one.nct_ids()] == [two.get(i) for i in two.nct_ids()]
    one.close()
    two.close()


def test_missing_paths_and_empty_folders_are_input_errors(sqlite_store, kb, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_paths([tmp_path / "nope.json"], sqlite_store, kb)
    with pytest.raises(InputError, match="no trial files"):
        import_paths([tmp_path], sqlite_store, kb)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    suffix=st.sampled_from([".json", ".jsonl", ".xml", ".yaml", ".zip"]),
)
def test_any_bytes_give_trials_or_bad_records_never_an_exception(
    sqlite_store, kb, tmp_path_factory, data, suffix
):
    path = tmp_path_factory.mktemp("any") / f"input{suffix}"
    path.write_bytes(data)
    report = import_paths([path], sqlite_store, kb)
    assert report.records + len(report.bad) >= 0
    assert all(b.reason for b in report.bad)
