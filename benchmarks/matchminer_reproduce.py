"""How much of MatchMiner's own engine test data we reproduce.

The MatchMiner engine's test data (pughlab/ctims-matchminer-engine, `matchengine/tests/data`) holds
CTML trials, two test patients and, for nine boolean match trees, the match paths the engine
expects: the alternative sets of criteria, any one of which makes a patient match the arm. This
script checks three things against that data:

1. Match decisions. For every boolean tree, patients are made from the expected paths: one for
   whom exactly the criteria of a path hold, one for each path with one of its criteria failed,
   and the all-true and all-false patients. MatchMiner matches a patient when some expected path
   lies wholly within what holds for them. Each tree is read with our CTML reader, every
   criterion is bound to a biomarker the patient has or lacks, and our matcher decides; the
   script counts the decisions that agree.
2. Trials. Every CTML trial file is read and stored; the count of trials and of arms open to
   enrolment is reported, with any record that could not be read.
3. Test patients. The test patients carry only an id and a birth date (the CSV adds one gene
   name), and the data set gives no expected match for them; they are matched to show what our
   matcher says when almost nothing is known (every genomic criterion stays unknown: we never
   read a missing result as a negative one, where MatchMiner's closed-world query would).

Usage: python3 benchmarks/matchminer_reproduce.py [--data DIR] [--no-record]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from secondopinion.case import Biomarker, Cancer, Case, Patient
from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.store.trials import TrialStore
from secondopinion.trials.ctml import parse_ctml
from secondopinion.trials.importer import import_paths
from secondopinion.trials.match import match_trials
from secondopinion.trials.match_keys import is_open
from secondopinion.trials.model import Criterion, Trial, TrialMatch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ctml-matchminer" / "matchengine" / "tests" / "data"
ARM = "A"

Leaf = str  # canonical JSON of one {key: value} leaf


def leaves_of(criteria: list[dict[str, Any]]) -> frozenset[Leaf]:
    """A path's criteria as leaves: a mapping with several keys is several leaves (a conjunction)."""
    return frozenset(json.dumps({k: v}, sort_keys=True) for item in criteria for k, v in item.items())


def expected_paths(expected: dict[str, Any], case: str) -> list[frozenset[Leaf]]:
    return [leaves_of([c for part in p["criteria_list"] for c in part["criteria"]]) for p in expected[case]]


def trial_of_tree(tree: Any, kb: KnowledgeBase) -> Trial:
    """The boolean tree as the match clause of one open arm, read by our CTML reader."""
    arm = {"arm_code": ARM, "arm_suspended": "N", "match": [tree]}
    ctml = {
        "protocol_no": "MM-BOOLEAN",
        "status": "open to accrual",
        "treatment_list": {"step": [{"step_code": "1", "arm": [arm]}]},
    }
    return parse_ctml(ctml, kb)


def our_paths(trial: Trial) -> set[frozenset[Leaf]]:
    """The alternatives as our trial holds them: criteria common to all, plus one option's."""
    common = frozenset(leaf_of(c) for c in trial.criteria if c.group is None)
    options: dict[int, set[Leaf]] = {}
    for c in trial.criteria:
        if c.group is not None:
            options.setdefault(c.option or 0, set()).add(leaf_of(c))
    return {common | frozenset(o) for o in options.values()} or {common}


def leaf_of(c: Criterion) -> Leaf:
    """Our criterion's leaf: its text is 'arm: key: {value}' for keys the reader does not type."""
    body = c.text.split(": ", 1)[1]
    return json.dumps(yaml.safe_load(body), sort_keys=True)


def markers(kb: KnowledgeBase) -> list[str]:
    """Biomarkers to stand in for the placeholder leaves: plain ones, not groups of others."""
    return sorted(b.id for b in kb.biomarkers.values() if not b.members)


