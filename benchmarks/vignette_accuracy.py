"""Accuracy of the whole pipeline (text intake + review) on vignette files: how many vignettes
meet every expectation, and which kind of expectation fails most.

The held-out sets in benchmarks/data/ were written independently of the knowledge base and the
intake; set 2 has never been used to tune them, so it is the honest measure of generalisation.
Usage: python3 benchmarks/vignette_accuracy.py [FILE.yaml ...] [--show-failures] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import yaml

from secondopinion.errors import InputError
from secondopinion.intake import read_case
from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.review import review
from secondopinion.review.expectations import unmet_expectations

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [
    ROOT / "benchmarks" / "data" / "holdout2_vignettes.yaml",
    ROOT / "benchmarks" / "data" / "holdout_vignettes.yaml",
    *sorted((ROOT / "tests" / "vignettes").glob("*.yaml")),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    kb = load_knowledge_base()
    rows = []
    failures: list[str] = []
    for path in args.files or DEFAULT:
        vignettes = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        passed, kinds = 0, Counter()
        for v in vignettes:
            try:
                result = review(read_case(v["text"].encode(), f"{v['id']}.txt", kb), kb)
                problems = unmet_expectations(result, v["expect"])
            except InputError as exc:
                problems = [f"cancer: intake refused ({exc})"]
            if not problems:
                passed += 1
            for p in problems:
                kinds[p.split(":")[0].split(" ")[0]] += 1
                failures.append(f"{path.stem}:{v['id']}: {p}")
        top = ", ".join(f"{k} {n}" for k, n in kinds.most_common(4)) or "—"
        rows.append((path.stem, len(vignettes), passed, f"{100 * passed / max(len(vignettes), 1):.0f}%", top))
    header = "| vignette file | vignettes | all expectations met | share | failing expectations |"
    table = "\n".join([header, "|---|---|---|---|---|", *(f"| {' | '.join(map(str, r))} |" for r in rows)])
    print(table)
    if args.show_failures:
        print("\n".join(failures))
    if not args.no_record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## vignette_accuracy — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
