"""Reading level of the patient report for every vignette in tests/vignettes/, worst first.

Flesch-Kincaid grade (textstat) over the prose a reader meets in the rendered HTML (headings,
paragraphs, table cells, glossary; not the source list for doctors). Target: every report at US
grade 8 or below. Prints a table and appends it to docs/benchmarks.md with the date and machine.
Usage: python3 benchmarks/readability.py [--worst N] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import textstat
import yaml

from secondopinion.errors import InputError
from secondopinion.intake import read_case
from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.report.html import render_report_html
from secondopinion.report.plain import readable_text
from secondopinion.review import review

ROOT = Path(__file__).resolve().parents[1]
TARGET = 8.0


def vignette_inputs() -> list[tuple[str, bytes, str]]:
    inputs = []
    for path in sorted((ROOT / "tests" / "vignettes").glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "text" in v:
                inputs.append((v["id"], v["text"].encode(), f"{v['id']}.txt"))
            else:
                inputs.append((v["id"], yaml.safe_dump(v["case"]).encode(), f"{v['id']}.yaml"))
    return inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worst", type=int, default=5, help="how many of the hardest reports to list")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    kb = load_knowledge_base()
    scores: list[tuple[float, float, int, str]] = []
    t0 = time.perf_counter()
    unreadable: list[str] = []
    for vid, data, name in vignette_inputs():
        try:
            result = review(read_case(data, name, kb), kb)
        except InputError:
            unreadable.append(vid)
            continue
        text = readable_text(render_report_html(result, kb, "patient", chart=False))
        scores.append(
            (
                textstat.flesch_kincaid_grade(text),
                textstat.smog_index(text),
                textstat.lexicon_count(text),
                vid,
            )
        )
    elapsed = time.perf_counter() - t0
    scores.sort(reverse=True)
    grades = [s[0] for s in scores]
    rows = [
        ("patient reports measured", f"{len(scores)}"),
        (
            "vignettes intake could not read",
            f"{len(unreadable)}" + (f" ({', '.join(unreadable)})" if unreadable else ""),
        ),
        ("Flesch-Kincaid grade, worst", f"{grades[0]:.2f} ({scores[0][3]})"),
        ("Flesch-Kincaid grade, median", f"{statistics.median(grades):.2f}"),
        ("Flesch-Kincaid grade, best", f"{grades[-1]:.2f}"),
        (f"reports above grade {TARGET:g}", f"{sum(g > TARGET for g in grades)}"),
        ("SMOG index, worst", f"{max(s[1] for s in scores):.2f}"),
        ("words per report, median", f"{statistics.median(s[2] for s in scores):.0f}"),
        ("seconds to review and render all", f"{elapsed:.1f}"),
    ]
    rows += [(f"hardest #{i + 1}: {s[3]}", f"grade {s[0]:.2f}") for i, s in enumerate(scores[: args.worst])]
    width = max(len(k) for k, _ in rows)
    vwidth = max(len(v) for _, v in rows)
    table = "\n".join(
        [f"| {'measure':<{width}} | {'value':<{vwidth}} |", f"|{'-' * (width + 2)}|{'-' * (vwidth + 2)}|"]
        + [f"| {k:<{width}} | {v:<{vwidth}} |" for k, v in rows]
    )
    print(table)
    if not args.no_record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## readability — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
