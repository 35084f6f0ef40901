"""`secondopinion review a.pdf b.txt --one-case`: documents about one person reviewed as one case;
PDFs on the command line, and the one-line error when a scan needs OCR that is not installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.intake.test_pdf import image_pdf, text_pdf

PATHOLOGY = (
    "Surgical pathology report. Right upper lobe lobectomy: invasive adenocarcinoma of the lung, "
    "pT2a pN0, stage IB. EGFR exon 19 deletion detected. ALK negative."
)
CONSULT = (
    "I am 61 and had surgery for stage IIA lung adenocarcinoma. My oncologist recommends adjuvant "
    "osimertinib for 3 years."
)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def documents(tmp_path: Path) -> tuple[Path, Path]:
    pdf = tmp_path / "pathology.pdf"
    pdf.write_bytes(text_pdf([PATHOLOGY]))
    note = tmp_path / "consult.txt"
    note.write_text(CONSULT)
    return pdf, note


def test_one_case_merges_the_documents_into_one_review(tmp_path: Path) -> None:
    pdf, note = documents(tmp_path)
    out = run("review", str(pdf), str(note), "--one-case", "--format", "json", "--no-trials")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert isinstance(result, dict)  # one review, not a list
    case = result["case"]
    assert case["id"].startswith("case-")
    cancer = case["cancers"][0]
    assert cancer["type"] == "nsclc" and cancer["stage_group"] == "IIA"
    assert {p["document"] for p in cancer["provenance"]} == {"pathology.pdf", "consult.txt"}
    assert {p["field"] for p in cancer["provenance"] if p["document"] == "pathology.pdf"} == {"page 1"}
    egfr = next(b for b in case["biomarkers"] if b["name"] == "EGFR")
    assert egfr["status"] == "positive" and egfr["provenance"][0]["document"] == "pathology.pdf"
    assert (
        "Documents disagree on stage: IB (pathology.pdf) vs IIA (consult.txt); using IIA" in case["concerns"]
    )
    assert "uncertainty_or_disagreement" in {r["criterion"] for r in result["triage"]["reasons"]}


def test_without_one_case_each_document_is_its_own_review(tmp_path: Path) -> None:
    pdf, note = documents(tmp_path)
    out = run("review", str(pdf), str(note), "--format", "json", "--no-trials")
    assert out.returncode == 0, out.stderr
    assert isinstance(json.loads(out.stdout), list) and len(json.loads(out.stdout)) == 2


def test_a_scan_without_tesseract_exits_2_with_one_line(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf([PATHOLOGY]))
    env = {**os.environ, "PATH": str(tmp_path)}  # a machine without tesseract
    out = run("review", str(scan), "--no-trials", env=env)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip().splitlines() == [
        "error: scan.pdf: this PDF is a scanned image; install tesseract-ocr to read it, or paste its text"
    ]


def test_a_damaged_pdf_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(text_pdf([PATHOLOGY])[:300])
    out = run("review", str(bad), "--no-trials")
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "bad.pdf" in out.stderr
