from __future__ import annotations

import pytest

from tests.platform.support import FakeClock, make_person, make_platform


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(tmp_path, clock):
    platform = make_platform(tmp_path, clock)
    yield platform
    platform.close()


@pytest.fixture
def people(ctx):
    """One account of each role, plus a second patient and a second reviewer."""
    return {
        "patient": make_person(ctx, "patient"),
        "patient2": make_person(ctx, "patient"),
        "caregiver": make_person(ctx, "caregiver"),
        "reviewer": make_person(ctx, "reviewer"),
        "reviewer2": make_person(ctx, "reviewer"),
        "coordinator": make_person(ctx, "coordinator"),
        "admin": make_person(ctx, "admin"),
    }
