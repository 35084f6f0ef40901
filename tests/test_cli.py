"""The command line as a user meets it: exit codes, one-line errors, all-or-nothing output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CASE = (
    "cancer: {type: nsclc, stage_group: IV, histology: adenocarcinoma}\n"
    "biomarkers: [{name: EGFR, status: positive, detail: exon 19 deletion}]\n"
    "plan: [{modality: targeted_therapy, drugs: [osimertinib]}]\n"
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    p = tmp_path / "case.yaml"
    p.write_text(CASE)
    return p


def test_json_output_follows_the_review_contract(case_file):
    out = run("review", str(case_file), "--format", "json")
    assert out.returncode == 0, out.stderr
    review = json.loads(out.stdout)
    assert set(review) >= {"case", "triage", "plan_review", "completeness", "questions", "notice"}
    assert review["triage"]["recommendation"] in {"strongly_recommended", "recommended", "optional"}
    assert review["plan_review"]["verdict"] in {
        "concordant",
        "partially_concordant",
        "discordant",
        "insufficient_information",
    }
    for f in review["plan_review"]["findings"]:
        assert set(f) >= {"kind", "subject", "explanation", "evidence_level", "citations"}


def test_jsonl_gives_one_line_per_case(case_file):
    out = run("review", str(case_file), str(case_file), "--format", "jsonl")
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["notice"] for line in lines)


def test_text_output_ends_with_the_notice(case_file):
    out = run("review", str(case_file))
    assert out.returncode == 0
    assert "decision support" in out.stdout.decode()


def test_standard_input_is_read_with_a_dash():
    out = run("review", "-", "--format", "json", stdin=b'{"cancer": {"type": "nsclc", "stage_group": "IV"}}')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["case"]["cancers"][0]["setting"] == "metastatic"


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x00\xff\xfe\x00binary", b"cancer: {type: wombat}\n", b"cancer: [\n"]
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, content):
    p = tmp_path / "bad.yaml"
    p.write_bytes(content)
    out = run("review", str(p))
    assert out.returncode == 2
    err = out.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:"), err
    assert "Traceback" not in err
    assert out.stdout == b""


def test_a_missing_file_is_a_bad_input():
    out = run("review", "/nonexistent/case.txt")
    assert out.returncode == 2 and b"no such file" in out.stderr


def test_nothing_is_written_when_one_of_several_inputs_is_bad(tmp_path, case_file):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"")
    target = tmp_path / "out" / "review.json"
    out = run("review", str(case_file), str(bad), "--format", "json", "--out", str(target))
    assert out.returncode == 2
    assert not target.exists()


def test_out_writes_the_file(tmp_path, case_file):
    target = tmp_path / "review.md"
    assert run("review", str(case_file), "-f", "markdown", "-o", str(target)).returncode == 0
    assert target.read_text().startswith("# Second-opinion pre-review")


def test_kb_check_passes_on_the_bundled_knowledge_base():
    out = run("kb", "check")
    assert out.returncode == 0, out.stderr
    assert b"OK" in out.stdout


def test_kb_coverage_lists_cancer_types_as_json():
    out = run("kb", "coverage", "--format", "json")
    data = json.loads(out.stdout)
    assert any(c["id"] == "nsclc" for c in data["cancers"])
