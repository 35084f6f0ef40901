"""The cancer itself: which type (knowledge-base id), where it started, histology, grade, stage,
TNM, setting, spread, recurrence, side, and disease-specific scores.

The type comes from the knowledge base's names (longest, most specific match). A cancer word the
knowledge base does not know ('appendix goblet cell adenocarcinoma') still makes a cancer, with
no type but its histology and site. Cancers named as a relative's, negated or hypothetical do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from secondopinion.case import TNM, Cancer, FamilyHistory, Provenance
from secondopinion.intake import text_patterns as pat
from secondopinion.intake.text_pipeline import Assertion
from secondopinion.intake.text_spans import TextContext
from secondopinion.intake.text_vocab import Mention, Vocabulary, vocabulary
from secondopinion.knowledge.schema import KnowledgeBase

CANCER_WORD = re.compile(
    r"\b(?:cancers?|carcinomas?|adenocarcinomas?|\w*sarcomas?|melanomas?|lymphomas?|leuka?emias?|"
    r"myelomas?|mesotheliomas?|gliomas?|glioblastomas?|astrocytomas?|oligodendrogliomas?|ependymomas?|"
    r"\w+blastomas?|seminomas?|carcinoids?|cholangiocarcinomas?|malignan(?:cy|cies)|"
    r"neuroendocrine\s+(?:tumou?rs?|neoplasms?|carcinomas?)|germ[\s-]cell\s+tumou?rs?|"
    r"malignant\s+(?:tumou?rs?|neoplasms?|\w+omas?)|myelodysplastic\s+syndromes?|thymomas?|chordomas?|"
    r"metastatic\s+disease)\b"
)
_NOT_CANCER_AFTER = re.compile(
    r"\s*(?:center|centre|centers|centres|clinic|institute|society|screening|survivor|support|"
    r"foundation|specialist|care\s+team|doctor|surgeon|nurse|research|risk|gene|genes|predisposition|"
    r"syndrome|free|-free)\b"
)
_SITES: dict[str, str] = {
    "lung": "lung",
    "lungs": "lung",
    "pulmonary": "lung",
    "bronchus": "lung",
    "bronchial": "lung",
    "upper lobe": "lung",
    "lower lobe": "lung",
    "middle lobe": "lung",
    "breast": "breast",
    "mammary": "breast",
    "colon": "colon",
    "colonic": "colon",
    "sigmoid": "colon",
    "cecum": "colon",
    "caecum": "colon",
    "rectum": "rectum",
    "rectal": "rectum",
    "appendix": "appendix",
    "appendiceal": "appendix",
    "pancreas": "pancreas",
    "pancreatic": "pancreas",
    "stomach": "stomach",
    "gastric": "stomach",
    "esophagus": "esophagus",
    "oesophagus": "esophagus",
    "esophageal": "esophagus",
    "oesophageal": "esophagus",
    "liver": "liver",
    "hepatic": "liver",
    "bile duct": "bile duct",
    "gallbladder": "gallbladder",
    "kidney": "kidney",
    "renal": "kidney",
    "bladder": "bladder",
    "prostate": "prostate",
    "prostatic": "prostate",
    "ovary": "ovary",
    "ovarian": "ovary",
    "ovaries": "ovary",
    "uterus": "uterus",
    "uterine": "uterus",
    "endometrium": "endometrium",
    "endometrial": "endometrium",
    "cervix": "cervix",
    "cervical": "cervix",
    "vulva": "vulva",
    "vulvar": "vulva",
    "vagina": "vagina",
    "vaginal": "vagina",
    "skin": "skin",
    "cutaneous": "skin",
    "brain": "brain",
    "thyroid": "thyroid",
    "tongue": "tongue",
    "tonsil": "tonsil",
    "larynx": "larynx",
    "laryngeal": "larynx",
    "pharynx": "pharynx",
    "nasopharynx": "nasopharynx",
    "nasopharyngeal": "nasopharynx",
    "bone": "bone",
    "testis": "testis",
    "testicle": "testis",
    "testicular": "testis",
    "penis": "penis",
    "penile": "penis",
    "anus": "anus",
    "anal": "anus",
    "small bowel": "small intestine",
    "small intestine": "small intestine",
    "duodenum": "duodenum",
    "duodenal": "duodenum",
    "adrenal": "adrenal gland",
    "thymus": "thymus",
    "eye": "eye",
    "ocular": "eye",
    "parotid": "parotid gland",
    "salivary gland": "salivary gland",
    "peritoneum": "peritoneum",
    "peritoneal": "peritoneum",
    "pleura": "pleura",
    "pleural": "pleura",
    "ureter": "ureter",
    "urethra": "urethra",
    "head and neck": "head and neck",
    "oral": "oral cavity",
    "mouth": "oral cavity",
    "throat": "throat",
    "bowel": "bowel",
    "intestine": "intestine",
}
_PROCEDURE_SITES = {
    "lobectomy": "lung",
    "pneumonectomy": "lung",
    "segmentectomy": "lung",
    "upper lobe": "lung",
    "lower lobe": "lung",
    "middle lobe": "lung",
    "mastectomy": "breast",
    "lumpectomy": "breast",
    "hemicolectomy": "colon",
    "colectomy": "colon",
    "prostatectomy": "prostate",
    "whipple": "pancreas",
    "pancreaticoduodenectomy": "pancreas",
    "gastrectomy": "stomach",
    "nephrectomy": "kidney",
    "cystectomy": "bladder",
    "esophagectomy": "esophagus",
    "oesophagectomy": "esophagus",
    "thyroidectomy": "thyroid",
}
_PROCEDURE_SITE_RE = re.compile(
    r"\b(?:" + "|".join(_PROCEDURE_SITES) + r")\b|(?<![\w-])(?:rul|rml|rll|lul|lll)(?![\w-])"
)
_SITE_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _SITES), key=len, reverse=True)) + r")\b")
_HIST_MOD = (
    r"(?:invasive|infiltrating|micropapillary|ductal|lobular|serous|clear[\s-]cell|mucinous|"
    r"signet[\s-]ring(?:[\s-]cell)?|endometrioid|papillary|follicular|medullary|anaplastic|"
    r"squamous(?:[\s-]cell)?|small[\s-]cell|large[\s-]cell|adenosquamous|sarcomatoid|urothelial|"
    r"transitional[\s-]cell|neuroendocrine|goblet[\s-]cell|acinar|basal[\s-]cell|merkel[\s-]cell|"
    r"hepatocellular|renal[\s-]cell|chromophobe|spindle[\s-]cell|pleomorphic|tubular|cribriform|"
    r"high[\s-]grade|low[\s-]grade|germ[\s-]cell|epithelioid|biphasic|dedifferentiated|myxoid|"
    r"nodular|superficial[\s-]spreading|acral(?:[\s-]lentiginous)?|desmoplastic|adenoid[\s-]cystic|"
    r"poorly[\s-]cohesive|intestinal[\s-]type|diffuse[\s-]type|in[\s-]situ)"
)
_HIST_CORE = (
    r"(?:adenocarcinoma|carcinoma|\w*sarcoma|melanoma|mesothelioma|carcinoid|cholangiocarcinoma|"
    r"seminoma|\w+blastoma|glioma|astrocytoma|oligodendroglioma|ependymoma|neuroendocrine\s+tumou?r|"
    r"germ\s+cell\s+tumou?r)"
)
HISTOLOGY = re.compile(
    r"(?<!non-)(?<!non\s)\b(?P<mods>(?:" + _HIST_MOD + r"[\s-]+){0,4})(?P<core>" + _HIST_CORE + r")\b"
    r"(?:\s+in\s+situ)?"
    r"|(?<!non-)(?<!non\s)\b(?P<only>(?:" + _HIST_MOD + r")(?:[\s-]+" + _HIST_MOD + r"){0,3})\b"
)
_HIST_ABBR = {
    "IDC": "invasive ductal carcinoma",
    "ILC": "invasive lobular carcinoma",
    "DCIS": "ductal carcinoma in situ",
    "LCIS": "lobular carcinoma in situ",
    "SCC": "squamous cell carcinoma",
    "NSCLC": None,
    "ADC": "adenocarcinoma",
}
_HIST_ABBR_RE = re.compile(r"(?<![\w-])(?:IDC|ILC|DCIS|LCIS|SCC|ADC)(?![\w-])")
_GRADE_ONLY = re.compile(r"^(?:(?:high|low)[\s-]grade|invasive|infiltrating|in[\s-]situ|nodular)$")

SETTING = re.compile(
    r"\b(?P<la>locally[\s-]advanced)\b|\b(?P<nonmet>non-?metastatic)\b"
    r"|\b(?P<met>metastatic|metastasi[sz]ed|widespread|disseminated|distant\s+(?:spread|metastas[ie]s|disease))\b"
    r"|\b(?P<adv>advanced)\b|\b(?P<loc>early[\s-]stage|locali[sz]ed|confined\s+to\s+the\s+\w+|organ[\s-]confined)\b"
)
_SETTING_NEG = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnon|\bnegative\s+for|\bfree\s+of|\bany)\s+(?:\w+\s+){0,2}$"
)
_ADVANCED_NOT = re.compile(
    r"\s*(?:age|directives?|practice|care\s+plan|imaging|degrees?|training|"
    r"registered|nurse|cardiac|heart|kidney)"
)
RECURRENCE = re.compile(
    r"\b(?:recurren(?:ce|t)|relapse[sd]?|relapsing|recurred|regrowth)\b"
    r"|\b(?:cancer|tumou?r|disease|lymphoma|myeloma|melanoma|carcinoma|it)\s+(?:has\s+|had\s+|have\s+)?"
    r"(?:came|come|comes|coming)\s+back\b(?!\s+(?:positive|negative|normal|clear|fine|benign|showing|with|as))"
    r"|\b(?:cancer|tumou?r|disease|lymphoma|it)\s+(?:has\s+|had\s+)?returned\b"
)
_RECURRENCE_NOT = re.compile(
    r"(?:risk|chance|chances|odds|prevent|preventing|reduce|reducing|lower|lowering|decrease|"
    r"likelihood|rate|probability|if|case|fear|afraid|worried|whether|avoid|stop|minimi[sz]e|"
    r"\bno|\bnot|\bwithout|free|against)\b[^.;]{0,25}$"
)
LATERALITY = re.compile(
    r"\b(?P<side>left|right)[\s-](?:sided\b|(?:upper|lower|middle)\s+lobe|(?:breast|lung|kidney|ovary|"
    r"colon|hemicolectomy|adrenal|testis|testicle|eye|thigh|leg|arm|neck|tonsil|parotid|hemisphere|"
    r"frontal|temporal|parietal|occipital|axilla|chest|side|foot|hand|shoulder|cheek|ear|tongue)\b)"
    r"|\b(?P<bilateral>bilateral)\s+(?:breast|lung|kidney|ovar\w+)\b"
    r"|\b(?P<leftcolon>sigmoid|descending\s+colon|rectosigmoid|splenic\s+flexure)\b"
    r"|\b(?P<rightcolon>ascending\s+colon|cecum|caecum|cecal|caecal|hepatic\s+flexure|right\s+colon)\b"
)
_LOBE = re.compile(r"(?<![\w-])(?P<l>RUL|RML|RLL|LUL|LLL)(?![\w-])")
_MET_SITES: dict[str, str] = {
    "liver": "liver",
    "hepatic": "liver",
    "lung": "lung",
    "lungs": "lung",
    "pulmonary": "lung",
    "bone": "bone",
    "bones": "bone",
    "osseous": "bone",
    "skeletal": "bone",
    "bony": "bone",
    "spine": "bone",
    "spinal": "bone",
    "vertebrae": "bone",
    "vertebra": "bone",
    "ribs": "bone",
    "rib": "bone",
    "pelvis": "bone",
    "hip": "bone",
    "hips": "bone",
    "brain": "brain",
    "cerebral": "brain",
    "intracranial": "brain",
    "adrenal": "adrenal",
    "adrenals": "adrenal",
    "adrenal gland": "adrenal",
    "adrenal glands": "adrenal",
    "peritoneum": "peritoneum",
    "peritoneal": "peritoneum",
    "omentum": "peritoneum",
    "omental": "peritoneum",
    "pleura": "pleura",
    "pleural": "pleura",
    "skin": "skin",
    "cutaneous": "skin",
    "leptomeningeal": "leptomeninges",
    "leptomeninges": "leptomeninges",
    "meninges": "leptomeninges",
    "ovary": "ovary",
    "ovaries": "ovary",
    "spleen": "spleen",
    "pericardium": "pericardium",
    "pericardial": "pericardium",
    "soft tissue": "soft tissue",
    "distant lymph nodes": "distant lymph nodes",
    "distant nodes": "distant lymph nodes",
    "parotid": "parotid gland",
    "parotid gland": "parotid gland",
    "chest wall": "chest wall",
    "abdominal wall": "abdominal wall",
}
_MET_SITE = r"(?:" + "|".join(sorted(map(re.escape, _MET_SITES), key=len, reverse=True)) + r")"
_DET = r"(?:the\s+|my\s+|her\s+|his\s+|both\s+|multiple\s+|several\s+|other\s+|opposite\s+|left\s+|right\s+)*"
_NODES = r"(?:(?:[\w-]+\s+){0,2}(?:lymph\s+)?nodes?)"
_ITEM = _DET + r"(?:" + _MET_SITE + r"|" + _NODES + r")"
_SITE_LIST = _ITEM + r"(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*,\s*and\s+|\s*/\s*)" + _ITEM + r")*"
METS_TO = re.compile(
    r"\b(?:spread|spreading|metastasi[sz]ed|metastatic|mets|metastases|metastasis|deposits|"
    r"gone|moved|travel+ed|spots?|lesions?|nodules?|tumou?rs|cancer|carcinoma|disease)\s+(?:[\w-]+\s+){0,6}?"
    r"(?:to|in|into|involving|within|throughout)\s+(?P<sites>" + _SITE_LIST + r")\b"
)
METS_PAREN = re.compile(
    r"\b(?:metastatic|metastases|stage\s+iv\w*)\b[^()]{0,60}?\(\s*(?P<sites>" + _SITE_LIST + r")\s*\)"
)
METS_OF = re.compile(
    r"\b(?P<sites>"
    + _SITE_LIST
    + r")\s+(?:mets|metastases|metastasis|metastatic\s+(?:disease|lesions?|deposits?)|"
    r"deposits|secondaries|involvement\s+by\s+(?:the\s+)?cancer)\b"
)
_METS_NOT = re.compile(
    r"(?:\bno|\bnot|\bwithout|\bnegative\s+for|\bfree\s+of|\brule\s+out|\br/o|\bpossible|\bsuspicious|"
    r"\bindeterminate|\bconcern(?:ing)?\s+for|\bquestionable|\bequivocal|\bprobable|\bmay|\bmight|"
    r"\bcould|\bif|\bwhether|\bprevent|\brisk|\bchance|\bevaluate|\bexclude|\bany|\bnor)\b[^.;]{0,30}$"
)
_HISTORICAL = re.compile(
    r"\b(?:history\s+of|previous|prior|past|former|in\s+remission|survivor|years\s+ago|"
    r"treated\s+for|had\s+(?:a\s+)?(?:\w+\s+)?(?:cancer|carcinoma)\s+in\s+(?:19|20)\d\d)\b"
)


@dataclass
class _Found:
    id: str | None  # knowledge-base cancer id, or None for a type the knowledge base lacks
    start: int
    end: int
    text: str
    site: str | None = None
    historical: bool = False


@dataclass
class _Build:
    type: str | None
    mentions: list[_Found] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    scores: dict[str, float | str] = field(default_factory=dict)
    tnm: dict[str, str] = field(default_factory=dict)
    sites: list[str] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)


def generic_mentions(ctx: TextContext, vocab: Vocabulary, known: list[Mention]) -> list[Mention]:
    """Cancer words outside the knowledge-base names ('adenocarcinoma', 'cancer of the lung'),
    resolved to a knowledge-base type through a site when one is named next to them."""
    low = ctx.low
    taken = [(m.start, m.end) for m in known]
    out: list[Mention] = []
    for m in CANCER_WORD.finditer(low):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        if _NOT_CANCER_AFTER.match(low, m.end()):
            continue
        noun = re.sub(r"s$", "", m.group()) if not m.group().endswith(("cies", "sis")) else m.group()
        site, s_start, s_end = _site_near(low, m.start(), m.end())
        resolved = None
        start, end = m.start(), m.end()
        if site:
            for phrase in (
                f"{site} {noun}",
                f"{site} cancer",
                f"{site} carcinoma",
                f"{_SITES.get(site, site)} {noun}",
                f"{_SITES.get(site, site)} cancer",
            ):
                resolved = vocab.lookup("cancer", phrase)
                if resolved:
                    start, end = min(start, s_start), max(end, s_end)
                    break
        if not resolved and not site:
            resolved = _from_sentence(ctx, vocab, noun, m.start())
        out.append(Mention("cancer", resolved or "", start, end, low[start:end]))
    return out


def _from_sentence(ctx: TextContext, vocab: Vocabulary, noun: str, pos: int) -> str | None:
    """'right upper lobectomy for adenocarcinoma': a procedure or lobe in the sentence names the organ."""
    s, e = ctx.sentence_of(pos)
    for m in _PROCEDURE_SITE_RE.finditer(ctx.low, s, e):
        site = _PROCEDURE_SITES.get(m.group(), "lung")
        for phrase in (f"{site} {noun}", f"{site} cancer"):
            found = vocab.lookup("cancer", phrase)
            if found:
                return found
    return None


def _site_near(low: str, start: int, end: int) -> tuple[str | None, int, int]:
    """A site word just before the cancer word ('lung adenocarcinoma', 'appendix goblet cell
    adenocarcinoma') or after it ('cancer of the lung', 'adenocarcinoma in the right upper lobe')."""
    before = low[max(0, start - 40) : start]
    m = next(reversed(list(_SITE_RE.finditer(before))), None)
    if (
        m is not None
        and re.fullmatch(r"[\s,-]*(?:" + _HIST_MOD + r"[\s-]*|[a-z]+[\s-]+){0,3}", before[m.end() :])
        and not re.search(r"\b(?:to|in|into|of)\s+(?:the\s+|my\s+)?$", before[: m.start()])
    ):
        return m.group(), start - len(before) + m.start(), start - len(before) + m.end()
    after = re.match(
        r"\s+(?:of|in|involving|arising\s+(?:in|from)|from)\s+(?P<words>(?:[a-z]+\s+){0,5}[a-z]+)",
        low[end : end + 60],
    )
    if after and not re.search(r"\bmetasta\w*\s*$", low[max(0, start - 15) : start]):
        words = after.group("words")
        for w in _SITE_RE.finditer(words):
            s = end + after.start("words") + w.start()
            return w.group(), s, s + len(w.group())
    return None, start, end


def histologies(ctx: TextContext) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for m in HISTOLOGY.finditer(ctx.low):
        text = re.sub(r"\s+", " ", m.group()).strip(" -")
        text = re.sub(r"\b(?:well|moderately|poorly)[\s-]differentiated\s*", "", text).strip()
        if not text or _GRADE_ONLY.match(text):
            continue
        if m.group("only") and not re.match(
            r"\s+(?:\w+\s+){0,2}(?:cancer|carcinoma|tumou?r|" + _HIST_CORE + r"|" + "|".join(_SITES) + r")",
            ctx.low[m.end() :],
        ):
            continue
        out.append((text, m.start(), m.end()))
    for m in _HIST_ABBR_RE.finditer(ctx.norm):
        value = _HIST_ABBR.get(m.group())
        if value:
            out.append((value, m.start(), m.end()))
    return sorted(out, key=lambda h: h[1])


def _attach(ctx: TextContext, builds: list[_Build], pos: int) -> _Build | None:
    """The cancer a fact at pos belongs to: the one named in the same sentence, else the primary."""
    if not builds:
        return None
    s, e = ctx.sentence_of(pos)
    near = [(abs(f.start - pos), b) for b in builds for f in b.mentions if s <= f.start < e]
    if near:
        return min(near, key=lambda x: x[0])[1]
    return builds[0]


def build(
    ctx: TextContext, kb: KnowledgeBase, mentions: list[Mention], assertions: dict[tuple[int, int], Assertion]
) -> tuple[list[Cancer], list[FamilyHistory]]:
    low = ctx.low
    found: list[_Found] = []
    family: list[FamilyHistory] = []
    for m in mentions:
        a = assertions.get((m.start, m.end), Assertion())
        if a.family or (ctx.is_excluded(m.start, m.end) and not a.other_person):
            family.extend(_family(ctx, m, a))
            continue
        if a.other_person or a.negated or a.hypothetical:
            continue
        before = low[max(0, ctx.sentence_of(m.start)[0], m.start - 60) : m.start]
        historical = a.historical or _HISTORICAL.search(before + low[m.start : m.end + 25]) is not None
        site = None
        if not m.id:
            site, _, _ = _site_near(low, m.start, m.end)
        found.append(_Found(m.id or None, m.start, m.end, ctx.text[m.start : m.end], site, historical))
    builds = _group(found, kb)
    if not builds:
        return [], family
    _fill(ctx, kb, builds)
    cancers = []
    for b in builds:
        category = kb.cancers[b.type].category if b.type in kb.cancers else "solid"
        setting = b.fields.get("setting") or _derive_setting(b, category)
        if category in ("lymphoma", "myeloma", "leukemia") and setting == "metastatic":
            setting = None
        cancers.append(
            Cancer(
                type=b.type,
                primary_site=b.fields.get("primary_site"),  # type: ignore[arg-type]
                histology=b.fields.get("histology"),  # type: ignore[arg-type]
                grade=b.fields.get("grade"),  # type: ignore[arg-type]
                stage_group=b.fields.get("stage_group"),  # type: ignore[arg-type]
                tnm=TNM(**b.tnm),
                setting=setting,  # type: ignore[arg-type]
                recurrent=b.fields.get("recurrent"),  # type: ignore[arg-type]
                laterality=b.fields.get("laterality"),  # type: ignore[arg-type]
                metastatic_sites=b.sites if category not in ("lymphoma", "myeloma", "leukemia") else [],
                scores=b.scores,
                risk_group=b.fields.get("risk_group"),  # type: ignore[arg-type]
                provenance=b.provenance,
            )
        )
    return cancers, family


def _ancestors(kb: KnowledgeBase, cid: str) -> set[str]:
    out: set[str] = set()
    cur = kb.cancers.get(cid)
    while cur is not None and cur.parent and cur.parent not in out:
        out.add(cur.parent)
        cur = kb.cancers.get(cur.parent)
    return out


def _group(found: list[_Found], kb: KnowledgeBase) -> list[_Build]:
    typed = [f for f in found if f.id]
    if not typed:
        unknown = [f for f in found if not f.id]
        if not unknown:
            return []
        best = next((f for f in unknown if not f.historical), unknown[0])
        b = _Build(None, mentions=unknown)
        if best.site:
            b.fields["primary_site"] = _SITES.get(best.site, best.site)
        return [b]
    ids = list(dict.fromkeys(f.id for f in typed if f.id))
    keep = [i for i in ids if not any(i in _ancestors(kb, j) for j in ids if j != i)]
    builds: dict[str, _Build] = {i: _Build(i) for i in keep}
    for f in typed:
        assert f.id is not None
        target = f.id if f.id in builds else next((j for j in keep if f.id in _ancestors(kb, j)), keep[0])
        builds[target].mentions.append(f)
    ordered = sorted(
        builds.values(),
        key=lambda b: (all(f.historical for f in b.mentions), min(f.start for f in b.mentions)),
    )
    return ordered


def _fill(ctx: TextContext, kb: KnowledgeBase, builds: list[_Build]) -> None:
    low, norm = ctx.low, ctx.norm
    for b in builds:
        for f in b.mentions:
            b.provenance.append(ctx.prov(f.start, f.end))

    def put(key: str, value: object, start: int, end: int, refine: bool = False) -> None:
        if ctx.is_excluded(start, end):
            return
        b = _attach(ctx, builds, start)
        if b is None:
            return
        old = b.fields.get(key)
        if old is None or (
            refine
            and isinstance(old, str)
            and isinstance(value, str)
            and value.startswith(old)
            and value != old
        ):
            b.fields[key] = value
            b.provenance.append(ctx.prov(start, end))

    def score(key: str, value: float | str, start: int, end: int) -> None:
        if ctx.is_excluded(start, end):
            return
        b = _attach(ctx, builds, start)
        if b is not None and key not in b.scores:
            b.scores[key] = value
            b.provenance.append(ctx.prov(start, end))

    for text, start, end in histologies(ctx):
        put("histology", text, start, end)
    for h in pat.grades(norm, low):
        put("grade", h.value, h.start, h.end)
    for h in pat.stages(low):
        put("stage_group", h.value, h.start, h.end, refine=True)
    for h in pat.figo(low):
        score("figo", h.value, h.start, h.end)
        put("stage_group", h.value, h.start, h.end, refine=True)
    for h in pat.tnm(norm):
        if ctx.is_excluded(h.start, h.end):
            continue
        b = _attach(ctx, builds, h.start)
        if b is not None and h.key not in b.tnm:
            b.tnm[h.key] = str(h.value)
            b.provenance.append(ctx.prov(h.start, h.end))
    for h in [*pat.scores(low), *pat.sizes(low)]:
        score(h.key, h.value, h.start, h.end)
    for h in pat.nodes(low):
        score(h.key, h.value, h.start, h.end)
    for h in pat.risk_groups(low):
        put("risk_group", h.value, h.start, h.end)
    for h in pat.extents(low):
        score("extent", h.value, h.start, h.end)
        if h.value == "extensive":
            put("setting", "metastatic", h.start, h.end)
    _serum(ctx, kb, score)
    for b in builds:
        if re.search(r"in[\s-]situ", str(b.fields.get("histology") or "")):
            b.tnm.setdefault("t", "Tis")  # carcinoma in situ is Tis, stage 0, by definition
            b.fields.setdefault("stage_group", "0")
    for b in builds:
        if b.scores.get("nodes_positive") == 0 and "n" not in b.tnm:
            b.tnm["n"] = "N0"
        if b.scores.get("node_status") == "negative" and "n" not in b.tnm:
            b.tnm["n"] = "N0"
    _setting(ctx, builds, put)
    for m in RECURRENCE.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        if _RECURRENCE_NOT.search(low[max(s_start, m.start() - 40) : m.start()]) or re.match(
            r"\s+score", low[m.end() :]
        ):
            continue
        put("recurrent", True, m.start(), m.end())
    for m in LATERALITY.finditer(low):
        if re.match(r"[\w\s-]{0,12}(?:met|mets|metastas\w+|lesions?|nodes?)\b", low[m.end() :]) or re.search(
            r"\b(?:to|into)\s+(?:the\s+|my\s+|her\s+|his\s+)?$", low[max(0, m.start() - 12) : m.start()]
        ):
            continue
        side = m.group("side") or (
            "bilateral" if m.group("bilateral") else "left" if m.group("leftcolon") else "right"
        )
        put("laterality", side, m.start(), m.end())
    for m in _LOBE.finditer(norm):
        put("laterality", "right" if m.group("l").startswith("R") else "left", m.start(), m.end())
    for pattern in (METS_TO, METS_OF, METS_PAREN):
        for m in pattern.finditer(low):
            s_start = ctx.sentence_of(m.start())[0]
            if _METS_NOT.search(low[max(s_start, m.start() - 40) : m.start()]) or ctx.is_excluded(
                m.start(), m.end()
            ):
                continue
            b = _attach(ctx, builds, m.start())
            if b is None:
                continue
            sites_text = m.group("sites")
            names = re.findall(r"\b(?:" + _MET_SITE + r")\b", sites_text)
            loose = re.match(r"spots?|lesions?|nodules?|tumou?rs|cancer|carcinoma|disease", m.group())
            added = False
            for name in names:
                site = _MET_SITES[name]
                if _own_organ(kb, b.type, site) and (
                    loose or not re.search(r"\b(?:other|opposite|both)\b", sites_text)
                ):
                    continue
                if site not in b.sites:
                    b.sites.append(site)
                    added = True
            if added:
                b.provenance.append(ctx.prov(m.start(), m.end()))


def _own_organ(kb: KnowledgeBase, cid: str | None, site: str) -> bool:
    """Whether the site is where this cancer starts ('lesions in the liver' for liver cancer)."""
    if cid is None or cid not in kb.cancers:
        return False
    c = kb.cancers[cid]
    words = {site, *(k for k, v in _MET_SITES.items() if v == site)}
    names = " ".join([c.name, c.plain_name, *c.aliases]).lower()
    return any(
        re.search(
            r"\b" + re.escape(w) + r"\s+(?:cell\s+)?(?:cancer|carcinoma|tumou?r|malignancy|neoplasm)"
            r"|\b(?:cancer|carcinoma)\s+of\s+(?:the\s+)?" + re.escape(w) + r"\b",
            names,
        )
        for w in words
    )


def _serum(ctx: TextContext, kb: KnowledgeBase, score) -> None:  # type: ignore[no-untyped-def]
    """Blood markers with a number (PSA 6.2, CEA 12) are scores, not biomarker results."""
    vocab = vocabulary(kb)
    for m in vocab.find("biomarker", ctx):
        info = kb.biomarkers.get(m.id)
        if info is None or info.kind != "serum":
            continue
        v = re.match(
            pat._FILL + r"(?:had\s+)?(?:(?:risen|rose|gone\s+up|increased|went\s+up)\s+)?(?:to\s+)?"
            r"(?P<v>" + pat.NUM + r")(?!\.?\d)",
            ctx.low[m.end :],
        )
        if v is None:
            continue
        value = float(v.group("v"))
        if value < 1e7:
            score(m.id.lower(), value, m.start, m.end + v.end())


def _setting(ctx: TextContext, builds: list[_Build], put) -> None:  # type: ignore[no-untyped-def]
    low = ctx.low
    for m in SETTING.finditer(low):
        s_start, s_end = ctx.sentence_of(m.start())
        before = low[max(s_start, m.start() - 30) : m.start()]
        kind = m.lastgroup
        if kind == "nonmet":
            continue
        if kind in ("met", "adv") and _SETTING_NEG.search(before):
            continue
        if kind == "met":
            after = low[m.end() : m.end() + 40]
            if re.match(r"\s+(?:to\s+|in\s+)?(?:\w+\s+){0,3}(?:lymph\s+)?nodes?\b", after) or re.match(
                r"\s+(?:work[\s-]?up|survey|evaluation|screening)", after
            ):
                continue
            if re.search(
                r"\b(?:if|whether|risk|chance|prevent|become|becomes|becoming)\b[^.;]{0,20}$", before
            ):
                continue
            put("setting", "metastatic", m.start(), m.end())
        elif kind == "adv":
            if _ADVANCED_NOT.match(low, m.end()) or re.search(r"\blocally\s*$", before):
                continue
            if not CANCER_WORD.search(low, s_start, s_end) and not re.search(
                r"\bstage\b", low[s_start:s_end]
            ):
                continue
            put("setting", "metastatic", m.start(), m.end())
        elif kind == "la":
            put("setting", "locally_advanced", m.start(), m.end())
        elif kind == "loc":
            put("setting", "localized", m.start(), m.end())


def _derive_setting(b: _Build, category: str) -> str | None:
    if category in ("lymphoma", "myeloma", "leukemia", "brain"):
        return None
    m = str(b.tnm.get("m", ""))
    if b.sites or m.startswith("M1"):
        return "metastatic"
    stage = b.fields.get("stage_group")
    if not isinstance(stage, str) or not stage:
        return None
    roman = re.match(r"IV|III|II|I|0", stage)
    if roman is None:
        return None
    return {"IV": "metastatic", "III": "locally_advanced"}.get(roman.group(), "localized")


def _family(ctx: TextContext, m: Mention, a: Assertion) -> list[FamilyHistory]:
    """Family history entries for a cancer named as a relative's."""
    low = ctx.low
    c_start, c_end = ctx.clause_of(m.start)
    relatives = [
        x.group().strip()
        for x in re.finditer(
            r"\b(?:(?:maternal|paternal)\s+)?(?:mother|mom|mum|father|dad|sisters?|brothers?|aunts?|uncles?|"
            r"cousins?|grandmother|grandma|grandfather|grandpa|grandparents?|daughters?|sons?|nieces?|nephews?|"
            r"siblings?|parents?|twin)\b",
            low[c_start:c_end],
        )
    ]
    if not relatives and a.relative:
        relatives = [a.relative]
    condition = ctx.text[m.start : m.end]
    prov = ctx.prov(c_start, c_end)
    return [
        FamilyHistory(relative=r, condition=condition, provenance=[prov])
        for r in (dict.fromkeys(relatives) or ["family"])
    ]
