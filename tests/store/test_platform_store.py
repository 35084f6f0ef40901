"""The platform's storage on SQLite and PostgreSQL: schema, append-only audit table, the whole
service journey, and concurrent audit appends keeping one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from secondopinion.platform import accounts, assignment, documents, followup, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.accounts import update_my_profile
from secondopinion.platform.errors import NotFound
from secondopinion.security import audit
from secondopinion.store.platform import User, WebSession
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
    "pf_key_check",
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
    assert "platform_0002" in heads


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


def test_a_request_detail_shows_everything_linked_to_it_on_this_database(ctx):
    """The detail is read in one query over every linked table: each list keeps its own order."""
    patient, caregiver, stranger, coordinator = (
        make_person(ctx, r) for r in ("patient", "caregiver", "caregiver", "coordinator")
    )
    r1, r2 = make_person(ctx, "reviewer", "Dr Ada"), make_person(ctx, "reviewer", "Dr Bo")
    for r in (r1, r2):
        update_my_profile(ctx, r.actor, specialties=["nsclc"], yearly_case_volume=100)
    d = rq.create_request(ctx, patient.actor, text=NSCLC_TEXT)
    rq.give_consent(ctx, patient.actor, d.id, granted=False)
    rq.give_consent(ctx, patient.actor, d.id)
    rq.submit(ctx, patient.actor, d.id)
    rq.mark_records_complete(ctx, coordinator.actor, d.id)
    assignment.assign(ctx, coordinator.actor, d.id, [r1.id, r2.id], lead_id=r2.id)
    documents.upload(ctx, patient.actor, d.id, b"%PDF-1.4 first\n", "first.pdf")
    ctx.clock.advance(seconds=1)  # type: ignore[attr-defined]
    documents.upload(ctx, patient.actor, d.id, b"%PDF-1.4 second\n", "second.pdf")
    accepted = accounts.accept_invitation(
        ctx, caregiver.actor, accounts.invite_caregiver(ctx, patient.actor, d.id).token
    )
    assert accepted == d.id

    seen = rq.get_request(ctx, caregiver.actor, d.id)
    assert [doc.filename for doc in seen.documents] == ["first.pdf", "second.pdf"]
    assert [c.granted for c in seen.consents] == [False, True] and seen.consent_given
    assert [(a.reviewer_name, a.lead) for a in seen.assignments] == [("Dr Bo", True), ("Dr Ada", False)]
    assert [t.to_state for t in seen.timeline] == ["draft", "submitted", "records_complete", "assigned"]
    assert seen.questions_left == 3 and "document.upload" in seen.allowed_actions
    assert seen.case == d.case and seen.review == d.review
    with pytest.raises(NotFound):
        rq.get_request(ctx, stranger.actor, d.id)
    with pytest.raises(NotFound):
        rq.get_request(ctx, coordinator.actor, "f" * 65)


def test_a_failed_audit_append_leaves_the_chain_and_the_connection_sound(ctx):
    ctx.audit(None, "test.event", detail={"note": "naïve café ✓", "seq": 7})
    with pytest.raises(DBAPIError, match=r"(?i)null"):  # an event without an action is refused
        audit.append(ctx.factory, audit.Entry(action=None), ctx.now())  # type: ignore[arg-type]
    ctx.audit(None, "test.event", object_id="after")
    with pytest.raises(RuntimeError), ctx.tx() as db:  # transactions still roll back whole
        db.add(WebSession(id="s" * 64, csrf_token="c"))
        db.flush()
        raise RuntimeError
    with ctx.read() as db:
        assert db.get(WebSession, "s" * 64) is None
        v = audit.verify(db)
    assert v.ok and v.checked == 2


def test_reading_sessions_refuse_writes(ctx):
    """Reads run outside a transaction on PostgreSQL, where a write would be kept at once."""
    person = make_person(ctx, "patient")
    with pytest.raises(AssertionError, match="tx"), ctx.read() as db:
        db.add(WebSession(id="s" * 64, csrf_token="c"))
        db.flush()
    with pytest.raises(AssertionError, match="tx"), ctx.read() as db:
        db.execute(update(User).where(User.id == person.id).values(display_name="Changed"))
    with ctx.read() as db:
        assert db.get(WebSession, "s" * 64) is None
        assert db.get(User, person.id).display_name != "Changed"


def test_a_pooled_connection_dropped_while_idle_is_replaced_before_use(ctx, monkeypatch):
    """Connections are tested before use only after sitting idle (here: any idle time at all)."""
    if ctx.sqlite:
        pytest.skip("SQLite has no server connection to lose")
    from secondopinion.store import db as store_db

    monkeypatch.setattr(store_db, "IDLE_PING_SECONDS", 0)
    with ctx.read() as db:
        pid = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
    killer = create_engine(ctx.engine.url, poolclass=NullPool)
    with killer.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    killer.dispose()
    assert ctx.engine.pool.checkedin() == 1  # the dropped connection waits in the pool
    with ctx.read() as db:
        assert db.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
