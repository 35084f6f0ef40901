"""Accuracy of the whole pipeline (text intake + review) on vignette files: how many vignettes
meet every expectation, and which kind of expectation fails most.

The held-out sets in benchmarks/data/ were written independently of the knowledge base and the
intake. Set 3 was written blind (its author read neither the intake nor the engine, nor ran them)
and has not been used to tune either, so it is the honest measure of generalisation; sets 1 and 2
were later used to find general faults and so now overstate it.
"False alarms" counts vignettes whose plan follows the evidence (expected concordant) but that
received a missing_treatment or not_recommended finding: the costliest error.
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
    ROOT / "benchmarks" / "data" / "holdout3_vignettes.yaml",
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
        passed, kinds, concordant, alarms = 0, Counter(), 0, 0
        for v in vignettes:
            expects_concordant = v["expect"].get("verdict") == "concordant"
            concordant += expects_concordant
            try:
                if "text" in v:
                    case = read_case(v["text"].encode(), f"{v['id']}.txt", kb)
                else:  # a structured case, as the development vignettes allow
                    case = read_case(yaml.safe_dump(v["case"]).encode(), f"{v['id']}.yaml", kb)
                result = review(case, kb)
                problems = unmet_expectations(result, v["expect"])
                alarms += expects_concordant and any(
                    f.kind in ("missing_treatment", "not_recommended") for f in result.plan_review.findings
                )
            except InputError as exc:
                problems = [f"cancer: intake refused ({exc})"]
            if not problems:
                passed += 1
            for p in problems:
                kinds[p.split(":")[0].split(" ")[0]] += 1
                failures.append(f"{path.stem}:{v['id']}: {p}")
        top = ", ".join(f"{k} {n}" for k, n in kinds.most_common(4)) or "—"
        share = f"{100 * passed / max(len(vignettes), 1):.0f}%"
        rows.append((path.stem, len(vignettes), passed, share, f"{alarms} of {concordant}", top))
    header = (
        "| vignette file | vignettes | all expectations met | share | false alarms (of concordant) "
        "| failing expectations |"
    )
    table = "\n".join(
        [header, "|---|---|---|---|---|---|", *(f"| {' | '.join(map(str, r))} |" for r in rows)]
    )
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
