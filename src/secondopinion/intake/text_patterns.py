"""Regular expressions for the numbers and codes of a cancer summary: stage, TNM, grade and the
disease-specific scores (Gleason, PSA, Breslow, IPI, ISS, Oncotype, Child-Pugh, BCLC...).

Patterns run on the lower-cased copy of the text unless they say otherwise (TNM and 'G2' need the
capitals as written). Each finder returns values with the character span they were read from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A number as written, thousands separated or not ('15,000', '15 000', '1,250.5'); a comma with a
# space after it separates two numbers ('ER 90, PR 80'), and a space-separated group is not read
# across a count of days or doses ('PSA 6 100 days ago' is not 6100).
NUM = (
    r"(?:\d{1,3}(?:,\d{3})+(?!\d|,\d)(?:\.\d+)?"
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:\.\d+)?(?!\d|,\d|\.\d)"
    r"(?!\s*(?:days?|weeks?|months?|years?|hours?|cycles?|doses?|patients?|people|times|fractions?|"
    r"mg|mcg|ml|gy)\b)"
    r"|\d+(?:\.\d+)?)"
)
_FILL = r"(?:\s*(?:of|is|was|were|=|:|at|score|level|value|now|currently|about|around|~|approximately))*\s*"

ROMAN = {
    "0": "0",
    "i": "I",
    "ii": "II",
    "iii": "III",
    "iv": "IV",
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
    "zero": "0",
    "one": "I",
    "two": "II",
    "three": "III",
    "four": "IV",
}


@dataclass(frozen=True)
class Hit:
    key: str
    value: float | str
    start: int
    end: int


def number(text: str) -> float:
    """The value of a number NUM matched (separators dropped). Raises ValueError when it is none."""
    return float(re.sub(r"[,\s\u00a0\u202f]", "", text))


def _num(text: str) -> float | None:
    try:
        value = number(text)
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e9 else None


# --- stage, TNM, grade -------------------------------------------------------------------------

STAGE = re.compile(
    r"\b(?:(?:ajcc|clinical|pathologic(?:al)?|path|overall|prognostic|ann arbor)\s+)?stage[ds]?"
    r"(?:\s+group)?(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)"
    r"(?P<num>iv|iii|ii|i|zero|one|two|three|four|[0-4])"
    # lymphoma stages may carry E (extranodal), S (spleen) or X (bulky) around the A/B: 'IE', 'IIEA'
    r"(?:e|x)?(?:\s*-?\s*(?P<sub>[abc][12]?|s))?(?:e|x)?(?![\w+])"
)
# 'CKD stage 3', 'stage 2 pressure ulcer': another illness's stage (not 'normal kidney function, stage II')
_NOT_CANCER_STAGE_BEFORE = re.compile(
    r"(?:ckd|kidney\s+disease|renal\s+(?:disease|failure|insufficiency|impairment)|pressure\s+(?:ulcer|injury|sore)s?|"
    r"decubitus(?:\s+ulcers?)?|ulcers?|heart\s+failure|hypertension|copd|gold|fibrosis|lymph(?:o)?edema)"
    r"\s*(?:[:,(-]\s*)?(?:is\s+|was\s+|at\s+)?$"
)
_NOT_CANCER_STAGE_AFTER = re.compile(
    r"\s*(?:\(?(?:ckd|copd)\b|chronic\s+kidney|kidney\s+(?:disease|failure|injury|impairment)|"
    r"renal\s+(?:disease|failure|insufficiency|impairment)|pressure|decubitus|ulcer|heart\s+failure|hypertension|"
    r"liver\s+fibrosis|fibrosis|lymph(?:o)?edema)"
)
FIGO = re.compile(
    r"\bfigo(?:\s+\d{4})?\s*(?:stage\s*)?(?::\s*|(?:is|was|of)\s+)?"
    r"(?P<num>iv|iii|ii|i|[1-4])(?:\s*-?\s*(?P<sub>[abc][12]?))?(?![\w+])"
)
EXTENT = re.compile(r"\b(?P<v>limited|extensive)[- ]stage\b|\bstage\s*:?\s*(?P<v2>limited|extensive)\b")

TNM = re.compile(
    r"(?<![A-Za-z0-9])(?P<tp>yp|yc|rp|[cpyra])?T(?P<t>[0-4X]|is)(?P<ts>[a-d]?[0-9]?(?:\((?:m|\d+)\))?)"
    r"(?:\s*,?\s*(?P<np>yp|[cp])?N(?P<n>[0-3X])(?P<ns>[a-c]?(?:mi)?(?:\((?:i[+-]|mi|sn|f)\))?))?"
    r"(?:\s*,?\s*(?P<mp>[cp])?M(?P<m>[01X])(?P<ms>[a-d]?[01]?(?:\(\d\))?))?(?![A-Za-z0-9])"
)
_CANCER_AFTER = re.compile(
    r"\s+(?:[\w-]+\s+){0,2}?(?:carcinoma|cancer|tumou?r|disease|lesion|melanoma|sarcoma|adenocarcinoma)\b",
    re.IGNORECASE,
)
# A bare 'T2' is a T category beside nodes, spread or stage words ('T2, no nodes, no spread'),
# not an MRI sequence ('T2-weighted') or a vertebra ('T4 and L1')
_TNM_WORDS_AFTER = re.compile(
    r"[^.;]{0,30}?\b(?:nod(?:e|es|al)|spread|metasta\w*|mets|[NM][0-3X][a-c]?)\b", re.IGNORECASE
)
_TNM_WORDS_BEFORE = re.compile(
    r"\b(?:stage[ds]?|staging|tnm|clinical(?:ly)?|patholog\w*)\b[^.;]{0,12}$", re.IGNORECASE
)
_NOT_T_CATEGORY = re.compile(
    r"\s*(?:-?\s*weighted|/?\s*flair|hyper|hypo|signal|sequence|image|post[\s-]?contrast|vertebra|"
    r"(?:-|to|and)\s*[TLCS]\d{1,2}\b|\s*,\s*[TLCS]\d{1,2}\b)",
    re.IGNORECASE,
)
NM_PAIR = re.compile(
    r"(?<![A-Za-z0-9])N(?P<n>[0-3X])(?P<ns>[a-c]?)\s*,?\s*M(?P<m>[01X])(?P<ms>[a-c]?)(?![A-Za-z0-9])"
)
N_ALONE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<p>yp|[cp])N(?P<n>[0-3X])(?P<ns>[a-c]?(?:mi)?(?:\((?:i[+-]|mi|sn|f)\))?)"
    r"|N(?P<n2>[0-3])(?P<ns2>[a-c]?)(?=\s+(?:disease|nodal|nodes?|status)|\)))(?![A-Za-z0-9])"
)
M_ALONE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<p>[cp])M(?P<m>[01X])(?P<ms>[a-d]?)|M1(?P<ms2>[a-d])"
    r"|M(?P<m3>[01])(?=\s+(?:disease|status)))(?![A-Za-z0-9])"
)

GRADE = re.compile(
    r"\b(?:(?:nottingham|histologic(?:al)?|nuclear|who|figo|fuhrman|tumou?r)\s+)?grade"
    r"(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)(?P<g>[1-4]|iv|iii|ii|i)(?:\s*(?:/|of|out of)\s*[34])?"
    r"(?![\w+])(?!\s*(?:-\s*)?(?:neuropathy|toxicity|rash|diarrh|fatigue|nausea|reaction))"
)
G_CODE = re.compile(r"(?<![A-Za-z0-9])G(?P<g>[1-4])(?![A-Za-z0-9])")
GRADE_WORD = re.compile(r"\b(?P<g>high|low|intermediate)[- ]grade\b")
DIFFERENTIATION = re.compile(r"\b(?P<d>well|moderately|poorly|un)[- ]?differentiated\b")
_GRADE_NUM = {"1": "1", "2": "2", "3": "3", "4": "4", "i": "1", "ii": "2", "iii": "3", "iv": "4"}
_DIFF = {"well": "1", "moderately": "2", "poorly": "3", "un": "4"}


def stages(low: str) -> Iterator[Hit]:
    for m in STAGE.finditer(low):
        if _NOT_CANCER_STAGE_BEFORE.search(
            low, max(0, m.start() - 30), m.start()
        ) or _NOT_CANCER_STAGE_AFTER.match(low, m.end()):
            continue
        sub = (m.group("sub") or "").upper()
        yield Hit("stage", ROMAN[m.group("num")] + sub, m.start(), m.end())


def figo(low: str) -> Iterator[Hit]:
    for m in FIGO.finditer(low):
        yield Hit("figo", ROMAN[m.group("num")] + (m.group("sub") or "").upper(), m.start(), m.end())


def tnm(norm: str) -> Iterator[Hit]:
    """TNM categories without the c/p/y prefixes ('pT2N1M0' gives T2, N1, M0)."""
    for m in TNM.finditer(norm):
        has_n, has_m = m.group("n") is not None, m.group("m") is not None
        bare_ok = not _NOT_T_CATEGORY.match(norm, m.end()) and (
            bool(re.fullmatch(r"[a-d]\d?", m.group("ts") or ""))
            or re.search(r"\bstage\s*$", norm[max(0, m.start() - 8) : m.start()], re.IGNORECASE) is not None
            or _CANCER_AFTER.match(norm, m.end()) is not None
            or _TNM_WORDS_AFTER.match(norm, m.end()) is not None
            or _TNM_WORDS_BEFORE.search(norm, max(0, m.start() - 30), m.start()) is not None
        )
        if not (m.group("tp") or has_n or has_m or bare_ok):
            continue
        yield Hit("t", "T" + m.group("t") + re.sub(r"\(m\)", "", m.group("ts")), m.start(), m.end())
        if has_n:
            yield Hit("n", "N" + m.group("n") + m.group("ns"), m.start(), m.end())
        if has_m:
            yield Hit("m", "M" + m.group("m") + m.group("ms"), m.start(), m.end())
    for m in NM_PAIR.finditer(norm):
        if re.search(r"T[0-4X][a-d]?\d?\s*,?\s*$", norm[max(0, m.start() - 6) : m.start()]):
            continue
        yield Hit("n", "N" + m.group("n") + m.group("ns"), m.start(), m.end())
        yield Hit("m", "M" + m.group("m") + m.group("ms"), m.start(), m.end())
    for m in N_ALONE.finditer(norm):
        if m.group("n") is not None:
            yield Hit("n", "N" + m.group("n") + m.group("ns"), m.start(), m.end())
        else:
            yield Hit("n", "N" + m.group("n2") + m.group("ns2"), m.start(), m.end())
    for m in M_ALONE.finditer(norm):
        if m.group("m") is not None:
            yield Hit("m", "M" + m.group("m") + m.group("ms"), m.start(), m.end())
        elif m.group("ms2") is not None:
            yield Hit("m", "M1" + m.group("ms2"), m.start(), m.end())
        else:
            yield Hit("m", "M" + m.group("m3"), m.start(), m.end())


def grades(norm: str, low: str) -> Iterator[Hit]:
    for m in GRADE.finditer(low):
        before = low[max(0, m.start() - 12) : m.start()]
        if "gleason" in before or "isup" in before:
            continue
        yield Hit("grade", _GRADE_NUM[m.group("g")], m.start(), m.end())
    for m in G_CODE.finditer(norm):
        yield Hit("grade", m.group("g"), m.start(), m.end())
    for m in GRADE_WORD.finditer(low):
        yield Hit("grade", m.group("g"), m.start(), m.end())
    for m in DIFFERENTIATION.finditer(low):
        yield Hit("grade", _DIFF[m.group("d")], m.start(), m.end())


# --- scores ------------------------------------------------------------------------------------

GLEASON = re.compile(
    r"\b(?:gleason|gs)(?:\s+(?:score|sum|grade))?"
    + _FILL
    + r"(?:(?P<a>[1-5])\s*\+\s*(?P<b>[1-5])(?:\s*=\s*(?P<s1>\d{1,2}))?"
    r"|(?P<s2>\d{1,2})(?:\s*\(\s*(?P<a2>[1-5])\s*\+\s*(?P<b2>[1-5])\s*\))?)(?!\.?\d)"
)
GRADE_GROUP = re.compile(
    r"\b(?:grade\s+group|gg|isup\s+grade\s+group|isup\s+gg|who\s+grade\s+group)"
    r"(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)(?P<g>[1-5])(?!\.?\d)"
)
# 'ISUP grade 4' is a prostate grade group or a kidney cancer's nucleolar grade: the cancer decides
ISUP_GRADE = re.compile(
    r"\bisup(?:\s+grade)?(?!\s+(?:group|gg))(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)(?P<g>[1-5])(?!\.?\d)"
)
_GROUP_OF = {(3, 3): 1, (3, 4): 2, (4, 3): 3, (4, 4): 4, (3, 5): 4, (5, 3): 4}


def grade_group_of(a: int, b: int) -> int | None:
    """ISUP grade group from the two Gleason patterns (a definition, not an estimate)."""
    if a + b <= 6:
        return 1
    if a + b >= 9:
        return 5
    return _GROUP_OF.get((a, b))


def _numbered(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + _FILL + r"(?:to\s+)?(?P<v>" + NUM + r")(?!\.?\d)")


PSA = _numbered(
    r"\bpsa\b(?:\s+(?:level|value|result|test))?(?:\s+(?:had\s+)?(?:risen|rose|went\s+up|was\s+up))?"
)
BRESLOW = re.compile(
    r"\bbreslow(?:\s+(?:depth|thickness))?(?:\s+(?:depth|thickness))?"
    + _FILL
    + r"(?P<v>"
    + NUM
    + r")\s*mm\b|\b(?P<v2>"
    + NUM
    + r")\s*mm\s+(?:breslow|thick\b|in\s+thickness)"
)
ULCERATION = re.compile(
    r"\b(?P<neg>no|without|non-?|absence\s+of|not)\s*(?:\w+\s+)?ulcerat\w*"
    r"|\bulcerat(?:ed|ion)(?:\s*(?::\s*|\s+(?:is|was)\s+)(?P<post>absent|present|not\s+identified|none|no|yes|seen))?"
)
IPI = re.compile(r"\b(?P<k>r-ipi|cns-ipi|flipi|mipi|ipi)(?:\s+score)?" + _FILL + r"(?P<v>[0-6])(?!\.?\d)")
ISS = re.compile(
    r"\b(?P<k>r-iss|r\s+iss|riss|iss)(?:\s+stage)?(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)"
    r"(?P<v>iii|ii|i|[1-3])(?![\w+])"
)
MITOTIC = re.compile(r"\bmitos[ei]s|\bmitotic\s+(?:rate|count|index|activity)")
MITOTIC_VALUE = re.compile(r"\s*(?:of|is|was|=|:)?\s*(?P<lt><\s*)?(?P<v>" + NUM + r")\s*(?:/|per)\s*")
SIZE = re.compile(
    r"(?<![\d.])(?P<dims>"
    + NUM
    + r"(?:\s*(?:x|by|\*)\s*"
    + NUM
    + r")*)\s*(?P<u>cm|mm|centimet(?:er|re)s?|millimet(?:er|re)s?)\b"
)
_SIZE_CONTEXT = re.compile(
    r"tumou?r|mass|lesion|nodule|cancer|carcinoma|\w*sarcoma|\w*oma\b|primary|lump|"
    r"measur|size|growth|gist|\bidc\b|\bilc\b|dcis|across|removed|resected"
)
_SIZE_NOT = re.compile(
    r"node|margin|breslow|metasta|mets\b|deposit|effusion|thick|depth|cyst|stone|polyp|aneurysm|"
    r"from\s+the|verge|away|spot|gy\b|apart|dose|sessions?|fractions?"
)
NODES_A = re.compile(
    r"(?<![\d/.])(?P<p>\d{1,2})\s*(?:/|of|out\s+of)\s*(?P<t>\d{1,2})(?!\.?\d|/)\s+"
    r"(?:(?:sentinel|axillary|regional|pelvic|removed|examined|sampled|resected|lymph)\s+){0,3}"
    r"(?:lymph\s+)?(?:nodes?|ln)\b(?P<rest>[^.;]{0,30})"
)
NODES_B = re.compile(
    r"\b(?:sentinel\s+)?(?:lymph\s+)?(?:nodes?|ln|slnb)\b(?P<mid>[^.;0-9]{0,30}?)"
    r"(?<![\d/.])(?P<p>\d{1,2})\s*(?:/|of|out\s+of)\s*(?P<t>\d{1,2})(?!\.?\d|/)(?P<rest>[^.;]{0,20})"
)
NODE_NEGATIVE = re.compile(
    r"\bnode[- ]negative\b|\b(?:lymph\s+)?nodes?\s+(?:\w+\s+){0,2}(?:were|was|are|is)\s+(?:all\s+)?"
    r"(?:negative|clear|free|benign|uninvolved)\b|\bno\s+(?:lymph\s+)?(?:node|nodal)\s+(?:involvement|spread|disease)"
    r"|\bno\s+(?:cancer|spread|tumou?r)\s+(?:in|to)\s+(?:the\s+|my\s+|her\s+|his\s+|any\s+)?(?:lymph\s+)?nodes\b"
    r"|\bno\s+(?:\w+\s+)?(?:lymph\s+)?nodes\b(?!\s+(?:were\s+|was\s+)?(?:removed|examined|sampled|taken|dissected|"
    r"biopsied|checked|tested))"
    r"|\b(?:lymph\s+)?nodes\s+(?:all\s+)?(?:negative|neg|clear|benign|uninvolved)\b"
)
NODE_POSITIVE = re.compile(
    r"\bnode[- ]positive\b"
    r"|(?<!no\s)(?<!without\s)(?<!any\s)\b(?:a\s+|one\s+|two\s+|\d\s+)?positive\s+(?:sentinel\s+)?(?:lymph\s+)?nodes?\b"
    r"|\b(?:lymph\s+)?nodes?\s+(?:\w+\s+){0,2}(?:were|was|are|is)\s+(?:positive|involved)\b"
    r"|\b(?:spread|spreading|metastas[ie]s|metastatic)\s+(?:\w+\s+){0,2}(?:to|in)\s+"
    r"(?:the\s+|my\s+|her\s+|his\s+|\w+\s+)?(?:\w+\s+)?lymph\s+nodes?\b"
    r"|\bpositive\s+(?:lymph\s+)?nodes?\b"
)
ONCOTYPE = re.compile(
    r"\b(?:oncotype(?:\s*dx)?(?:\s+recurrence)?(?:\s+score)?|recurrence\s+score|rs)\b"
    + _FILL
    + r"(?:\(rs\)\s*)?(?:of\s+)?(?P<v>\d{1,3})(?!\.?\d|%)"
)
MAMMAPRINT = re.compile(r"\bmammaprint\b(?:\s+\w+){0,3}?\s+(?P<v>ultra[- ]?low|low|high)\b")
CHILD_PUGH = re.compile(
    r"\bchild[- ]?pugh(?:[- ]turcotte)?(?:\s+(?:class|score|grade|stage))?(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)"
    r"(?:(?P<c>[abc])(?:\s*-?\s*(?P<n>\d{1,2}))?|(?P<n2>\d{1,2}))(?![\w+])"
)
BCLC = re.compile(r"\bbclc(?:\s+(?:stage|class))?(?:\s*:\s*|\s+(?:is|was|of)\s+|\s*)(?P<v>0|[a-d])(?![\w+])")
_RISK_NAME = (
    r"(?:very[- ]low|low|favou?rable[- ]intermediate|unfavou?rable[- ]intermediate|intermediate|"
    r"very[- ]high|high|standard|poor|favou?rable|good)"
)
RISK_GROUP = re.compile(
    r"\b(?P<g>"
    + _RISK_NAME
    + r")[- ]risk(?:\s+(?:[\w-]+\s+){0,3}?(?:cancer|disease|group|category|features?|"
    r"prostate|tumou?rs?|\w+omas?|gist|cll|mds|aml|leuka?emia|neuroblastoma|smou?ldering|cytogenetics|fish|"
    r"karyotype|genetics)\b"
    r"|\s+(?:by|per|according\s+to|using|based\s+on|on\s+the)\b|(?=\s*(?:[.,;()]|$)))"
    r"|\brisk(?:\s+(?:group|category|class|stratification|level))?(?:\s*\([^)]{0,30}\))?"
    r"\s*(?::|=|\bis\b|\bwas\b)\s*(?P<g2>" + _RISK_NAME + r")\b"
)


def _child_pugh_class(points: int) -> str | None:
    if 5 <= points <= 6:
        return "A"
    if 7 <= points <= 9:
        return "B"
    if 10 <= points <= 15:
        return "C"
    return None


def scores(low: str) -> Iterator[Hit]:
    """Disease-specific scores, keyed as the knowledge base names them."""
    for m in GLEASON.finditer(low):
        a, b = m.group("a") or m.group("a2"), m.group("b") or m.group("b2")
        total = int(a) + int(b) if a and b else int(m.group("s1") or m.group("s2") or 0)
        if not 2 <= total <= 10:
            continue
        yield Hit("gleason", float(total), m.start(), m.end())
        if a and b:
            yield Hit("gleason_pattern", f"{a}+{b}", m.start(), m.end())
            group = grade_group_of(int(a), int(b))
            if group is not None:
                yield Hit("grade_group", float(group), m.start(), m.end())
    for m in GRADE_GROUP.finditer(low):
        yield Hit("grade_group", float(m.group("g")), m.start(), m.end())
    for m in ISUP_GRADE.finditer(low):
        yield Hit("isup_grade", float(m.group("g")), m.start(), m.end())
    for m in PSA.finditer(low):
        value = _num(m.group("v"))
        if value is not None:
            yield Hit("psa", value, m.start(), m.end())
    for m in BRESLOW.finditer(low):
        value = _num(m.group("v") or m.group("v2"))
        if value is not None and value < 100:
            yield Hit("breslow_mm", value, m.start(), m.end())
    for m in ULCERATION.finditer(low):
        post = m.group("post") or ""
        absent = bool(m.group("neg")) or post.startswith(("absent", "not", "none", "no"))
        yield Hit("ulceration", "absent" if absent else "present", m.start(), m.end())
    for m in IPI.finditer(low):
        yield Hit(m.group("k").replace("-", "_"), float(m.group("v")), m.start(), m.end())
    for m in ISS.finditer(low):
        key = "iss" if m.group("k") == "iss" else "riss"
        yield Hit(key, ROMAN[m.group("v")], m.start(), m.end())
    for m in MITOTIC.finditer(low):
        v = MITOTIC_VALUE.match(low, m.end())
        if v:
            value = _num(v.group("v"))
            if value is not None:
                yield Hit("mitotic_rate", f"<{v.group('v')}" if v.group("lt") else value, m.start(), v.end())
    for m in ONCOTYPE.finditer(low):
        value = _num(m.group("v"))
        if value is not None and value <= 100:
            yield Hit("oncotype_rs", value, m.start(), m.end())
    for m in MAMMAPRINT.finditer(low):
        yield Hit("mammaprint", m.group("v").replace(" ", "-"), m.start(), m.end())
    for m in CHILD_PUGH.finditer(low):
        if m.group("c"):
            label = m.group("c").upper() + (m.group("n") or "")
        else:
            cls = _child_pugh_class(int(m.group("n2")))
            if cls is None:
                continue
            label = cls + m.group("n2")
        yield Hit("child_pugh", label, m.start(), m.end())
    for m in BCLC.finditer(low):
        yield Hit("bclc", m.group("v").upper(), m.start(), m.end())


def sizes(low: str) -> Iterator[Hit]:
    """Largest dimension of the tumour in cm, when the words around say it is the tumour."""
    for m in SIZE.finditer(low):
        before = low[max(0, m.start() - 40) : m.start()]
        after = low[m.end() : m.end() + 30]
        if not _SIZE_CONTEXT.search(before + after) or _SIZE_NOT.search(before[-25:] + " " + after[:16]):
            continue
        dims = [_num(d) for d in re.findall(NUM, m.group("dims"))]
        values = [d for d in dims if d is not None]
        if not values:
            continue
        size = max(values) / (10 if m.group("u").startswith("m") else 1)
        if 0 < size < 100:
            yield Hit("size_cm", round(size, 2), m.start(), m.end())


def nodes(low: str) -> Iterator[Hit]:
    """Positive and examined lymph node counts; node status words."""
    for pattern in (NODES_A, NODES_B):
        for m in pattern.finditer(low):
            p, t = int(m.group("p")), int(m.group("t"))
            if t == 0 or p > t:
                continue
            # the count's own status word: '17/18 nodes negative', not '(1/18 nodes), margins clear'
            # the count's own status word after it: '17/18 nodes negative' is one positive node;
            # '(1/18 nodes), margins clear' and 'nodes neg 0/3' count positive nodes
            rest = re.split(r"[,;()]", m.group("rest"))[0]
            negatives = (
                p > 0 and re.search(r"\b(?:negative|neg|benign|free|clear|uninvolved)\b", rest) is not None
            )
            positive = t - p if negatives else p
            yield Hit("nodes_positive", float(positive), m.start(), m.end())
            yield Hit("nodes_examined", float(t), m.start(), m.end())
    for m in NODE_NEGATIVE.finditer(low):
        yield Hit("node_status", "negative", m.start(), m.end())
    for m in NODE_POSITIVE.finditer(low):
        if not _NODES_DENIED.search(_before_positive(low, m.start(), m.end())):
            yield Hit("node_status", "positive", m.start(), m.end())


# 'no other positive nodes', '0 positive lymph nodes', 'zero positive nodes', '0/12 positive nodes'
_NODES_DENIED = re.compile(r"\b(?:no|zero|none|without|any)\b|(?<![\d.])0(?![\d.])")


def _before_positive(low: str, start: int, end: int) -> str:
    """The ~15 characters before a node-positive reading (and its own count, '0 positive nodes'),
    within the sentence: where a negator or a zero count would stand."""
    at = low.find("positive", start, end)
    window = low[max(0, start - 15) : at if at != -1 else start]
    return re.split(r"[.;]\s", window)[-1]


# Prognostic groups of germ cell tumours (IGCCCG): 'poor prognosis NSGCT', 'intermediate prognosis',
# 'IGCCCG good' (not 'it has a poor prognosis', which says how the disease behaves in general)
PROGNOSIS_GROUP = re.compile(
    r"(?<!\ba\s)(?<!\ban\s)\b(?P<g>good|intermediate|poor)[- ]prognosis(?:\s+(?:group|category|disease|"
    r"germ[\s-]cell|nsgct|seminoma|non-?seminoma\w*|\w+omas?|tumou?rs?|cancer)\b|\s+(?:by|per|according\s+to|"
    r"using|on\s+the)\b|(?=\s*(?:[.,;()]|$)))"
    r"|\bigcccg(?:\s+(?:risk|prognos\w*))?(?:\s+(?:group|category|class))?\s*(?::|=|\bis\b|\bwas\b)?\s*"
    r"(?P<g2>good|intermediate|poor)\b"
)


# A bare 'poor risk' / 'poor prognosis' after an article or verb describes the person or the disease
# in general ('he is a poor risk', 'pancreatic cancer has poor prognosis'), not a named group.
_GENERAL_REMARK_BEFORE = re.compile(
    r"\b(?:a|an|has|have|had|having|carries|carry|carrying|its|their|his|her|my|of|very|quite|relatively"
    r"|generally|usually|extremely|overall)\s+$"
)


def _named_group(low: str, m: re.Match[str]) -> bool:
    """A group word ('risk group', 'good-risk germ cell'), a model name ('IMDC poor risk', 'IGCCCG
    good') or a label's place in a list ('non-seminoma, good risk,') makes the words a group."""
    if m.group("g") is None or re.search(r"(?:risk|prognosis)$", m.group(0)) is None:
        return True
    return _GENERAL_REMARK_BEFORE.search(low, max(0, m.start() - 20), m.start()) is None


def risk_groups(low: str) -> Iterator[Hit]:
    for m in RISK_GROUP.finditer(low):
        if _named_group(low, m):
            g = (m.group("g") or m.group("g2")).replace("-", " ").replace("favourable", "favorable")
            yield Hit("risk_group", g, m.start(), m.end())
    for m in PROGNOSIS_GROUP.finditer(low):
        if _named_group(low, m):
            yield Hit("risk_group", m.group("g") or m.group("g2"), m.start(), m.end())


def extents(low: str) -> Iterator[Hit]:
    for m in EXTENT.finditer(low):
        yield Hit("extent", m.group("v") or m.group("v2"), m.start(), m.end())
