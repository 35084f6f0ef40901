"""`secondopinion report`: both audiences, three formats, all-or-nothing output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASE = (
    "patient: {age: 62, sex: female, location: 'Seattle, WA'}\n"
    "cancer: {type: nsclc, stage_group: IV, histology: adenocarcinoma}\n"
    "biomarkers: [{name: EGFR, status: positive, detail: exon 19 deletion}]\n"
    "plan: [{modality: targeted_therapy, drugs: [osimertinib]}]\n"
)


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args], capture_output=True, timeout=180, check=False
    )


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    p = tmp_path / "case.yaml"
    p.write_text(CASE)
    return p


def test_patient_html_to_stdout(case_file):
    out = run("report", str(case_file))
    assert out.returncode == 0, out.stderr
    html = out.stdout.decode()
    assert html.startswith("<!DOCTYPE html>") and "Your second-opinion pre-review" in html
    assert "Fred Hutch" in html  # nearest centre to the case's own location


def test_clinician_markdown_with_a_location_given(case_file):
    out = run(
        "report", str(case_file), "--audience", "clinician", "--format", "markdown", "--near", "Miami, FL"
    )
    assert out.returncode == 0, out.stderr
    md = out.stdout.decode()
    assert md.startswith("# Second-opinion pre-review: clinician summary") and "Miami" in md


def test_pdf_goes_to_a_file(case_file, tmp_path):
    target = tmp_path / "out" / "report.pdf"
    out = run("report", str(case_file), "--format", "pdf", "--out", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes().startswith(b"%PDF")
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


def test_bad_input_is_one_line_and_writes_nothing(tmp_path):
    target = tmp_path / "r.html"
    out = run("report", str(tmp_path / "missing.txt"), "--out", str(target))
    assert out.returncode == 2 and out.stderr.decode().count("\n") == 1
    assert not target.exists()
    bad = run("report", str(tmp_path / "missing.txt"), "--audience", "family")
    assert bad.returncode == 2
