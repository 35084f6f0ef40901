"""Database engine, sessions and migrations, shared by every stored feature.

SQLite (a file) is the embedded default; `SECONDOPINION_DATABASE_URL` selects PostgreSQL in
production. Migrations live in `store/migrations`; each feature keeps its own Alembic branch so
features can grow independently, and `migrate()` brings every branch to its head.
"""

from __future__ import annotations

import os
import time
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import CompoundSelect, Engine, MetaData, Select, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
ENV_URL = "SECONDOPINION_DATABASE_URL"
ENV_HOME = "SECONDOPINION_HOME"
IDLE_PING_SECONDS = 10

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def default_url() -> str:
    """The configured database, or an SQLite file in the user's SecondOpinion folder."""
    if url := os.environ.get(ENV_URL):
        return url
    home = Path(os.environ.get(ENV_HOME, Path.home() / ".secondopinion"))
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'secondopinion.db'}"


def make_engine(url: str | None = None) -> Engine:
    url = url or default_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # Keep as many connections as a server process runs requests at once (the thread pool runs
    # 40): a connection closed because the pool was full is reopened at once, and opening one
    # (a server process plus password authentication) costs more than the query it serves.
    engine = create_engine(url, pool_size=30, max_overflow=10)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only if it sat idle (where a restarted server or a
    dropped link shows up): pinging at every checkout added a round trip to each of a request's
    two or three checkouts. A connection that fails the ping is replaced before it is used; one
    broken while busy fails its statement, and SQLAlchemy then refreshes the whole pool."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as exc:
                raise DisconnectionError("the pooled connection failed its ping") from exc


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema of every feature to its newest revision (idempotent)."""
    command.upgrade(alembic_config(engine), "heads")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed whole, or rolled back whole (never half-written)."""
    with factory() as session, session.begin():
        yield session


@contextmanager
def psycopg_autocommit(engine: Engine, statement: str) -> Iterator[Any]:
    """The pool's psycopg connection itself, in autocommit, for the few hot paths that skip
    SQLAlchemy's per-statement work: its errors are reported as SQLAlchemy reports every other
    database error (parameters hidden), and the pool gets it back as it lent it, idle and with
    transactions (or discarded when that fails). `statement` names the work in those errors."""
    from psycopg import Connection as PgConnection
    from psycopg import Error as PgError
    from psycopg.pq import TransactionStatus

    pooled = engine.raw_connection()
    pg = cast(PgConnection[Any], pooled.driver_connection)
    try:
        pg.autocommit = True
        yield pg
    except PgError as exc:
        raise DBAPIError.instance(
            statement, None, exc, PgError, hide_parameters=True, dialect=engine.dialect
        ) from exc
    finally:
        try:
            if pg.info.transaction_status != TransactionStatus.IDLE:
                pg.rollback()
            pg.autocommit = False
        except PgError:
            pooled.invalidate()
        pooled.close()


class HotSelect:
    """A SELECT run on nearly every request (the session behind a cookie, a request's detail), where
    SQLAlchemy's per-execution work (cache lookup, execution context, result and row objects) costs
    more than the query. On PostgreSQL with psycopg it is compiled once and run on the driver's
    connection, outside a transaction (each statement has its own snapshot under READ COMMITTED);
    elsewhere it runs through SQLAlchemy. Rows come back as named tuples either way, with the
    columns' result types applied (e.g. aware UTC datetimes)."""

    def __init__(self, stmt: Select[Any] | CompoundSelect[Any]) -> None:
        self.stmt = stmt
        self.row: Any = namedtuple("Row", list(stmt.selected_columns.keys()), rename=True)  # type: ignore[misc]
        self._compiled: tuple[str, dict[str, Any], list[Any]] | None = None

    def rows(self, engine: Engine, params: dict[str, Any]) -> list[Any]:
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
            with engine.connect() as conn:
                return [self.row(*r) for r in conn.execute(self.stmt, params)]
        if self._compiled is None:
            compiled = self.stmt.compile(dialect=engine.dialect)
            processors = [c.type.result_processor(engine.dialect, None) for c in self.stmt.selected_columns]
            self._compiled = (compiled.string, dict(compiled.params), processors)
        sql, defaults, processors = self._compiled
        with psycopg_autocommit(engine, sql) as pg:
            raw = pg.execute(sql, {**defaults, **params}).fetchall()
        if not any(processors):
            return [self.row(*r) for r in raw]
        return [
            self.row(*(v if p is None else p(v) for p, v in zip(processors, r, strict=True))) for r in raw
        ]
