"""Every command that takes a case takes the same inputs as `review`, PDF reports included, and its
help says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secondopinion.cli import CASE_HELP, app
from tests.test_cli import run

REPORT = (
    "Clinic letter. 62-year-old woman with stage IV lung adenocarcinoma, metastatic to bone. "
    "EGFR exon 19 deletion detected. Plan: osimertinib 80 mg daily."
)


def text_pdf(text: str) -> bytes:
    """A one-page PDF with a text layer, as a clinic prints a letter."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


CASE_COMMANDS = [["review"], ["export"], ["report"], ["specialists"], ["trials", "match"]]


@pytest.mark.parametrize("command", CASE_COMMANDS)
def test_every_command_that_takes_a_case_names_the_same_inputs(command):
    out = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "300", "TERMINAL_WIDTH": "300"})
    assert out.exit_code == 0, out.output
    assert CASE_HELP in " ".join(out.output.split())
    assert "PDF" in CASE_HELP and "FHIR" in CASE_HELP


def test_export_and_specialists_read_a_pdf_report(tmp_path: Path):
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(text_pdf(REPORT))
    exported = run("export", str(pdf))
    assert exported.returncode == 0, exported.stderr
    bundle = json.loads(exported.stdout)
    assert bundle["resourceType"] == "Bundle" and b"osimertinib" in exported.stdout.lower()
    found = run("specialists", str(pdf), "--near", "Boston, MA", "--format", "json")
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["cancer_type"] == "nsclc" and result["place"] == "Boston, MA" and result["centres"]


@pytest.mark.parametrize(
    ("command", "shows"),
    [
        (["export", "--example"], '"resourceType": "Bundle"'),
        (["report", "--example", "--format", "markdown"], "58-year-old man"),
        (["specialists", "--example", "--format", "json"], '"centres"'),
    ],
)
def test_every_command_that_takes_a_case_can_try_the_bundled_example(command, shows):
    out = CliRunner().invoke(app, command)
    assert out.exit_code == 0, out.output
    assert shows in out.output


@pytest.mark.parametrize("command", CASE_COMMANDS)
def test_a_command_given_no_case_says_what_to_give(command):
    out = CliRunner().invoke(app, command)
    assert out.exit_code == 2
    assert "case file, '-' for standard input, or --example" in out.output
