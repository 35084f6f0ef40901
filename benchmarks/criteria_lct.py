"""Eligibility-criteria parser against the expert annotations of the Leaf Clinical Trials corpus.

The LCT corpus (Dobbins et al., Scientific Data 2022; annotations CC BY 4.0) annotates the
eligibility criteria of 1,006 trials with entities (conditions, drugs, procedures, observations,
ages, comparisons, ...) in brat format. Its schema is not ours, so each of our criterion types is
given a gold definition over the annotations (below, `GOLD`), and both sides are compared line by
line: a line counts for a type when an annotation of that type lies on it (gold) or a criterion of
that type quotes text on it (parsed). Precision, recall and F1 per type are printed for all
annotated trials and for the oncology ones (those with an annotated cancer), with parse speed on
the corpus's 1,500 eligibility texts. The table is appended to docs/benchmarks.md.

The annotated trials are split in two by a hash of the NCT id (`--split dev|test|all`): tune the
parser by reading dev-split failures only (`--show TYPE` prints them, and refuses the test split),
and report the test split as the figure not looked at.

Usage: python3 benchmarks/criteria_lct.py [--lct DIR] [--split dev|test|all] [--show TYPE] [--rounds N]
                                          [--no-record]
(DIR holds `annotated/` and `lct_eligibility_1500.jsonl`, from uw-bionlp/clinical-trials-gov-data.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args

from secondopinion.knowledge.loader import load_knowledge_base
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria import parse_criteria
from secondopinion.trials.model import CriterionType

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LCT = ROOT.parent / "shared" / "data" / "trial-eligibility-lct"

# --- brat -----------------------------------------------------------------------------------


@dataclass
class Entity:
    id: str
    label: str
    start: int
    end: int
    text: str
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Doc:
    name: str
    text: str
    entities: dict[str, Entity]
    events: dict[str, tuple[str, dict[str, list[str]]]]  # id -> (trigger entity id, role -> ids)


def read_brat(txt: Path) -> Doc:
    text = txt.read_text(encoding="utf-8")
    entities: dict[str, Entity] = {}
    events: dict[str, tuple[str, dict[str, list[str]]]] = {}
    attrs: list[tuple[str, str, str]] = []
    for line in txt.with_suffix(".ann").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if not parts or not parts[0]:
            continue
        if parts[0].startswith("T") and len(parts) >= 3:
            label, _, spans = parts[1].partition(" ")
            offsets = [int(x) for x in re.findall(r"\d+", spans)]
            entities[parts[0]] = Entity(parts[0], label, min(offsets), max(offsets), parts[2])
        elif parts[0].startswith("E") and len(parts) >= 2:
            args = parts[1].split()
            trigger = args[0].split(":", 1)[1]
            roles: dict[str, list[str]] = defaultdict(list)
            for arg in args[1:]:
                role, _, target = arg.partition(":")
                roles[re.sub(r"\d+$", "", role)].append(target)
            events[parts[0]] = (trigger, roles)
        elif parts[0].startswith("A") and len(parts) >= 2:
            bits = parts[1].split()
            if len(bits) >= 3:
                attrs.append((bits[1], bits[0], bits[2]))
    for target, name, value in attrs:
        ent = entities.get(events[target][0]) if target in events else entities.get(target)
        if ent is not None:
            ent.attrs[name] = value
    return Doc(txt.stem, text, entities, events)


# --- gold definitions over the LCT schema ---------------------------------------------------

CANCER = re.compile(
    r"cancer|carcinoma|neoplas|tumou?r|malignan|lymphoma|leuka?emia|myeloma|sarcoma|melanoma|glioma|blastoma"
    r"|mesothelioma|adenocarcinoma",
    re.I,
)
# A named cancer is more than these words: "other malignancy" or "active cancer" name no type.
GENERIC = re.compile(
    r"\b(?:cancers?|carcinomas?|neoplasms?|neoplasia|tumou?rs?|malignan\w*|diseases?|active|other|any|prior"
    r"|previous|primary|secondary|advanced|metasta\w*|recurrent|concurrent|known|invasive|history|of|or|and|the"
    r"|a|an|with|in|second|new|current|progressive|untreated|treated|suspected|suspicion|benign|\d+)\b",
    re.I,
)
SEX_NOT_RESTRICTING = re.compile(
    r"pregnan|lactat|breast-?\s?feed|nursing|childbearing|child-bearing|contracep"
    r"|birth control|wocb",
    re.I,
)
PERFORMANCE = re.compile(
    r"ecog|karnofsky|\bkps\b|performance (?:status|score)|zubrod|lansky|\bwho ps\b", re.I
)
LABS = re.compile(
    r"neutrophil|\banc\b|platelet|ha?emoglobin|\bhgb\b|\bhb\b|white blood|\bwbc\b|leukocyte|lymphocyte count"
    r"|bilirubin|\bast\b|\balt\b|sgot|sgpt|transaminase|aminotransferase|alkaline phosphatase|creatinine"
    r"|\bgfr\b|glomerular|albumin|\binr\b|prothrombin|\bptt\b|thromboplastin|ejection fraction|lvef|qtc"
    r"|(?:organ|marrow|renal|hepatic|liver|kidney|hematologic\w*) function",
    re.I,
)
PREGNANCY = re.compile(r"pregnan|lactat|breast-?\s?feed|nursing", re.I)
BRAIN = re.compile(r"brain|\bcns\b|central nervous|intracranial|cerebral|leptomening", re.I)
METASTATIC = re.compile(r"metasta|locally advanced|\badvanced\b|unresectable|\bm[01]\b", re.I)
MARKER = re.compile(
    r"\b(?:her-?2|erbb2|egfr|alk|ros1|braf|kras|nras|pd-?l1|msi(?:-h)?|mmr|dmmr|tmb|brca[12]?"
    r"|estrogen receptor|progesterone receptor|hormone receptor|\ber\b|\bpr\b|ki-?67|idh[12]?|mgmt|ntrk"
    r"|\bret\b|\bmet\b|pik3ca"
    r"|triple[- ]negative)\b",
    re.I,
)
THERAPY_PROCEDURE = re.compile(
    r"therap|chemo|radi|surg|resection|ectomy|transplant|treat|immuno|irradiat", re.I
)
LINES = re.compile(r"\blines?\b|regimens?", re.I)
STAGE = re.compile(r"\bstages?\b", re.I)


def _past(doc: Doc, event: tuple[str, dict[str, list[str]]]) -> bool:
    for target in event[1].get("Temporality", []):
        sub = doc.events.get(target)
        if sub is None:
            continue
        for period in sub[1].get("Temporal-Period", []):
            ent = doc.entities.get(period)
            if ent is not None and ent.attrs.get("Eq-Temporal-Period-Value") in ("past", "recent"):
                return True
    return False


def gold_spans(doc: Doc) -> dict[str, list[tuple[int, int]]]:
    """Spans of the annotations that stand for each of our types."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    ents = list(doc.entities.values())
    # LCT puts the organ in a Modifier of the condition ("metastatic renal cell" + "carcinoma").
    modifiers: dict[str, list[str]] = defaultdict(list)
    for trigger, roles in doc.events.values():
        mod = doc.entities.get(trigger)
        if mod is None or mod.label != "Modifier":
            continue
        for target in roles.get("Modifies", []):
            event = doc.events.get(target)
            for ent_id in [target] if event is None else [event[0], *event[1].get("Name", [])]:
                modifiers[ent_id].append(mod.text)
    for e in ents:
        span = (e.start, e.end)
        if e.label == "Age":
            out["age"].append(span)
        elif e.label == "Life-Stage-And-Gender" and e.attrs.get("Life-Stage-And-Gender-Type") in (
            "female",
            "male",
        ):
            out["sex:" + e.attrs["Life-Stage-And-Gender-Type"]].append(span)
        elif e.label in ("Observation", "Observation-Name"):
            if PERFORMANCE.search(e.text):
                out["performance_status"].append(span)
            elif LABS.search(e.text):
                out["organ_function"].append(span)
            if MARKER.search(e.text):
                out["biomarker"].append(span)
        if e.label in ("Condition", "Condition-Name"):
            if PREGNANCY.search(e.text):
                out["pregnancy"].append(span)
            words = " ".join([e.text, *modifiers.get(e.id, [])])
            if CANCER.search(e.text) and GENERIC.sub(" ", words).strip(" ,-/()"):
                out["cancer_type"].append(span)
            if MARKER.search(e.text):
                out["biomarker"].append(span)
        if e.label in ("Condition", "Condition-Name", "Modifier", "Observation", "Observation-Name") and (
            METASTATIC.search(e.text)
        ):
            out["metastatic"].append(span)
        if re.search(r"measurab", e.text, re.I) and not re.search(r"non-?\s?measurab", e.text, re.I):
            out["measurable_disease"].append(span)
        if e.label in ("Eq-Comparison", "Eq-Unit") and STAGE.search(e.text):
            out["stage"].append(span)
        if e.label in ("Eq-Comparison", "Procedure", "Procedure-Name", "Modifier") and LINES.search(e.text):
            out["line_of_therapy"].append(span)
    for trigger, roles in doc.events.values():
        ent = doc.entities.get(trigger)
        if ent is None or ent.label not in ("Drug", "Procedure"):
            continue
        if ent.label == "Procedure" and not THERAPY_PROCEDURE.search(ent.text):
            continue
        if _past(doc, (trigger, roles)):
            out["prior_therapy"].append((ent.start, ent.end))
    return out


