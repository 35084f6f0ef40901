"""The storage foundation works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from secondopinion.store.db import make_engine, migrate


def test_migrations_run_and_are_idempotent(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    assert "alembic_version" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_engine_connects(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("select 1")).scalar() == 1
    engine.dispose()
