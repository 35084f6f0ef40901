"""Health information is sealed at rest in the database (SQLite and PostgreSQL): a raw read of every
table shows none of it, a value moved to another row refuses to open, another key is refused at
start, and a database written before sealing is sealed by the migration when the key is given."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import MetaData, text

from secondopinion.errors import InputError
from secondopinion.platform import accounts, assignment, documents, followup, opinions
from secondopinion.platform import requests as rq
from secondopinion.platform.sealing import REQUEST_CASE, SEALED_COLUMNS, unseal
from secondopinion.security.crypto import IntegrityError
from secondopinion.store.db import alembic_config, make_engine, migrate
from tests.platform.support import NSCLC_TEXT, FakeClock, make_person, make_platform, opinion_body

PHRASE = "Quokkaberg"  # distinctive: appears in no knowledge base, code or id
TEXT = f"{NSCLC_TEXT} Is the {PHRASE} regimen an option for me?"


@pytest.fixture
def ctx(database_url, tmp_path):
    platform = make_platform(tmp_path, FakeClock(), database_url)
    yield platform
    platform.close()


def _journey(ctx) -> str:
    """A request that touches every sealed column, each holding the phrase."""
    patient, coordinator, reviewer = (make_person(ctx, r) for r in ("patient", "coordinator", "reviewer"))
    accounts.update_my_profile(ctx, reviewer.actor, specialties=["nsclc"], yearly_case_volume=100)
    p, c, r = patient.actor, coordinator.actor, reviewer.actor
    rq.create_draft(ctx, p, title=f"{PHRASE} draft")  # its intake note says a report is awaited
    d = rq.create_request(ctx, p, title=f"{PHRASE} family request", text=TEXT)
    assert PHRASE in (d.case or {}).get("questions", [""])[-1]
    documents.upload(ctx, p, d.id, b"%PDF-1.4 scan\n", f"{PHRASE}_pathology.pdf")
    rq.give_consent(ctx, p, d.id)
    rq.submit(ctx, p, d.id)
    rq.mark_records_complete(ctx, c, d.id)
    assignment.assign(ctx, c, d.id, [reviewer.id])
    body = opinion_body(d.case, summary=f"The {PHRASE} regimen is not supported by evidence.")
    opinions.save_draft(ctx, r, d.id, opinions.OpinionDocument.model_validate(body))
    opinions.sign(ctx, r, d.id)
    rq.deliver(ctx, c, d.id)
    rq.dispute(ctx, p, d.id, f"My doctor still recommends {PHRASE}.")
    q = followup.ask(ctx, p, d.id, f"Where is {PHRASE} offered?")
    followup.answer(ctx, r, d.id, q.id, f"Nowhere near you: {PHRASE} is experimental.")
    ctx.clock.advance(days=100)  # type: ignore[attr-defined]
    first = followup.check_ins(ctx, p, d.id)[0]
    followup.answer_check_in(ctx, p, d.id, first.id, "partly", 4, f"Asked about {PHRASE} again.")
    return d.id


def _raw_dump(ctx) -> str:
    """Every value of every table, read with plain SQL as someone with a copy of the database would."""
    meta = MetaData()
    meta.reflect(ctx.engine)
    out = []
    with ctx.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.exec_driver_sql(f"SELECT * FROM {table.name}"):
                out.append(" ".join(str(v) for v in row))
    return "\n".join(out)


def test_no_table_holds_the_case_in_plaintext(ctx):
    request_id = _journey(ctx)
    dump = _raw_dump(ctx)
    assert request_id in dump and PHRASE.lower() not in dump.lower()
    # ... while the services show all of it to those allowed to see it.
    coordinator = make_person(ctx, "coordinator").actor
    detail = rq.get_request(ctx, coordinator, request_id)
    assert detail.title.startswith(PHRASE) and PHRASE in detail.case["questions"][-1]
    assert detail.documents[0].filename == f"{PHRASE}_pathology.pdf"


def test_every_sealed_column_is_covered_by_the_journey(ctx):
    _journey(ctx)
    with ctx.engine.connect() as conn:
        for col in SEALED_COLUMNS:
            filled = conn.execute(
                text(
                    f"SELECT count(*) FROM {col.table} WHERE {col.column} IS NOT NULL AND {col.column} <> ''"
                )
            ).scalar_one()
            assert filled, f"{col.table}.{col.column} is never written by the journey"


def test_a_case_moved_to_another_request_does_not_open(ctx):
    patient = make_person(ctx, "patient")
    mine = rq.create_request(ctx, patient.actor, text=TEXT)
    other = rq.create_request(ctx, patient.actor, text=NSCLC_TEXT)
    with ctx.engine.begin() as conn:
        sealed = conn.execute(
            text("SELECT case_json FROM pf_requests WHERE id = :id"), {"id": mine.id}
        ).scalar_one()
        conn.execute(
            text("UPDATE pf_requests SET case_json = :v WHERE id = :id"), {"v": sealed, "id": other.id}
        )
    with pytest.raises(IntegrityError, match=rf"pf_requests.case_json of row {other.id} does not open"):
        rq.get_request(ctx, patient.actor, other.id)
    assert rq.get_request(ctx, patient.actor, mine.id).case == mine.case  # the original still opens


def test_a_value_moved_to_another_column_does_not_open(ctx):
    patient = make_person(ctx, "patient")
    d = rq.create_request(ctx, patient.actor, title="A title", text=TEXT)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE pf_requests SET title = review_json WHERE id = :id"), {"id": d.id})
    with pytest.raises(IntegrityError, match=r"pf_requests\.title"):
        rq.list_requests(ctx, patient.actor)


def test_plaintext_where_a_sealed_value_belongs_is_refused(ctx):
    patient = make_person(ctx, "patient")
    d = rq.create_request(ctx, patient.actor, text=TEXT)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE pf_requests SET title = 'planted' WHERE id = :id"), {"id": d.id})
    with pytest.raises(IntegrityError, match=r"pf_requests\.title"):
        rq.get_request(ctx, patient.actor, d.id)


def test_a_signed_opinion_still_matches_its_hash_after_opening(ctx):
    """The signature hashes the plaintext: a version re-sealed with other content (possible only
    with the key) opens, but no longer matches the hash recorded at signing."""
    request_id = _journey(ctx)
    coordinator = make_person(ctx, "coordinator").actor
    signed = opinions.list_opinions(ctx, coordinator, request_id)[0]
    forged = {**signed.content, "trials_to_consider": []}
    from secondopinion.platform.sealing import OPINION_CONTENT, seal_json

    with ctx.engine.begin() as conn:
        conn.execute(
            text("UPDATE pf_opinions SET content = :v WHERE id = :id"),
            {"v": seal_json(ctx.vault, OPINION_CONTENT, signed.id, forged), "id": signed.id},
        )
    with pytest.raises(IntegrityError, match=f"signed opinion {signed.id} does not match"):
        opinions.list_opinions(ctx, coordinator, request_id)


def test_another_data_key_is_refused_at_start(database_url, tmp_path):
    clock = FakeClock()
    first = make_platform(tmp_path, clock, database_url)
    first.close()
    with pytest.raises(InputError, match="data key is not the one"):
        make_platform(tmp_path, clock, database_url, data_key=bytes(32))
    again = make_platform(tmp_path, clock, database_url)  # the right key still opens it
    again.close()


def test_another_key_cannot_open_what_was_sealed(ctx):
    from secondopinion.security.crypto import Vault

    patient = make_person(ctx, "patient")
    d = rq.create_request(ctx, patient.actor, text=TEXT)
    with ctx.engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT case_json FROM pf_requests WHERE id = :id"), {"id": d.id}
        ).scalar_one()
    assert PHRASE in unseal(ctx.vault, REQUEST_CASE, d.id, sealed)
    with pytest.raises(IntegrityError):
        unseal(Vault(bytes(32)), REQUEST_CASE, d.id, sealed)


# ------------------------------------------------------------------ migrating a database from before sealing


def _database_before_sealing(url: str) -> None:
    """The schema at platform_0001 with one request, document, opinion, question and check-in in
    plaintext, as the previous version stored them."""
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "platform_0001")
    rows = [
        "INSERT INTO pf_users (id, email, display_name, role, password_hash, totp_last_counter, "
        "failed_logins, active, created_at) VALUES ('u1', 'p@example.org', 'P', 'patient', 'x', 0, 0, "
        "true, '2026-01-01 00:00:00+00:00')",
        f"INSERT INTO pf_requests (id, patient_id, title, state, source_kind, case_json, review_json, rare, "
        f"missing_records, disputed, dispute_reason, created_at, updated_at) VALUES ('r1', 'u1', "
        f"'{PHRASE} title', 'delivered', 'form', '{{\"questions\": [\"{PHRASE}?\"]}}', '{{}}', false, '[]', "
        f"true, 'no {PHRASE}', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
        f"INSERT INTO pf_documents (id, request_id, uploaded_by, kind, media_type, filename, size, sha256, "
        f"storage_key, created_at) VALUES ('d1', 'r1', 'u1', 'pdf', 'application/pdf', '{PHRASE}.pdf', 1, "
        f"'0', 'k1', '2026-01-01 00:00:00+00:00')",
        "INSERT INTO pf_assignments (id, request_id, reviewer_id, kind, lead, blinded, status, assigned_by, "
        "assigned_at) VALUES ('a1', 'r1', 'u1', 'second_opinion', true, false, 'signed', 'u1', "
        "'2026-01-01 00:00:00+00:00')",
        f"INSERT INTO pf_opinions (id, request_id, assignment_id, author_id, version, content, status, "
        f"created_at, updated_at) VALUES ('o1', 'r1', 'a1', 'u1', 1, '{{\"summary\": \"{PHRASE}\"}}', "
        f"'draft', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')",
        f"INSERT INTO pf_questions (id, request_id, asked_by, text, asked_at, answer) VALUES ('q1', 'r1', "
        f"'u1', '{PHRASE} where?', '2026-01-01 00:00:00+00:00', 'not {PHRASE}')",
        f"INSERT INTO pf_checkins (id, request_id, months, due_at, note) VALUES ('c1', 'r1', 3, "
        f"'2026-04-01 00:00:00+00:00', '{PHRASE} note')",
    ]
    with engine.begin() as conn:
        for statement in rows:
            conn.execute(text(statement))
    engine.dispose()


def test_without_the_key_the_migration_refuses_to_leave_rows_unsealed(database_url):
    _database_before_sealing(database_url)
    engine = make_engine(database_url)
    try:
        with pytest.raises(InputError, match=r"5 stored .* not yet encrypted: start the platform once with"):
            migrate(engine)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "platform_0001"
            )
    finally:
        engine.dispose()


def test_the_migration_seals_existing_rows_with_the_key(database_url, tmp_path):
    _database_before_sealing(database_url)
    ctx = make_platform(tmp_path, FakeClock(), database_url)
    try:
        assert PHRASE.lower() not in _raw_dump(ctx).lower()
        with ctx.engine.connect() as conn:
            row = conn.execute(text("SELECT title, case_json FROM pf_requests WHERE id = 'r1'")).one()
        assert unseal(ctx.vault, REQUEST_CASE, "r1", row.case_json) == f'{{"questions": ["{PHRASE}?"]}}'
        with ctx.read() as db:
            req = db.get(rq.Request, "r1")
            assert rq.title_of(ctx, req) == f"{PHRASE} title"
    finally:
        ctx.close()


def test_a_blanked_json_document_is_refused_as_damage_not_a_crash():
    from secondopinion.platform.sealing import OPINION_CONTENT, seal, unseal_json
    from secondopinion.security.crypto import Vault

    vault = Vault(bytes(32))
    with pytest.raises(IntegrityError, match="is empty: it was changed"):
        unseal_json(vault, OPINION_CONTENT, "op-1", seal(vault, OPINION_CONTENT, "op-1", ""))
