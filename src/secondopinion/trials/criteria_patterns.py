"""Pattern readers for criteria that need no knowledge-base vocabulary: age, sex, performance
status, organ-function labs, pregnancy, brain metastases, measurable disease, stage and setting,
lines of therapy, wash-out windows.

Every reader works on one sentence of the lower-cased, same-length copy of the text and returns
`Found` records with offsets, so the caller can decide polarity (inclusion or exclusion, negation)
in one place. All patterns are compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# --- shared pieces ---------------------------------------------------------------------------

NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"


def num(name: str) -> str:
    return rf"(?P<{name}>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"


_OPS: list[tuple[str, str]] = [
    (
        "ge",
        r"≥|>\s?=|=>|⩾|greater than or equal to|equal to or greater than|equal or greater than"
        r"|greater or equal to|more than or equal to|at least|no less than|not less than|no fewer than"
        r"|minimum of|a minimum of|min\.?|or more|or greater|or older|or above|and above|and older|or over",
    ),
    (
        "le",
        r"≤|<\s?=|=<|⩽|less than or equal to|equal to or less than|equal or less than|less or equal to"
        r"|no more than|not more than|not greater than|no greater than|not exceeding|not to exceed|at most"
        r"|maximum of|a maximum of|max\.?|up to|or less|or younger|or fewer|or below|and below|and younger",
    ),
    ("gt", r">|greater than|more than|higher than|older than|above|over|exceeding|exceeds|in excess of"),
    ("lt", r"<|less than|lower than|younger than|fewer than|below|under|inferior to"),
]
_OP_RE = re.compile("|".join(f"(?P<{name}>{pat})" for name, pat in _OPS))
OP = "(?:" + "|".join(pat for _, pat in _OPS) + ")"
_TRAILING_OPS = (
    "or more",
    "or greater",
    "or older",
    "or above",
    "and above",
    "and older",
    "or over",
    "or less",
    "or younger",
    "or fewer",
    "or below",
    "and below",
    "and younger",
)


def number(s: str) -> float:
    return float(s.replace(",", ""))


def op_of(text: str | None) -> str | None:
    """'ge', 'le', 'gt' or 'lt' for an operator as written; None when there is none."""
    if not text:
        return None
    m = _OP_RE.fullmatch(text.strip())
    if m is None:
        return None
    return next(k for k in ("ge", "le", "gt", "lt") if m.group(k))


@dataclass
class Found:
    """One typed criterion read from a sentence. `flip` says the wording itself already inverts
    the sense (e.g. 'no brain metastases' is stated as the condition to avoid)."""

    type: str
    start: int
    end: int
    fields: dict[str, Any] = field(default_factory=dict)
    polarity: bool | None = None  # fixed inclusion regardless of section and negation
    negatable: bool = True


def literal_trie(words: list[str] | tuple[str, ...]) -> str:
    """A regular expression matching any of the literal words, as a character trie (fast to scan)."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if "" in node:
            if not branches:
                return ""
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(trie)


# Words that make a sentence (or a whole text) about cancer: "advanced", "stage II" or "brain
# lesions" mean something else in a periodontitis or Parkinson's trial.
ONCOLOGY = re.compile(
    r"\b(?:cancers?|carcinomas?|adenocarcinomas?|tumou?rs?|malignan\w*|neoplas\w*|lymphomas?|leuka?emias?"
    r"|myelomas?|sarcomas?|melanomas?|gliomas?|glioblastomas?|blastomas?|mesotheliomas?|metasta\w*|oncolog\w*"
    r"|chemotherap\w*|radiotherapy|recist|nsclc|sclc|hnscc|crc|hcc|gist|aml|cll|cml|mds)\b"
)
_NOT_CANCER_STAGING = re.compile(
    r"\b(?:periodont\w*|hoehn|yahr|hypertens\w*|fibrosis|cirrhosis|ckd|kidney|renal|heart failure|nyha"
    r"|pressure (?:ulcer|injur)\w*|bell'?s|sleep|tanner|lymph?edema|copd|gold|decubitus|parkinson\w*"
    r"|alzheimer\w*|dementia|necrotizing|nec\b|pop-q|prolapse|labor|labour|change|contemplation|endometriosis)"
)


# --- negation and scope ----------------------------------------------------------------------

_NEG = re.compile(
    r"\b(?:no|not|without|never|none|neither|nor|absence of|absent|free of|lack of|negative for|cannot"
    r"|can't|don't|doesn't|didn't|haven't|hasn't|must not|should not|may not|unable to|exclude[sd]?"
    r"|excluding|ruled out|denies|non)\b"
)
_EXCEPT = re.compile(
    r"\b(?:other than|except(?: for)?|apart from|excluding|with the exception of|besides|aside from"
    r"|unless|other (?:primary )?malignanc\w*|another|second (?:primary )?|prior malignanc\w*)\b"
)


_BREAK_WORDS = (" but ", " except", " however", " unless", " whereas", " with the exception")


def clause_start(low: str, s_start: int, pos: int) -> int:
    """Start of the clause holding `pos`: after the last ';', ':', bracket or contrast word."""
    start = max(s_start, pos - 90)
    best = start
    for ch in ";:()[]":
        i = low.rfind(ch, start, pos)
        if i + 1 > best:
            best = i + 1
    for w in _BREAK_WORDS:
        i = low.rfind(w, start, pos)
        if i >= 0 and i + len(w) > best:
            best = i + len(w)
    return best