def bind(trial: Trial, genes: dict[Leaf, str]) -> Trial:
    """Each placeholder criterion becomes 'this biomarker is positive', keeping arm and alternatives."""
    bound = [
        Criterion(
            inclusion=True,
            type="biomarker",
            text=c.text,
            gene=genes[leaf_of(c)],
            biomarker_status="positive",
            arm=c.arm,
            group=c.group,
            option=c.option,
        )
        for c in trial.criteria
    ]
    return trial.model_copy(update={"criteria": bound, "cancer_types": [], "min_age": None, "max_age": None})


def paths_read_identically(trees: Path, expected_file: Path, kb: KnowledgeBase) -> dict[str, tuple[int, int]]:
    """Per tree: how many expected paths are exactly one of our alternatives, out of how many."""
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    out = {}
    for name in sorted(expected):
        tree = json.loads((trees / name).read_text(encoding="utf-8"))
        ours = our_paths(trial_of_tree(tree, kb))
        paths = expected_paths(expected, name)
        out[name] = (sum(p in ours for p in paths), len(paths))
    return out


@dataclass(frozen=True)
class Decision:
    tree: str
    holds: frozenset[Leaf]
    expected: bool
    ours: bool


def patients_for(paths: list[frozenset[Leaf]], every: frozenset[Leaf]) -> Iterator[frozenset[Leaf]]:
    seen: set[frozenset[Leaf]] = set()
    candidates = [frozenset(), every, *paths, *(p - {leaf} for p in paths for leaf in sorted(p))]
    for holds in candidates:
        if holds not in seen:
            seen.add(holds)
            yield holds


