"""Rotating the data key (SQLite and PostgreSQL): afterwards every sealed value, document, TOTP secret
and the key check opens with the new key and none with the old; a failure at any point before the
commit leaves everything as it was; a crash on either side of the commit is repaired by the next
start; a running server, a wrong key or the same key is refused; the audit chain still verifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select, text

from secondopinion.errors import InputError
from secondopinion.platform import Actor, Platform, PlatformSettings, accounts, at_rest, documents, keys
from secondopinion.platform import requests as rq
from secondopinion.platform.context import Anonymous
from secondopinion.platform.sealing import SEALED_COLUMNS
from secondopinion.security import audit, totp
from secondopinion.security.crypto import IntegrityError, Vault
from secondopinion.store.platform import AuditEvent, KeyCheck
from secondopinion.store.platform_requests import Document
from tests.platform.support import NSCLC_TEXT, PASSWORD, FakeClock, make_person, make_platform
from tests.store.test_platform_sealed import PHRASE, _journey

OLD = bytes(range(32))  # make_platform's default key
NEW = bytes(range(100, 132))


class World:
    """A database whose every sealed column holds the phrase, with three documents, an enrolled
    reviewer and a coordinator half-way through enrolling an authenticator (a sealed setup secret
    in their session). Every platform is closed, as a rotation needs."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url, self.tmp_path, self.clock = url, tmp_path, FakeClock()
        ctx = self.open(OLD)
        self.request_id = _journey(ctx)
        patient = make_person(ctx, "patient").actor
        draft = rq.create_request(ctx, patient, text=NSCLC_TEXT)
        for n in (1, 2):
            documents.upload(ctx, patient, draft.id, f"note {n}".encode(), f"note{n}.txt")
        coordinator = self.coordinator(ctx)
        self.documents = [
            (coordinator, request_id, d.id)
            for request_id in (self.request_id, draft.id)
            for d in documents.list_documents(ctx, coordinator, request_id)
        ]
        self.reviewer = make_person(ctx, "reviewer")
        accounts.bootstrap_user(ctx, "enrolling@example.org", "coordinator", "Enrolling", PASSWORD)
        self.pending = accounts.login(ctx, Anonymous(), None, "enrolling@example.org", PASSWORD)
        self.setup_secret = accounts.totp_setup(ctx, self.pending).secret
        self.enrolled = False
        ctx.close()

    @property
    def data_dir(self) -> Path:
        return self.tmp_path / "data"

    def open(self, key: bytes) -> Platform:
        return make_platform(self.tmp_path, self.clock, self.url, data_key=key)

    def settings(self, key: bytes = OLD) -> PlatformSettings:
        return PlatformSettings(database_url=self.url, data_dir=self.data_dir, data_key=key)

    def rotate(self, new: bytes = NEW, current: bytes = OLD) -> keys.Rotated:
        return keys.rotate(self.settings(current), new, clock=self.clock)

    @staticmethod
    def coordinator(ctx: Platform) -> Actor:
        return make_person(ctx, "coordinator").actor

    # -------------------------------------------------------------- what a copy of the data holds

    def sealed(self, engine: Engine) -> list[tuple[str, str, str]]:
        """Every encrypted value in the database: (value, associated data, where)."""
        out = []
        with engine.connect() as conn:
            for col in SEALED_COLUMNS:
                rows = conn.execute(text(f"SELECT id, {col.column} FROM {col.table}")).all()
                out += [(v, col.associated(i), f"{col.table}.{col.column}") for i, v in rows if v]
            for table, column, prefix in at_rest.SEALED_SECRETS:
                rows = conn.execute(text(f"SELECT id, {column} FROM {table}")).all()
                out += [(v, f"{prefix}:{i}", f"{table}.{column}") for i, v in rows if v]
            check = conn.execute(select(KeyCheck.sealed).where(KeyCheck.id == 1)).scalar_one()
            out.append((check, "pf_key_check:1", "pf_key_check"))
        return out

    def files(self, engine: Engine) -> list[tuple[Path, str]]:
        with engine.connect() as conn:
            rows = conn.execute(select(Document.id, Document.storage_key)).all()
        return [(at_rest.document_path(self.data_dir / "documents", k), f"document:{i}") for i, k in rows]

    def opening(self, key: bytes) -> tuple[int, int]:
        """How many database values and document files open with `key`, of how many there are."""
        vault, engine = Vault(key), _engine(self.url)
        try:
            values = self.sealed(engine)
            files = self.files(engine)
        finally:
            engine.dispose()
        ok = 0
        for stored, associated, _ in values:
            try:
                vault.open_text(stored, associated)
                ok += 1
            except (IntegrityError, ValueError):
                pass
        for path, associated in files:
            try:
                vault.open(path.read_bytes(), associated)
                ok += 1
            except IntegrityError:
                pass
        return ok, len(values) + len(files)

    def snapshot(self) -> tuple[str, list[str]]:
        """Every row of every platform table but the (append-only) audit trail and every file with
        its bytes, to show that nothing changed."""
        engine = _engine(self.url)
        meta = MetaData()
        meta.reflect(engine)
        rows = []
        with engine.connect() as conn:
            tables = [t for t in meta.sorted_tables if t.name.startswith("pf_")]
            for table in (t for t in tables if t.name != "pf_audit_events"):
                order = ", ".join(c.name for c in table.primary_key.columns)
                rows += [
                    repr(tuple(r)) for r in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}"))
                ]
        engine.dispose()
        docs = self.data_dir / "documents"
        files = sorted(
            f"{p.relative_to(docs)}:{p.read_bytes().hex()}" for p in docs.rglob("*") if p.is_file()
        )
        return "\n".join(rows), files