def negated(low: str, s_start: int, pos: int) -> bool:
    """A negation cue earlier in the same clause (NegEx-style window)."""
    return _NEG.search(low, clause_start(low, s_start, pos), pos) is not None


def excepted(low: str, s_start: int, pos: int) -> bool:
    """The mention follows 'other than' / 'except' / 'another': it is not what is required. The
    clause is cut at punctuation and contrast words only; an exception word that starts the clause
    ('with the exception of basal cell carcinoma') is part of it."""
    start = clause_start(low, s_start, pos)
    for w in _BREAK_WORDS:
        if w.strip() in ("except", "unless", "with the exception") and low.endswith(w, s_start, start):
            start = max(s_start, start - len(w))
            break
    return _EXCEPT.search(low, start, pos) is not None


# --- age -------------------------------------------------------------------------------------

_AGE_WORD = re.compile(r"\b(?:age[ds]?|years? old|years? of age|yrs? old|year-old|years-old|old)\b")
_AGE_UNIT = r"(?:years?|yrs?|y\.?o\.?|y(?=\b)|months?|mos?)"
_AGE_RANGE = re.compile(
    rf"(?:between\s+(?:the\s+ages?\s+of\s+)?)?{NUM}\s*(?P<unit1>{_AGE_UNIT})?\s*(?:-|–|to|and"
    rf"|through|~)\s*{NUM}\s*"
    rf"(?P<unit>{_AGE_UNIT})?"
)
_AGE_BOUND = re.compile(
    rf"(?P<op1>{OP})?\s*(?:the\s+age\s+of\s+|age\s+of\s+)?{num('v')}\s*(?P<unit>{_AGE_UNIT})?"
    rf"(?:\s*(?:of\s+age|old|of\s+age\s+or\s+older))?\s*(?P<op2>or more|or older|or over|or above|and older"
    rf"|and above|or younger|or less|and younger|and under|or under)?"
)
_AGE_CONTEXT = re.compile(
    r"\bage[ds]?\b|\byears?\s+(?:old|of age)\b|\byrs?\s+old\b|\bolder\b|\byounger\b|\badults?\s*\(|\bage\s*:"
    r"|\b(?:children|adults|adolescents|infants|patients|participants|subjects|persons|people"
    r"|individuals|men|women"
    r"|males|females|boys|girls)\s+(?:aged\s+|from\s+|between\s+)?\d+\s*(?:years?|months?)?\s*(?:-"
    r"|to|and)\s*\d+\s*years"
)


def _years(value: float, unit: str | None) -> float:
    if unit and unit.startswith("mo"):
        return round(value / 12, 2)
    return value


def read_age(low: str, s: int, e: int) -> list[Found]:
    ctx = _AGE_CONTEXT.search(low, s, e)
    if ctx is None:
        return []
    window_start = max(s, ctx.start() - 40)
    window_end = min(e, ctx.end() + 60)
    # A range first: "aged 18 to 75 years", "between 18 and 65 years of age", "age 18-70".
    for m in _AGE_RANGE.finditer(low, window_start, window_end):
        lo, hi = number(m.group(1)), number(m.group(3))
        unit = m.group("unit")
        unit1 = m.group("unit1") or unit
        if not unit and not _AGE_WORD.search(low, max(s, m.start() - 25), min(e, m.end() + 20)):
            continue
        if unit and not unit.startswith(("y", "mo")):
            continue
        lo_years, hi_years = _years(lo, unit1), _years(hi, unit)
        if 0 <= lo_years < hi_years <= 120:
            return [Found("age", m.start(), m.end(), {"min_age": lo_years, "max_age": hi_years})]
    found: dict[str, float] = {}
    span = (ctx.start(), ctx.end())
    for m in _AGE_BOUND.finditer(low, window_start, window_end):
        op1 = m.group("op1")
        op2 = m.group("op2")
        if not op1 and not op2:
            continue
        unit = m.group("unit")
        value = number(m.group("v"))
        near = low[max(s, m.start() - 30) : min(e, m.end() + 25)]
        if unit is None and not re.search(r"\bage|\byears|\bold\b", near):
            continue
        if unit is not None and not unit.startswith(("y", "mo")):
            continue
        if not 0 <= value <= 120:
            continue
        years = _years(value, unit)
        if op2:
            op = (
                "ge"
                if op2.startswith(("or more", "or older", "or over", "or above", "and"))
                and "under" not in op2
                and "younger" not in op2
                else "le"
            )
        else:
            found_op = op_of(op1)
            if found_op is None:
                continue
            op = found_op
        whole = unit is None or unit.startswith("y")
        if op == "ge":
            found.setdefault("min_age", years)
        elif op == "gt":
            # Ages are whole years: someone aged 18 is usually older than 18.
            found.setdefault("min_age", years)
        elif op == "le":
            found.setdefault("max_age", years)
        else:
            found.setdefault("max_age", years - 1 if whole and float(years).is_integer() else years)
        span = (min(span[0], m.start()), max(span[1], m.end()))
    if found:
        return [Found("age", span[0], span[1], found)]
    return []