def decisions(
    trees: Path, expected_file: Path, kb: KnowledgeBase, per_tree: int | None = None
) -> list[Decision]:
    """Our matcher's decision, and MatchMiner's, for the patients made from the expected paths
    (at most `per_tree` of them, evenly spread, to sample a large tree quickly)."""
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    names = markers(kb)
    out: list[Decision] = []
    for tree_name in sorted(expected):
        tree = json.loads((trees / tree_name).read_text(encoding="utf-8"))
        paths = expected_paths(expected, tree_name)
        trial = trial_of_tree(tree, kb)
        ours_leaves = sorted({leaf_of(c) for c in trial.criteria})
        everything = frozenset().union(*paths)
        if set(ours_leaves) != everything:
            raise SystemExit(f"{tree_name}: our reader sees other criteria than the expected paths")
        if len(ours_leaves) > len(names):
            raise SystemExit(f"{tree_name}: more criteria than stand-in biomarkers")
        genes = dict(zip(ours_leaves, names, strict=False))
        bound = bind(trial, genes)
        made = list(patients_for(paths, everything))
        step = -(-len(made) // per_tree) if per_tree else 1
        for holds in made[::step]:
            case = Case(
                cancers=[Cancer(type="nsclc")],
                biomarkers=[
                    Biomarker(name=genes[leaf], status="positive" if leaf in holds else "negative")
                    for leaf in ours_leaves
                ],
            )
            [m] = match_trials(case, [bound], kb, top=1)
            ours = m.not_met == 0 and m.unknown == 0
            want = any(p <= holds for p in paths)
            out.append(Decision(tree_name, holds, want, ours))
    return out


def ctml_files(data: Path) -> list[Path]:
    folders = ("yaml", "trials", "integration_trials")
    return sorted(p for f in folders for p in (data / f).glob("*") if p.suffix in (".json", ".yaml", ".yml"))


def test_patients(data: Path) -> list[Case]:
    """The test patients as cases: ages on the reference date the engine's tests use."""
    reference = date(2000, 7, 12)
    cases = []
    with (data / "clinical_csv" / "test_patients.csv").open(encoding="utf-8") as fh:
        genes = {
            r["SAMPLE_ID"]: r["TRUE_HUGO_SYMBOL"]
            for r in csv.DictReader((data / "genomic_csv" / "test_patients.csv").open())
        }
        for row in csv.DictReader(fh):
            born = date.fromisoformat(row["BIRTH_DATE"])
            age = reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
            gene = genes.get(row["SAMPLE_ID"])
            cases.append(
                Case(
                    id=row["SAMPLE_ID"],
                    patient=Patient(age=min(age, 120)),
                    biomarkers=[Biomarker(name=gene, status="positive")] if gene else [],
                )
            )  # fmt: skip
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="matchengine/tests/data of the engine"
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    kb = load_knowledge_base()

    trees, expected_file = args.data / "ctml_boolean_cases", args.data / "get_match_paths_expected.json"
    found = decisions(trees, expected_file, kb)
    agree = sum(d.expected == d.ours for d in found)
    per_tree: dict[str, list[Decision]] = {}
    for d in found:
        per_tree.setdefault(d.tree, []).append(d)
    expected = json.loads((args.data / "get_match_paths_expected.json").read_text(encoding="utf-8"))
    n_paths = sum(len(v) for v in expected.values())
    identical = paths_read_identically(trees, expected_file, kb)
    same = sum(a for a, _ in identical.values())

    with tempfile.TemporaryDirectory() as tmp:
        store = TrialStore.open(f"sqlite:///{Path(tmp) / 'ctml.db'}")
        files = ctml_files(args.data)
        report = import_paths(files, store, kb)
        trials = [t for t in (store.get(i) for i in store.nct_ids()) if t is not None]
        store.close()
    arms = [a for t in trials for a in t.arms]
    open_arms = sum(a.open for a in arms)
    open_trials = sum(is_open(t.status) for t in trials)

    patients = test_patients(args.data)
    shown = {c.id: match_trials(c, trials, kb, top=None) for c in patients}

    rows = [
        ("boolean match trees / expected match paths", f"{len(per_tree)} / {n_paths}"),
        ("match decisions derived from the expected paths", f"{len(found)}"),
        ("decisions reproduced", f"{agree} of {len(found)} ({100 * agree / len(found):.1f}%)"),
        *(
            (f"  {name}", f"{sum(d.expected == d.ours for d in ds)} of {len(ds)}")
            for name, ds in sorted(per_tree.items())
        ),
        ("expected paths our CTML reader reads identically", f"{same} of {n_paths}"),
        *((f"  {name}", f"{a} of {b}") for name, (a, b) in identical.items() if a != b),
        ("CTML files read", f"{len(files)}"),
        ("distinct trials (protocol numbers) / open to accrual", f"{len(trials)} / {open_trials}"),
        ("arms, steps and dose levels / open", f"{len(arms)} / {open_arms}"),
        ("records skipped", f"{len(report.bad)}"),
        ("test patients (no expected matches given)", f"{len(patients)}"),
        *(
            (f"  {pid}: arms with none failed / all met", f"{_none_failed(ms)} / {_all_met(ms)} of {len(ms)}")
            for pid, ms in shown.items()
        ),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    table = "\n".join(
        [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
        + [f"| {k:<{width}} | {v} |" for k, v in rows]
    )
    print(table)
    for bad in report.bad:
        print(f"skipped: {bad.where}: {bad.reason}")
    for name, (a, b) in identical.items():
        if a != b:
            tree = json.loads((args.data / "ctml_boolean_cases" / name).read_text(encoding="utf-8"))
            ours = our_paths(trial_of_tree(tree, kb))
            missed = [p for p in expected_paths(expected, name) if p not in ours]
            closest = [min((q for q in ours if p < q), key=len, default=p) for p in missed]
            extra = sorted({leaf for p, q in zip(missed, closest, strict=True) for leaf in q - p})
            print(f"{name}: {len(missed)} expected paths read with more criteria by us ({', '.join(extra)})")
    if not args.no_record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## matchminer_reproduce — {stamp} — {machine}\n\n{table}\n")


def _none_failed(matches: list[TrialMatch]) -> int:
    return sum(not m.not_met for m in matches)


def _all_met(matches: list[TrialMatch]) -> int:
    return sum(not m.not_met and not m.unknown for m in matches)


if __name__ == "__main__":
    main()
