"""Free-text eligibility criteria to typed, explained criteria.

The text is cut into inclusion and exclusion items (criteria_split), each item into sentences, and
each sentence is read for the kinds of criteria we can check (criteria_patterns, criteria_terms).
A criterion keeps its source sentence verbatim; a sentence nothing could be read from becomes an
`unparsed` criterion for a person to read. Nothing is guessed.

How a criterion is to be read (the contract with the matcher):
- The typed fields describe a condition on the person; `inclusion` True means it must hold,
  False that it must not. The parser folds wording into `inclusion`: "No prior chemotherapy" in
  the inclusion list is a prior_therapy criterion with inclusion False, "no measurable disease"
  among exclusions is measurable_disease with inclusion True.
- age and performance_status are always stated as the bounds to meet (inclusion True), whatever
  list they came from ("ECOG >= 3" among exclusions becomes ecog_max 2).
- brain_metastases carries the trial's stance in `brain_metastases`; inclusion is True only for
  'required'. pregnancy describes being pregnant or breastfeeding (inclusion False, nearly always).
- metastatic: `metastatic` True/False when the text is that plain, and `settings` the accepted
  settings ('locally advanced or metastatic' -> both, metastatic None).
- prior_therapy with no drug, class or modality named means any anticancer therapy of the listed
  modality; `within_days` limits it to recent treatment (a wash-out).
- Criteria sharing `group` are alternatives: one `option`'s criteria must all hold.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Any

from secondopinion.errors import InputError
from secondopinion.intake.text_spans import lower_same_length
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.text_fold import fold_criteria_text
from secondopinion.trials import criteria_patterns as pat
from secondopinion.trials import criteria_terms as terms
from secondopinion.trials.criteria_patterns import Found
from secondopinion.trials.criteria_split import Item, eligibility_items, split_eligibility
from secondopinion.trials.model import Criterion

__all__ = ["MAX_TEXT", "parse_criteria", "sentence_spans", "split_eligibility"]

MAX_TEXT = 200_000  # the longest registry eligibility texts are about 30,000 characters


_SENT_END = re.compile(r"[.;](?=\s+[A-Z(])|\n[ \t]*\n")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|approx|etc|dr|no|fig|al|incl|st|max|min|mg|ca|pts?)|\b[a-z])$", re.I
)


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside one item: split at '.' or ';' before a capital, not after
    abbreviations. Spans are trimmed and never empty."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _SENT_END.finditer(text, start, end):
        if m.group() in ".;" and not (
            m.start() > start and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ")%]")
        ):
            continue
        if m.group() == "." and _ABBREV.search(text, max(pos, m.start() - 8), m.start()):
            continue
        out.append((pos, m.end()))
        pos = m.end()
    out.append((pos, end))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and re.search(r"\w", text[s:e]):
            trimmed.append((s, e))
    return trimmed


def parse_criteria(text: str, kb: KnowledgeBase) -> list[Criterion]:
    """Typed criteria of an eligibility text, in the order written. Raises InputError only for
    input that is not text at all or is absurdly long."""
    if not isinstance(text, str):
        raise InputError("eligibility criteria must be text")
    if len(text) > MAX_TEXT:
        raise InputError(f"eligibility text longer than {MAX_TEXT:,} characters; is this the right field?")
    if not text.strip():
        return []
    norm = fold_criteria_text(text)
    low = lower_same_length(norm)
    if len(low) != len(text):  # cannot happen with the one-to-one folds above; kept as a guard
        low = text.lower() if len(text.lower()) == len(text) else text
    mentions = terms.find_mentions(kb, norm, low)
    gates = _gates(low)
    oncology_text = pat.ONCOLOGY.search(low) is not None
    tables = terms.terms_for(kb)
    out: list[_Pending] = []
    or_groups = 0
    for item in eligibility_items(text):
        for s, e in sentence_spans(text, item.start, item.end):
            found = _read_sentence(
                low, s, e, item.inclusion, mentions, tables, _open_gates(gates, s, e), oncology_text
            )
            sentence = text[s:e]
            if not found:
                out.append(_criterion(item, "unparsed", sentence, item.inclusion, {}))
                continue
            groups, or_groups = _or_groups(low, found, item, or_groups)
            for f, group in zip(found, groups, strict=True):
                inclusion = _inclusion(low, s, e, f, item.inclusion)
                fields = dict(f.fields)
                if group is not None:
                    fields["group"], fields["option"] = group
                out.append(_criterion(item, f.type, sentence, inclusion, fields))
    return _dedupe(out)


# Cheap substring gates: a reader runs only when one of its key words is in the sentence.
_GATES: dict[str, tuple[str, ...]] = {
    "age": ("age", "year", "old", "adult", "month"),
    "sex": ("men", "male", "man", "girl", "boy", "menopaus"),
    "cancer": (
        "solid",
        "hematolog",
        "haematolog",
        "blood cancer",
        "lymphoid",
        "myeloid",
        "cancer",
        "carcinoma",
        "tumor",
        "tumour",
        "neoplas",
        "malignan",
    ),
    "histology": (
        "squam",
        "adeno",
        "small",
        "large",
        "clear",
        "papill",
        "serous",
        "endometrioid",
        "mucin",
        "ductal",
        "lobular",
        "urothel",
        "transitional",
        "signet",
        "sarcomatoid",
        "neuroendo",
        "spindle",
        "triple",
    ),
    "stage": ("stage",),
    "setting": (
        "metasta",
        "advanced",
        "resect",
        "operable",
        "early",
        "locali",
        "recurr",
        "relaps",
        "m0",
        "m1",
        "dissemin",
        "invasive",
        "stage iv",
        "distant",
    ),
    "brain": ("brain", "cns", "central nervous", "intracran", "intra-cran", "cerebr", "lepto", "mening"),
    "biomarker": ("receptor", "triple", "tnbc", "hr+", "hr-", "hr pos", "hr neg", "hr-pos", "hr-neg"),
    "lines": ("line", "regimen", "prior therap"),
    "therapy": (
        "chemo",
        "radi",
        "surg",
        "ectomy",
        "immunotherap",
        "targeted",
        "endocrine",
        "hormon",
        "androgen",
        "adt",
        "transplant",
        "hsct",
        "asct",
        "sct",
        "car-t",
        "car t",
        "cell therapy",
        "cellular therapy",
        "systemic",
        "anti-cancer",
        "anticancer",
        "antineoplastic",
        "anti-neoplastic",
        "antitumo",
        "anti-tumo",
        "naive",
        "naïve",
        "untreated",
        "not been treated",
        "not been previously treated",
        "no prior therap",
        "no prior treat",
        "checkpoint",
        "resection",
        "operation",
        "irradiat",
        "sbrt",
        "srs",
        "brachy",
        "treated",
        "refractory",
        "resistant",
        "intolerant",
        "progress",
        "relaps",
        "recurr",
        "r/r",
        "treatment",
        "therap",
    ),
    "performance": ("ecog", "karnofsky", "kps", "lansky", "zubrod", "performance", "who ps", "who-ps"),
    "measurable": ("measurab",),
    "labs": (
        "neutrophil",
        "anc",
        "granulocyte",
        "agc",
        "platelet",
        "plt",
        "thrombocyt",
        "hemoglobin",
        "haemoglobin",
        "hgb",
        "hb",
        "white blood",
        "wbc",
        "leukocyte",
        "leucocyte",
        "lymphocyte",
        "alc",
        "bilirubin",
        "bili",
        "sgot",
        "sgpt",
        "aspartate",
        "alanine",
        "transaminase",
        "aminotransferase",
        "liver enzyme",
        "alkaline",
        "alp",
        "creatinine",
        "crcl",
        "cr cl",
        "glomerular",
        "gfr",
        "albumin",
        "inr",
        "normali",
        "prothrombin",
        "ptt",
        "thromboplastin",
        "lvef",
        "ejection",
        "qt",
        "uln",
        "adequa",
        "normal",
        "suffic",
        "satisf",
        "acceptable",
    ),
    "pregnancy": ("pregnan", "breast", "lactat", "nursing"),
    "within": ("within", "prior to", "before"),
}


_GATE_WORDS = sorted({w for words in _GATES.values() for w in words}, key=len, reverse=True)
_GATE_RE = re.compile(pat.literal_trie(_GATE_WORDS))
# A matched word opens every gate whose word it contains ('stage iv' opens 'stage' and 'setting').
_GATE_KEYS = {
    word: frozenset(key for key, words in _GATES.items() if any(w in word for w in words))
    for word in _GATE_WORDS
}


def _gates(low: str) -> list[tuple[int, frozenset[str]]]:
    """Key words of the whole text, found in one pass: (position, gates opened)."""
    return [(m.start(), _GATE_KEYS[m.group()]) for m in _GATE_RE.finditer(low)]


def _open_gates(gates: list[tuple[int, frozenset[str]]], s: int, e: int) -> set[str]:
    lo = bisect.bisect_left(gates, s, key=lambda g: g[0])
    out: set[str] = set()
    for pos, keys in gates[lo:]:
        if pos >= e:
            break
        out |= keys
    return out


def _read_sentence(
    low: str,
    s: int,
    e: int,
    inclusion: bool,
    mentions: terms.TextMentions,
    tables: terms.Terms,
    gates: set[str],
    oncology_text: bool,
) -> list[Found]:
    cancers = terms.within(mentions.cancers, s, e)
    drugs = terms.within(mentions.drugs, s, e) or terms.within(mentions.classes, s, e)
    markers = terms.within(mentions.biomarkers, s, e)
    found: list[Found] = []
    window = pat.within_days(low, s, e) if "within" in gates else None
    if "age" in gates:
        found += pat.read_age(low, s, e)
    if "sex" in gates:
        found += pat.read_sex(low, s, e)
    if cancers or "cancer" in gates:
        found += terms.read_cancer(low, s, e, mentions, tables, inclusion)
    if "histology" in gates:
        found += terms.read_histology(low, s, e, mentions, inclusion)
    if "stage" in gates:
        found += _merged_stages(pat.read_stage(low, s, e, oncology_text))
    if "setting" in gates:
        found += pat.read_setting(low, s, e)
    brain = pat.read_brain(low, s, e, inclusion) if "brain" in gates else []
    found += brain
    if markers or "biomarker" in gates:
        found += terms.read_biomarkers(low, s, e, mentions, tables, inclusion)
    lines = pat.read_lines(low, s, e, inclusion) if "lines" in gates else []
    found += lines
    if not lines and (drugs or "therapy" in gates):
        found += terms.read_therapy(low, s, e, mentions, tables, inclusion, window, oncology_text)
    elif (
        drugs
        and inclusion
        and (lines[0].fields.get("min_lines") or 0) >= 1
        and not re.search(r"\bor\b|\bsuch as\b|\be\.g\.", low[s:e])
    ):
        # "at least 2 prior platinum-containing regimens": the lines and the platinum are both required.
        found += terms.read_therapy(low, s, e, mentions, tables, inclusion, window, oncology_text)
    if "performance" in gates:
        found += pat.read_performance(low, s, e, inclusion)
    if "measurable" in gates:
        found += pat.read_measurable(low, s, e)
    if "labs" in gates:
        found += pat.read_labs(low, s, e)
    if "pregnancy" in gates:
        found += pat.read_pregnancy(low, s, e, inclusion)
    if brain:
        # "brain metastases" is not also a statement about metastatic disease in general.
        found = [f for f in found if f.type != "metastatic" or _outside(f, brain[0])]
    if any(f.type == "age" for f in found):
        found = [f for f in found if f.type != "line_of_therapy"]
    if (
        not inclusion
        and any(f.type == "cancer_type" for f in found)
        and any(f.type in ("stage", "histology", "biomarker", "metastatic", "prior_therapy") for f in found)
    ):
        # "Stage I or IV breast cancer" excludes those stages, not breast cancer.
        found = [f for f in found if f.type != "cancer_type"]
    return sorted(found, key=lambda f: f.start)


def _merged_stages(found: list[Found]) -> list[Found]:
    """All stages named in one sentence are one criterion: 'stage II (IIA limited ...) or III'.
    A sub-stage is dropped when its whole group is named too."""
    if len(found) <= 1:
        return found
    stages = list(dict.fromkeys(st for f in found for st in f.fields["stages"]))
    groups = {pat.stage_group(st) for st in stages if st == pat.stage_group(st)}
    stages = [st for st in stages if st in groups or pat.stage_group(st) not in groups]
    return [Found("stage", found[0].start, found[-1].end, {"stages": stages})]


def _outside(f: Found, other: Found) -> bool:
    return f.end <= other.start or f.start >= other.end


def _inclusion(low: str, s: int, e: int, f: Found, section: bool) -> bool:
    if f.polarity is not None:
        return f.polarity
    inclusion = section
    if f.negatable and pat.negated(low, s, f.start) and not _comparative(low, s, f.start):
        inclusion = not inclusion
    if (
        section
        and terms._NOT_ALLOWED.search(low, s, e)
        and f.type in ("stage", "cancer_type", "histology", "biomarker", "metastatic", "sex")
    ):
        inclusion = False
    return inclusion


def _comparative(low: str, s: int, pos: int) -> bool:
    """'no more than', 'not less than' are bounds, not negations."""
    window = low[pat.clause_start(low, s, pos) : pos]
    return (
        re.search(r"\b(?:no|not)\s+(?:more|less|greater|fewer|higher|lower|older|younger)\b", window)
        is not None
    )


def _or_groups(
    low: str, found: list[Found], item: Item, counter: int
) -> tuple[list[tuple[str, int] | None], int]:
    """Group assignment per found criterion: the item's own 'one of the following' group, or a
    group for biomarkers stated as alternatives within an inclusion sentence."""
    if item.group is not None:
        return [(item.group, item.option or 0) for _ in found], counter
    groups: list[tuple[str, int] | None] = [None] * len(found)
    if not item.inclusion:
        return groups, counter
    markers = [i for i, f in enumerate(found) if f.type == "biomarker"]
    current: str | None = None
    option = 0
    for a, b in itertools.pairwise(markers):
        fa, fb = found[a], found[b]
        if terms.or_joined(low, fa, fb):
            if current is None:
                counter += 1
                current = f"or{counter}"
                option = 0
                groups[a] = (current, option)
            option += 1
            groups[b] = (current, option)
        else:
            current = None
    return groups, counter


def _normalise(kind: str, inclusion: bool, fields: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Age bounds from an exclusion list become the bounds to meet ('age < 18' -> at least 18)."""
    if kind == "age" and not inclusion:
        lo, hi = fields.get("min_age"), fields.get("max_age")
        if lo is not None and hi is None:
            return True, {"max_age": lo - 1 if float(lo).is_integer() else lo}
        if hi is not None and lo is None:
            return True, {"min_age": hi + 1 if float(hi).is_integer() else hi}
    return inclusion, fields


def _criterion(item: Item, kind: str, text: str, inclusion: bool, fields: dict[str, Any]) -> _Pending:
    inclusion, fields = _normalise(kind, inclusion, fields)
    if item.group is not None and "group" not in fields:
        fields = {**fields, "group": item.group, "option": item.option or 0}
    return inclusion, kind, text, fields


_Pending = tuple[bool, str, str, dict[str, Any]]


def _dedupe(pending: list[_Pending]) -> list[Criterion]:
    seen: set[str] = set()
    out: list[Criterion] = []
    for inclusion, kind, text, fields in pending:
        key = f"{inclusion}|{kind}|{text}|{sorted(fields.items())}"
        if key not in seen:
            seen.add(key)
            out.append(Criterion(inclusion=inclusion, type=kind, text=text, **fields))  # type: ignore[arg-type]
    return out