# --- sex -------------------------------------------------------------------------------------

_FEMALE = re.compile(r"\b(?:women|woman|females?|girls?|post-?menopausal|pre-?menopausal|peri-?menopausal)\b")
_MALE = re.compile(r"\b(?:men|man|males?|boys?)\b")
_SEX_NOT_RESTRICTING = re.compile(
    r"\b(?:childbearing|child-bearing|reproductive potential|contracept\w*|pregnan\w*|lactat\w*"
    r"|breast-?\s?feed\w*"
    r"|nursing|partners?|either sex|both sexes|either gender|both genders|sexually active|fertile"
    r"|sterili[sz]\w*"
    r"|vasectom\w*|sperm|condoms?|birth control|abstinen\w*)\b"
)


def read_sex(low: str, s: int, e: int) -> list[Found]:
    fem = _FEMALE.search(low, s, e)
    mal = _MALE.search(low, s, e)
    if (fem is None) == (mal is None):
        return []
    if _SEX_NOT_RESTRICTING.search(low, s, e):
        return []
    m = fem or mal
    assert m is not None
    return [Found("sex", m.start(), m.end(), {"sex": "female" if fem else "male"})]


# --- performance status ----------------------------------------------------------------------

_ECOG = re.compile(
    r"\b(?:ecog|eastern cooperative oncology group|zubrod|who performance|world health organi[sz]ation"
    r"\s*\(who\)\s*performance|who ps|who-ps)\b"
)
_KPS = re.compile(r"\b(?:karnofsky|kps|lansky)\b")
_PS_GENERIC = re.compile(r"\bperformance (?:status|score)\b")
_PS_VALUES = re.compile(
    rf"(?P<op>{OP})?\s*(?P<a>[0-5])(?!\d|\.\d)(?:\s*(?:-|–|to|~|or|,|and|/)\s*(?P<b>[0-5])(?!\d))?"
    r"(?:\s*(?:,|or|and)\s*(?P<c>[0-5])(?!\d))?"
)
_KPS_VALUES = re.compile(rf"(?P<op>{OP})?\s*(?P<a>\d{{2,3}})\s*%?(?:\s*(?:-|–|to)\s*(?P<b>\d{{2,3}}))?")


def read_performance(low: str, s: int, e: int, inclusion: bool) -> list[Found]:
    out: list[Found] = []
    m = _ECOG.search(low, s, e)
    if m is not None:
        bound = _ecog_bound(low, m.end(), min(e, m.end() + 90), inclusion)
        if bound is not None:
            out.append(Found("performance_status", m.start(), m.end(), {"ecog_max": bound}, polarity=True))
    k = _KPS.search(low, s, e)
    if k is not None:
        v = _KPS_VALUES.search(low, k.end(), min(e, k.end() + 70))
        while v is not None and not 10 <= int(v.group("a")) <= 100:
            v = _KPS_VALUES.search(low, v.end(), min(e, k.end() + 70))
        if v is not None:
            a = int(v.group("a"))
            op = op_of(v.group("op")) or "ge"
            if inclusion:
                kmin = a + 10 if op == "gt" else a if op == "ge" else None
            else:
                # "Karnofsky < 70" excludes: the inclusion bound is 70.
                kmin = a if op == "lt" else a + 10 if op == "le" else None
            if kmin is not None:
                out.append(
                    Found("performance_status", k.start(), k.end(), {"karnofsky_min": kmin}, polarity=True)
                )
    if not out:
        g = _PS_GENERIC.search(low, s, e)
        if g is not None or m is not None or k is not None:
            first = g or m or k
            assert first is not None
            out.append(
                Found(
                    "performance_status", first.start(), first.end(), {}, polarity=inclusion, negatable=False
                )
            )
    return out


def _ecog_bound(low: str, start: int, end: int, inclusion: bool) -> int | None:
    for v in _PS_VALUES.finditer(low, start, end):
        before = low[max(start, v.start() - 12) : v.start()]
        if re.search(r"(?:grade|stage|ctcae|version|v)\s*$", before):
            continue
        values = [int(x) for x in (v.group("a"), v.group("b"), v.group("c")) if x is not None]
        op = op_of(v.group("op"))
        a = values[0]
        if inclusion:
            if op in ("le", None):
                return max(values)
            if op == "lt":
                return a - 1 if a > 0 else None
            return None
        # Exclusion: "ECOG > 2" / "ECOG >= 3" / "ECOG 3-4" leave the complement as the bound.
        if op == "gt":
            return a
        if op in ("ge", None):
            return min(values) - 1 if min(values) > 0 else None
        return None
    return None


# --- organ-function labs ----------------------------------------------------------------------

