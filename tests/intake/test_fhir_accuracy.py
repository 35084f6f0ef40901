"""Field-level accuracy of FHIR import: every coded fact in the test bundles appears in the case.

The facts are listed from the raw JSON by rules written here, independently of the importer: each
is found by the resource it comes from (the case keeps it in provenance) and, where the record
states it plainly, by its value. Run as a script for the report:

    python -m tests.intake.test_fhir_accuracy
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from secondopinion.case import Case
from secondopinion.intake.fhir import parse_fhir
from secondopinion.knowledge.schema import KnowledgeBase

DATA = Path(__file__).parents[1] / "data" / "fhir"
BUNDLES = sorted(DATA.glob("*.json")) + sorted((DATA / "trial-matching").glob("*.json"))
LOINC_MARKERS = {
    "16112-5": "ER",
    "40556-3": "ER",
    "85337-4": "ER",
    "16113-3": "PR",
    "40557-1": "PR",
    "85339-0": "PR",
    "48676-1": "ERBB2",
    "18474-7": "ERBB2",
    "85319-2": "ERBB2",
    "85318-4": "ERBB2",
    "62862-8": "MSI",
    "81695-9": "MSI",
    "94076-7": "TMB",
    "94077-5": "TMB",
    "2857-1": "PSA",
    "2039-6": "CEA",
}
TYPE_WORDS = [
    ("non-small cell lung", "nsclc"),
    ("small cell", "sclc"),
    ("breast", "breast"),
    ("prostate", "prostate"),
    ("colon", "colon"),
]
TNM = {
    "t": {"399504009", "384625004", "21905-5", "21899-0"},
    "n": {"399534004", "371494008", "21906-3", "21900-6"},
    "m": {"399387003", "371497001", "21907-1", "21901-4"},
}
STAGE = {"21908-9", "21902-2", "399537006", "399588009"}
GONE = {"entered-in-error", "cancelled", "not-done", "not-taken", "revoked"}


@dataclass
class Fact:
    kind: str
    resource: str
    check: Callable[[Case], bool]


def _codes(concept: Any) -> list[str]:
    return [c.get("code", "") for c in (concept or {}).get("coding", []) if isinstance(c, dict)]


def _display(concept: Any) -> str:
    concept = concept or {}
    parts = [concept.get("text") or ""] + [c.get("display") or "" for c in concept.get("coding", [])]
    return " ".join(parts).lower()


def _profiles(r: dict[str, Any]) -> str:
    return " ".join((r.get("meta") or {}).get("profile", []))


def _cites(fact_holder: Any, label: str) -> bool:
    return any(p.field == label or (p.field or "").startswith(label + ".") for p in fact_holder.provenance)


def _everything(case: Case) -> list[Any]:
    p = case.patient
    return [
        p,
        *p.comorbidities,
        *p.family_history,
        *case.cancers,
        *case.biomarkers,
        *case.history,
        *case.plan,
    ]


def facts_of(bundle: dict[str, Any]) -> list[Fact]:
    resources: dict[str, dict[str, Any]] = {}
    for e in bundle.get("entry", []):
        r = (e or {}).get("resource")
        if (
            isinstance(r, dict)
            and r.get("resourceType")
            and f"{r['resourceType']}/{r.get('id')}" not in resources
        ):
            resources[f"{r['resourceType']}/{r.get('id')}"] = r
    patients = [r for r in resources.values() if r["resourceType"] == "Patient"]
    facts: list[Fact] = []
    if patients:
        p = patients[0]
        if p.get("gender"):
            facts.append(Fact("sex", f"Patient/{p['id']}", lambda c, g=p["gender"]: c.patient.sex == g))
        if re.match(r"^\d{4}-\d\d-\d\d$", p.get("birthDate", "")):
            facts.append(Fact("age", f"Patient/{p['id']}", lambda c: c.patient.age is not None))
    latest: dict[str, tuple[str, int, str]] = {}
    for label, r in resources.items():
        rtype, profiles = r["resourceType"], _profiles(r)
        if r.get("status") in GONE:
            continue
        code = r.get("code")
        if rtype == "Condition":
            words = _display(code)
            if "secondary" in profiles or "secondary" in words or "metastatic" in words:
                facts.append(
                    Fact(
                        "metastasis",
                        label,
                        lambda c, lb=label: any(_cites(x, lb) and x.metastatic_sites for x in c.cancers),
                    )
                )
            elif "primary-cancer" in profiles or re.search(r"malignant|carcinoma|cancer", words):
                expected = next((t for w, t in TYPE_WORDS if w in words), None)
                facts.append(
                    Fact(
                        "cancer type",
                        label,
                        lambda c, lb=label, t=expected: any(
                            _cites(x, lb) and (t is None or x.type == t) for x in c.cancers
                        ),
                    )
                )
                for i, stage in enumerate(r.get("stage", [])):
                    if stage.get("summary"):
                        facts.append(
                            Fact(
                                "stage group",
                                f"{label}.stage[{i}]",
                                lambda c, lb=label: any(_cites(x, lb) and x.stage_group for x in c.cancers),
                            )
                        )
            else:
                status = _codes(r.get("clinicalStatus"))
                if not set(status) & {"resolved", "inactive", "remission"} and not words.strip().endswith(
                    ("(finding)", "(situation)")
                ):
                    facts.append(
                        Fact(
                            "comorbidity",
                            label,
                            lambda c, lb=label: any(_cites(x, lb) for x in c.patient.comorbidities),
                        )
                    )
        elif rtype == "Observation":
            codes = _codes(code)
            value = r.get("valueCodeableConcept")
            if set(codes) & STAGE:
                facts.append(Fact("stage group", label, lambda c: any(x.stage_group for x in c.cancers)))
            for axis, wanted in TNM.items():
                if set(codes) & wanted and "data-absent-reason" not in json.dumps(value):
                    facts.append(
                        Fact(
                            f"TNM {axis.upper()}",
                            label,
                            lambda c, a=axis: any(getattr(x.tnm, a) for x in c.cancers),
                        )
                    )
            marker = next((LOINC_MARKERS[x] for x in codes if x in LOINC_MARKERS), None)
            if marker:
                words = _display(value)
                status = (
                    "negative"
                    if re.search(r"negative|absent|low", words)
                    else ("positive" if re.search(r"positive|present|high|msi-h", words) else None)
                )
                facts.append(
                    Fact(
                        f"{marker} result",
                        label,
                        lambda c, m=marker, s=status, lb=label: any(
                            b.name == m and _cites(b, lb) and (s is None or b.status == s)
                            for b in c.biomarkers
                        ),
                    )
                )
            if "69548-6" in codes or "genomic-variant" in profiles or "genetic-variant" in profiles:
                facts.append(
                    Fact(
                        "genomic variant", label, lambda c, lb=label: any(_cites(b, lb) for b in c.biomarkers)
                    )
                )
            if "21889-1" in codes:
                facts.append(
                    Fact("tumour size", label, lambda c: any("tumor_size_cm" in x.scores for x in c.cancers))
                )
            for key, code_, lo, hi in (("ecog", "89247-1", 0, 5), ("karnofsky", "89243-0", 0, 100)):
                v = r.get("valueInteger")
                if code_ in codes and isinstance(v, int) and lo <= v <= hi:
                    when = r.get("effectiveDateTime", "")
                    if key not in latest or when >= latest[key][0]:
                        latest[key] = (when, v, label)
        elif rtype in ("MedicationRequest", "MedicationAdministration", "MedicationStatement"):
            words = _display(r.get("medicationCodeableConcept"))
            name = next(
                (w for w in re.findall(r"[a-z][a-z-]{3,}", words) if w not in ("injection", "oral")), ""
            )
            facts.append(
                Fact(
                    "medication",
                    label,
                    lambda c, lb=label, n=name: any(
                        _cites(i, lb) and any(d in n or n in d for d in i.drugs)
                        for i in [*c.history, *c.plan]
                    ),
                )
            )
        elif rtype == "Procedure" and re.search(r"surgical|radiation|radiotherapy", profiles):
            facts.append(
                Fact(
                    "procedure", label, lambda c, lb=label: any(_cites(i, lb) for i in [*c.history, *c.plan])
                )
            )
        elif rtype == "FamilyMemberHistory":
            for _ in r.get("condition", []):
                facts.append(
                    Fact(
                        "family history",
                        label,
                        lambda c, lb=label: any(_cites(f, lb) for f in c.patient.family_history),
                    )
                )
    for key, (_, v, label) in latest.items():
        facts.append(
            Fact(
                key.upper() if key == "ecog" else key,
                label,
                lambda c, k=key, val=v: getattr(c.patient, k) == val,
            )
        )
    return facts


def check(path: Path, kb: KnowledgeBase) -> tuple[int, list[str]]:
    """(facts checked, descriptions of those missed) for one bundle."""
    case, _ = parse_fhir(path.read_bytes(), kb, path.name, today=date(2025, 1, 1))
    facts = facts_of(json.loads(path.read_text(encoding="utf-8")))
    missed = [f"{f.kind} from {f.resource}" for f in facts if not f.check(case)]
    return len(facts), missed


def test_every_coded_fact_of_the_test_bundles_is_in_the_case(kb):
    checked, missed = 0, []
    for path in BUNDLES:
        n, m = check(path, kb)
        checked += n
        missed += [f"{path.name}: {x}" for x in m]
    assert checked > 300
    assert missed == []


def test_the_checker_notices_a_missing_fact(kb):
    path = DATA / "trial-matching" / "TrialMatching_Patient01.json"
    case, _ = parse_fhir(path.read_bytes(), kb, path.name)
    facts = facts_of(json.loads(path.read_text()))
    emptied = case.model_copy(update={"biomarkers": [], "cancers": []})
    assert sum(not f.check(emptied) for f in facts) >= 8


def main() -> None:
    from secondopinion.knowledge.loader import default_knowledge_base

    kb = default_knowledge_base()
    total_checked = total_missed = 0
    print(f"{'bundle':<72} {'checked':>8} {'missed':>7}")
    for path in BUNDLES:
        n, missed = check(path, kb)
        total_checked += n
        total_missed += len(missed)
        print(f"{path.relative_to(DATA).as_posix():<72} {n:>8} {len(missed):>7}")
        for m in missed:
            print(f"    missed: {m}")
    print(f"{'total':<72} {total_checked:>8} {total_missed:>7}")


if __name__ == "__main__":
    main()