def _engine(url: str) -> Engine:
    from secondopinion.store.db import make_engine

    return make_engine(url)


@pytest.fixture
def world(database_url, tmp_path) -> World:
    return World(database_url, tmp_path)


def _assert_everything_opens_with(world: World, key: bytes) -> None:
    opened, total = world.opening(key)
    assert opened == total and total > 20
    world.clock.advance(seconds=31)  # a fresh TOTP code for each check
    ctx = world.open(key)
    try:
        coordinator = world.coordinator(ctx)
        detail = rq.get_request(ctx, coordinator, world.request_id)
        assert detail.title.startswith(PHRASE) and PHRASE in detail.case["questions"][-1]
        contents = [documents.read_document(ctx, *where)[1] for where in world.documents]
        assert sorted(contents) == [b"%PDF-1.4 scan\n", b"note 1", b"note 2"]
        # the enrolled reviewer logs in with their authenticator; the enrolling coordinator finishes
        state = accounts.login(ctx, Anonymous(), None, world.reviewer.email, PASSWORD)
        code = totp.code_at(world.reviewer.totp_secret or "", ctx.now())
        assert not accounts.totp_verify(ctx, Anonymous(), state, code).mfa_pending
        if not world.enrolled:  # finishing an enrolment ends that session: once per world
            code = totp.code_at(world.setup_secret, ctx.now())
            assert not accounts.totp_verify(ctx, Anonymous(), world.pending, code).mfa_pending
            world.enrolled = True
    finally:
        ctx.close()


def _audit_events(world: World, action: str) -> list[AuditEvent]:
    engine = _engine(world.url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(AuditEvent).where(AuditEvent.action == action)).all())
    finally:
        engine.dispose()


def _verify_audit(world: World) -> audit.Verification:
    from secondopinion.store.db import session_factory

    engine = _engine(world.url)
    try:
        with session_factory(engine)() as db:
            return audit.verify(db)
    finally:
        engine.dispose()