_LABS: dict[str, tuple[str, ...]] = {
    "absolute neutrophil count": (
        "absolute neutrophil count",
        "absolute neutrophil counts",
        "anc",
        "absolute granulocyte count",
        "agc",
        "neutrophil count",
        "neutrophils",
        "neutrophil",
        "granulocytes",
        "granulocyte count",
    ),
    "platelets": (
        "platelets",
        "platelet",
        "platelet count",
        "platelet counts",
        "plt",
        "thrombocytes",
        "thrombocyte count",
    ),
    "hemoglobin": ("hemoglobin", "haemoglobin", "hgb", "hb"),
    "white blood cells": (
        "white blood cell count",
        "white blood cells",
        "white blood cell",
        "wbc",
        "leukocytes",
        "leukocyte count",
        "leucocytes",
        "leucocyte count",
    ),
    "lymphocytes": ("absolute lymphocyte count", "alc", "lymphocyte count", "lymphocytes"),
    "bilirubin": (
        "total bilirubin",
        "serum bilirubin",
        "direct bilirubin",
        "conjugated bilirubin",
        "bilirubin",
        "total serum bilirubin",
        "t. bili",
        "t.bili",
        "tbili",
    ),
    "AST/ALT": (
        "ast",
        "alt",
        "sgot",
        "sgpt",
        "aspartate aminotransferase",
        "aspartate amino transferase",
        "aspartate transaminase",
        "aspartate aminotransaminase",
        "alanine aminotransferase",
        "alanine amino transferase",
        "alanine transaminase",
        "alanine aminotransaminase",
        "transaminases",
        "transaminase",
        "liver enzymes",
        "aminotransferases",
        "aminotransferase",
        "ast/alt",
        "alt/ast",
    ),
    "alkaline phosphatase": ("alkaline phosphatase", "alp"),
    "creatinine clearance": (
        "creatinine clearance",
        "crcl",
        "cr cl",
        "glomerular filtration rate",
        "estimated glomerular filtration rate",
        "calculated glomerular filtration rate",
        "egfr",
        "gfr",
    ),
    "creatinine": ("creatinine", "serum creatinine", "plasma creatinine"),
    "albumin": ("albumin", "serum albumin"),
    "INR/PT": (
        "inr",
        "international normalized ratio",
        "international normalised ratio",
        "prothrombin time",
        "pt/inr",
        "ptt",
        "aptt",
        "partial thromboplastin time",
        "activated partial thromboplastin time",
    ),
    "LVEF": ("lvef", "left ventricular ejection fraction", "ejection fraction"),
    "QTc": ("qtc", "qtcf", "qtcb", "qt interval", "corrected qt"),
}
_LAB_OF = {w: name for name, words in _LABS.items() for w in words}
_LAB_RE = re.compile(r"(?<![\w/])(?:" + literal_trie(sorted(_LAB_OF, key=len, reverse=True)) + r")(?![\w])")
_ADEQUATE = re.compile(
    r"\b(?:adequate|normal|sufficient|acceptable|satisfactory|good)\s+(?:and\s+\w+\s+)?"
    r"(?P<what>bone marrow|hematologic(?:al)?|haematologic(?:al)?|renal|hepatic|liver|kidney|organ"
    r"|end[- ]organ"
    r"|cardiac|heart|marrow|coagulation|blood|laboratory)(?:\s*,\s*\w+)*(?:\s+(?:and|or)\s+\w+)*\s+"
    r"(?:function|reserve|values|parameters|tests?|counts?)"
)
_LAB_UNIT = (
    r"(?:x|×|\*|times)\s*(?:the\s+)?(?:institutional\s+"
    r"|local\s+)?(?:upper limits? of (?:the\s+)?(?:institutional\s+)?"
    r"normal(?: range| limits?)?|uln|ulm|maximum normal value)|%|(?:x|×)\s*10\s*\^?\s*\d+\s*/\s*[lµμu]\w*"
    r"|/\s*(?:µl|μl|ul|mm3|mm\^3|mm³|l)\b|cells\s*/\s*\w+|g\s*/\s*d?l\b|mg\s*/\s*d?l\b|[µμu]mol\s*/\s*l\b"
    r"|mmol\s*/\s*l\b|ml\s*/\s*min(?:\s*/\s*1\.73\s*m2?)?|ms(?:ec)?\b|mg/l\b|seconds?\b"
)
_LAB_THRESHOLD = re.compile(
    rf"(?P<op>{OP})\s*{num('v')}\s*(?P<unit>{_LAB_UNIT})?"
    rf"|(?P<op2>{OP})\s*(?:the\s+)?(?:institutional\s+"
    rf"|local\s+)?(?:upper limits? of (?:the\s+)?(?:institutional\s+)?"
    r"normal(?: range| limits?)?|uln\b)"
)
_LAB_ULN = re.compile(
    r"\b(?:within normal limits|within (?:the )?(?:institutional )?normal (?:range|limits)|wnl)\b"
)


