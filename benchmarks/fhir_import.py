"""FHIR import speed: a generated 2,000-resource mCODE bundle read into a case.

The bundle mixes what a hospital export holds: a patient, cancer and comorbid conditions, staging,
tumour markers and lab series, genomic variants, medication requests, administrations and
statements, procedures, family history, and resources the importer skips (encounters,
practitioners). Every resource is validated with fhir.resources on the way.

Prints a table and appends it to docs/benchmarks.md with the date and machine. Target: under 1 s.
Usage: python3 benchmarks/fhir_import.py [--rounds N] [--resources N] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from secondopinion.intake.fhir import parse_fhir
from secondopinion.knowledge.loader import load_knowledge_base

ROOT = Path(__file__).resolve().parents[1]
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
LOINC, SNOMED, RXNORM = (
    "http://loinc.org",
    "http://snomed.info/sct",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
)
MARKERS = [
    ("16112-5", "Estrogen receptor [Interpretation] in Tissue"),
    ("16113-3", "Progesterone receptor [Interpretation] in Tissue"),
    ("48676-1", "HER2 [Interpretation] in Tissue"),
]
LABS = [
    ("2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma"),
    ("2039-6", "Carcinoembryonic Ag [Mass/volume] in Serum or Plasma"),
    ("718-7", "Hemoglobin"),
]
DRUGS = [
    "paclitaxel",
    "doxorubicin",
    "cyclophosphamide",
    "trastuzumab",
    "pertuzumab",
    "anastrozole",
    "letrozole",
    "tamoxifen",
    "palbociclib",
    "capecitabine",
    "zoledronic acid",
]
GENES = [("3236", "EGFR"), ("8975", "PIK3CA"), ("3467", "ESR1"), ("11998", "TP53"), ("1100", "BRCA1")]


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def generate(n: int, seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    subject = {"reference": "Patient/p1"}
    day = date(2019, 1, 1)
    out: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "p1",
            "meta": {"profile": [MCODE + "mcode-cancer-patient"]},
            "gender": "female",
            "birthDate": "1961-05-20",
        },
        {
            "resourceType": "Condition",
            "id": "c1",
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            "code": {
                "coding": [
                    {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.912"},
                    {
                        "system": SNOMED,
                        "code": "254837009",
                        "display": "Malignant neoplasm of breast (disorder)",
                    },
                ]
            },
            "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "subject": subject,
            "stage": [{"summary": concept("http://cancerstaging.org", "c3A")}],
        },
    ]
    for i, site in enumerate(["liver", "bone", "lung"]):
        out.append(
            {
                "resourceType": "Condition",
                "id": f"m{i}",
                "meta": {"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                "code": concept(SNOMED, "128462008", "Secondary malignant neoplastic disease (disorder)"),
                "bodySite": [{"text": site}],
                "subject": subject,
            }
        )

    def when(i: int) -> str:
        return (day + timedelta(days=i)).isoformat()

    makers = [
        lambda i: {
            "resourceType": "Observation",
            "status": "final",
            "subject": subject,
            "code": concept(LOINC, *rnd.choice(LABS)),
            "effectiveDateTime": when(i),
            "valueQuantity": {"value": round(rnd.uniform(0.1, 20), 2), "unit": "ng/mL"},
        },
        lambda i: {
            "resourceType": "Observation",
            "status": "final",
            "subject": subject,
            "meta": {"profile": [MCODE + "mcode-tumor-marker-test"]},
            "code": concept(LOINC, *rnd.choice(MARKERS)),
            "effectiveDateTime": when(i),
            "valueCodeableConcept": concept(
                SNOMED, *rnd.choice([("10828004", "Positive"), ("260385009", "Negative")])
            ),
        },
        lambda i: {
            "resourceType": "Observation",
            "status": "final",
            "subject": subject,
            "code": concept(LOINC, "89247-1"),
            "effectiveDateTime": when(i),
            "valueInteger": rnd.randint(0, 2),
        },
        lambda i: {
            "resourceType": "Observation",
            "status": "final",
            "subject": subject,
            "code": concept(LOINC, "69548-6"),
            "valueCodeableConcept": concept(LOINC, "LA9633-4", "Present"),
            "component": [
                {
                    "code": concept(LOINC, "48018-6"),
                    "valueCodeableConcept": concept(
                        "http://www.genenames.org", *(lambda g: (f"HGNC:{g[0]}", g[1]))(rnd.choice(GENES))
                    ),
                }
            ],
        },
        lambda i: {
            "resourceType": "MedicationStatement",
            "status": rnd.choice(["completed", "active"]),
            "subject": subject,
            "effectiveDateTime": when(i),
            "medicationCodeableConcept": {"text": f"{rnd.choice(DRUGS)} 100 MG Injection"},
        },
        lambda i: {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "subject": subject,
            "effectiveDateTime": when(i),
            "medicationCodeableConcept": concept(RXNORM, str(100000 + i), f"{rnd.choice(DRUGS)} Injection"),
        },
        lambda i: {
            "resourceType": "MedicationRequest",
            "status": "active",
            "intent": "order",
            "subject": subject,
            "medicationCodeableConcept": {"text": rnd.choice(DRUGS)},
        },
        lambda i: {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": subject,
            "performedDateTime": when(i),
            "code": concept(SNOMED, "448385000", "Megavoltage radiation therapy using photons (procedure)"),
        },
        lambda i: {
            "resourceType": "Condition",
            "subject": subject,
            "code": concept(SNOMED, "38341003", "Hypertensive disorder (disorder)"),
        },
        lambda i: {
            "resourceType": "FamilyMemberHistory",
            "status": "completed",
            "patient": subject,
            "relationship": {"text": "sister"},
            "condition": [{"code": {"text": "Breast cancer"}}],
        },
        lambda i: {
            "resourceType": "Encounter",
            "status": "finished",
            "subject": subject,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        },
        lambda i: {"resourceType": "Practitioner", "name": [{"family": f"Doctor{i}"}]},
    ]
    i = 0
    while len(out) < n:
        resource = rnd.choice(makers)(i)
        resource["id"] = f"r{i}"
        out.append(resource)
        i += 1
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['resourceType']}-{r['id']}", "resource": r} for r in out],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    kb = load_knowledge_base()
    data = json.dumps(generate(args.resources)).encode()
    t0 = time.perf_counter()
    case, warnings = parse_fhir(data, kb, "benchmark.json")
    first = time.perf_counter() - t0
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        parse_fhir(data, kb, "benchmark.json")
        times.append(time.perf_counter() - start)
    facts = (
        len(case.cancers)
        + len(case.biomarkers)
        + len(case.history)
        + len(case.plan)
        + len(case.patient.comorbidities)
        + len(case.patient.family_history)
    )
    rows = [
        ("resources in the bundle", f"{args.resources}"),
        ("bundle size, MB", f"{len(data) / 1e6:.2f}"),
        ("facts in the case / warnings", f"{facts} / {len(warnings)}"),
        ("first import (imports fhir.resources), s", f"{first:.3f}"),
        ("rounds", f"{args.rounds}"),
        ("p50 import, s", f"{statistics.median(times):.3f}"),
        ("max import, s", f"{max(times):.3f}"),
        ("target, s", "< 1"),
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
            fh.write(f"\n## fhir_import — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
