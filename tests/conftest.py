from __future__ import annotations

import pytest

from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The bundled knowledge base: tests run against the real knowledge, never a mock."""
    return default_knowledge_base()


@pytest.fixture(scope="session")
def postgres_server():
    from tests.databases import start_postgres

    server = start_postgres()
    if server is None:
        pytest.skip("PostgreSQL is not installed on this machine (CI installs it)")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind the project supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_server").new_database()
