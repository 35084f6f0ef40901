"""The access-control matrix: every route, called by every role with another person's ids, is
refused (401, 403 or 404), changes nothing in the database or on disk, and the refusal is audited.

The target is patient A's request, delivered, with an invited caregiver, an assigned reviewer's
signed opinion, a document, a follow-up question and check-ins. The callers are people of B's
world (their own patient, caregiver and reviewer), an administrator (who manages accounts, not
cases), a coordinator for the few steps that are not a coordinator's, and an anonymous visitor.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from secondopinion.platform import accounts, documents, followup, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.assignment import assign
from secondopinion.store.db import Base
from secondopinion.store.platform import AuditEvent
from tests.platform.support import COLON_TEXT, NSCLC_TEXT, PASSWORD, make_env, opinion_body

SKIP_TABLES = {"pf_audit_events", "pf_sessions", "pf_login_throttle"}
DENIED = {401, 403, 404}


def _journey(ctx, patient, caregiver, reviewer, coordinator, text_):
    accounts.update_my_profile(ctx, reviewer.actor, specialties=["nsclc", "colon"])
    d = rq.create_request(ctx, patient.actor, text=text_)
    rq.give_consent(ctx, patient.actor, d.id)
    rq.submit(ctx, patient.actor, d.id)
    inv = accounts.invite_caregiver(ctx, patient.actor, d.id)
    accounts.accept_invitation(ctx, caregiver.actor, inv.token)
    rq.mark_records_complete(ctx, coordinator.actor, d.id)
    assign(ctx, coordinator.actor, d.id, [reviewer.id])
    doc = documents.upload(ctx, patient.actor, d.id, b"%PDF-1.4 report\n", "report.pdf")
    opinions.save_draft(
        ctx, reviewer.actor, d.id, opinions.OpinionDocument.model_validate(opinion_body(d.case))
    )
    opinions.sign(ctx, reviewer.actor, d.id)
    rq.deliver(ctx, coordinator.actor, d.id)
    q = followup.ask(ctx, patient.actor, d.id, "What about side effects?")
    checkin = followup.check_ins(ctx, patient.actor, d.id)[0]
    return SimpleNamespace(id=d.id, case=d.case, doc=doc.id, question=q.id, checkin=checkin.id)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    env = make_env(tmp_path_factory.mktemp("matrix"))
    ctx = env.ctx
    p = {role: env.person(role) for role in ("patient", "caregiver", "reviewer", "coordinator", "admin")}
    b = {role: env.person(role) for role in ("patient", "caregiver", "reviewer")}
    target = _journey(ctx, p["patient"], p["caregiver"], p["reviewer"], p["coordinator"], NSCLC_TEXT)
    _journey(ctx, b["patient"], b["caregiver"], b["reviewer"], p["coordinator"], COLON_TEXT)
    env.clock.advance(days=100)  # the 3-month check-in is due
    callers = {
        "patient_b": env.logged_in(b["patient"]),
        "caregiver_b": env.logged_in(b["caregiver"]),
        "reviewer_b": env.logged_in(b["reviewer"]),
        "admin": env.logged_in(p["admin"]),
        "coordinator": env.logged_in(p["coordinator"]),
        "anonymous": env.client(),
    }
    callers["anonymous"].refresh()
    yield SimpleNamespace(env=env, target=target, people=p, b=b, callers=callers)
    ctx.close()


ALL = {"patient_b", "caregiver_b", "reviewer_b", "admin", "coordinator", "anonymous"}
NOT_COORD = ALL - {"coordinator"}


def _routes(w):
    t, rid = w.target, w.target.id
    pdf = {"file": ("x.pdf", b"%PDF-1.4 new\n", "application/pdf")}
    return [
        # (method, path, kwargs, callers who must be refused)
        ("GET", f"/api/requests/{rid}", {}, NOT_COORD),
        ("PUT", f"/api/requests/{rid}/case", {"json": {"text": COLON_TEXT}}, ALL),
        ("POST", f"/api/requests/{rid}/consent", {"json": {"granted": False}}, ALL),
        ("POST", f"/api/requests/{rid}/submit", {}, ALL),
        ("POST", f"/api/requests/{rid}/invitations", {}, ALL),
        ("POST", f"/api/requests/{rid}/dispute", {"json": {"reason": "I disagree"}}, ALL),
        ("GET", f"/api/requests/{rid}/documents", {}, NOT_COORD),
        ("POST", f"/api/requests/{rid}/documents", {"files": pdf}, ALL),
        ("GET", f"/api/requests/{rid}/documents/{t.doc}", {}, NOT_COORD),
        ("POST", f"/api/requests/{rid}/records-pending", {"json": {"missing": ["x"]}}, NOT_COORD),
        ("POST", f"/api/requests/{rid}/records-complete", {}, NOT_COORD),
        ("GET", f"/api/requests/{rid}/suggestions", {}, NOT_COORD),
        (
            "POST",
            f"/api/requests/{rid}/assignments",
            {"json": {"reviewer_ids": [w.b["reviewer"].id]}},
            NOT_COORD,
        ),
        (
            "POST",
            f"/api/requests/{rid}/third-opinion",
            {"json": {"reviewer_id": w.b["reviewer"].id}},
            NOT_COORD,
        ),
        ("POST", f"/api/requests/{rid}/deliver", {}, NOT_COORD),
        ("GET", f"/api/requests/{rid}/opinions", {}, NOT_COORD),
        ("PUT", f"/api/requests/{rid}/opinion", {"json": opinion_body(t.case)}, ALL),
        ("POST", f"/api/requests/{rid}/opinion/sign", {}, ALL),
        ("GET", f"/api/requests/{rid}/comparison", {}, NOT_COORD),
        ("GET", f"/api/requests/{rid}/questions", {}, NOT_COORD),
        ("POST", f"/api/requests/{rid}/questions", {"json": {"text": "Another question?"}}, ALL),
        ("POST", f"/api/requests/{rid}/questions/{t.question}/answer", {"json": {"text": "An answer"}}, ALL),
        ("GET", f"/api/requests/{rid}/check-ins", {}, NOT_COORD),
        (
            "POST",
            f"/api/requests/{rid}/check-ins/{t.checkin}",
            {"json": {"followed": "yes", "wellbeing": 4}},
            ALL,
        ),
        ("POST", "/api/requests", {"json": {"text": COLON_TEXT}}, ALL - {"patient_b"}),
        (
            "POST",
            "/api/requests/upload",
            {"files": {"file": ("r.txt", COLON_TEXT.encode(), "text/plain")}},
            ALL - {"patient_b"},
        ),
        ("GET", "/api/requests", {}, {"admin", "anonymous"}),
        ("GET", "/api/dashboard", {}, NOT_COORD),
        ("GET", "/api/reviewers", {}, {"patient_b", "caregiver_b", "reviewer_b", "anonymous"}),
        ("GET", "/api/reviewers/me", {}, ALL - {"reviewer_b"}),
        ("PUT", "/api/reviewers/me", {"json": {"specialties": ["nsclc"]}}, ALL - {"reviewer_b"}),
        ("GET", "/api/me", {}, {"anonymous"}),
        ("POST", "/api/invitations/accept", {"json": {"token": "x" * 20}}, ALL - {"caregiver_b"}),
        ("GET", "/api/admin/users", {}, ALL - {"admin"}),
        (
            "POST",
            "/api/admin/users",
            {
                "json": {
                    "email": "evil@example.org",
                    "role": "admin",
                    "display_name": "Evil",
                    "password": PASSWORD,
                }
            },
            ALL - {"admin"},
        ),
        (
            "POST",
            f"/api/admin/users/{w.people['patient'].id}/active",
            {"json": {"active": False}},
            ALL - {"admin"},
        ),
        ("GET", "/api/admin/audit", {}, ALL - {"admin"}),
        ("GET", "/api/admin/audit/verify", {}, ALL - {"admin"}),
    ]


def _snapshot(ctx):
    tables = [
        t for t in Base.metadata.sorted_tables if t.name.startswith("pf_") and t.name not in SKIP_TABLES
    ]
    with ctx.engine.connect() as conn:
        data = {t.name: sorted(map(repr, conn.execute(select(t)).all())) for t in tables}
    files = sorted(str(p) for p in ctx.settings.documents_dir.rglob("*"))
    return data, files


def _audit_count(ctx):
    with ctx.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pf_audit_events")).scalar()


def test_every_route_is_in_the_matrix(world):
    from fastapi.routing import APIRoute

    schema = world.env.app.openapi()
    documented = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    in_matrix = set()
    for method, path, _, _ in _routes(world):
        template = path
        for value, name in (
            (world.target.id, "{request_id}"),
            (world.target.doc, "{document_id}"),
            (world.target.question, "{question_id}"),
            (world.target.checkin, "{check_in_id}"),
            (world.people["patient"].id, "{user_id}"),
        ):
            template = template.replace(value, name)
        in_matrix.add((method, template))
    public = {
        ("GET", "/api/health"),
        ("GET", "/api/session"),
        ("POST", "/api/auth/signup"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/totp/setup"),
        ("POST", "/api/auth/totp/verify"),
        ("POST", "/api/auth/logout"),
    }
    assert documented - public == in_matrix
    assert APIRoute  # the matrix is built from the OpenAPI schema, the routes' own description


def test_every_route_refuses_every_caller_without_a_right_and_changes_nothing(world):
    ctx = world.env.ctx
    failures = []
    for method, path, kwargs, refused in _routes(world):
        for name in sorted(refused):
            api = world.callers[name]
            before, audits = _snapshot(ctx), _audit_count(ctx)
            r = api.call(method, path, **kwargs)
            if r.status_code not in DENIED:
                failures.append(f"{name} {method} {path}: {r.status_code} {r.text[:120]}")
                continue
            if _snapshot(ctx) != before:
                failures.append(f"{name} {method} {path}: the database or the documents changed")
            if _audit_count(ctx) <= audits:
                failures.append(f"{name} {method} {path}: the refusal was not audited")
    assert not failures, "\n".join(failures)


def test_refusals_do_not_reveal_whether_a_request_exists(world):
    api = world.callers["patient_b"]
    real = api.get(f"/api/requests/{world.target.id}")
    fake = api.get("/api/requests/" + "0" * 32)
    assert real.status_code == fake.status_code == 404 and real.json()["message"] == fake.json()["message"]


def test_lists_hold_only_what_the_caller_may_see(world):
    ids = {
        name: {r["id"] for r in world.callers[name].get("/api/requests").json()}
        for name in ("patient_b", "caregiver_b", "reviewer_b", "coordinator")
    }
    assert world.target.id not in ids["patient_b"] | ids["caregiver_b"] | ids["reviewer_b"]
    assert len(ids["patient_b"]) == len(ids["caregiver_b"]) == len(ids["reviewer_b"]) == 1
    assert world.target.id in ids["coordinator"] and len(ids["coordinator"]) == 2


def test_the_rightful_parties_do_get_in(world):
    """The matrix is not passing because everything is refused."""
    env, rid = world.env, world.target.id
    for role in ("patient", "caregiver", "reviewer", "coordinator"):
        api = env.logged_in(world.people[role])
        assert api.get(f"/api/requests/{rid}").status_code == 200, role
    rows = (
        env.ctx.engine.connect().execute(select(AuditEvent.action).where(AuditEvent.object_id == rid)).all()
    )
    assert ("request.read",) in rows