def read_labs(low: str, s: int, e: int) -> list[Found]:
    sentence = low[s:e]
    hits: list[tuple[re.Match[str], str]] = []
    for m in _LAB_RE.finditer(low, s, e):
        word = m.group()
        name = _LAB_OF[word]
        if (
            name == "creatinine clearance"
            and word in ("egfr", "gfr")
            and not re.match(
                r"\s*(?:of\s*)?(?:[<>≥≤]|greater|less|at least|above|below|\d|\()", low[m.end() : e]
            )
        ):
            continue
        if word in ("ast", "alt") and not re.search(
            r"\b(?:uln|upper limit|x\s|iu|u/l|transaminase|sgot|sgpt|liver|hepatic|bilirubin)", sentence
        ):
            continue
        if word in ("hb", "alc", "alp", "agc", "plt") and not re.search(r"\d", low[m.end() : e]):
            continue
        hits.append((m, name))
    out: list[Found] = []
    seen: set[str] = set()
    for i, (m, name) in enumerate(hits):
        if name in seen:
            continue
        seen.add(name)
        nxt = next((h.start() for h, n in hits[i + 1 :] if n != name), e)
        t = _LAB_THRESHOLD.search(low, m.end(), min(nxt, m.end() + 100))
        fields: dict[str, Any] = {"lab": name}
        end = m.end()
        if t is not None and t.group("op"):
            op = op_of(t.group("op"))
            unit = t.group("unit")
            if unit:
                unit = (
                    "x ULN"
                    if re.search(r"uln|ulm|upper limit|maximum normal", unit)
                    else re.sub(r"\s+", "", unit)
                )
                fields["unit"] = unit
            fields["value_min" if op in ("ge", "gt") else "value_max"] = number(t.group("v"))
            end = t.end()
        elif t is not None:
            op = op_of(t.group("op2"))
            fields.update({"value_min" if op in ("ge", "gt") else "value_max": 1.0, "unit": "x ULN"})
            end = t.end()
        elif _LAB_ULN.search(low, m.end(), min(nxt, m.end() + 60)):
            fields.update({"value_max": 1.0, "unit": "x ULN"})
        out.append(Found("organ_function", m.start(), end, fields))
    if not out:
        a = _ADEQUATE.search(low, s, e)
        if a is not None:
            what = (
                a.group("what")
                .replace("haemat", "hemat")
                .replace("kidney", "renal")
                .replace("liver", "hepatic")
            )
            out.append(Found("organ_function", a.start(), a.end(), {"lab": f"{what} function"}))
    return out


# --- pregnancy -------------------------------------------------------------------------------

_PREGNANCY = re.compile(
    r"\b(?:pregnan\w*|breast[- ]?feed\w*|lactat\w*|nursing (?:women|mothers|a child)|nursing)\b"
)
_PREGNANCY_AVOID = re.compile(
    r"\b(?:negative (?:serum |urine )?(?:or (?:serum |urine ))?(?:\w+ )?pregnancy test|pregnancy test\w*"
    r"|contracept\w*|childbearing|child-bearing|non-?pregnant|avoid\w* (?:becoming )?pregnan\w*|birth control"
    r"|not (?:be )?(?:pregnant|breast-?feeding|lactating)|neither pregnant"
    r"|not plan\w* (?:to become )?pregnan\w*"
    r"|planning (?:to become )?pregnan\w*|become pregnant)"
)


def read_pregnancy(low: str, s: int, e: int, inclusion: bool) -> list[Found]:
    m = _PREGNANCY.search(low, s, e)
    if m is None:
        return []
    if (
        re.search(r"\bpregnancy (?:outcomes?|complications?|loss)|\bgestational age\b", low[s:e])
        and inclusion
    ):
        return [Found("pregnancy", m.start(), m.end(), {}, polarity=True, negatable=False)]
    required = inclusion and not _PREGNANCY_AVOID.search(low, s, e) and not negated(low, s, m.start())
    return [Found("pregnancy", m.start(), m.end(), {}, polarity=required, negatable=False)]


# --- brain metastases ------------------------------------------------------------------------

_BRAIN = re.compile(
    r"\b(?:(?:brain|cns|central nervous system|intracranial|intra-cranial|cerebral|leptomeningeal|meningeal"
    r"|parenchymal brain)\s+(?:and/or\s+\w+\s+)?(?:metasta\w*|mets|disease involvement|involvement|lesions?"
    r"|tumou?r involvement|disease|spread)|metasta\w* (?:to|in|of|within) the (?:brain|cns"
    r"|central nervous system)"
    r"|leptomeningeal (?:carcinomatosis|disease)|carcinomatous meningitis)"
)
_BRAIN_TREATED = re.compile(
    r"\b(?:treated|stable|asymptomatic|controlled|previously irradiated|inactive|radiologically stable"
    r"|neurologically stable|not requiring steroids|off steroids)\b"
)
_BRAIN_ACTIVE = re.compile(
    r"\b(?:untreated|active|symptomatic|uncontrolled|progressive|progressing|unstable|new)\b"
)
_ALLOWED = re.compile(
    r"\b(?:allowed|permitted|eligible|may (?:be )?(?:enrolled|included|participate)|acceptable|allowable)\b"
)
_NOT_ALLOWED = re.compile(r"\b(?:not (?:be )?(?:allowed|permitted|eligible)|ineligible|excluded)\b")


