"""Trial store and matcher at registry scale.

ClinicalTrials.gov holds about 500,000 studies, about a fifth in oncology. This builds a corpus of
(by default) 100,000 ClinicalTrials.gov API v2 study records by varying a real record (PALLAS,
NCT02513394, from the shared data) with the 1,500 real eligibility texts of the Leaf Clinical Trials
corpus: each synthetic study gets its own id (NCT9xxxxxxx, outside the range the registry has
issued), conditions (a fifth in oncology, weighted towards the common cancers), status, phase,
last-update date, a subset of the real record's sites, and one of the real eligibility texts.
It then measures the import (`secondopinion trials import` does the same work), the time to match
one patient (candidate query + criterion-by-criterion matching, the work of `trials match`) for a
panel of synthetic patients, and peak memory.

Targets: import >= 1,000 trials/s; p50 match < 300 ms on SQLite; peak memory < 1 GB.
Prints a table and appends it to docs/benchmarks.md with the date and machine.

Usage: python3 benchmarks/trials_scale.py [--trials N] [--workers W] [--db URL] [--keep DIR] [--no-record]
Takes a few minutes at 100,000 trials; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from secondopinion.case import Biomarker, Cancer, Case, Patient, PlanItem
from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.store.trials import TrialStore, prepare
from secondopinion.trials.importer import import_paths, make_blob, parse_blob
from secondopinion.trials.match import match_trials
from secondopinion.trials.model import Trial

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TEMPLATE = SHARED / "fhir-mcode-bundles" / "service" / "NCT02513394.json"
TEXTS = SHARED / "trial-eligibility-lct" / "lct_eligibility_1500.jsonl"

ONCOLOGY_SHARE = 0.2
# Conditions of the oncology fifth, roughly as common as they are among registered cancer trials.
CANCER_CONDITIONS = [
    ("Breast Cancer", 15),
    ("Non-small Cell Lung Cancer", 12),
    ("Colorectal Cancer", 8),
    ("Prostate Cancer", 8),
    ("Diffuse Large B-Cell Lymphoma", 5),
    ("Acute Myeloid Leukemia", 4),
    ("Multiple Myeloma", 4),
    ("Melanoma", 4),
    ("Pancreatic Cancer", 4),
    ("Ovarian Cancer", 3),
    ("Bladder Cancer", 3),
    ("Renal Cell Carcinoma", 3),
    ("Gastric Cancer", 3),
    ("Hepatocellular Carcinoma", 3),
    ("Glioblastoma", 3),
    ("Head and Neck Squamous Cell Carcinoma", 3),
    ("Advanced Solid Tumors", 6),
    ("Cancer", 2),
]
OTHER_CONDITIONS = [
    "Type 2 Diabetes",
    "Hypertension",
    "Asthma",
    "Depression",
    "Heart Failure",
    "Chronic Kidney Disease",
    "Obesity",
    "HIV Infections",
    "Alzheimer Disease",
    "Rheumatoid Arthritis",
    "COVID-19",
    "Healthy Volunteers",
]
STATUSES = [
    ("COMPLETED", 45),
    ("RECRUITING", 22),
    ("ACTIVE_NOT_RECRUITING", 9),
    ("NOT_YET_RECRUITING", 5),
    ("TERMINATED", 7),
    ("WITHDRAWN", 3),
    ("UNKNOWN", 9),
]
PHASES = [["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"], ["PHASE3"], ["PHASE4"], ["NA"]]
_ONCOLOGY_TEXT = re.compile(
    r"cancer|tumou?r|carcinoma|lymphoma|leuka?emia|myeloma|metasta|oncolog|sarcoma|melanoma|glioma|neoplas",
    re.I,
)


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def build_corpus(n: int, out: Path, seed: int = 7) -> int:
    """Write n study records as JSON Lines; returns the number of bytes written."""
    rng = random.Random(seed)
    template = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    base = {"protocolSection": template["protocolSection"], "derivedSection": template["derivedSection"]}
    base["hasResults"] = False
    contacts = base["protocolSection"]["contactsLocationsModule"]
    locations = contacts.pop("locations")
    contacts.pop("locations_nested", None)  # a copy the fixture adds; not part of the v2 format
    texts = [json.loads(line)["eligibility_text"] for line in TEXTS.read_text(encoding="utf-8").splitlines()]
    oncology_texts = [t for t in texts if _ONCOLOGY_TEXT.search(t)]
    other_texts = [t for t in texts if not _ONCOLOGY_TEXT.search(t)]
    start = date(2015, 1, 1)
    written = 0
    with out.open("w", encoding="utf-8") as fh:
        for i in range(n):
            study = copy.deepcopy(base)
            ps = study["protocolSection"]
            nct = f"NCT9{i:07d}"
            oncology = rng.random() < ONCOLOGY_SHARE
            condition = weighted(rng, CANCER_CONDITIONS) if oncology else rng.choice(OTHER_CONDITIONS)
            text = rng.choice(oncology_texts if oncology else other_texts)
            ident = ps["identificationModule"]
            ident["nctId"] = nct
            ident["briefTitle"] = f"Study {i} of a new treatment for {condition}"
            ident["officialTitle"] = f"A synthetic benchmark study ({nct}) in {condition}"
            ident.pop("secondaryIdInfos", None)
            status = weighted(rng, STATUSES)
            ps["statusModule"]["overallStatus"] = status
            updated = start + timedelta(days=rng.randrange(0, 3650))
            ps["statusModule"]["lastUpdatePostDateStruct"] = {"date": updated.isoformat(), "type": "ACTUAL"}
            ps["statusModule"]["lastUpdateSubmitDate"] = updated.isoformat()
            ps["conditionsModule"] = {"conditions": [condition], "keywords": []}
            ps["designModule"]["phases"] = rng.choice(PHASES)
            ps["eligibilityModule"]["eligibilityCriteria"] = text
            ps["eligibilityModule"]["minimumAge"] = rng.choice(
                ["18 Years", "18 Years", "12 Years", "65 Years"]
            )
            ps["eligibilityModule"]["sex"] = rng.choice(["ALL"] * 8 + ["FEMALE", "MALE"])
            k = min(len(locations), int(rng.expovariate(1 / 4)))
            ps["contactsLocationsModule"]["locations"] = rng.sample(locations, k)
            line = json.dumps(study, ensure_ascii=False) + "\n"
            written += len(line.encode())
            fh.write(line)
    return written


def patients(rng: random.Random) -> list[Case]:
    """A panel of synthetic patients across common cancers, settings and US places."""
    places = ["Boston, MA", "Houston, TX", "Chicago, IL", "Seattle, WA", "Atlanta, GA", "Denver, CO", None]
    specs = [
        (
            "breast",
            "female",
            "IIA",
            "invasive ductal carcinoma",
            [("ER", "positive", None), ("ERBB2", "negative", None)],
        ),
        ("breast", "female", "IV", "invasive ductal carcinoma", [("ERBB2", "positive", None)]),
        ("nsclc", "male", "IV", "adenocarcinoma", [("EGFR", "positive", "exon 19 deletion")]),
        ("nsclc", "female", "IIIB", "squamous cell carcinoma", [("PD-L1", "positive", None)]),
        ("colorectal", "male", "IV", "adenocarcinoma", [("KRAS", "positive", "G12D")]),
        ("prostate", "male", "IV", "adenocarcinoma", []),
        ("melanoma", "female", "IIIC", "melanoma", [("BRAF", "positive", "V600E")]),
        ("dlbcl", "male", "II", None, []),
        ("myeloma", "female", None, None, []),
        ("pancreatic", "male", "IV", "adenocarcinoma", []),
        ("ovarian", "female", "IIIC", "high-grade serous carcinoma", [("BRCA", "positive", "BRCA1")]),
        ("glioblastoma", "male", None, None, [("MGMT", "positive", None)]),
    ]
    cases = []
    chemo = [PlanItem(modality="chemotherapy", drugs=["carboplatin"], status="done")]
    for i in range(48):
        ctype, sex, stage, histology, markers = specs[i % len(specs)]
        cases.append(
            Case(
                id=f"bench-{i}",
                patient=Patient(age=rng.randint(35, 80), sex=sex, ecog=rng.choice([0, 1, 1, 2]),
                                location=rng.choice(places)),
                cancers=[Cancer(type=ctype, stage_group=stage, histology=histology)],
                biomarkers=[Biomarker(name=n, status=s, detail=d) for n, s, d in markers],  # type: ignore[arg-type]
                history=chemo if i % 3 == 0 else [],
            )
        )  # fmt: skip
    return cases


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: unlike wall time, it does not depend
    on what else the machine is running."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def breakdown(corpus: Path, kb: KnowledgeBase, n: int = 1000) -> dict[str, float]:
    """CPU milliseconds per trial for each step of an import, on the first n records."""
    blobs = []
    with corpus.open("rb") as fh:
        for i, line in enumerate(fh):
            if i >= n:
                break
            blobs.append(make_blob(f"{corpus}:{i + 1}", line))
    t0 = time.process_time()
    trials = [t for b in blobs for t in parse_blob(b, kb) if isinstance(t, Trial)]
    t1 = time.process_time()
    prepared = [prepare(t, kb) for t in trials]
    t2 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        store = TrialStore.open(f"sqlite:///{Path(tmp) / 'b.db'}")
        t3 = time.process_time()
        for k in range(0, len(prepared), 500):
            store.upsert_prepared(prepared[k : k + 500])
        t4 = time.process_time()
        store.close()
    per = 1000 / len(trials)
    return {"parse": (t1 - t0) * per, "prepare": (t2 - t1) * per, "store": (t4 - t3) * per}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parsing processes")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--keep", type=Path, help="build the corpus and database here and keep them")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="trials-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "studies.jsonl"
    url = args.db or f"sqlite:///{work / 'trials.db'}"
    load_before = os.getloadavg()[0]
    try:
        kb = load_knowledge_base()
        t0 = time.perf_counter()
        size = build_corpus(args.trials, corpus)
        build_s = time.perf_counter() - t0
        print(f"corpus: {args.trials:,} studies, {size / 1e6:,.0f} MB, built in {build_s:.0f} s", flush=True)
        steps = breakdown(corpus, kb)

        store = TrialStore.open(url)
        c1, t1 = cpu_seconds(), time.perf_counter()
        report = import_paths([corpus], store, kb, batch_size=1000, workers=args.workers)
        import_s, import_cpu = time.perf_counter() - t1, cpu_seconds() - c1
        t2 = time.perf_counter()
        again = import_paths([corpus], store, kb, batch_size=1000, workers=args.workers)
        reimport_s = time.perf_counter() - t2
        print(f"imported {report.records:,} in {import_s:.0f} s; re-import {reimport_s:.0f} s", flush=True)

        rng = random.Random(11)
        latencies, cpu_ms, counts = [], [], []
        panel = patients(rng)
        for case in panel[:2]:  # warm caches once
            match_trials(case, store.candidates(case, kb), kb, top=10)
        for case in panel:
            start, start_cpu = time.perf_counter(), time.thread_time()
            candidates = store.candidates(case, kb)
            match_trials(case, candidates, kb, top=10)
            latencies.append((time.perf_counter() - start) * 1000)
            cpu_ms.append((time.thread_time() - start_cpu) * 1000)
            counts.append(len(candidates))
        search_ms = []
        for q in ["pembrolizumab", "EGFR mutation", "brain metastases", "measurable disease RECIST"]:
            start = time.perf_counter()
            store.search(q, limit=20)
            search_ms.append((time.perf_counter() - start) * 1000)
        stored, open_ = store.count(), store.count(open_only=True)
        store.close()
        own_mb, child_mb = peak_mb()
        db_mb = (work / "trials.db").stat().st_size / 1e6 if not args.db else float("nan")
        load_after = os.getloadavg()[0]

        rows = [
            ("studies in corpus (synthetic, from real records)", f"{args.trials:,}"),
            ("corpus size, MB (JSON Lines)", f"{size / 1e6:,.0f}"),
            ("database", url.split(":", 1)[0] + (f", {db_mb:,.0f} MB" if not args.db else "")),
            (
                "machine load average before / after (cores)",
                f"{load_before:.1f} / {load_after:.1f} ({os.cpu_count()})",
            ),
            ("parsing processes", f"{args.workers}"),
            ("import: trials per second (wall)", f"{report.records / import_s:,.0f}"),
            ("import: trials per CPU-second (all processes)", f"{report.records / import_cpu:,.0f}"),
            (
                "import CPU ms per trial: parse / prepare / store",
                f"{steps['parse']:.2f} / {steps['prepare']:.2f} / {steps['store']:.2f}",
            ),
            ("import: bad records", f"{len(report.bad):,}"),
            ("re-import (all unchanged): trials per second", f"{again.records / reimport_s:,.0f}"),
            ("stored / open to enrolment", f"{stored:,} / {open_:,}"),
            ("patients matched", f"{len(latencies)}"),
            ("candidates per patient, median (max)", f"{statistics.median(counts):,.0f} ({max(counts):,})"),
            ("match one patient, p50 ms (wall)", f"{statistics.median(latencies):.0f}"),
            ("match one patient, p95 ms (wall)", f"{percentile(latencies, 0.95):.0f}"),
            (
                "match one patient, p50 / p95 CPU ms",
                f"{statistics.median(cpu_ms):.0f} / {percentile(cpu_ms, 0.95):.0f}",
            ),
            ("full-text search, median ms", f"{statistics.median(search_ms):.0f}"),
            ("peak memory, MB (this process)", f"{own_mb:,.0f}"),
            ("peak memory, MB (largest parsing process)", f"{child_mb:,.0f}"),
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
                fh.write(f"\n## trials_scale — {stamp} — {machine}\n\n{table}\n")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
