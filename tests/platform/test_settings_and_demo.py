"""Start-up rules: no data key, no server (outside demo mode); demo only on loopback; demo data."""

from __future__ import annotations

import shutil

import pytest

from secondopinion.errors import InputError
from secondopinion.platform import PlatformSettings
from secondopinion.platform import requests as rq
from secondopinion.platform.context import Actor
from secondopinion.platform.demo import seed
from secondopinion.web.serve import is_loopback, run


def test_without_a_data_key_the_platform_refuses_to_start(tmp_path):
    with pytest.raises(InputError, match="SECONDOPINION_DATA_KEY"):
        PlatformSettings.from_env(environ={"SECONDOPINION_HOME": str(tmp_path)})


def test_a_key_from_the_environment_or_a_file(tmp_path):
    key = bytes(range(32))
    s = PlatformSettings.from_env(
        environ={"SECONDOPINION_DATA_KEY": key.hex(), "SECONDOPINION_HOME": str(tmp_path)}
    )
    assert s.data_key == key and s.database_url == f"sqlite:///{tmp_path / 'secondopinion.db'}" and not s.demo
    (tmp_path / "k").write_text(key.hex())
    s = PlatformSettings.from_env(
        environ={
            "SECONDOPINION_DATA_KEY_FILE": str(tmp_path / "k"),
            "SECONDOPINION_DATABASE_URL": "postgresql+psycopg://x@y/z",
        }
    )
    assert s.data_key == key and s.database_url.startswith("postgresql")
    assert "data_key" not in repr(s)


@pytest.mark.parametrize("given, threads", [(None, 8), ("3", 3), ("0", None), ("many", None), ("500", None)])
def test_the_thread_pool_size_comes_from_the_environment(tmp_path, given, threads):
    env = {"SECONDOPINION_DATA_KEY": "ab" * 32, "SECONDOPINION_HOME": str(tmp_path)}
    if given is not None:
        env["SECONDOPINION_THREADS"] = given
    if threads is None:
        with pytest.raises(InputError, match="SECONDOPINION_THREADS"):
            PlatformSettings.from_env(environ=env)
    else:
        assert PlatformSettings.from_env(environ=env).threads == threads


def test_demo_mode_makes_a_throwaway_home_and_key():
    a, b = PlatformSettings.from_env(demo=True, environ={}), PlatformSettings.from_env(demo=True, environ={})
    try:
        assert a.demo and a.data_dir != b.data_dir and a.data_key != b.data_key and len(a.data_key) == 32
    finally:
        shutil.rmtree(a.data_dir)
        shutil.rmtree(b.data_dir)


@pytest.mark.parametrize(
    "host, ok",
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
        ("::", False),
    ],
)
def test_loopback_addresses(host, ok):
    assert is_loopback(host) is ok


def test_demo_refuses_a_public_address():
    with pytest.raises(InputError, match="loopback"):
        run("0.0.0.0", 8000, demo=True)


def test_the_demo_seeds_one_account_per_role_and_three_requests(ctx):
    made = seed(ctx)
    assert sorted(a.role for a in made) == ["admin", "caregiver", "coordinator", "patient", "reviewer"]
    assert all(bool(a.totp_secret) == (a.role in ("reviewer", "coordinator", "admin")) for a in made)
    from secondopinion.store.platform import User

    with ctx.read() as db:
        patient = db.query(User).filter_by(role="patient").one()
    states = sorted(s.state for s in rq.list_requests(ctx, Actor(patient.id, "patient")))
    assert states == ["assigned", "delivered", "submitted"]