def read_brain(low: str, s: int, e: int, inclusion: bool) -> list[Found]:
    m = _BRAIN.search(low, s, e)
    if m is None:
        return []
    if "metasta" not in m.group() and "mets" not in m.group() and not ONCOLOGY.search(low, s, e):
        return []  # "organic brain disease", "CNS lesions" outside a cancer context
    if re.search(r"\bprimary (?:brain|cns)\b", low[max(s, m.start() - 10) : m.end()]):
        return []
    neg = negated(low, s, m.start())
    sentence = low[s:e]
    treated_ok = _BRAIN_TREATED.search(sentence) is not None and _ALLOWED.search(sentence) is not None
    active = _BRAIN_ACTIVE.search(low, max(s, m.start() - 40), m.start()) is not None
    allowed = _ALLOWED.search(sentence) is not None
    if _NOT_ALLOWED.search(sentence):
        policy = "allowed_if_treated" if active else "excluded"
    elif treated_ok or (active and (neg or not inclusion)) or (inclusion and not neg and allowed):
        policy = "allowed_if_treated"
    elif inclusion and not neg:
        policy = "required"
    else:
        policy = "excluded"
    return [
        Found(
            "brain_metastases",
            m.start(),
            m.end(),
            {"brain_metastases": policy},
            polarity=policy == "required",
            negatable=False,
        )
    ]


# --- measurable disease ----------------------------------------------------------------------

_MEASURABLE = re.compile(
    r"\b(?:measurable (?:or evaluable )?(?:disease|lesions?|tumou?rs?|target lesions?"
    r"|sites? of disease|cancer)"
    r"|at least one (?:uni-?dimensionally |bi-?dimensionally )?measurable|measurable per recist"
    r"|measurable according to|measurable by|measurable \(|disease that is measurable)"
)


def read_measurable(low: str, s: int, e: int) -> list[Found]:
    m = _MEASURABLE.search(low, s, e)
    if m is None:
        return []
    before = low[max(s, m.start() - 5) : m.start()]
    if before.endswith(("non-", "non ", "non")) or re.search(
        r"\bor non-?measurable|measurable or non", low[s:e]
    ):
        return []
    return [Found("measurable_disease", m.start(), m.end(), {})]


# --- stage, setting --------------------------------------------------------------------------

_ROMAN = {
    "0": "0",
    "i": "I",
    "ii": "II",
    "iii": "III",
    "iv": "IV",
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
}
_STAGE_TOKEN = r"(?:iv|i{1,3}|[0-4])(?:[abc][12]?)?(?![a-z0-9])"
_STAGE = re.compile(
    rf"\b(?:(?:ajcc|figo|ann arbor|clinical|pathologic(?:al)?|tnm|uicc|ajcc/uicc)\s+)?stages?\s*(?:group\s*)?"
    rf"(?:of\s+)?(?P<seq>{_STAGE_TOKEN}(?:\s*(?:,|-|–|to|through|or|and|/|and/or"
    rf"|\+)\s*(?:stages?\s*)?{_STAGE_TOKEN})*)"
)
_STAGE_PART = re.compile(rf"({_STAGE_TOKEN})|(-|–|to|through)")
_M_CAT = re.compile(r"(?<![a-z0-9])(?:c|p)?m([01])[abc]?(?![a-z0-9])")
_SETTING = re.compile(
    r"\b(?P<la>locally[- ]advanced|locoregionally advanced|unresectable|inoperable|non-?resectable)"
    r"|\b(?P<nonmet>non-?metastatic|without (?:evidence of )?(?:distant )?metasta\w*"
    r"|no (?:evidence of )?(?:distant )?"
    r"metasta\w*|free of (?:distant )?metasta\w*|m0 disease)"
    r"|\b(?P<met>metastatic|metastases|metastasis|metastasized|disseminated|distant (?:metasta\w*"
    r"|disease)|m1 disease"
    r"|stage iv(?![a-z]))"
    r"|\b(?P<adv>advanced(?! age| directive| practice| care| heart| liver| kidney| renal| copd)"
    r"|recurrent or metastatic)"
    r"|\b(?P<early>early[- ]stage|early (?:invasive )?(?:breast|lung|\w+) cancer|early|localized|localised"
    r"|resectable|operable|non-?invasive)\b"
    r"|\b(?P<rec>recurrent|relapsed)\b"
)
_THERAPY_FOR = re.compile(
    r"\b(?:therap\w*|treatments?|chemotherapy|regimens?|lines?|agents?|drugs?)\s+(?:for|in)\s+(?:the\s+)?(?:\w+\s+)?$"
)
_NON_CANCER_METS = re.compile(r"\b(?:metabolic|metastatic (?:calcification|infection|abscess))")


def _stage_list(seq: str) -> list[str]:
    parts = [m for m in _STAGE_PART.finditer(seq)]
    out: list[str] = []
    i = 0
    order = ["0", "I", "II", "III", "IV"]
    while i < len(parts):
        tok = parts[i].group(1)
        if tok is None:
            i += 1
            continue
        cur = _norm_stage(tok)
        if i + 2 < len(parts) and parts[i + 1].group(2) and parts[i + 2].group(1):
            end = _norm_stage(parts[i + 2].group(1))
            a, b = stage_group(cur), stage_group(end)
            if a in order and b in order and order.index(a) <= order.index(b):
                out.append(cur)
                if cur != a:
                    out.extend(f"{a}{x}" for x in "ABC" if f"{a}{x}" > cur)
                for g in order[order.index(a) + 1 : order.index(b)]:
                    out.append(g)
                if b != a:
                    out.append(end)
                i += 3
                continue
        out.append(cur)
        i += 1
    return list(dict.fromkeys(out))


