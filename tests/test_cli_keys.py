"""`secondopinion keys new|rotate` as an operator meets them: a fresh key, a rotation that prints its
counts and leaves a verifiable audit trail, and one-line refusals (exit 2) that change nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from secondopinion.platform import documents
from secondopinion.platform import requests as rq
from tests.platform.support import NSCLC_TEXT, FakeClock, make_person, make_platform

OLD = bytes(range(32))


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def home(database_url, tmp_path) -> dict[str, str]:
    """A platform database with a request and a document, and the environment that names it."""
    ctx = make_platform(tmp_path, FakeClock(), database_url)
    patient = make_person(ctx, "patient").actor
    d = rq.create_request(ctx, patient, text=NSCLC_TEXT)
    documents.upload(ctx, patient, d.id, b"%PDF-1.4 report\n", "report.pdf")
    ctx.close()
    return {
        "SECONDOPINION_DATABASE_URL": database_url,
        "SECONDOPINION_HOME": str(tmp_path / "data"),
        "SECONDOPINION_DATA_KEY": OLD.hex(),
    }


def _key_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "new.key"
    path.write_text(text + "\n")
    return path


def test_keys_new_prints_a_fresh_key_each_time():
    first, second = run("keys", "new"), run("keys", "new")
    assert first.returncode == 0 and re.fullmatch(r"[0-9a-f]{64}\n", first.stdout)
    assert first.stdout != second.stdout


def test_rotate_prints_counts_and_the_audit_trail_verifies(home, tmp_path):
    new = run("keys", "new").stdout.strip()
    out = run("keys", "rotate", "--new-key-file", str(_key_file(tmp_path, new)), env=home)
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(
        r"data key rotated: \d+ sealed values, 0 TOTP secrets and 1 documents re-encrypted; "
        r"start the platform with the new key\n",
        out.stdout,
    )
    assert new not in out.stdout + out.stderr and OLD.hex() not in out.stdout + out.stderr
    verified = run("audit", "verify", env={**home, "SECONDOPINION_DATA_KEY": new})
    assert verified.returncode == 0 and verified.stdout.startswith("audit trail OK")
    assert "is not the one" in run("audit", "verify", env=home).stderr  # the old key opens nothing now
    # the old key is now refused by every command that needs the key; the new one is accepted
    again = run("keys", "rotate", "--new-key-file", str(_key_file(tmp_path, "44" * 32)), env=home)
    assert again.returncode == 2 and "is not the one this database" in again.stderr
    back = run(
        "keys", "rotate", "--new-key-file", str(_key_file(tmp_path, OLD.hex())),
        env={**home, "SECONDOPINION_DATA_KEY": new},
    )  # fmt: skip
    assert back.returncode == 0, back.stderr


@pytest.mark.parametrize(
    ("key_text", "env_key", "message"),
    [
        (OLD.hex(), OLD.hex(), "the new key is the current key"),
        ("11" * 32, "22" * 32, "the current data key is not the one"),
        ("not a key", OLD.hex(), "--new-key-file .*: the data key must be 32 random bytes"),
    ],
)
def test_refusals_are_one_line_and_exit_2(home, tmp_path, key_text, env_key, message):
    out = run(
        "keys", "rotate", "--new-key-file", str(_key_file(tmp_path, key_text)),
        env={**home, "SECONDOPINION_DATA_KEY": env_key},
    )  # fmt: skip
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and re.search(message, out.stderr)


def test_rotate_refuses_while_the_platform_runs(home, database_url, tmp_path):
    running = make_platform(tmp_path, FakeClock(), database_url)
    try:
        out = run("keys", "rotate", "--new-key-file", str(_key_file(tmp_path, "33" * 32)), env=home)
    finally:
        running.close()
    assert out.returncode == 2 and "the platform is running on this database" in out.stderr
    missing = run("keys", "rotate", "--new-key-file", str(tmp_path / "absent.key"), env=home)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_key_file_of_raw_bytes_is_refused_without_showing_any_of_them(home, tmp_path):
    from secondopinion.errors import InputError
    from secondopinion.security.crypto import ENV_KEY_FILE, load_key, read_key_file

    raw = bytes([0x9C, 0xFF, *range(0x80, 0x9E)])  # 32 random-looking bytes that are not UTF-8
    path = tmp_path / "raw.key"
    path.write_bytes(raw)
    shown = [f"0x{b:02x}" for b in raw] + [f"\\x{b:02x}" for b in raw]
    for read in (lambda: read_key_file(path, "--new-key-file"), lambda: load_key({ENV_KEY_FILE: str(path)})):
        with pytest.raises(InputError, match="is not a text key file: write the key as 64 hex") as caught:
            read()
        message = str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__suppress_context__
        assert "\n" not in message and not any(s in message.lower() for s in shown)
    outs = [
        run("keys", "rotate", "--new-key-file", str(path), env=home),
        run("audit", "verify", env={**home, "SECONDOPINION_DATA_KEY": "", ENV_KEY_FILE: str(path)}),
    ]
    for out in outs:
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
        assert "is not a text key file" in out.stderr
        assert not any(s in (out.stdout + out.stderr).lower() for s in shown)
