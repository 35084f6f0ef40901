"""Database engine, sessions and migrations, shared by every stored feature.

SQLite (a file) is the embedded default; `SECONDOPINION_DATABASE_URL` selects PostgreSQL in
production. Migrations live in `store/migrations`; each feature keeps its own Alembic branch so
features can grow independently, and `migrate()` brings every branch to its head.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.exc import DisconnectionError
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
