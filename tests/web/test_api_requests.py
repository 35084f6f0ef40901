"""Every API route doing its job over HTTP: the journey from a pasted case to the follow-up, with
uploads, disagreement and administration."""

from __future__ import annotations

import hashlib

import pytest

from tests.platform.support import COLON_TEXT, NSCLC_TEXT, PASSWORD, make_env, opinion_body


@pytest.fixture
def env(tmp_path):
    e = make_env(tmp_path)
    yield e
    e.ctx.close()


def _ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def test_the_journey_over_http(env):
    patient, reviewer, reviewer2 = env.person("patient"), env.person("reviewer"), env.person("reviewer")
    coordinator, admin = env.person("coordinator"), env.person("admin")
    pat, rev, rev2 = env.logged_in(patient), env.logged_in(reviewer), env.logged_in(reviewer2)
    coord, adm = env.logged_in(coordinator), env.logged_in(admin)

    for r in (rev, rev2):
        prof = _ok(
            r.put(
                "/api/reviewers/me",
                json={
                    "specialties": ["nsclc"],
                    "subspecialty": "thoracic",
                    "yearly_case_volume": 200,
                    "languages": ["EN"],
                    "licence_jurisdiction": "US-MA",
                    "location": "Boston, MA",
                },
            )
        )
        assert prof["languages"] == ["en"]
    assert _ok(rev.get("/api/reviewers/me"))["subspecialty"] == "thoracic"
    assert len(_ok(coord.get("/api/reviewers"))) == 2

    created = _ok(pat.post("/api/requests", json={"title": "My lung cancer", "text": NSCLC_TEXT}), 201)
    rid = created["id"]
    assert created["review"]["triage"]["recommendation"] and created["title"] == "My lung cancer"
    assert "request.edit" in created["allowed_actions"]
    assert _ok(pat.put(f"/api/requests/{rid}/case", json={"text": NSCLC_TEXT + " I am worried."}))["case"]
    assert pat.post(f"/api/requests/{rid}/submit").status_code == 409  # consent first
    assert _ok(pat.post(f"/api/requests/{rid}/consent", json={"granted": True}))["consent_given"]
    assert _ok(pat.post(f"/api/requests/{rid}/submit"))["state"] == "submitted"

    doc = _ok(
        pat.post(
            f"/api/requests/{rid}/documents",
            files={"file": ("path/report.pdf", b"%PDF-1.4 pathology\n", "image/png")},
        ),
        201,
    )
    assert doc["kind"] == "pdf" and doc["filename"] == "report.pdf"
    assert [d["id"] for d in _ok(pat.get(f"/api/requests/{rid}/documents"))] == [doc["id"]]
    bad = pat.post(
        f"/api/requests/{rid}/documents", files={"file": ("x.pdf", b"MZ\x90\x00" * 10, "application/pdf")}
    )
    assert bad.status_code == 415

    assert _ok(coord.get("/api/dashboard"))["counts"]["submitted"] == 1
    assert _ok(coord.post(f"/api/requests/{rid}/records-pending", json={"missing": ["CT images"]}))[
        "missing_records"
    ] == ["CT images"]
    got = coord.get(f"/api/requests/{rid}/documents/{doc['id']}")
    assert got.status_code == 200 and got.content == b"%PDF-1.4 pathology\n"
    assert (
        got.headers["content-type"] == "application/pdf"
        and "attachment" in got.headers["content-disposition"]
    )
    assert got.headers["x-content-sha256"] == hashlib.sha256(got.content).hexdigest()
    complete = _ok(coord.post(f"/api/requests/{rid}/records-complete"))
    assert complete["state"] == "records_complete" and complete["due_at"]

    suggestions = _ok(coord.get(f"/api/requests/{rid}/suggestions?limit=5"))
    assert {s["reviewer"]["user_id"] for s in suggestions} == {reviewer.id, reviewer2.id}
    assigned = _ok(coord.post(f"/api/requests/{rid}/assignments", json={"reviewer_ids": [reviewer.id]}))
    assert assigned["state"] == "assigned"
    assert [x["id"] for x in _ok(rev.get("/api/requests"))] == [rid]

    case = _ok(rev.get(f"/api/requests/{rid}"))["case"]
    draft = _ok(rev.put(f"/api/requests/{rid}/opinion", json=opinion_body(case, diagnosis="different")))
    assert draft["status"] == "draft"
    signed = _ok(rev.post(f"/api/requests/{rid}/opinion/sign"))
    assert signed["status"] == "signed" and signed["content_sha256"]
    assert _ok(pat.get(f"/api/requests/{rid}/opinions")) == []
    assert _ok(coord.post(f"/api/requests/{rid}/deliver"))["state"] == "delivered"

    ops = _ok(pat.get(f"/api/requests/{rid}/opinions"))
    assert [o["id"] for o in ops] == [signed["id"]]
    comparison = _ok(pat.get(f"/api/requests/{rid}/comparison"))
    codes = {e["element"]: e["code"] for e in comparison["comparisons"][0]["comparison"]["elements"]}
    assert codes["diagnosis"] == "different"

    q = _ok(
        pat.post(f"/api/requests/{rid}/questions", json={"text": "What should I ask my oncologist?"}), 201
    )
    assert _ok(rev.post(f"/api/requests/{rid}/questions/{q['id']}/answer", json={"text": "Ask about EGFR."}))[
        "answer"
    ]
    assert len(_ok(pat.get(f"/api/requests/{rid}/questions"))) == 1

    assert _ok(pat.post(f"/api/requests/{rid}/dispute", json={"reason": "My doctor disagrees."}))["disputed"]
    third = _ok(coord.post(f"/api/requests/{rid}/third-opinion", json={"reviewer_id": reviewer2.id}))
    assert third["state"] == "third_opinion"
    rev2.put(f"/api/requests/{rid}/opinion", json=opinion_body(case, diagnosis="refined"))
    _ok(rev2.post(f"/api/requests/{rid}/opinion/sign"))
    env.clock.advance(minutes=1)
    _ok(coord.post(f"/api/requests/{rid}/deliver"))
    assert len(_ok(pat.get(f"/api/requests/{rid}/comparison"))["comparisons"]) == 2

    checkins = _ok(pat.get(f"/api/requests/{rid}/check-ins"))
    env.clock.advance(days=95)
    pat = env.logged_in(patient)  # the old session has long expired
    answered = _ok(
        pat.post(
            f"/api/requests/{rid}/check-ins/{checkins[0]['id']}",
            json={"followed": "partly", "wellbeing": 3, "note": "tired"},
        )
    )
    assert answered["followed"] == "partly"

    adm = env.logged_in(admin)
    page = _ok(adm.get("/api/admin/audit?limit=500"))
    actions = {e["action"] for e in page["events"]}
    assert {"request.create", "document.export", "opinion.sign", "auth.login"} <= actions
    assert NSCLC_TEXT[:30] not in str(page)  # ids and codes only
    assert _ok(adm.get("/api/admin/audit/verify"))["ok"]
    users = _ok(adm.get("/api/admin/users"))
    assert len(users) == 5 and all("password" not in str(u) for u in users)


