"""Criteria that name things the knowledge base knows: cancer types, biomarkers, drugs, regimens
and drug classes, plus the treatment modalities and histology words that qualify them.

Names are found with the knowledge base's own phrase finder (so a new alias in the data files is
picked up here too); drug classes come from the drugs' `classes`. Only small grammatical word lists
(status words, modality words, histology words) live in this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secondopinion.intake.text_vocab import vocabulary
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.trials.criteria_names import Name, NameFinder, name_finder
from secondopinion.trials.criteria_patterns import ONCOLOGY, OP, Found, excepted, num, number, op_of

# --- cancer categories -----------------------------------------------------------------------

_LIQUID_ICD10 = re.compile(r"^(?:C8[1-9]|C9[0-6]|D4[5-7])")


def cancer_category_ids(kb: KnowledgeBase, liquid: bool) -> list[str]:
    """Knowledge-base cancer ids that are haematological (ICD-10 C81-C96, D45-D47, or a lymphoma,
    myeloma or leukaemia category) or, with liquid False, solid."""
    out = []
    for c in kb.cancers.values():
        is_liquid = c.category in ("lymphoma", "myeloma", "leukemia") or any(
            _LIQUID_ICD10.match(x) for x in c.icd10
        )
        if is_liquid == liquid:
            out.append(c.id)
    return sorted(out)


# --- the per-knowledge-base tables -----------------------------------------------------------

_MODALITIES: list[tuple[str, str]] = [
    (
        "chemotherapy",
        r"chemo(?:therapy|therapies|therapeutic(?: agents?)?|radiotherapy|radiation)?"
        r"|cytotoxic (?:therapy|therapies|chemotherapy|agents?|treatment)",
    ),
    (
        "radiation",
        r"radiotherapy|radiation(?: therapy| treatment)?|irradiation|radiosurgery|sbrt|srs|brachytherapy"
        r"|chemoradi\w*|radiochemotherapy",
    ),
    ("surgery", r"surgery|surgical (?:resection|treatment)|resection|\w+ectomy|operation"),
    (
        "immunotherapy",
        r"immunotherap\w*|immune[- ]checkpoint (?:inhibitors?|blockade|therapy)|checkpoint inhibitors?",
    ),
    ("targeted_therapy", r"targeted (?:therapy|therapies|agents?|treatment)"),
    (
        "hormonal_therapy",
        r"(?:endocrine|hormonal|hormone|anti-?hormonal) (?:therapy|therapies|treatment)"
        r"|androgen[- ]deprivation(?: therapy)?|adt",
    ),
    (
        "transplant",
        r"(?:autologous |allogeneic |allogenic |allo-?|auto-?)?(?:stem[- ]cell|bone marrow"
        r"|ha?ematopoietic (?:stem )?cell|progenitor cell) transplant\w*|hsct|asct|allo-?sct"
        r"|auto-?sct|allo-?hct",
    ),
    (
        "cellular_therapy",
        r"car[- ]?t(?:[- ]cells?)?(?: therapy| cell therapy)?|cellular therapy|adoptive cell therapy",
    ),
    (
        "systemic_therapy",
        r"systemic (?:therapy|therapies|treatment|anti-?cancer therapy|anti-?neoplastic therapy)"
        r"|anti-?(?:cancer|neoplastic|tumou?r) (?:therapy|therapies|treatment|agents?|drugs?)",
    ),
]
_MODALITY_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<m{i}>{p})" for i, (_, p) in enumerate(_MODALITIES)) + r")\b"
)
_MODALITY_WORDS = frozenset(
    {
        "chemotherapy",
        "targeted therapy",
        "immunotherapy",
        "endocrine therapy",
        "hormonal therapy",
        "radiotherapy",
        "cellular immunotherapy",
    }
)


def _class_variants(name: str) -> set[str]:
    low = name.lower()
    out = {low}
    words = low.split()
    if words[-1] in (
        "inhibitor",
        "agent",
        "conjugate",
        "antibody",
        "analogue",
        "modulator",
        "degrader",
        "agonist",
        "antagonist",
        "taxane",
        "anthracycline",
        "alkaloid",
    ):
        plural = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
        out.add(" ".join([*words[:-1], plural]))
    if low.startswith("anti-") and words[-1] == "antibody":
        stem = " ".join(words[:-1])
        out |= {f"{stem} monoclonal antibody", f"{stem} monoclonal antibodies", f"{stem} mab", f"{stem} mabs"}
    if low.startswith("immune "):
        out |= {v[len("immune ") :] for v in list(out)}
    if low.endswith(" inhibitor") and len(words) == 2:
        target = words[0]
        out |= {f"anti-{target}", f"anti {target}", f"anti{target}"}
        if re.search(r"\d", target):
            out.add(f"{target.replace('-', '')} inhibitor")
            out.add(f"{target.replace('-', '')} inhibitors")
            out.add(f"anti-{target.replace('-', '')}")
        if "/" in target:
            out.add(f"{re.sub(r'[0-9/]+$', '', target)} inhibitor")
            out.add(f"{re.sub(r'[0-9/]+$', '', target)} inhibitors")
    if low.endswith(" tyrosine kinase inhibitor"):
        target = low[: -len(" tyrosine kinase inhibitor")]
        out |= {f"{target} tki", f"{target}-tki", f"{target} tkis", f"{target}-tkis"}
    if low == "platinum":
        out |= {"platinum-based", "platinum based", "platinum-containing", "platin"}
    return {v for v in out if len(v) >= 4}


@dataclass
class Terms:
    """Compiled, per-knowledge-base lookup tables (built once per knowledge-base version)."""

    finder: NameFinder
    solid: list[str]
    liquid: list[str]
    er: str | None
    pr: str | None
    her2: str | None
    regimen_drugs: dict[str, list[str]]


_CACHE: dict[str, Terms] = {}


def _build(kb: KnowledgeBase) -> Terms:
    names: dict[str, str] = {}
    for drug in kb.drugs.values():
        for cls in drug.classes:
            if cls.lower() in _MODALITY_WORDS:
                continue
            for v in _class_variants(cls):
                names.setdefault(v, cls)
    v = vocabulary(kb)
    return Terms(
        finder=name_finder(kb, names),
        solid=cancer_category_ids(kb, liquid=False),
        liquid=cancer_category_ids(kb, liquid=True),
        er=v.lookup("biomarker", "estrogen receptor"),
        pr=v.lookup("biomarker", "progesterone receptor"),
        her2=v.lookup("biomarker", "her2"),
        regimen_drugs={r.id: list(r.drugs) for r in kb.regimens.values()},
    )


def terms_for(kb: KnowledgeBase) -> Terms:
    """The tables for this knowledge base, built once per knowledge-base version."""
    terms = _CACHE.get(kb.version)
    if terms is None:
        if len(_CACHE) >= 8:
            _CACHE.clear()
        terms = _CACHE[kb.version] = _build(kb)
    return terms


@dataclass
class TextMentions:
    """Knowledge-base names found once in the whole text, looked up per sentence by offset."""

    cancers: list[Name]
    drugs: list[Name]
    biomarkers: list[Name]
    classes: list[Name]


# "poly (ADP-ribose) polymerase (PARP) inhibitor": the abbreviation and the head noun after it
# name the class ("PARP inhibitor") even though the words between them do not.
_ABBREVIATED_CLASS = re.compile(
    r"\((?P<abbr>[a-z0-9][a-z0-9/-]{1,12})\)\s*(?P<head>inhibitors?|antibod(?:y|ies)|agonists?|antagonists?"
    r"|tyrosine kinase inhibitors?|tkis?)\b"
)


def _abbreviated_classes(finder: NameFinder, low: str, taken: list[Name]) -> list[Name]:
    out: list[Name] = []
    for m in _ABBREVIATED_CLASS.finditer(low):
        if any(n.start <= m.start() < n.end for n in taken):
            continue
        phrase = f"{m.group('abbr')} {m.group('head')}"
        hits = [n for n in finder.find(phrase, phrase) if n.kind == "class" and n.end == len(phrase)]
        if hits and hits[0].start == 0:
            out.append(Name("class", hits[0].id, m.start(), m.end(), m.group()))
    return out


_MARKER_PREFIX = re.compile(
    r"(?P<marker>[a-z0-9/ ]+?)\s*(?:-\s*)?(?:positive|negative|\+|-|mutant|mutated|amplified)(?![a-z0-9])"
)


def _markers_in_cancer_names(finder: NameFinder, norm: str, low: str, names: list[Name]) -> list[Name]:
    """'HER2-positive breast cancer' is a cancer name that also states a biomarker: the marker
    at its head is found too, so the status is read like any other."""
    out: list[Name] = []
    for n in names:
        if n.kind != "cancer":
            continue
        m = _MARKER_PREFIX.match(low, n.start, n.end)
        if m is None:
            continue
        phrase = m.group("marker").strip()
        written = norm[n.start : n.start + len(phrase)]
        hits = [x for x in finder.find(written, phrase) if x.kind == "biomarker" and x.end == len(phrase)]
        if hits and hits[0].start == 0:
            end = n.start + len(phrase)
            out.append(Name("biomarker", hits[0].id, n.start, end, low[n.start : end]))
    return out


def find_mentions(kb: KnowledgeBase, norm: str, low: str) -> TextMentions:
    finder = terms_for(kb).finder
    names = finder.find(norm, low)
    if "(" in low:
        names = sorted(names + _abbreviated_classes(finder, low, names), key=lambda n: n.start)
    names += _markers_in_cancer_names(finder, norm, low, names)
    if ONCOLOGY.search(low) is None:
        # Short abbreviations are other things outside cancer trials (MCL the knee ligament, MDS the
        # nursing-home data set): there, only names written out count.
        names = [n for n in names if n.kind != "cancer" or len(n.text) > 4 or " " in n.text]
    return TextMentions(
        [n for n in names if n.kind == "cancer"],
        [n for n in names if n.kind in ("drug", "regimen")],
        [n for n in names if n.kind == "biomarker"],
        [n for n in names if n.kind == "class"],
    )


def within(items: list[Name], s: int, e: int) -> list[Name]:
    return [m for m in items if s <= m.start and m.end <= e]


# --- cancer type and histology ---------------------------------------------------------------

_SOLID = re.compile(r"\bsolid (?:tumou?rs?|malignanc\w*|cancers?|neoplasms?)\b")
_LIQUID = re.compile(
    r"\b(?:ha?ematologic(?:al)? (?:malignanc\w*|cancers?|neoplasms?)|blood cancers?|lymphoid malignanc\w*"
    r"|myeloid malignanc\w*)\b"
)
_FILLER = re.compile(
    r"\b(?:patients?|subjects?|participants?|with|who|have|has|had|a|an|the|of|known|diagnosis|diagnosed"
    r"|confirmed|histologically|cytologically|documented|any|or|and|are|is|not|eligible|excluded|in|to"
    r"|current|active|evidence|presence|prior|previous|history|type|cancer|carcinoma|disease|form|forms)\b"
)
_HISTOLOGY = re.compile(
    r"\b(?P<h>non-?squamous(?: cell)?|adenosquamous|squamous(?: cell)?|adenocarcinoma"
    r"|(?<!non-)(?<!non )small[- ]cell"
    r"|large[- ]cell(?! lymphoma)|clear[- ]cell|papillary|serous|endometrioid|mucinous"
    r"|(?:invasive )?ductal|lobular"
    r"|urothelial|transitional[- ]cell|signet[- ]ring|sarcomatoid|neuroendocrine|carcinosarcoma"
    r"|spindle[- ]cell"
    r"|triple[- ]negative)\b(?=[^.;]{0,40}\b(?:histolog\w*|carcinoma|cancer|tumou?r|adenocarcinoma"
    r"|type|subtype"
    r"|features|component|differentiation|nsclc|lung|breast|neoplasm)|$)"
)


_OF_ORGAN = re.compile(
    r"\b(?P<head>cancer|carcinoma|adenocarcinoma|tumou?r|neoplasm)s? of (?:the )?(?P<organ>[a-z]{3,})\b"
)
# "breast adenocarcinoma", "small bowel malignancy": a site word and a cancer head noun name the
# knowledge base's "<site> cancer" even where that exact alias is not written.
_SITE_HEAD = re.compile(
    r"\b(?P<site>[a-z][a-z-]{2,}(?: [a-z][a-z-]{2,})?) (?P<head>adenocarcinomas?|carcinomas?|cancers?"
    r"|tumou?rs?|neoplasms?|neoplasia|malignanc(?:y|ies))\b"
)
_NOT_A_SITE = re.compile(
    r"\b(?:benign|other|any|active|prior|previous|primary|secondary|second|malignant|solid|advanced"
    r"|metastatic|recurrent|known|invasive|suspected|history|cell|squamous|small|large|clear|germ|stromal"
    r"|neuroendocrine|carcinoid|giant|brown|desmoid|phyllodes|borderline|the|with|and|for|from|new)\b"
)
_HEAD = re.compile(
    r"\b(cancers?|carcinomas?|adenocarcinomas?|tumou?rs?|neoplasms?|malignanc(?:y|ies)|lymphomas?)$"
)
_LISTED_BEFORE = re.compile(r"((?:[a-z][a-z-]*\s*(?:,|/|\bor\b|\band\b|\band/or\b)\s*){1,4})$")


def _shared_head(low: str, s: int, m: Name, terms: Terms) -> list[str]:
    """'colon or rectal cancer': the listed words share the head noun ('colon cancer')."""
    head = _HEAD.search(m.text)
    listed = _LISTED_BEFORE.search(low, s, m.start) if head else None
    if head is None or listed is None:
        return []
    out = []
    for word in re.findall(r"[a-z][a-z-]*", listed.group(1)):
        if word in ("or", "and"):
            continue
        phrase = f"{word} {head.group(1)}"
        names = terms.finder.find(phrase, phrase)
        out += [n.id for n in names if n.kind == "cancer" and n.start == 0 and n.end == len(phrase)]
    return out


def read_cancer(low: str, s: int, e: int, found: TextMentions, terms: Terms, inclusion: bool) -> list[Found]:
    ids: list[str] = []
    first: tuple[int, int] | None = None
    for m in within(found.cancers, s, e):
        if excepted(low, s, m.start) or re.search(r"\bbenign\s+$", low[max(s, m.start - 8) : m.start]):
            continue
        for extra in [*_shared_head(low, s, m, terms), m.id]:
            if extra not in ids:
                ids.append(extra)
        first = first or (m.start, m.end)
    for m in _OF_ORGAN.finditer(low, s, e):
        for phrase in (f"{m.group('organ')} {m.group('head')}", f"{m.group('organ')} cancer"):
            names = terms.finder.find(phrase, phrase)
            hit = [n.id for n in names if n.kind == "cancer" and n.start == 0 and n.end == len(phrase)]
            if hit and not excepted(low, s, m.start()):
                ids.extend(i for i in hit if i not in ids)
                first = first or (m.start(), m.end())
                break
    taken = [(m.start, m.end) for m in within(found.cancers, s, e)]
    for m in _SITE_HEAD.finditer(low, s, e):
        if any(a < m.end() and m.start() < b for a, b in taken) or excepted(low, s, m.start()):
            continue
        if re.search(r"\bbenign\b|\bnon-?$", low[max(s, m.start() - 20) : m.start("head")]):
            continue
        hit = _site_cancer(m.group("site"), terms)
        if hit:
            ids.extend(i for i in hit if i not in ids)
            first = first or (m.start(), m.end())
    generic = _SOLID.search(low, s, e) or _LIQUID.search(low, s, e)
    if generic is not None and re.search(
        r"criteria (?:in|for) $", low[max(s, generic.start() - 13) : generic.start()]
    ):
        generic = None  # RECIST: Response Evaluation Criteria in Solid Tumors
    if generic is not None and not excepted(low, s, generic.start()) and inclusion:
        extra = terms.solid if generic.re is _SOLID else terms.liquid
        ids.extend(i for i in extra if i not in ids)
        first = first or (generic.start(), generic.end())
    if not ids or first is None:
        return []
    if not inclusion:
        rest = low[s:e]
        for m in within(found.cancers, s, e):
            rest = rest.replace(low[m.start : m.end], " ")
        words = [w for w in re.findall(r"[a-z]{3,}", _FILLER.sub(" ", rest))]
        if len(words) > 3 and not _listed_alone(low, s, e, first, found):
            return []  # "hereditary colorectal cancer linked to ..." is not a plain type exclusion
    return [Found("cancer_type", first[0], first[1], {"cancer_types": ids})]


_LIST_CUT = re.compile(r"[,;:()\[\]]|\s(?:or|and|and/or)\s|/")
_NOT_OWN_CANCER = re.compile(
    r"\b(?:family|relatives?|mother|father|sister|brother|risk|screening|suspic\w*|hereditary|syndrome"
    r"|predispos\w*|carrier|partner|spouse)\b"
)


def _listed_alone(low: str, s: int, e: int, first: tuple[int, int], found: TextMentions) -> bool:
    """'Known colorectal cancer, infectious colitis, or diverticulitis': the cancer is one item of a
    list of conditions, with nothing in its own item but the name (and no family history)."""
    if _NOT_OWN_CANCER.search(low, s, e):
        return False
    cuts = [s, *(m.end() for m in _LIST_CUT.finditer(low, s, first[0])), first[0]]
    after = _LIST_CUT.search(low, first[1], e)
    segment = low[max(cuts[:-1]) : after.start() if after else e]
    for m in within(found.cancers, s, e):
        segment = segment.replace(low[m.start : m.end], " ")
    return not re.findall(r"[a-z]{3,}", _FILLER.sub(" ", segment))


def _site_cancer(site: str, terms: Terms) -> list[str]:
    """Knowledge-base cancer ids named '<site> cancer', trying the two-word site before the last
    word alone ('small bowel' before 'bowel', which would be the large bowel); a lone word that is
    no site ('cell', 'other') names nothing."""
    words = site.split()
    for n in (2, 1):
        if len(words) < n:
            continue
        part = " ".join(words[-n:])
        if n == 1 and _NOT_A_SITE.search(part):
            continue
        phrase = f"{part} cancer"
        names = terms.finder.find(phrase, phrase)
        hit = [x.id for x in names if x.kind == "cancer" and x.start == 0 and x.end == len(phrase)]
        if hit or (n == 2 and words[-2] in ("small", "large")):
            return hit  # 'small bowel' names no knowledge-base type: not 'bowel' either
    return []


def read_histology(low: str, s: int, e: int, found: TextMentions, inclusion: bool) -> list[Found]:
    spans = [(m.start, m.end) for m in within(found.cancers, s, e)]
    out: list[str] = []
    first: tuple[int, int] | None = None
    for m in _HISTOLOGY.finditer(low, s, e):
        if any(a <= m.start() < b for a, b in spans) or excepted(low, s, m.start()):
            continue
        word = m.group("h").replace("-", " ").replace("invasive ", "")
        if word not in out:
            out.append(word)
        first = first or (m.start(), m.end())
    if not out or first is None:
        return []
    if not inclusion and len(out) > 1:
        return []
    return [Found("histology", first[0], first[1], {"histology": out})]


# --- biomarkers ------------------------------------------------------------------------------

_POS_AFTER = re.compile(
    r"(?:\s*\([^)]{1,20}\))?[\s:-]*(?:gene\s+|protein\s+|status\s+(?:is\s+|of\s+)?)?(?:\+|positive"
    r"|pos\b|overexpress\w*"
    r"|over-?expression|amplif\w*|mutat\w*|mutant|altered|alterations?|aberrations?|rearrange\w*"
    r"|fusions?|translocat\w*"
    r"|deleti\w*|insertions?|variants?|high\b|expressing|deficien\w*|activating|sensiti[sz]ing|methylat\w*"
    r"|co-?deleti\w*|[123]\+|driver|exon\s*\d+|[acdefghiklmnpqrstvwy]\d{2,4}[acdefghiklmnpqrstvwy*])"
)
_NEG_AFTER = re.compile(
    r"(?:\s*\([^)]{1,20}\))?\s*(?:status\s+(?:is\s+)?)?(?:-(?![a-z0-9])|−|-?\s*negative|-?neg\b"
    r"|-?\s*wild[- ]?type|wt\b|-?non-?mutated"
    r"|unmutated|non-?amplified|not amplified|not mutated|intact|proficient|\bstable\b|0\b|1\+)"
)
_POS_BEFORE = re.compile(
    r"(?:positive for|mutated|mutant|activating|sensiti[sz]ing|amplified|overexpressing|harbou?ring|known|"
    r"documented|confirmed|with an?|with)\s+(?:an?\s+)?(?:\w+\s+)?$"
)
_NEG_BEFORE = re.compile(r"(?:negative for|wild[- ]?type|lack of|absence of|no known|without)\s+(?:\w+\s+)?$")
_POS_IN = re.compile(
    r"(?:\+|positive|high|-h|mutant|mutation|amplification|fusion|rearrangement|codeletion"
    r"|co-deletion|dmmr|abn|abnormal|deficien\w*|methylation|ultramutated|unstable)$"
)
_NEG_IN = re.compile(
    r"(?:-|negative|wild-?type|wildtype|stable|mss|proficient|pmmr)$|^mss$|^microsatellite stable$"
)
_NOT_A_MARKER = re.compile(
    r"[\s-]*(?:-?targeted|-?directed|inhibitors?|antibod\w+|tkis?\b|therap\w+|agents?|blockers?"
    r"|-?based|vaccines?"
    r"|test(?:ing)?|assay|testing|analysis|status (?:is )?unknown|status must be known"
    r"|expression (?:is )?unknown)"
)
_ALTERATION = re.compile(
    r"\bexon\s*\d+\s*(?:deletions?|insertions?|skipping|mutations?|alterations?|del|ins)\b|\bexon\s*\d+\b"
    r"|(?<![a-z0-9])(?:p\.)?[acdefghiklmnpqrstvwy]\d{2,4}(?:[acdefghiklmnpqrstvwy*x]|del|ins|fs)(?![a-z0-9])"
    r"|\b(?:amplification|amplified|fusions?|rearrangements?|rearranged|translocations?"
    r"|overexpression|codeletion"
    r"|co-deletion)\b"
)
_VALUE = re.compile(
    rf"(?:\s*(?:\([^)]{{0,20}}\)|tps|cps|tumou?r proportion score|combined positive score|score"
    rf"|expression|level|of"
    rf"|status|in|>?\s*or\s*=|ihc|staining|:|=))*\s*(?P<op>{OP})\s*{num('v')}\s*(?P<unit>%"
    rf"|mut(?:ations)?\s*/\s*mb"
    r"|ng\s*/\s*ml|u\s*/\s*ml|percent)?"
)
_HR = re.compile(
    r"\b(?:hormone[- ]receptor|hr)\s*(?:\(hr\)\s*)?(?P<s>\+|-(?![a-z0-9])|-?\s*positive|-?\s*negative)"
)
_TRIPLE_NEG = re.compile(r"\btriple[- ]negative\b|\btnbc\b")
_OR_BETWEEN = re.compile(r"^\s*(?:\+|-|positive|negative)?\s*(?:,\s*)?(?:and/or|or|/)\s*$")
_LIST_BETWEEN = re.compile(r"^\s*(?:,|and/or|or|and|/|&)\s*$")


def _status_of(low: str, m: Name, e: int) -> tuple[str | None, int]:
    own = m.text.strip()
    if _NEG_IN.search(own):
        return "negative", m.end
    if _POS_IN.search(own):
        return "positive", m.end
    after_neg = _NEG_AFTER.match(low, m.end, min(e, m.end + 35))
    after_pos = _POS_AFTER.match(low, m.end, min(e, m.end + 40))
    if after_neg is not None and (after_pos is None or after_neg.end() <= after_pos.end()):
        return "negative", after_neg.end()
    if after_pos is not None:
        return "positive", after_pos.end()
    before = low[max(0, m.start - 30) : m.start]
    if _NEG_BEFORE.search(before):
        return "negative", m.end
    if _POS_BEFORE.search(before) and re.search(
        r"positive for|mutated|mutant|activating|sensiti|amplified|overexpress|harbo", before
    ):
        return "positive", m.end
    return None, m.end


def read_biomarkers(
    low: str, s: int, e: int, found: TextMentions, terms: Terms, inclusion: bool
) -> list[Found]:
    busy = [(d.start, d.end) for d in within(found.drugs, s, e) + within(found.classes, s, e)]
    mentions = [m for m in within(found.biomarkers, s, e) if not any(a <= m.start < b for a, b in busy)]
    mentions = [
        m
        for m in mentions
        if not _NOT_A_MARKER.match(low, m.end, min(e, m.end + 30))
        and not re.search(r"\banti-?\s*$", low[max(s, m.start - 6) : m.start])
    ]
    out: list[Found] = []
    statuses: list[tuple[str | None, int]] = [_status_of(low, m, e) for m in mentions]
    # "ER and/or PR positive": a listed marker without its own status takes the next one's.
    for i in range(len(mentions) - 2, -1, -1):
        if (
            statuses[i][0] is None
            and statuses[i + 1][0] is not None
            and _LIST_BETWEEN.match(low[mentions[i].end : mentions[i + 1].start])
        ):
            statuses[i] = (statuses[i + 1][0], mentions[i].end)
    for m, (status, _after) in zip(mentions, statuses, strict=True):
        if excepted(low, s, m.start):
            continue
        fields: dict[str, Any] = {"gene": m.id}
        v = _VALUE.match(low, m.end, min(e, m.end + 60))
        if v is not None:
            op = op_of(v.group("op"))
            value = number(v.group("v"))
            fields["value_min" if op in ("ge", "gt") else "value_max"] = value
            if v.group("unit"):
                fields["unit"] = re.sub(r"\s+", "", v.group("unit")).replace("percent", "%")
            if op in ("ge", "gt"):
                status = status or "positive"
        alts = [a for a in _ALTERATION.finditer(low, m.end, min(e, m.end + 60))]
        alts = [a for a in alts if _alteration_near(low, m.end, a)]
        if status is None and not alts and v is None:
            continue
        fields["biomarker_status"] = status or "positive"
        specific = [
            a.group() for a in alts if not re.fullmatch(r"amplification|amplified|overexpression", a.group())
        ]
        if specific:
            for a in specific:
                out.append(Found("biomarker", m.start, m.end, {**fields, "alteration": _clean_alt(a)}))
        else:
            if alts:
                fields["alteration"] = _clean_alt(alts[0].group())
            out.append(Found("biomarker", m.start, m.end, fields))
    hr = _HR.search(low, s, e)
    if hr is not None and terms.er and terms.pr:
        status = "negative" if hr.group("s") in ("-", "negative") else "positive"
        for gene in (terms.er, terms.pr):
            out.append(Found("biomarker", hr.start(), hr.end(), {"gene": gene, "biomarker_status": status}))
    tn = _TRIPLE_NEG.search(low, s, e)
    if tn is not None:
        for gene in (terms.er, terms.pr, terms.her2):
            if gene and not any(f.fields.get("gene") == gene for f in out):
                out.append(
                    Found("biomarker", tn.start(), tn.end(), {"gene": gene, "biomarker_status": "negative"})
                )
    return out


def _alteration_near(low: str, start: int, a: re.Match[str]) -> bool:
    between = low[start : a.start()]
    return len(between) <= 40 and not re.search(r"[;.]|\b(?:and|with|who|which|that)\b", between)


def _clean_alt(text: str) -> str:
    t = re.sub(r"^p\.", "", text.strip())
    t = re.sub(r"\s+", " ", t)
    if re.fullmatch(r"[a-z]\d+\w*", t):
        return t.upper().replace("DEL", "del").replace("INS", "ins").replace("FS", "fs")
    return {
        "amplified": "amplification",
        "rearranged": "rearrangement",
        "fusions": "fusion",
        "rearrangements": "rearrangement",
        "co-deletion": "codeletion",
    }.get(t, t)


def or_joined(low: str, a: Found, b: Found) -> bool:
    """Two criteria stated as alternatives ('ER+ and/or PR+', 'exon 19 deletion or L858R')."""
    between = low[a.end : b.start] if a.end <= b.start else ""
    if a.start == b.start:
        # "HR-positive" is ER or PR; "triple-negative" is all three negative, not one of them.
        return _TRIPLE_NEG.fullmatch(low, a.start, a.end) is None
    if (
        "/" in between
        and not re.search(r"\bor\b", between)
        and a.fields.get("biomarker_status") != b.fields.get("biomarker_status")
    ):
        return False  # "HR+/HER2-": both, each with its own status
    return bool(_OR_BETWEEN.match(re.sub(r"\(.*?\)", "", between))) or bool(
        re.match(r"^\s*(?:\+|-|positive|negative|mutation|mutated)?\s*(?:and/or|or)\s", between)
    )


# --- therapies -------------------------------------------------------------------------------

_PRIOR = re.compile(
    r"\b(?:prior(?! to)|previous(?:ly)?|received|receiving prior|receipt of|treated with|(?:pre"
    r"|previously)-?treated"
    r"|exposure to|exposed to|refractory|resistant|progress\w* (?:on|after|following|during|while|through)"
    r"|fail\w*|relapsed|relapse after|after|following|history of|had|underwent|undergone|naive|na[iï]ve"
    r"|untreated|intolerant|intolerance|completed|last dose|treatment with|therapy with"
    r"|at least one|one or more"
    r"|lines? of)\b"
)
_CURRENT_ONLY = re.compile(
    r"\b(?:currently (?:receiving|taking|on)|concurrent\w*|concomitant\w*|ongoing|receiving|planned|scheduled"
    r"|candidates? for|eligible for|will receive|to receive|willing to|able to (?:receive|undergo|tolerate)"
    r"|suitable for|indicated for|fit for|planning|intend\w* to|require\w*)\b"
)
_NAIVE = re.compile(
    r"\b(?:treatment[- ]na[iï]ve|therapy[- ]na[iï]ve|chemo(?:therapy)?[- ]na[iï]ve|na[iï]ve to|untreated"
    r"|previously untreated|not (?:been )?(?:previously )?treated|no prior (?:systemic "
    r"|anti-?cancer )?(?:therapy|treatment)"
    r"|not (?:yet )?(?:been )?received (?:any )?(?:(?:prior|previous|specific|systemic|anti-?cancer)\s+)*"
    r"(?:therapy|treatment))\b"
)
# Wording that says the person has been treated for the cancer before without naming the treatment:
# any anticancer treatment is meant. Group `any` also holds as an exclusion ("previous treatment of
# prostate cancer"); group `course` (relapsed, refractory, progressed on) only as a requirement.
_COURSE_TAIL = (
    r" (?:(?:standard|prior|previous|conventional|available|first[- ]line|at least|one|all|established"
    r"|initial)"
    r"(?:\s+[\w-]+){0,3}?\s+(?:therap(?:y|ies)|treatments?|regimens?|lines?|chemotherapy))"
)
_TREATED = re.compile(
    r"\b(?:(?P<any>previously[- ]treated|(?:heavily[- ])?pre-?treated"
    r"|(?P<of>(?:previous|prior) (?:treatment|therapy) (?:of|for))"
    r"|(?:active |prior |previous )?(?:cancer|tumou?r|oncologic(?:al)?|anti-?(?:myeloma|lymphoma|leuka?emia))"
    r"[- ](?:treatments?|therap(?:y|ies)|directed therapy)"
    r"|treatment for (?:the |their |this )?(?:cancer|malignan\w*|neoplas\w*))"
    r"|(?P<course>relapsed(?:\s*/\s*|\s+(?:and/or|or|and)\s+)refractory|refractory(?:\s*/\s*|\s+(?:and/or|or)\s+)"
    r"relapsed|r/r"
    r"|(?:refractory|resistant|intolerant)(?: to| of)?"
    r"(?: or (?:refractory|resistant|intolerant)(?: to| of)?)?"
    + _COURSE_TAIL
    + r"|(?:progress\w*|relapsed|recurr\w*) (?:on|after|following|during|despite)"
    + _COURSE_TAIL
    + r"))\b"
)
_CANCER_HEAD = re.compile(
    r"\b(?:cancers?|carcinomas?|malignan\w*|neoplas\w*|tumou?rs?|disease|lymphomas?|leuka?emias?|myelomas?"
    r"|sarcomas?|melanomas?)\b"
)
# "previously treated brain metastases" is about the metastases, not the person's treatment so far.
_TREATED_NOT_PATIENT = re.compile(
    r"\s*,?\s*(?:(?:and\s+)?\w+\s+){0,2}?(?:(?:brain|cns|central nervous system|intracranial|spinal cord)\s+"
    r"(?:metasta\w*|mets|lesions?|disease)|metastas[ie]s|mets|lesions?|infections?|hepatitis|hiv|hbv|hcv"
    r"|tuberculosis|hypertension|diabetes|thyroid disease|hypothyroidism|depression)\b"
)
_PRIOR_WORD = re.compile(r"\b(?:prior|previous|received)\b")
_NAIVE_NOT_PATIENT = re.compile(
    r"\s*(?:\w+\s+){0,2}?(?:brain|cns|central nervous|metasta\w*|infections?|hypertension|depression|diabetes"
    r"|hiv|hepatitis|thyroid|dental|psychiatric|spinal cord)"
)
_SITE_AFTER = re.compile(
    r"\s*(?:to|of|on|in|at|for|involving)\s+(?:the\s+|a\s+|an\s+|any\s+)?(?!metasta|advanced|cancer"
    r"|malignan|disease|this|their|his|her)[a-z]"
)
_PLAIN_BEFORE = re.compile(
    r"(?:^|\b(?:prior|previous|previously|any|systemic|cytotoxic|anti-?cancer|adjuvant|neoadjuvant"
    r"|neo-?adjuvant"
    r"|palliative|standard|curative|definitive|major|concurrent|or|and|with|of|received|receive|had|undergone"
    r"|underwent|history of|no|not|without)\s*[,/]?\s*)$"
)
_NOT_THERAPY = re.compile(
    r"\b(?:allerg\w*|hypersensitiv\w*|contraindicat\w*"
    r"|intoleran\w* to (?:any )?(?:of )?the (?:study|excipient)"
    r"|excipients?|study drugs?|investigational|trial drug|known sensitivity|severe reaction"
    r"|infusion reactions?|reactions? to)\b"
)
_CONDITIONAL = re.compile(
    r"^\s*(?:patients?|subjects?|participants?|those|women|men|individuals)\s+(?:who|that|with)\b[^.;]*?"
    r"\b(?:must|should|are eligible|may|can|will be eligible|need|are allowed|is allowed)\b"
    r"|^\s*if\b|^\s*for (?:patients|subjects|those)"
)
_ALLOWED = re.compile(
    r"\b(?:allowed|permitted|acceptable|allowable|eligible|is ok|are ok|may have received|may be)\b"
)
_NOT_ALLOWED = re.compile(r"\b(?:not (?:be )?(?:allowed|permitted|eligible)|ineligible|excluded)\b")


def read_therapy(
    low: str,
    s: int,
    e: int,
    found: TextMentions,
    terms: Terms,
    inclusion: bool,
    window: int | None,
    oncology_text: bool = True,
) -> list[Found]:
    """Treatment received before (required or excluded). Outside cancer trials only named drugs
    count: 'history of operation' there is not about cancer treatment."""
    sentence = low[s:e]
    drugs: list[str] = []
    classes: list[str] = []
    modalities: list[str] = []
    first: tuple[int, int] | None = None
    for m in within(found.drugs, s, e):
        if excepted(low, s, m.start):
            continue
        ids = terms.regimen_drugs.get(m.id, [m.id]) if m.kind == "regimen" else [m.id]
        drugs.extend(i for i in ids if i not in drugs)
        first = first or (m.start, m.end)
    for c in within(found.classes, s, e):
        if excepted(low, s, c.start):
            continue
        if c.id not in classes:
            classes.append(c.id)
        first = first or (c.start, c.end)
    for m in _MODALITY_RE.finditer(low, s, e):
        if excepted(low, s, m.start()):
            continue
        if not _plain_modality(low, s, m):
            continue  # "pelvic irradiation", "radiotherapy to the same region": a site we cannot check
        kinds = [_MODALITIES[i][0] for i in range(len(_MODALITIES)) if m.group(f"m{i}")]
        if m.group().startswith(("chemoradi", "radiochemo")):
            kinds = ["chemotherapy", "radiation"]
        modalities.extend(k for k in kinds if k not in modalities)
        first = first or (m.start(), m.end())
    naive = _NAIVE.search(low, s, e) if inclusion else None
    if naive is not None and _NAIVE_NOT_PATIENT.match(low, naive.end(), min(e, naive.end() + 40)):
        naive = None
    if naive is not None and not modalities and not drugs and not classes:
        modalities = ["systemic_therapy"] if "chemo" not in naive.group() else ["chemotherapy"]
        first = (naive.start(), naive.end())
    if first is None and naive is None and oncology_text:
        treated = _treated_any(low, s, e, found, inclusion)
        if treated is not None:
            first = treated  # no drug, class or modality named: any anticancer treatment
    if first is None or _NOT_THERAPY.search(sentence):
        return []
    if not oncology_text and not drugs and not classes:
        return []
    prior = _PRIOR.search(sentence)
    if naive is not None:
        return [
            Found(
                "prior_therapy",
                first[0],
                first[1],
                _therapy_fields(drugs, classes, modalities, window),
                polarity=False,
                negatable=False,
            )
        ]
    current_only = _CURRENT_ONLY.search(sentence) and not _PRIOR_WORD.search(sentence)
    if (prior is None or current_only) and (window is None or inclusion):
        return []  # a wash-out among exclusions needs no 'prior': "chemotherapy within 4 weeks"
    if inclusion and _CONDITIONAL.search(sentence):
        return []
    polarity: bool | None = None
    if _NOT_ALLOWED.search(sentence):
        polarity = False
    elif _ALLOWED.search(sentence):
        return []  # "prior chemotherapy is allowed": permitted, not required
    return [
        Found(
            "prior_therapy",
            first[0],
            first[1],
            _therapy_fields(drugs, classes, modalities, window),
            polarity=polarity,
        )
    ]


def _treated_any(low: str, s: int, e: int, found: TextMentions, inclusion: bool) -> tuple[int, int] | None:
    """Where the sentence says the person was treated for the cancer before, naming no treatment
    at all ('previously treated CRC', 'relapsed/refractory myeloma'); None otherwise. A sentence
    naming a treatment we could not read ('treated with pelvic radiotherapy') is left alone."""
    if _MODALITY_RE.search(low, s, e) or re.search(r"\b(?:surg|radi|irradiat|transplant|resect)", low[s:e]):
        return None
    about_cancer = bool(within(found.cancers, s, e) or ONCOLOGY.search(low, s, e))
    for m in _TREATED.finditer(low, s, e):
        if m.group("course") and not inclusion:
            continue  # "relapsed disease" among exclusions: first-line trials, not a treatment rule
        if not about_cancer and not (m.group("course") and re.search(r"therap|treatment|regimen", m.group())):
            continue
        if excepted(low, s, m.start()) or _TREATED_NOT_PATIENT.match(low, m.end(), min(e, m.end() + 40)):
            continue
        if re.match(r"\s+(?:with|by|using)\b", low[m.end() : m.end() + 8]):
            continue  # "previously treated with <something we do not know>"
        if m.group("of") and not (
            _CANCER_HEAD.search(low, m.end(), min(e, m.end() + 45))
            or any(m.end() <= c.start < m.end() + 45 for c in within(found.cancers, s, e))
        ):
            continue  # "prior treatment for pain"
        return m.start(), m.end()
    return None


def _plain_modality(low: str, s: int, m: re.Match[str]) -> bool:
    """Surgery and radiation named without a body site ('prior radiotherapy', not 'abdominal surgery')."""
    word = m.group()
    if not re.match(r"surg|radi|irradiat|resection|operation|\w+ectomy|brachy|sbrt|srs", word):
        return True
    if re.fullmatch(r"\w+ectomy", word):
        return False
    before = low[max(s, m.start() - 30) : m.start()]
    last_words = re.search(r"(?:[\w-]+[\s,/]*){0,1}$", before)
    if last_words is not None and last_words.group().strip() and not _PLAIN_BEFORE.search(before):
        return False
    return _SITE_AFTER.match(low, m.end(), m.end() + 40) is None


def _therapy_fields(
    drugs: list[str], classes: list[str], modalities: list[str], window: int | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "therapy_drugs": drugs,
        "therapy_classes": classes,
        "therapy_modalities": modalities,
    }
    if window is not None:
        fields["within_days"] = window
    return fields