def _norm_stage(tok: str) -> str:
    m = re.match(r"(iv|i{1,3}|[0-4])(.*)", tok)
    assert m is not None
    return _ROMAN[m.group(1)] + m.group(2).upper()


def stage_group(stage: str) -> str:
    """'IIIA' -> 'III'."""
    m = re.match(r"0|IV|I{1,3}", stage)
    return m.group() if m else stage


def read_stage(low: str, s: int, e: int, oncology_text: bool) -> list[Found]:
    """Stage groups; only in a cancer context (the sentence, or a cancer trial's text without
    another staging system named)."""
    if not ONCOLOGY.search(low, s, e) and (not oncology_text or _NOT_CANCER_STAGING.search(low, s, e)):
        return []
    out: list[Found] = []
    for m in _STAGE.finditer(low, s, e):
        before = low[max(s, m.start() - 25) : m.start()]
        if re.search(
            r"\b(?:renal|kidney|ckd|heart failure|nyha|bclc|hoehn|tanner|sleep|end|pressure|lymphedema)\W*$",
            before,
        ):
            continue
        if re.search(
            r"\b(?:kidney|renal|ckd|chronic kidney|pressure ulcer|gold|copd|nyha)\b", low[s:e]
        ) and not re.search(
            r"\b(?:cancer|carcinoma|tumou?r|lymphoma|malignan|neoplasm|melanoma|sarcoma|myeloma)", low[s:e]
        ):
            continue
        stages = _stage_list(m.group("seq"))
        if stages:
            out.append(Found("stage", m.start(), m.end(), {"stages": stages}))
    return out


def read_setting(low: str, s: int, e: int) -> list[Found]:
    """Metastatic or not, and the settings (case `Cancer.setting`) the criterion accepts. Words
    other than 'metastatic' count only in a sentence about cancer ('advanced Parkinson's')."""
    kinds: set[str] = set()
    about_cancer = ONCOLOGY.search(low, s, e) is not None
    first: tuple[int, int] | None = None
    for m in _SETTING.finditer(low, s, e):
        kind = m.lastgroup or ""
        if excepted(low, s, m.start()):
            continue
        if kind == "met" and (
            _BRAIN.search(low, max(s, m.start() - 40), min(e, m.end() + 40))
            or _NON_CANCER_METS.search(low, m.start(), m.end() + 15)
        ):
            bm = _BRAIN.search(low, max(s, m.start() - 40), min(e, m.end() + 40))
            if bm is not None and bm.start() <= m.start() < bm.end():
                continue
        if _THERAPY_FOR.search(low, max(s, m.start() - 40), m.start()):
            continue  # "no prior therapy for metastatic disease" qualifies the therapy, not the person
        if kind == "met" and negated(low, s, m.start()):
            kind = "nonmet"
        if kind in ("la", "adv", "early", "rec") and not about_cancer:
            continue
        if (
            kind == "early"
            and low[m.start() : m.end()] == "early"
            and not re.search(
                r"early\s+(?:invasive\s+)?(?:\w+\s+)?(?:cancer|carcinoma|disease|stage)", low[m.start() : e]
            )
        ):
            continue
        kinds.add(kind)
        if first is None:
            first = (m.start(), m.end())
    m0 = _M_CAT.search(low, s, e)
    if m0 is not None and re.search(r"\bc?t(?:[0-4x]|is)[a-d]?\b|\bc?n[0-3x][a-c]?\b", low[s:e]):
        kinds.add("nonmet" if m0.group(1) == "0" else "met")
        first = first or (m0.start(), m0.end())
    if not kinds or first is None:
        return []
    settings: list[str] = []
    metastatic: bool | None = None
    if "nonmet" in kinds and "met" not in kinds:
        metastatic = False
        settings = ["localized", "locally_advanced"] if "la" not in kinds else ["locally_advanced"]
        if "early" in kinds and "la" not in kinds:
            settings = ["localized", "locally_advanced"]
    elif "met" in kinds:
        if "la" in kinds or "adv" in kinds or "rec" in kinds:
            settings = ["locally_advanced", "metastatic"] + (["recurrent"] if "rec" in kinds else [])
        else:
            settings, metastatic = ["metastatic"], True
    elif "la" in kinds or "adv" in kinds:
        settings = ["locally_advanced", "metastatic"] if "adv" in kinds else ["locally_advanced"]
        if "rec" in kinds:
            settings.append("recurrent")
    elif "early" in kinds:
        settings, metastatic = ["localized", "locally_advanced"], False
    else:
        return []  # "recurrent" alone says nothing about the setting
    fields: dict[str, Any] = {"settings": settings}
    if metastatic is not None:
        fields["metastatic"] = metastatic
    return [Found("metastatic", first[0], first[1], fields, negatable=False)]


# --- lines of therapy, wash-out --------------------------------------------------------------

