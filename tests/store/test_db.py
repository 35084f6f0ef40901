"""The storage foundation works the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, inspect, literal, select, text
from sqlalchemy.exc import DBAPIError

from secondopinion.store.db import HotSelect, make_engine, migrate
from secondopinion.store.platform import UTCDateTime


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


def test_a_hot_select_reads_what_sqlalchemy_reads_and_leaves_the_connection_idle(database_url):
    """The per-request reads bypass SQLAlchemy's execution on PostgreSQL; the rows (names, values,
    result types such as aware UTC datetimes) must be the ones SQLAlchemy returns, a failing query
    must raise as SQLAlchemy would, and the pooled connection must come back usable."""
    engine = make_engine(database_url)
    meta = MetaData()
    t = Table("hot_probe", meta, Column("id", Integer, primary_key=True), Column("name", String(20)))
    t.append_column(Column("at", UTCDateTime))
    meta.create_all(engine)
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(t.insert(), [{"id": 1, "name": "a%b", "at": at}, {"id": 2, "name": None, "at": None}])
    upto = bindparam("upto", type_=Integer())
    stmt = select(t.c.id, t.c.name, t.c.at, literal("k", String()).label("kind")).where(t.c.id <= upto)
    hot = HotSelect(stmt.order_by(t.c.id))
    for _ in range(7):  # past psycopg's threshold for preparing a statement on the server
        rows = hot.rows(engine, {"upto": 2})
    with engine.connect() as conn:
        expected = [tuple(r) for r in conn.execute(stmt.order_by(t.c.id), {"upto": 2})]
    assert [tuple(r) for r in rows] == expected
    assert rows[0].name == "a%b" and rows[0].kind == "k" and rows[1].at is None
    assert rows[0].at == at and rows[0].at.utcoffset() == timedelta(0)
    broken = HotSelect(select(t.c.id).where(t.c.id == upto / 0))
    if engine.dialect.name == "postgresql":  # SQLite divides by zero into NULL
        with pytest.raises(DBAPIError):
            broken.rows(engine, {"upto": 1})
    assert [r.id for r in hot.rows(engine, {"upto": 1})] == [1]
    with engine.begin() as conn:  # transactions on the same pool still work as lent
        conn.execute(t.insert(), {"id": 3, "name": "c", "at": at})
    assert len(hot.rows(engine, {"upto": 9})) == 3
    meta.drop_all(engine)
    engine.dispose()
