"""Review speed over the test vignettes, intake included, in one process.

Prints a table and appends it to docs/benchmarks.md with the date and machine.
Usage: python3 benchmarks/review_speed.py [--rounds N] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

from secondopinion.errors import InputError
from secondopinion.intake import read_case
from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.review import review

ROOT = Path(__file__).resolve().parents[1]


def vignette_inputs() -> list[tuple[bytes, str]]:
    inputs = []
    for path in sorted((ROOT / "tests" / "vignettes").glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "text" in v:
                inputs.append((v["text"].encode(), f"{v['id']}.txt"))
            else:
                inputs.append((yaml.safe_dump(v["case"]).encode(), f"{v['id']}.yaml"))
    return inputs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    kb = load_knowledge_base()
    inputs = vignette_inputs()
    read_case(*inputs[0], kb)  # builds the text pipeline once
    startup = time.perf_counter() - t0

    latencies: list[float] = []
    refused: set[str] = set()
    t1 = time.perf_counter()
    for _ in range(args.rounds):
        for data, name in inputs:
            start = time.perf_counter()
            try:
                review(read_case(data, name, kb), kb)
            except InputError:
                refused.add(name)  # timed too: a refusal is an answer the user waits for
            latencies.append((time.perf_counter() - start) * 1000)
    total = time.perf_counter() - t1

    rows = [
        ("vignettes", f"{len(inputs)}"),
        ("cases reviewed", f"{len(latencies)}"),
        ("vignettes refused by intake", f"{len(refused)}"),
        ("start-up (load KB + build NLP), s", f"{startup:.2f}"),
        ("cases per second", f"{len(latencies) / total:.1f}"),
        ("p50 latency per case, ms", f"{statistics.median(latencies):.1f}"),
        ("p95 latency per case, ms", f"{percentile(latencies, 0.95):.1f}"),
        ("max latency per case, ms", f"{max(latencies):.1f}"),
    ]
    width = max(len(k) for k, _ in rows)
    table = "\n".join(
        [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        + [f"| {k:<{width}} | {v} |" for k, v in rows]
    )
    print(table)
    if not args.no_record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## review_speed — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
