from __future__ import annotations

import pytest

from secondopinion.knowledge.loader import default_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The bundled knowledge base: tests run against the real knowledge, never a mock."""
    return default_knowledge_base()
