"""ClinicalTrials.gov records (API v2 JSON, legacy XML, FHIR ResearchStudy) read into Trials."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.trials.ctgov import (
    BadRecord,
    age_years,
    iter_ctgov_records,
    iter_ctgov_trials,
    normalise_phases,
    normalise_status,
    parse_ctgov_json,
    parse_ctgov_xml,
    parse_record,
    parse_research_study,
)
from secondopinion.trials.model import Trial

DATA = Path(__file__).resolve().parents[1] / "data" / "trials" / "ctgov"
V2_BYTES = (DATA / "NCT02513394.json").read_bytes()
V2 = json.loads(V2_BYTES)
XML = (DATA / "NCT02513394.xml").read_text(encoding="utf-8")
FHIR = json.loads((DATA / "complete_study.json").read_text(encoding="utf-8"))
KB = default_knowledge_base()


def trials(data: bytes, name: str = "input.json") -> list[Trial | BadRecord]:
    return list(iter_ctgov_trials(data, name, KB))


def study(nct: str, **changes: object) -> dict:
    s = copy.deepcopy(V2)
    s["protocolSection"]["identificationModule"]["nctId"] = nct
    for key, value in changes.items():
        s["protocolSection"][key] = value
    return s


# --- the three formats ----------------------------------------------------------------------


def test_v2_study_fields():
    t = parse_ctgov_json(V2, KB)
    assert t.nct_id == "NCT02513394"
    assert t.title == "PALbociclib CoLlaborative Adjuvant Study"
    assert t.status == "ACTIVE_NOT_RECRUITING"
    assert t.phase == ["PHASE3"]
    assert t.conditions == ["Breast Cancer"] and t.cancer_types == ["breast"]
    assert (t.min_age, t.max_age, t.sex) == (18.0, None, "all")
    assert [a.id for a in t.arms] == ["Arm A", "Arm B"]
    assert t.interventions == ["Palbociclib", "Standard Adjuvant Endocrine Therapy"]
    assert t.last_update == date(2023, 6, 15)
    assert t.source_format == "ctgov_v2"
    site = t.sites[0]
    assert (site.city, site.state, site.postal_code, site.country) == (
        "Mobile",
        "Alabama",
        "36604",
        "United States",
    )
    assert (site.latitude, site.longitude) == (30.69436, -88.04305)
    assert t.eligibility_text.startswith("Inclusion Criteria:")
    assert t.criteria and all(c.text in t.eligibility_text for c in t.criteria)


def test_legacy_xml_record_reads_like_the_v2_one():
    x = parse_ctgov_xml(XML, KB)
    v = parse_ctgov_json(V2, KB)
    assert (x.nct_id, x.status, x.phase, x.conditions, x.cancer_types, x.min_age, x.sex) == (
        v.nct_id,
        v.status,
        v.phase,
        v.conditions,
        v.cancer_types,
        v.min_age,
        v.sex,
    )
    assert [a.id for a in x.arms] == ["Arm A", "Arm B"]
    assert x.last_update == date(2020, 3, 9)
    assert x.source_format == "ctgov_xml"
    assert x.sites[0].facility == "University of South Alabama Mitchell Cancer Institute"
    # The same criteria are found whichever format the registry gave.
    assert sorted(c.type for c in x.criteria) == sorted(c.type for c in v.criteria)
    assert all(c.text in x.eligibility_text for c in x.criteria)


def test_fhir_research_study_from_a_matching_service():
    t = parse_research_study(FHIR, KB)
    assert (t.nct_id, t.status, t.phase, t.cancer_types) == (
        "NCT02513394",
        "RECRUITING",
        ["PHASE3"],
        ["breast"],
    )
    assert [a.id for a in t.arms] == ["Arm A", "Arm B"]
    assert t.source_format == "fhir"
    assert any(c.type == "performance_status" and c.ecog_max == 1 for c in t.criteria)


# --- inputs holding many records ------------------------------------------------------------


def test_a_studies_page_gives_every_study():
    page = {"studies": [study("NCT00000001"), study("NCT00000002")], "nextPageToken": "abc"}
    found = trials(json.dumps(page).encode())
    assert [t.nct_id for t in found if isinstance(t, Trial)] == ["NCT00000001", "NCT00000002"]


def test_json_lines_with_a_bad_line_reports_it_and_goes_on():
    lines = [
        json.dumps(study("NCT00000001")),
        '{"protocolSection": {"identificationModule": {"nctId": "NCT00000002"',
        "",
        json.dumps(study("NCT00000003")),
    ]
    found = trials("\n".join(lines).encode(), "page.jsonl")
    assert [t.nct_id for t in found if isinstance(t, Trial)] == ["NCT00000001", "NCT00000003"]
    bad = [b for b in found if isinstance(b, BadRecord)]
    assert len(bad) == 1 and bad[0].id == "NCT00000002" and bad[0].where == "page.jsonl:2"
    assert "NCT00000002" in bad[0].reason and "JSON" in bad[0].reason


def test_a_record_without_an_id_is_reported_by_position():
    broken = study("NCT00000001")
    del broken["protocolSection"]["identificationModule"]["nctId"]
    found = trials(json.dumps([study("NCT00000009"), broken]).encode(), "array.json")
    assert isinstance(found[0], Trial)
    assert (
        isinstance(found[1], BadRecord)
        and found[1].where == "array.json#2"
        and "no trial id" in found[1].reason
    )


def test_a_record_with_wrong_field_types_is_reported_with_its_id():
    odd = study(
        "NCT00000005",
        eligibilityModule={"eligibilityCriteria": 42, "minimumAge": ["18"]},
        armsInterventionsModule="none",
    )
    t = parse_ctgov_json(odd, KB)  # wrong types are read as absent, not as errors
    assert (t.eligibility_text, t.min_age, t.arms) == ("", None, [])


def test_a_patient_bundle_is_not_a_trial():
    bundle = {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}]}
    (bad,) = trials(json.dumps(bundle).encode(), "patient.json")
    assert isinstance(bad, BadRecord) and "ResearchStudy" in bad.reason


def test_records_can_be_cut_and_parsed_separately():
    records = list(iter_ctgov_records(V2_BYTES, "NCT02513394.json"))
    assert [(r.id, r.format) for r in records] == [("NCT02513394", "ctgov_v2")]
    assert parse_record(records[0], KB).nct_id == "NCT02513394"
    (xml_record,) = iter_ctgov_records(XML.encode(), "NCT02513394.xml")
    assert (xml_record.id, xml_record.format) == ("NCT02513394", "ctgov_xml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe\x00", "UTF-16"),
        (b"\xc3\x28 not utf-8", "UTF-8"),
        (b"hello world", "neither JSON"),
        (b"<html><body>not a study</body></html>", "clinical_study"),
        (b"<clinical_study><id_info>", "well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study>&a;</clinical_study>',
            "refused",
        ),
    ],
)
def test_unusable_inputs_are_refused_with_one_line(data, message):
    with pytest.raises(InputError, match=message):
        trials(data, "input")


def test_xml_without_an_id_is_a_bad_record():
    (bad,) = trials(b"<clinical_study><brief_title>x</brief_title></clinical_study>", "x.xml")
    assert isinstance(bad, BadRecord) and "no trial id" in bad.reason


# --- field normalisation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "years"),
    [
        ("18 Years", 18.0),
        ("6 Months", 0.5),
        ("N/A", None),
        ("", None),
        (None, None),
        ("90 Days", 0.25),
        ("999 Years", None),
    ],
)
def test_ages(raw, years):
    assert age_years(raw) == years


def test_statuses_and_phases_take_one_spelling():
    assert normalise_status("Active, not recruiting") == "ACTIVE_NOT_RECRUITING"
    assert normalise_status("open to accrual") == "OPEN_TO_ACCRUAL"
    assert normalise_status(None) == "UNKNOWN"
    assert normalise_phases(["Phase 1/Phase 2"]) == ["PHASE1", "PHASE2"]
    assert normalise_phases(["N/A"]) == ["NA"]
    assert normalise_phases(["Early Phase 1"]) == ["EARLY_PHASE1"]


# --- properties -----------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
PATHS = [
    ("identificationModule", "nctId"),
    ("identificationModule", "briefTitle"),
    ("statusModule",),
    ("statusModule", "overallStatus"),
    ("statusModule", "lastUpdatePostDateStruct"),
    ("designModule", "phases"),
    ("conditionsModule", "conditions"),
    ("eligibilityModule",),
    ("eligibilityModule", "eligibilityCriteria"),
    ("eligibilityModule", "minimumAge"),
    ("eligibilityModule", "sex"),
    ("armsInterventionsModule", "armGroups"),
    ("armsInterventionsModule", "interventions"),
    ("contactsLocationsModule", "locations"),
    ("descriptionModule",),
]
PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(st.binary(max_size=600))
def test_arbitrary_bytes_give_records_or_one_input_error(data):
    try:
        found = trials(data, "fuzz")
    except InputError:
        return
    assert all(isinstance(t, Trial | BadRecord) for t in found)


@PROPS
@given(st.sampled_from(PATHS), JSON_VALUES)
def test_a_corrupted_v2_field_gives_a_trial_or_an_input_error(path, value):
    s = copy.deepcopy(V2)
    target = s["protocolSection"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        t = parse_ctgov_json(s, KB)
    except InputError:
        return
    assert all(c.text in t.eligibility_text for c in t.criteria)


@PROPS
@given(
    st.integers(min_value=0, max_value=len(XML)),
    st.integers(min_value=0, max_value=300),
    st.text(max_size=12),
)
def test_a_corrupted_xml_record_gives_a_trial_or_an_input_error(at, cut, junk):
    text = XML[:at] + junk + XML[at + cut :]
    try:
        found = trials(text.encode(), "fuzz.xml")
    except InputError:
        return
    assert all(isinstance(t, Trial | BadRecord) for t in found)


@PROPS
@given(JSON_VALUES)
def test_any_json_value_gives_records_or_one_input_error(value):
    try:
        found = trials(json.dumps(value).encode(), "fuzz.json")
    except InputError:
        return
    assert all(isinstance(t, Trial | BadRecord) for t in found)


@PROPS
@given(JSON_VALUES, st.sampled_from(["v2", "fhir"]))
def test_each_parser_takes_any_json_value_or_refuses_it(value, kind):
    obj = (
        {"protocolSection": value} if kind == "v2" else {"resourceType": "ResearchStudy", "identifier": value}
    )
    parse = parse_ctgov_json if kind == "v2" else parse_research_study
    for candidate in (value, obj):
        try:
            trial = parse(candidate, KB)
        except InputError:
            continue
        assert isinstance(trial, Trial)


@PROPS
@given(st.text(max_size=300))
def test_the_xml_parser_takes_any_text_or_refuses_it(text):
    try:
        parse_ctgov_xml("<clinical_study>" + text, KB)
    except InputError:
        return