def test_a_request_from_an_uploaded_file(env):
    pat = env.logged_in(env.person("patient"))
    r = _ok(
        pat.post(
            "/api/requests/upload",
            data={"title": "From my report"},
            files={"file": ("letter.txt", COLON_TEXT.encode(), "application/octet-stream")},
        ),
        201,
    )
    assert (
        r["cancer_type"] == "colon" and r["title"] == "From my report" and r["documents"][0]["kind"] == "text"
    )
    image = pat.post(
        "/api/requests/upload",
        files={"file": ("x.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 20, "image/png")},
    )
    assert image.status_code == 400


def test_a_request_from_a_structured_case_and_one_from_fhir(env):
    pat = env.logged_in(env.person("patient"))
    case = {
        "patient": {"age": 62, "sex": "female"},
        "cancers": [{"type": "nsclc", "stage_group": "IV"}],
        "plan": [{"modality": "chemotherapy", "drugs": ["carboplatin", "pemetrexed"]}],
    }
    assert _ok(pat.post("/api/requests", json={"case": case}), 201)["source_kind"] == "form"
    r = pat.post(
        "/api/requests", json={"fhir": {"resourceType": "Bundle", "type": "collection", "entry": []}}
    )
    assert r.status_code == 400  # no diagnosis in it: one line saying so
    two = pat.post("/api/requests", json={"text": NSCLC_TEXT, "case": case})
    assert two.status_code == 400 and "exactly one" in two.json()["message"]


def test_an_invited_caregiver_over_http(env):
    patient = env.person("patient")
    pat = env.logged_in(patient)
    rid = _ok(pat.post("/api/requests", json={"text": NSCLC_TEXT}), 201)["id"]
    token = _ok(pat.post(f"/api/requests/{rid}/invitations"), 201)["token"]
    helper = env.client()
    helper.refresh()
    _ok(
        helper.post(
            "/api/auth/signup",
            json={
                "email": "helper@example.org",
                "password": PASSWORD,
                "display_name": "Helper",
                "invitation_token": token,
            },
        ),
        201,
    )
    helper.csrf = _ok(
        helper.post("/api/auth/login", json={"email": "helper@example.org", "password": PASSWORD})
    )["csrf_token"]
    assert _ok(helper.get(f"/api/requests/{rid}"))["id"] == rid
    assert _ok(helper.get("/api/me"))["role"] == "caregiver"
    second = _ok(pat.post("/api/requests", json={"text": COLON_TEXT}), 201)["id"]
    token2 = _ok(pat.post(f"/api/requests/{second}/invitations"), 201)["token"]
    assert _ok(helper.post("/api/invitations/accept", json={"token": token2}))["request_id"] == second


def test_validation_errors_carry_a_correlation_id(env):
    pat = env.logged_in(env.person("patient"))
    r = pat.post("/api/requests", json={"text": 42})
    assert r.status_code == 422 and r.json()["correlation_id"] and "input" not in str(r.json()["detail"])