def test_after_rotation_everything_opens_with_the_new_key_and_nothing_with_the_old(world):
    engine = _engine(world.url)
    where = [w for _, _, w in world.sealed(engine)]
    engine.dispose()
    secrets = where.count("pf_users.totp_secret") + where.count("pf_sessions.totp_setup_secret")
    done = world.rotate()
    assert done == keys.Rotated(sealed_values=len(where) - secrets - 1, totp_secrets=secrets, documents=3)
    assert secrets >= 2 and done.sealed_values >= len(SEALED_COLUMNS)
    assert world.opening(OLD)[0] == 0
    _assert_everything_opens_with(world, NEW)
    with pytest.raises(InputError, match="is not the one this database"):
        world.open(OLD)
    leftovers = [p.name for p in (world.data_dir / "documents").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_the_rotation_is_audited_with_counts_and_no_key_material(world):
    done = world.rotate()
    (event,) = _audit_events(world, "key_rotated")
    assert event.outcome == "ok" and event.actor_id is None
    assert '"documents":3' in event.detail and f'"sealed_values":{done.sealed_values}' in event.detail
    for key in (OLD, NEW):
        assert key.hex() not in repr(tuple(event)) and key.hex()[:16] not in event.detail
    result = _verify_audit(world)
    assert result.ok and result.checked > 10
    world.rotate(new=bytes(32), current=NEW)  # a second rotation from the new key works too
    assert _verify_audit(world).ok and len(_audit_events(world, "key_rotated")) == 2


def test_a_document_that_cannot_be_read_stops_it_before_anything_changes(world):
    engine = _engine(world.url)
    (last_path, _), *_ = sorted(world.files(engine), key=lambda f: f[1], reverse=True)
    engine.dispose()
    hidden = last_path.with_name("hidden")
    last_path.rename(hidden)  # the last document staged: the others were re-encrypted before it
    before = world.snapshot()
    with pytest.raises(IntegrityError, match=r"document [0-9a-f]{32}: its stored file is missing"):
        world.rotate()
    database, files = world.snapshot()
    assert database == before[0] and files == before[1]  # no staged copy, no marker left behind
    hidden.rename(last_path)
    _assert_everything_opens_with(world, OLD)
    assert [e.outcome for e in _audit_events(world, "key_rotated")] == ["failed"]


def _refuse_totp_updates(engine: Engine, refuse: bool) -> None:
    """A real database error in the middle of the rotation's transaction (after every sealed column,
    before the TOTP secrets), from a trigger."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_totp BEFORE UPDATE OF totp_secret ON pf_users "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
                if refuse
                else text("DROP TRIGGER refuse_totp")
            )
        elif refuse:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_totp() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_totp BEFORE UPDATE OF totp_secret ON pf_users "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_totp()"
                )
            )
        else:
            conn.execute(text("DROP TRIGGER refuse_totp ON pf_users"))


def test_a_database_failure_mid_transaction_leaves_everything_with_the_old_key(world):
    engine = _engine(world.url)
    _refuse_totp_updates(engine, True)
    before = world.snapshot()
    with pytest.raises(Exception, match="injected failure"):
        world.rotate()
    assert world.snapshot() == before
    assert [e.outcome for e in _audit_events(world, "key_rotated")] == ["failed"]
    _refuse_totp_updates(engine, False)
    engine.dispose()
    _assert_everything_opens_with(world, OLD)
    world.rotate()  # once the cause is gone, the rotation goes through
    _assert_everything_opens_with(world, NEW)


def _staged_files(world: World) -> list[Path]:
    return sorted((world.data_dir / "documents").glob(f"*/*{keys.STAGED_SUFFIX}"))


def test_a_crash_before_the_commit_is_undone_by_the_next_start(world):
    engine = _engine(world.url)
    keys._stage(engine, world.data_dir / "documents", Vault(OLD), Vault(NEW))  # ... and the process dies
    engine.dispose()
    assert len(_staged_files(world)) == 3 and (world.data_dir / "documents" / keys.MARKER).exists()
    with pytest.raises(InputError, match="is not the one"):
        world.open(NEW)  # nothing was committed: the new key opens nothing
    world.open(OLD).close()
    assert _staged_files(world) == [] and not (world.data_dir / "documents" / keys.MARKER).exists()
    _assert_everything_opens_with(world, OLD)


def test_a_crash_between_commit_and_file_swap_is_finished_by_the_next_start(world):
    engine = _engine(world.url)
    old, new = Vault(OLD), Vault(NEW)
    staged = keys._stage(engine, world.data_dir / "documents", old, new)
    keys._commit(engine, old, new, staged, world.clock())
    first = _staged_files(world)[0]
    first.replace(first.with_name(first.name.removesuffix(keys.STAGED_SUFFIX)))  # one swapped, then a crash
    engine.dispose()
    with pytest.raises(InputError, match="the rotation is waiting to finish"):
        world.open(OLD)
    with pytest.raises(InputError, match="the rotation is waiting to finish"):
        world.rotate(new=bytes(32), current=OLD)
    world.open(NEW).close()  # the start finishes the swap
    assert _staged_files(world) == []
    engine = _engine(world.url)
    with engine.connect() as conn:
        assert conn.execute(select(KeyCheck.id)).scalars().all() == [1]
    engine.dispose()
    (finished,) = _audit_events(world, "key_rotation_finished")
    assert finished.detail == '{"documents":2}'
    assert world.opening(OLD)[0] == 0
    _assert_everything_opens_with(world, NEW)
    assert _verify_audit(world).ok


def test_a_damaged_staged_copy_is_not_swapped_in(world):
    engine = _engine(world.url)
    old, new = Vault(OLD), Vault(NEW)
    keys._commit(engine, old, new, keys._stage(engine, world.data_dir / "documents", old, new), world.clock())
    engine.dispose()
    victim = _staged_files(world)[0]
    victim.write_bytes(b"SO1" + bytes(40))
    with pytest.raises(IntegrityError, match=r"re-encrypted copy of document \w+ does not open"):
        world.open(NEW)
    assert victim.exists() and victim.with_name(victim.name.removesuffix(keys.STAGED_SUFFIX)).exists()


def test_refusals_leave_everything_unchanged(world, tmp_path):
    before = world.snapshot()
    with pytest.raises(InputError, match="the current data key is not the one"):
        world.rotate(current=bytes(32))
    with pytest.raises(InputError, match="the new key is the current key"):
        world.rotate(new=OLD)
    running = world.open(OLD)
    try:
        with pytest.raises(InputError, match="the platform is running on this database"):
            world.rotate()
    finally:
        running.close()
    assert world.snapshot() == before
    engine = _engine(world.url)
    lock = keys.hold(engine, exclusive=True)  # as a rotation holds it
    assert lock is not None
    try:
        with pytest.raises(InputError, match="a data key rotation is running"):
            world.open(OLD)
    finally:
        lock.release()
        engine.dispose()
    world.open(OLD).close()


def test_platforms_share_the_lock(world):
    first, second = world.open(OLD), world.open(OLD)
    second.close()
    with pytest.raises(InputError, match="running"):
        world.rotate()
    first.close()
    world.rotate()


def test_an_error_seen_after_the_commit_keeps_the_staged_files_for_the_next_start(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    commit = keys._commit

    def commit_then_lose_the_acknowledgement(*args):
        commit(*args)  # the transaction reached the database; its acknowledgement did not
        raise OperationalError("COMMIT", {}, ConnectionResetError("connection reset"))

    monkeypatch.setattr(keys, "_commit", commit_then_lose_the_acknowledgement)
    with pytest.raises(IntegrityError, match=r"^the rotation committed; start the platform with the new key"):
        world.rotate()
    assert len(_staged_files(world)) == 3  # the only copies sealed with the key now in force
    with pytest.raises(InputError, match="the rotation is waiting to finish"):
        world.open(OLD)
    world.open(NEW).close()
    assert _staged_files(world) == [] and not (world.data_dir / "documents" / keys.MARKER).exists()
    assert world.opening(OLD)[0] == 0
    _assert_everything_opens_with(world, NEW)
    assert _verify_audit(world).ok


def test_platforms_starting_together_finish_an_interrupted_rotation_once(world):
    docs = world.data_dir / "documents"
    engine = _engine(world.url)
    old, new = Vault(OLD), Vault(NEW)
    keys._commit(engine, old, new, keys._stage(engine, docs, old, new), world.clock())  # then a crash

    class OvertakenWorker(Vault):
        """The second worker's key: while it checks its first staged copy, the first worker (holding
        the lock shared too) finishes the whole rotation."""

        overtaken = False

        def open(self, sealed: bytes, associated: str) -> bytes:
            if not self.overtaken:
                self.overtaken = True
                keys.finish_interrupted(engine, docs, Vault(NEW), world.clock())
            return super().open(sealed, associated)

    try:
        keys.finish_interrupted(engine, docs, OvertakenWorker(NEW), world.clock())
        with engine.connect() as conn:
            assert conn.execute(select(KeyCheck.id)).scalars().all() == [1]
    finally:
        engine.dispose()
    assert _staged_files(world) == [] and not (docs / keys.MARKER).exists()
    (finished,) = _audit_events(world, "key_rotation_finished")
    assert finished.detail == '{"documents":3}'
    _assert_everything_opens_with(world, NEW)
    assert _verify_audit(world).ok


def _forget_the_key_check(world: World, *, totp_secrets: bool) -> None:
    """As a database upgraded from before the key check: data sealed, no row 1 (optionally with no
    TOTP secret either, so that only the documents can tell the key)."""
    engine = _engine(world.url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM pf_key_check"))
        if not totp_secrets:
            conn.execute(text("UPDATE pf_users SET totp_secret = NULL"))
            conn.execute(text("UPDATE pf_sessions SET totp_setup_secret = NULL"))
    engine.dispose()


@pytest.mark.parametrize("totp_secrets", [True, False], ids=["totp secret", "document"])
def test_a_first_key_that_does_not_open_what_is_already_sealed_is_refused(world, totp_secrets):
    _forget_the_key_check(world, totp_secrets=totp_secrets)
    before = world.snapshot()
    with pytest.raises(InputError, match=r"^the data key does not open the authenticator secrets"):
        world.open(NEW)
    assert world.snapshot() == before  # no key check sealed with the wrong key
    world.open(OLD).close()
    engine = _engine(world.url)
    with engine.connect() as conn:
        check = conn.execute(select(KeyCheck.sealed).where(KeyCheck.id == 1)).scalar_one()
    engine.dispose()
    assert Vault(OLD).open_text(check, "pf_key_check:1") == "secondopinion data key check"
    with pytest.raises(InputError, match="is not the one this database"):
        world.open(NEW)