def is_oncology(doc: Doc) -> bool:
    """A cancer trial: some annotated condition is a cancer, named or not."""
    return any(e.label == "Condition-Name" and CANCER.search(e.text) for e in doc.entities.values())


@dataclass
class Line:
    start: int
    end: int
    gold: set[str] = field(default_factory=set)
    parsed: set[str] = field(default_factory=set)


def lines_of(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(Line(pos, pos + len(raw)))
        pos += len(raw) + 1
    return out


def _on(lines: list[Line], start: int, end: int) -> list[Line]:
    return [ln for ln in lines if ln.start < max(end, start + 1) and start < ln.end + 1]


def label_lines(doc: Doc, kb: KnowledgeBase) -> list[Line]:
    lines = lines_of(doc.text)
    spans = gold_spans(doc)
    for kind, found in spans.items():
        for start, end in found:
            for ln in _on(lines, start, end):
                ln.gold.add(kind)
    for ln in lines:
        sexes = {k for k in ln.gold if k.startswith("sex:")}
        ln.gold -= sexes
        # 'male or female' restricts nothing, nor do 'pregnant women' or 'women of childbearing potential'
        if len(sexes) == 1 and not SEX_NOT_RESTRICTING.search(doc.text[ln.start : ln.end]):
            ln.gold.add("sex")
        if "metastatic" in ln.gold and any(
            BRAIN.search(e.text) for e in doc.entities.values() if ln.start <= e.start < ln.end + 1
        ):
            ln.gold.discard("metastatic")
            ln.gold.add("brain_metastases")
        if "stage" in ln.gold and "cancer_type" not in ln.gold:
            ln.gold.discard("stage")  # 'CKD stage 4' is no cancer stage
    cursor = 0
    for c in parse_criteria(doc.text, kb):
        at = doc.text.find(c.text, cursor)
        if at < 0:
            at = doc.text.find(c.text)
        else:
            cursor = at
        if c.type == "unparsed":
            continue
        for ln in _on(lines, at, at + len(c.text)):
            ln.parsed.add(c.type)
    return lines


# The parser's criterion types that the annotations can score (histology has no annotation type of
# its own; unparsed criteria are what is left for a person).
TYPES = [t for t in get_args(CriterionType) if t not in ("histology", "unparsed")]


def score(docs: list[tuple[Doc, list[Line]]], keep: Callable[[Doc, list[Line]], bool]) -> dict[str, tuple]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for doc, lines in docs:
        if not keep(doc, lines):
            continue
        for ln in lines:
            for t in TYPES:
                if t in ln.gold and t in ln.parsed:
                    tp[t] += 1
                elif t in ln.parsed:
                    fp[t] += 1
                elif t in ln.gold:
                    fn[t] += 1
    out = {}
    for t in TYPES:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else float("nan")
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else float("nan")
        f = 2 * p * r / (p + r) if p == p and r == r and p + r else float("nan")
        out[t] = (tp[t] + fn[t], tp[t], fp[t], fn[t], p, r, f)
    return out


def split_of(name: str) -> str:
    """'dev' or 'test' for a trial, from a hash of its NCT id: fixed for a trial whatever else the
    corpus holds, and about half and half."""
    digest = hashlib.sha256(name.strip().upper().encode("ascii", "replace")).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def show_failures(docs: list[tuple[Doc, list[Line]]], kind: str) -> None:
    """Missed and spurious lines of one type, to read while tuning (dev split only); oncology
    trials are marked."""
    for doc, lines in docs:
        onco = "onc " if is_oncology(doc) else ""
        for ln in lines:
            gold, parsed = kind in ln.gold, kind in ln.parsed
            if gold != parsed:
                tag = "MISS" if gold else "FALSE"
                print(f"{tag} {onco}{doc.name}: {doc.text[ln.start : ln.end].strip()[:300]}")


def _pct(x: float) -> str:
    return "—" if x != x else f"{100 * x:.0f}%"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lct", type=Path, default=DEFAULT_LCT)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--show", choices=TYPES, help="print the dev split's missed and spurious lines")
    args = parser.parse_args()
    if not (args.lct / "annotated").is_dir():
        raise SystemExit(f"LCT corpus not found under {args.lct} (give --lct DIR)")
    if args.show and args.split != "dev":
        raise SystemExit("--show reads failures for tuning: only with --split dev")

    kb = load_knowledge_base()
    docs = [
        read_brat(p)
        for p in sorted((args.lct / "annotated").rglob("*.txt"))
        if p.with_suffix(".ann").exists() and args.split in ("all", split_of(p.stem))
    ]
    labelled = [(d, label_lines(d, kb)) for d in docs]
    everything = score(labelled, lambda d, ls: True)
    oncology = {d.name for d in docs if is_oncology(d)}
    onco = score(labelled, lambda d, ls: d.name in oncology)
    if args.show:
        show_failures(labelled, args.show)
        return

    texts = [
        json.loads(x)["eligibility_text"]
        for x in (args.lct / "lct_eligibility_1500.jsonl").open(encoding="utf-8")
    ]
    parse_criteria(texts[0], kb)
    best = float("inf")
    n_criteria = Counter()
    for _ in range(args.rounds):
        t0 = time.process_time()
        found = [parse_criteria(t, kb) for t in texts]
        best = min(best, time.process_time() - t0)
    for criteria in found:
        n_criteria.update(c.type for c in criteria)
    total = sum(n_criteria.values())
    chars = sum(map(len, texts)) / len(texts)

    header = (
        "| type | gold lines (all) | precision | recall | F1 "
        "| gold lines (oncology) | precision | recall | F1 |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in TYPES:
        a, o = everything[t], onco[t]
        rows.append(
            f"| {t} | {a[0]} | {_pct(a[4])} | {_pct(a[5])} | {_pct(a[6])} | {o[0]} | {_pct(o[4])} | "
            f"{_pct(o[5])} | {_pct(o[6])} |"
        )
    summary = [
        "",
        f"Split: {args.split} (halves by a hash of the NCT id). "
        f"Annotated trials: {len(docs)} ({len(oncology)} with an annotated cancer). "
        f"Parse speed on the {len(texts):,} LCT eligibility texts (mean {chars:.0f} characters): "
        f"{len(texts) / best:,.0f} trials/s (CPU time, best of {args.rounds}). "
        f"Criteria: {total:,}, of which typed {100 * (total - n_criteria['unparsed']) / total:.0f}% "
        f"and unparsed (shown to a person) {100 * n_criteria['unparsed'] / total:.0f}%.",
    ]
    table = "\n".join(rows + summary)
    print(table)
    if not args.no_record:
        machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n## criteria_lct — {stamp} — {machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
