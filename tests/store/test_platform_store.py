"""The platform's storage on SQLite and PostgreSQL: schema, append-only audit table, the whole
service journey, and concurrent audit appends keeping one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from secondopinion.platform import assignment, documents, followup, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.accounts import update_my_profile
from secondopinion.security import audit
from tests.platform.support import NSCLC_TEXT, FakeClock, make_person, make_platform, opinion_body

TABLES = {
    "pf_users",
    "pf_reviewer_profiles",
    "pf_sessions",
    "pf_login_throttle",
    "pf_audit_events",
    "pf_requests",
    "pf_state_changes",
    "pf_invitations",
    "pf_caregiver_links",
    "pf_documents",
    "pf_consents",
    "pf_assignments",
    "pf_opinions",
    "pf_questions",
    "pf_checkins",
}


@pytest.fixture
def ctx(database_url, tmp_path):
    platform = make_platform(tmp_path, FakeClock(), database_url)
    yield platform
    platform.close()


def test_the_platform_branch_creates_its_tables(ctx):
    names = set(inspect(ctx.engine).get_table_names())
    assert names >= TABLES
    with ctx.engine.connect() as conn:
        heads = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    assert "platform_0001" in heads


def test_the_audit_table_refuses_changes_on_this_database(ctx):
    ctx.audit(None, "test.event")
    for statement in ("UPDATE pf_audit_events SET outcome = 'x'", "DELETE FROM pf_audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), ctx.engine.begin() as conn:
            conn.execute(text(statement))


def test_the_journey_works_on_this_database(ctx):
    patient, coordinator, reviewer = (make_person(ctx, r) for r in ("patient", "coordinator", "reviewer"))
    update_my_profile(ctx, reviewer.actor, specialties=["nsclc"], yearly_case_volume=100)
    d = rq.create_request(ctx, patient.actor, text=NSCLC_TEXT)
    rq.give_consent(ctx, patient.actor, d.id)
    rq.submit(ctx, patient.actor, d.id)
    rq.mark_records_complete(ctx, coordinator.actor, d.id)
    assert assignment.suggestions(ctx, coordinator.actor, d.id)[0].reviewer.user_id == reviewer.id
    assignment.assign(ctx, coordinator.actor, d.id, [reviewer.id])
    doc = documents.upload(ctx, patient.actor, d.id, b"%PDF-1.4 scan\n", "scan.pdf")
    assert documents.read_document(ctx, reviewer.actor, d.id, doc.id)[1] == b"%PDF-1.4 scan\n"
    opinions.save_draft(
        ctx, reviewer.actor, d.id, opinions.OpinionDocument.model_validate(opinion_body(d.case))
    )
    opinions.sign(ctx, reviewer.actor, d.id)
    assert rq.deliver(ctx, coordinator.actor, d.id).state == "delivered"
    assert len(opinions.comparisons(ctx, patient.actor, d.id).comparisons) == 1
    assert [c.months for c in followup.check_ins(ctx, patient.actor, d.id)] == [3, 6, 12]
    with ctx.read() as db:
        assert audit.verify(db).ok


def test_concurrent_appends_keep_one_chain(ctx):
    def worker(n: int) -> None:
        for i in range(15):
            ctx.audit(None, "test.concurrent", object_id=f"{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with ctx.read() as db:
        v = audit.verify(db)
    assert v.ok and v.checked == 90
