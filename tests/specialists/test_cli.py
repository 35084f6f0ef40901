"""`secondopinion specialists`: centres for the case's cancer, nearest first when a place is known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args], capture_output=True, timeout=180, check=False
    )


def test_table_and_json(tmp_path: Path):
    case = tmp_path / "case.yaml"
    case.write_text("cancer: {type: soft_tissue_sarcoma}\npatient: {age: 45, location: 'Denver, CO'}\n")
    table = run("specialists", str(case), "-n", "3")
    assert table.returncode == 0, table.stderr
    text = table.stdout.decode()
    assert "rare" in text and "Comprehensive" in text and "Colorado" in text
    data = json.loads(run("specialists", str(case), "--format", "json", "--near", "02115").stdout)
    assert data["rare"] is True and data["place"] == "Massachusetts"
    assert data["centres"][0]["centre"]["tier"] == "Comprehensive"
    assert run("specialists", str(case), "--format", "xml").returncode == 2
