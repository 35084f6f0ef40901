"""The platform context every service function receives, and the actor it acts for."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.exc import IntegrityError as DuplicateRow
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.platform.at_rest import SEALED_SECRETS, document_path
from secondopinion.platform.settings import PlatformSettings
from secondopinion.security import audit
from secondopinion.security.crypto import ENV_KEY, ENV_KEY_FILE, IntegrityError, Vault
from secondopinion.store import platform_requests as _requests  # noqa: F401  (registers the models)
from secondopinion.store.db import alembic_config, make_engine, session_factory
from secondopinion.store.platform import KeyCheck

log = structlog.get_logger("secondopinion.platform")

Clock = Callable[[], datetime]
KEY_CHECK = "secondopinion data key check"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """Who is acting, as established by the session: never taken from the request body."""

    user_id: str
    role: str
    ip: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class Anonymous:
    """A visitor without an account (signing up or logging in)."""

    ip: str | None = None
    correlation_id: str | None = None
    user_id: None = None
    role: None = None


def _opens_sealed_sample(conn: Connection, documents_dir: Path, vault: Vault) -> bool | None:
    """Whether the key opens one value sealed before the key check existed: a TOTP secret, an
    enrolment secret or a document file (whole-value seals, as accounts.py and documents.py write
    them); None when there is none to try."""
    tables = set(inspect(conn).get_table_names())
    for table, column, prefix in SEALED_SECRETS:
        if table not in tables:
            continue
        row = conn.execute(
            text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> '' LIMIT 1")
        ).first()
        if row is not None:
            try:
                vault.open_text(row[1], f"{prefix}:{row[0]}")
                return True
            except (IntegrityError, ValueError):
                return False
    if "pf_documents" in tables:
        for doc_id, key in conn.execute(text("SELECT id, storage_key FROM pf_documents ORDER BY id")):
            try:
                data = document_path(documents_dir, key).read_bytes()
            except OSError:
                continue  # a missing file is reported where it is read, not here
            try:
                vault.open(data, f"document:{doc_id}")
                return True
            except IntegrityError:
                return False
    return None


def refuse_a_key_that_opens_nothing(engine: Engine, settings: PlatformSettings, vault: Vault) -> None:
    """Before the first key check is written (a database from before the key check, or a new one),
    the key must open what was already sealed: otherwise a wrong key would become the key of record."""
    with engine.connect() as conn:
        if (
            "pf_key_check" in inspect(conn).get_table_names()
            and conn.execute(text("SELECT 1 FROM pf_key_check WHERE id = 1")).first()
        ):
            return
        opens = _opens_sealed_sample(conn, settings.documents_dir, vault)
    if opens is False:
        raise InputError(
            "the data key does not open the authenticator secrets or documents already stored: set the key "
            f"they were encrypted with as {ENV_KEY} (or {ENV_KEY_FILE})"
        )


def _refuse_flush(session: Session, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise AssertionError("Platform.read() is for reading; write inside Platform.tx()")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise AssertionError("Platform.read() is for reading; write inside Platform.tx()")


@dataclass
class Platform:
    settings: PlatformSettings
    engine: Engine
    kb: KnowledgeBase
    vault: Vault
    clock: Clock = system_clock
    factory: sessionmaker[Session] = field(init=False)
    reader: sessionmaker[Session] = field(init=False)
    read_engine: Engine = field(init=False)
    _write_lock: threading.RLock = field(init=False, default_factory=threading.RLock)
    key_lock: Any = field(init=False, default=None, repr=False)  # keys.KeyLock, held until close()

    def __post_init__(self) -> None:
        self.factory = session_factory(self.engine)
        # Reads on PostgreSQL run without BEGIN/ROLLBACK: under READ COMMITTED every statement has
        # its own snapshot anyway, so a read-only transaction adds two round trips and nothing else.
        # Without a transaction a write would be kept at once, so reading sessions refuse writes.
        self.read_engine = (
            self.engine if self.sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.reader = session_factory(self.read_engine)
        event.listen(self.reader, "before_flush", _refuse_flush)
        event.listen(self.reader, "do_orm_execute", _refuse_dml)

    @classmethod
    def open(
        cls, settings: PlatformSettings, kb: KnowledgeBase | None = None, clock: Clock = system_clock
    ) -> Platform:
        """Connect, bring the schema to its newest revision and make the documents folder."""
        from secondopinion.knowledge.loader import default_knowledge_base
        from secondopinion.platform import keys

        settings.documents_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = make_engine(settings.database_url)
        # a data key rotation (platform/keys.py) refuses while a platform holds this, and vice versa
        key_lock = None if settings.ephemeral_key else keys.hold_for_server(engine)
        try:
            # store.db.migrate() with the data key, which a revision may need to encrypt existing rows
            config = alembic_config(engine)
            if not settings.ephemeral_key:
                config.attributes["data_key"] = settings.data_key
            if not settings.ephemeral_key:  # before a migration seals existing rows with this key
                refuse_a_key_that_opens_nothing(engine, settings, Vault(settings.data_key))
            command.upgrade(config, "heads")
            platform = cls(
                settings=settings,
                engine=engine,
                kb=kb or default_knowledge_base(),
                vault=Vault(settings.data_key),
                clock=clock,
            )
            platform.key_lock = key_lock
            if not settings.ephemeral_key:
                keys.check_on_start(platform)  # the key check; finishes or undoes an interrupted rotation
        except BaseException:
            if key_lock is not None:
                key_lock.release()
            engine.dispose()
            raise
        return platform

    def check_key(self) -> None:
        """Refuse a data key other than the one this database's data was sealed with: the first key
        a database meets seals a known value, which every later start opens."""
        associated = "pf_key_check:1"
        with self.read() as db:
            row = db.get(KeyCheck, 1)
            stored = row.sealed if row else None
        if stored is None:
            refuse_a_key_that_opens_nothing(self.engine, self.settings, self.vault)
            try:
                with self.tx() as db:
                    db.add(
                        KeyCheck(
                            id=1, sealed=self.vault.seal_text(KEY_CHECK, associated), created_at=self.now()
                        )
                    )
                return
            except DuplicateRow:  # another process started at the same moment and wrote it
                with self.read() as db:
                    stored = db.get(KeyCheck, 1).sealed  # type: ignore[union-attr]
        try:
            ok = self.vault.open_text(stored, associated) == KEY_CHECK
        except (IntegrityError, ValueError):
            ok = False
        if not ok:
            raise InputError(
                f"the data key is not the one this database's data was encrypted with: set the original "
                f"{ENV_KEY} (or {ENV_KEY_FILE})"
            )

    def now(self) -> datetime:
        return self.clock()

    @property
    def sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One unit of work, committed whole or not at all. SQLite allows one writer at a time and
        fails rather than waits when a reader turns writer, so writes are serialised here."""
        with self._write_lock if self.sqlite else nullcontext(), self.factory() as s, s.begin():
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only: writing through it raises (use `tx()` to write)."""
        with self.reader() as s:
            yield s

    def audit(
        self,
        actor: Actor | Anonymous | None,
        action: str,
        *,
        outcome: str = "ok",
        object_type: str | None = None,
        object_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        entry = audit.Entry(
            action=action,
            outcome=outcome,
            actor_id=actor.user_id if actor else None,
            actor_role=actor.role if actor else None,
            object_type=object_type,
            object_id=object_id,
            ip=actor.ip if actor else None,
            correlation_id=actor.correlation_id if actor else None,
            detail=detail,
        )
        if self.sqlite:
            with self._write_lock:
                audit.append(self.factory, entry, self.now())
        else:
            audit.append(self.factory, entry, self.now(), engine=self.engine)
        log.debug("audit", action=action, outcome=outcome, actor=entry.actor_id, object=object_id)

    def close(self) -> None:
        if self.key_lock is not None:
            self.key_lock.release()
        self.engine.dispose()