_COUNT_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "a single": 1,
    "single": 1,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "6": 6,
    "7": 7,
    "8": 8,
    "zero": 0,
    "0": 0,
}
_COUNT = r"(?P<n>zero|one|two|three|four|five|six|a single|single|[0-8])"
_LINES = re.compile(
    rf"(?P<op>{OP})?\s*{_COUNT}\s*(?:\(\s*\d\s*\)\s*)?(?P<op2>or more|or fewer|or less|or greater)?\s*"
    r"(?:prior\s+|previous\s+|systemic\s+|standard\s+|lines?\s+of\s+)*"
    r"(?:[a-z0-9-]+[- ](?:based|containing)\s+)?"
    r"(?:(?:systemic|standard"
    r"|chemotherapy|anti-?cancer"
    r"|cytotoxic|treatment|therapy|therapeutic)\s+)?(?P<what>lines?|regimens?|prior therap(?:y|ies)"
    r"|treatment regimens?)\b"
)
_NTH_LINE = re.compile(
    r"\b(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th)[- ](?:line"
    r"|lines)\b(?P<later>\s+or\s+(?:later|greater|beyond|higher|subsequent))?"
)
_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_WITHIN = re.compile(
    rf"\bwithin\s+(?:the\s+)?(?:(?:last|past|previous|prior)\s+)?{num('a')}[\s-]*(?P<unit>days?|weeks?"
    rf"|months?|years?|hours?)"
    rf"|{num('b')}\s*(?P<unit2>days?|weeks?|months?|years?)\s*(?:prior to|before"
    rf"|of)\s+(?:the\s+)?(?:first|start|randomi|enrol|registration|study|day 1|initiation|treatment|screening"
    r"|inclusion|c1d1|cycle)"
)
_UNIT_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}


def read_lines(low: str, s: int, e: int, inclusion: bool) -> list[Found]:
    for m in _LINES.finditer(low, s, e):
        n = _COUNT_WORDS[m.group("n")]
        op = op_of(m.group("op"))
        op2 = m.group("op2")
        if op2 in ("or more", "or greater"):
            op = "ge"
        elif op2 in ("or fewer", "or less"):
            op = "le"
        if m.group("what").startswith("prior therap") and op is None:
            continue
        fields: dict[str, Any] = {}
        lower = _RANGE_BEFORE.search(low, max(s, m.start() - 16), m.start("n")) if op is None else None
        lo = None if lower is None else _COUNT_WORDS[lower.group("lo") or lower.group("lo2")]
        if lower is not None and lo is not None and lo < n:
            # "1-3 prior regimens", "between 1 and 3 prior lines": both bounds.
            fields = {"min_lines": lo, "max_lines": n}
            return [Found("line_of_therapy", lower.start(), m.end(), fields, polarity=inclusion or None)]
        if op == "ge":
            fields["min_lines"] = n
        elif op == "gt":
            fields["min_lines"] = n + 1
        elif op == "le":
            fields["max_lines"] = n
        elif op == "lt":
            fields["max_lines"] = max(0, n - 1)
        else:
            fields["min_lines"] = n
        polarity: bool | None = None
        if not inclusion and set(fields) == {"min_lines"}:
            # "more than 2 prior regimens" excludes: at most 2 are allowed.
            fields = {"max_lines": fields["min_lines"] - 1}
            polarity = True
        return [Found("line_of_therapy", m.start(), m.end(), fields, polarity=polarity)]
    n = _NTH_LINE.search(low, s, e)
    if n is not None and re.search(
        r"\b(?:treatment|therapy|setting|chemotherapy|regimen|candidate|eligible)\b", low[s:e]
    ):
        k = _NTH[n.group("nth")]
        if _NTH_DONE_BEFORE.search(low, max(s, n.start() - 45), n.start()) or _NTH_DONE_AFTER.match(
            low, n.end(), min(e, n.end() + 60)
        ):
            # "progressed after first-line chemotherapy": that line is behind the person.
            done = {"min_lines": k}
            return [Found("line_of_therapy", n.start(), n.end(), done, polarity=inclusion or None)]
        fields = {"min_lines": k - 1} if n.group("later") else {"min_lines": k - 1, "max_lines": k - 1}
        return [Found("line_of_therapy", n.start(), n.end(), fields, polarity=inclusion or None)]
    return []


# "1-3 prior regimens", "between 1 and 3 prior lines"; not the "1" of "anti-PD-1 and 2 prior lines".
_RANGE_BEFORE = re.compile(
    r"(?:\bbetween\s+(?P<lo>zero|one|two|three|four|five|[0-8])\s*(?:-|–|to|and)"
    r"|(?<![\w-])(?P<lo2>zero|one|two|three|four|five|[0-8])\s*(?:-|–|to))\s*$"
)
_NTH_DONE_BEFORE = re.compile(
    r"\b(?:after|following|failed|failure of|failing|progress\w*(?: on| during| after)?|relaps\w*"
    r"|refractory to|resistant to|intolerant (?:to|of)|prior|previous(?:ly)?|received|completed|completion of"
    r"|whose|had|with(?: a)?)\s+(?:(?:a|the|their|standard|at least one|one)\s+)*$"
)
_NTH_DONE_AFTER = re.compile(
    r"[^.;]{0,40}?\b(?:included|including|consisted|containing|carried out|received|given|completed|failed)\b"
)


def within_days(low: str, s: int, e: int) -> int | None:
    m = _WITHIN.search(low, s, e)
    if m is None:
        return None
    unit = (m.group("unit") or m.group("unit2") or "day").rstrip("s")
    value = number(m.group("a") or m.group("b"))
    return max(1, round(value * _UNIT_DAYS[unit]))
