"""FHIR export: the review as a FHIR document (Composition + DetectedIssues) and the case as an
mCODE bundle that imports back into the same case (fixtures and hypothesis-generated cases)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.case import (
    TNM,
    Biomarker,
    Cancer,
    Case,
    Comorbidity,
    FamilyHistory,
    OpinionOnRecord,
    Patient,
    PlanItem,
    RecordOnHand,
)
from secondopinion.intake import fhir_codes as codes
from secondopinion.intake.fhir import parse_fhir
from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.report.fhir import case_to_bundle, render_fhir, review_to_bundle, validate_bundle
from secondopinion.review import review as run_review

DATA = Path(__file__).parents[1] / "data" / "fhir"
FIXTURES = sorted(DATA.glob("*.json")) + sorted((DATA / "trial-matching").glob("*.json"))
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def facts(case: Case) -> dict[str, Any]:
    """A case without provenance: what a round trip must keep."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "provenance"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(case.model_dump(mode="json"))


def round_trip(case: Case, kb) -> tuple[Case, list[str]]:
    bundle = case_to_bundle(case, kb)
    validate_bundle(bundle)
    return parse_fhir(json.dumps(bundle), kb, "packet.json")


def resources(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_imported_records_survive_export_and_reimport(kb, path):
    case, _ = parse_fhir(path.read_bytes(), kb, path.name)
    case = case.model_copy(update={"id": "case-" + path.stem})
    again, warnings = round_trip(case, kb)
    assert facts(again) == facts(case)
    assert not [w for w in warnings if "not valid FHIR" in w]


def test_case_packet_uses_mcode_profiles_and_standard_codes(kb):
    case, _ = parse_fhir((DATA / "mcode-breast-jenny-m.json").read_bytes(), kb, "j.json")
    bundle = case_to_bundle(case, kb)
    assert bundle["type"] == "collection"
    assert bundle["identifier"] == {"system": codes.SO_CASE_ID, "value": "case"}
    profiles = {p for e in bundle["entry"] for p in e["resource"].get("meta", {}).get("profile", [])}
    assert {
        codes.MCODE + p
        for p in (
            "mcode-cancer-patient",
            "mcode-primary-cancer-condition",
            "mcode-tumor-marker-test",
            "mcode-ecog-performance-status",
            "mcode-cancer-related-medication-request",
        )
    } <= profiles
    er = next(
        o
        for o in resources(bundle, "Observation")
        if any(c.get("code") == "ER" for c in o["code"].get("coding", []))
    )
    assert {"system": "http://loinc.org", "code": "16112-5"} in er["code"]["coding"]
    ecog = next(o for o in resources(bundle, "Observation") if "valueInteger" in o)
    assert ecog["code"]["coding"][0]["code"] == "89247-1" and ecog["valueInteger"] == 0
    assert all(e["fullUrl"].startswith("urn:uuid:") for e in bundle["entry"])
    assert case_to_bundle(case, kb) == bundle  # deterministic


def test_review_exports_as_a_valid_fhir_document(kb):
    case, _ = parse_fhir(
        (DATA / "trial-matching" / "TrialMatching_Patient01.json").read_bytes(), kb, "p1.json"
    )
    review = run_review(case, kb)
    bundle = review_to_bundle(review, kb, now=NOW)
    validate_bundle(bundle)
    assert bundle["type"] == "document" and bundle["timestamp"] == "2025-01-02T03:04:05+00:00"
    composition = bundle["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    sections = {s["code"]["coding"][0]["code"]: s for s in composition["section"]}
    assert set(sections) == {"triage", "plan_review", "completeness", "questions", "trials", "notice"}
    assert sections["trials"]["emptyReason"]["coding"][0]["code"] == "notstarted"
    issues = resources(bundle, "DetectedIssue")
    assert len(issues) == len(review.plan_review.findings) > 0
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert [e["reference"] for e in sections["plan_review"]["entry"]] == [
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"
    ]
    for issue, finding in zip(issues, review.plan_review.findings, strict=True):
        assert issue["code"]["coding"][0] == {
            "system": codes.SO_FINDING,
            "code": finding.kind,
            "display": finding.kind.replace("_", " "),
        }
        assert issue["severity"] in ("high", "moderate", "low")
        assert issue["patient"]["reference"] in urls
        assert all(i["reference"] in urls for i in issue.get("implicated", []))
        cited = [e for e in issue.get("evidence", []) if e["code"][0].get("coding")]
        assert len(cited) == len(finding.citations)
    assert resources(bundle, "Device")[0]["deviceName"][0]["name"] == "SecondOpinion"
    assert resources(bundle, "Patient")  # the case resources the issues refer to travel with them


def test_severity_follows_the_finding_kind(kb):
    case, _ = parse_fhir((DATA / "mcode-nsclc-john-anyperson.json").read_bytes(), kb, "j.json")
    review = run_review(case, kb)
    bundle = review_to_bundle(review, kb, now=NOW)
    validate_bundle(bundle)
    expected = {
        "not_recommended": "high",
        "missing_treatment": "high",
        "missing_test": "moderate",
        "information_needed": "moderate",
        "alternative": "low",
        "confirmed": "low",
    }
    for issue in resources(bundle, "DetectedIssue"):
        assert issue["severity"] == expected[issue["code"]["coding"][0]["code"]]


def test_several_reviews_render_as_a_collection_of_documents(kb):
    reviews = [
        run_review(parse_fhir(p.read_bytes(), kb, p.name)[0], kb)
        for p in (DATA / "mcode-breast-jenny-m.json", DATA / "mcode-nsclc-john-anyperson.json")
    ]
    out = json.loads(render_fhir(reviews, kb, now=NOW))
    validate_bundle(out)
    assert out["type"] == "collection"
    assert [e["resource"]["type"] for e in out["entry"]] == ["document", "document"]


# ---- property: any valid case survives export and import ------------------------------------

KB = default_knowledge_base()
words = (
    st.text(
        alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd", "Zs", "Pd", "Po")),
        min_size=1,
        max_size=24,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
maybe_words = st.none() | words
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def biomarkers(draw: st.DrawFn) -> Biomarker:
    value = draw(st.none() | finite)
    return Biomarker(
        name=draw(st.sampled_from(sorted(KB.biomarkers)) | st.sampled_from(["STK11", "CCND1", "ER+PR"])),
        status=draw(
            st.sampled_from(["positive", "negative", "equivocal", "not_tested", "pending", "unknown"])
        ),
        detail=draw(maybe_words),
        value=value,
        unit=draw(maybe_words) if value is not None else None,
        method=draw(maybe_words),
        germline=draw(st.none() | st.booleans()),
    )


@st.composite
def cancers(draw: st.DrawFn) -> Cancer:
    return Cancer(
        type=draw(st.none() | st.sampled_from(sorted(KB.cancers))),
        primary_site=draw(maybe_words),
        histology=draw(maybe_words),
        grade=draw(maybe_words),
        stage_group=draw(
            st.none() | st.sampled_from(["0", "I", "IA", "IB", "IIB", "IIIA", "IIIC", "IV", "IVB"])
        ),
        tnm=TNM(
            t=draw(st.none() | st.sampled_from(["T1c", "cT2a", "pT3", "TX", "Tis"])),
            n=draw(st.none() | st.sampled_from(["N0", "cN1", "pN2a", "NX"])),
            m=draw(st.none() | st.sampled_from(["M0", "cM1b", "pM1"])),
        ),
        setting=draw(st.none() | st.sampled_from(["localized", "locally_advanced", "metastatic"])),
        recurrent=draw(st.none() | st.booleans()),
        laterality=draw(st.none() | st.sampled_from(["left", "right", "bilateral"]) | words),
        metastatic_sites=draw(st.lists(words, max_size=3)),
        scores=draw(st.dictionaries(words, finite | words, max_size=3)),
        risk_group=draw(maybe_words),
    )


@st.composite
def plan_items(draw: st.DrawFn) -> PlanItem:
    return PlanItem(
        modality=draw(
            st.sampled_from(
                [
                    "surgery",
                    "chemotherapy",
                    "radiation",
                    "targeted_therapy",
                    "immunotherapy",
                    "hormonal_therapy",
                    "active_surveillance",
                    "systemic_therapy",
                    "other",
                ]
            )
        ),
        drugs=draw(st.lists(st.sampled_from(sorted(KB.drugs)) | words, max_size=3)),
        regimen=draw(maybe_words),
        procedure=draw(maybe_words),
        intent=draw(
            st.sampled_from(
                ["curative", "neoadjuvant", "adjuvant", "definitive", "palliative", "maintenance", "unknown"]
            )
        ),
        timing=draw(maybe_words),
        status=draw(st.sampled_from(["proposed", "done", "ongoing"])),
        description=draw(maybe_words),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    return Case(
        id=draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)),
        patient=Patient(
            age=draw(st.none() | st.integers(0, 120)),
            sex=draw(st.sampled_from(["female", "male", "other", "unknown"])),
            ecog=draw(st.none() | st.integers(0, 5)),
            karnofsky=draw(st.none() | st.integers(0, 100)),
            menopausal_status=draw(st.none() | st.sampled_from(["premenopausal", "postmenopausal"])),
            pregnant=draw(st.none() | st.booleans()),
            comorbidities=draw(
                st.lists(st.builds(Comorbidity, name=words, serious=st.booleans()), max_size=3)
            ),
            family_history=draw(
                st.lists(st.builds(FamilyHistory, relative=words, condition=words), max_size=2)
            ),
            location=draw(maybe_words),
        ),
        cancers=draw(st.lists(cancers(), max_size=2)),
        biomarkers=draw(st.lists(biomarkers(), max_size=5)),
        history=draw(st.lists(plan_items(), max_size=3)),
        plan=draw(st.lists(plan_items(), max_size=3)),
        opinions=draw(st.lists(st.builds(OpinionOnRecord, by=words, recommends=words), max_size=2)),
        records=draw(st.lists(st.builds(RecordOnHand, kind=words), max_size=2)),
        concerns=draw(st.lists(words, max_size=2)),
        questions=draw(st.lists(words, max_size=2)),
    )


@settings(
    max_examples=int(os.environ.get("FHIR_PROPERTY_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=cases())
def test_any_case_survives_export_and_import(kb, case):
    again, _ = round_trip(case, kb)
    assert facts(again) == facts(case)


# ---- the command line ----------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args], capture_output=True, timeout=300, check=False
    )


def test_cli_review_format_fhir_and_export(tmp_path):
    record = DATA / "trial-matching" / "patient_data_missing_birthdate_invalid_ecog_karnofsky.json"
    out = run("review", str(record), "--format", "fhir")
    assert out.returncode == 0, out.stderr
    validate_bundle(json.loads(out.stdout))
    stderr = out.stderr.decode()
    assert "warning: patient_data_missing_birthdate_invalid_ecog_karnofsky.json: Patient/" in stderr
    assert "Corwin" not in stderr and "1966" not in stderr  # no patient data in warnings
    packet = tmp_path / "packet.json"
    out = run("export", str(record), "--format", "fhir", "--out", str(packet))
    assert out.returncode == 0, out.stderr
    validate_bundle(json.loads(packet.read_text()))
    again = run("review", str(packet), "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["case"]["cancers"][0]["type"] == "breast"
    assert b"warning" not in again.stderr  # a SecondOpinion packet reads back cleanly


def test_cli_unusable_bundle_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "entry": []}')
    out = run("review", str(bad))
    assert out.returncode == 2
    assert out.stderr.decode().strip().count("\n") == 0 and "FHIR" in out.stderr.decode()
    out = run("export", str(bad))
    assert out.returncode == 2 and out.stdout == b""
    out = run("export", str(DATA / "mcode-breast-jenny-m.json"), "--format", "xml")
    assert out.returncode == 2


def test_trials_section_lists_matches_when_there_are_some(kb):
    from secondopinion.trials.model import TrialMatch

    case, _ = parse_fhir((DATA / "mcode-nsclc-john-anyperson.json").read_bytes(), kb, "j.json")
    match = TrialMatch(
        nct_id="NCT01234567", title="A trial", status="RECRUITING", score=1.0, met=3, unknown=1
    )
    review = run_review(case, kb).model_copy(update={"trials": [match]})
    bundle = review_to_bundle(review, kb, now=NOW)
    validate_bundle(bundle)
    section = next(
        s for s in bundle["entry"][0]["resource"]["section"] if s["code"]["coding"][0]["code"] == "trials"
    )
    assert "emptyReason" not in section and "NCT01234567" in section["text"]["div"]
