"""The cancer itself: which type (knowledge-base id), where it started, histology, grade, stage,
TNM, setting, spread, recurrence, side, and disease-specific scores.

The type comes from the knowledge base's names (longest, most specific match). A cancer word the
knowledge base does not know ('appendix goblet cell adenocarcinoma') still makes a cancer, with
no type but its histology and site; an organ-only score (Gleason) names the type when no name is
written. Cancers named as a relative's, negated or hypothetical do not. The setting is what the
text states, else what the spread, stage group or TNM words say (TNM alone is left to the knowledge
base's stage model when it has one for the type).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from secondopinion.case import TNM, Cancer, FamilyHistory, Provenance
from secondopinion.intake import text_cancer_words as cw
from secondopinion.intake import text_patterns as pat
from secondopinion.intake.text_pipeline import Assertion
from secondopinion.intake.text_spans import TextContext
from secondopinion.intake.text_vocab import Mention, Vocabulary, vocabulary
from secondopinion.knowledge.schema import KnowledgeBase


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
    words = [(m, False) for m in cw.CANCER_WORD.finditer(low)]
    words += [(m, True) for m in cw.CA_ABBR.finditer(low)]
    for m, short in sorted(words, key=lambda x: x[0].start()):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        if cw.NOT_CANCER_AFTER.match(low, m.end()):
            continue
        if short:
            noun = "adenocarcinoma" if m.group("w") else "cancer"
        else:
            noun = re.sub(r"s$", "", m.group()) if not m.group().endswith(("cies", "sis")) else m.group()
        site, s_start, s_end = _site_near(low, m.start(), m.end(), before_only=short)
        if short and not site:
            continue
        resolved = None
        start, end = m.start(), m.end()
        if site:
            for phrase in _site_phrases(site, noun):
                resolved = vocab.lookup("cancer", phrase)
                if resolved:
                    start, end = min(start, s_start), max(end, s_end)
                    break
        if not resolved and not site:
            resolved = _from_sentence(ctx, vocab, noun, m.start()) or _from_text(ctx, vocab, noun)
        out.append(Mention("cancer", resolved or "", start, end, low[start:end]))
    if not any(m.id for m in [*known, *out]):
        out = implied_by_scores(ctx, vocab, out)
    return out


def implied_by_scores(ctx: TextContext, vocab: Vocabulary, found: list[Mention]) -> list[Mention]:
    """No type named: an organ-specific score names it ('PSA 6, Gleason 3+3' is a prostate cancer).
    A score graded only on cancer makes a mention by itself; a site score types a cancer word."""
    for pattern, site, is_cancer in cw.SCORE_SITES:
        hit = pattern.search(ctx.low)
        ident = vocab.lookup("cancer", f"{site} cancer") if hit else None
        if hit is None or ident is None:
            continue
        if found:
            return [Mention(m.kind, ident, m.start, m.end, m.text) for m in found]
        if is_cancer:
            return [Mention("cancer", ident, hit.start(), hit.end(), ctx.low[hit.start() : hit.end()])]
    return found


def _site_phrases(site: str, noun: str) -> list[str]:
    organ = cw.SITES.get(site, site)
    return [
        f"{site} {noun}",
        f"{site} cancer",
        f"{site} carcinoma",
        f"{organ} {noun}",
        f"{organ} cancer",
        f"cancer of the {organ}",
    ]


def _from_text(ctx: TextContext, vocab: Vocabulary, noun: str) -> str | None:
    """'... removed a polyp from my sigmoid colon. The pathology came back as adenocarcinoma': a
    cancer word with no site in its sentence takes the organ the rest of the text is about, when
    one organ is named more often than any other (sites of spread, relatives' cancers and
    negated organs do not count)."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    hits = [(m.group(), m.start()) for m in cw.SITE_RE.finditer(ctx.low)]
    hits += [
        (cw.PROCEDURE_SITES.get(m.group(), "lung"), m.start()) for m in cw.PROCEDURE_SITE_RE.finditer(ctx.low)
    ]
    hits += [(site, m.start()) for pattern, site in cw.TEXT_SITE_HINTS for m in pattern.finditer(ctx.low)]
    for word, pos in hits:
        s_start, _ = ctx.sentence_of(pos)
        before = ctx.low[max(s_start, pos - 40) : pos]
        if (
            cw.SITE_NOT_PRIMARY.search(before)
            or cw.RELATIVE_WORD.search(ctx.low, s_start, pos)
            or cw.SITE_AS_SPREAD_AFTER.match(ctx.low, pos + len(word))
        ):
            continue
        organ = cw.SITES.get(word, word)
        organ = "uterus" if organ == "endometrium" else organ
        counts[organ] = counts.get(organ, 0) + 1
        first.setdefault(organ, pos)
    if not counts:
        return None
    ranked = sorted(counts, key=lambda o: (-counts[o], first[o]))
    if len(ranked) > 1 and counts[ranked[0]] == counts[ranked[1]]:
        return None  # two organs as often: no guess
    for phrase in _site_phrases(ranked[0], noun):
        found = vocab.lookup("cancer", phrase)
        if found:
            return found
    return None


def _from_sentence(ctx: TextContext, vocab: Vocabulary, noun: str, pos: int) -> str | None:
    """'right upper lobectomy for adenocarcinoma': a procedure or lobe in the sentence names the organ."""
    s, e = ctx.sentence_of(pos)
    for m in cw.PROCEDURE_SITE_RE.finditer(ctx.low, s, e):
        site = cw.PROCEDURE_SITES.get(m.group(), "lung")
        for phrase in _site_phrases(site, noun):
            found = vocab.lookup("cancer", phrase)
            if found:
                return found
    return None


def _site_near(low: str, start: int, end: int, before_only: bool = False) -> tuple[str | None, int, int]:
    """A site word just before the cancer word ('lung adenocarcinoma', 'appendix goblet cell
    adenocarcinoma') or after it ('cancer of the lung', 'adenocarcinoma in the right upper lobe').
    After 'metastatic', '<histology> of the <site>' names the primary only for an organ that is
    not a usual site of spread ('metastatic adenocarcinoma of the colon', not '... of the liver')."""
    before = low[max(0, start - 40) : start]
    m = next(reversed(list(cw.SITE_RE.finditer(before))), None)
    if (
        m is not None
        and re.fullmatch(r"[\s,-]*(?:" + cw.HIST_MOD + r"[\s-]*|[a-z]+[\s-]+){0,3}", before[m.end() :])
        and not re.search(r"\b(?:to|in|into|of)\s+(?:the\s+|my\s+)?$", before[: m.start()])
    ):
        return m.group(), start - len(before) + m.start(), start - len(before) + m.end()
    if before_only:  # a short form: the site right after it ('Ca cervix', 'ca of the prostate')
        right = re.match(r"\s+(?:of\s+(?:the\s+)?)?(?P<site>" + cw.SITE_RE.pattern + ")", low[end : end + 40])
        if right is None:
            return None, start, end
        return right.group("site"), end + right.start("site"), end + right.end("site")
    after = re.match(
        r"\s+(?P<prep>of|in|involving|arising\s+(?:in|from)|from|on)\s+(?P<words>(?:[a-z-]+\s+){0,5}[a-z-]+)",
        low[end : end + 60],
    )
    if after:
        metastatic = re.search(r"\bmetasta\w*\s*$", low[max(0, start - 15) : start]) is not None
        words = after.group("words")
        for w in cw.SITE_RE.finditer(words):
            if metastatic and (w.group() in cw.MET_SITES or after.group("prep") != "of"):
                break
            if re.search(r"\b(?:with|and|plus|to|into)\b", words[: w.start()]) or re.match(
                r"\s+(?:metasta\w*|mets|deposits?|lesions?|nodules?|spread|involvement)\b", words[w.end() :]
            ):
                break  # 'of the RUL with liver metastases': the liver is where it spread
            s = end + after.start("words") + w.start()
            return w.group(), s, s + len(w.group())
    return None, start, end


def histologies(ctx: TextContext) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = [
        ("non-seminoma", m.start(), m.end()) for m in cw.NONSEMINOMA.finditer(ctx.low)
    ]
    named = list(out)
    for m in cw.HISTOLOGY.finditer(ctx.low):
        if any(s <= m.start() < e for _, s, e in named):
            continue  # 'germ cell tumour' inside 'nonseminomatous germ cell tumour'

        text = re.sub(r"\s+", " ", m.group()).strip(" -")
        text = re.sub(r"\b(?:well|moderately|poorly)[\s-]differentiated\s*", "", text).strip()
        if not text or cw.GRADE_ONLY.match(text):
            continue
        if (
            m.group("only")
            and not cw.HIST_NOUN_AFTER.match(ctx.low, m.end())
            and not cw.CARCINOMA_ABBR_AFTER.match(ctx.norm, m.end())
        ):
            continue
        out.append((text, m.start(), m.end()))
    for m in cw.CA_ABBR.finditer(ctx.low):
        if m.group("w") and _site_near(ctx.low, m.start(), m.end(), before_only=True)[0]:
            out.append(("adenocarcinoma", m.start(), m.end()))  # 'rectal adenoca'
    for m in cw.HIST_ABBR_RE.finditer(ctx.norm):
        value = cw.HIST_ABBR.get(m.group())
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
        historical = a.historical or cw.HISTORICAL.search(before + low[m.start : m.end + 25]) is not None
        inside = cw.SITE_RE.search(low, m.start, m.end)
        site = inside.group() if inside else _site_near(low, m.start, m.end)[0]
        found.append(_Found(m.id or None, m.start, m.end, ctx.text[m.start : m.end], site, historical))
    builds = _group(found, kb)
    if not builds:
        return [], family
    _fill(ctx, kb, builds)
    for b in builds:
        b.type = _refine_by_histology(kb, b.type, b.fields.get("histology"))
    cancers = []
    # types with a stage table (a table of T categories by size is not one: see review.normalise)
    staged = {m.cancer for m in kb.stage_models if not all(re.match(r"T(?:is|\d)", r.group) for r in m.rules)}
    for b in builds:
        ctype = kb.cancers.get(b.type or "")
        category = ctype.category if ctype else "solid"
        setting = b.fields.get("setting")
        if setting in ("localized", "locally_advanced") and set(b.sites) & _DISTANT:
            setting = None  # 'it was locally advanced; now it has spread to my lungs'
        setting = setting or _derive_setting(
            b, category, ctype.locally_advanced_stages if ctype else [], from_tnm=b.type not in staged
        )
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


# Organs whose involvement is always distant spread, whatever the cancer (regional sites such as the
# parotid for skin cancer or the chest wall are not)
_DISTANT = frozenset(
    {"liver", "lung", "bone", "brain", "adrenal", "peritoneum", "leptomeninges", "distant lymph nodes"}
)


def _refine_by_histology(kb: KnowledgeBase, cid: str | None, histology: object) -> str | None:
    """'squamous cell carcinoma of the RUL', 'small cell carcinoma' in a lung mass: a type named
    only by its organ becomes the more specific type that the histology and the organ name
    together ('squamous cell carcinoma of the lung' is non-small cell lung cancer)."""
    if not cid or not isinstance(histology, str) or not histology:
        return cid
    children = {c.id for c in kb.cancers.values() if cid in _ancestors(kb, c.id)}
    if not children:
        return cid
    vocab = vocabulary(kb)
    organs = [
        site
        for site in dict.fromkeys(cw.SITES.values())
        if cid in (vocab.lookup("cancer", f"{site} cancer"), vocab.lookup("cancer", f"cancer of the {site}"))
    ]
    hist = re.sub(r"\s+", " ", histology.lower()).strip()
    core = re.sub(r"\b(?:invasive|infiltrating|high[\s-]grade|low[\s-]grade|in[\s-]situ)\b", "", hist).strip()
    short = re.sub(r"\s+(?:carcinoma|cancer)$", "", core)
    for organ in organs:
        for phrase in (
            f"{core} of the {organ}",
            f"{organ} {core}",
            f"{short} {organ} cancer",
            f"{short} {organ} carcinoma",
            f"{organ} {short} carcinoma",
        ):
            found = vocab.lookup("cancer", phrase)
            if found in children:
                return found
    return cid


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
            b.fields["primary_site"] = cw.SITES.get(best.site, best.site)
        return [b]
    ids = list(dict.fromkeys(f.id for f in typed if f.id))
    sited = [f for f in typed if f.site and not f.historical]
    keep = [i for i in ids if not any(i in _ancestors(kb, j) for j in ids if j != i)]
    builds: dict[str, _Build] = {i: _Build(i) for i in keep}
    for f in typed:
        assert f.id is not None
        target = f.id if f.id in builds else next((j for j in keep if f.id in _ancestors(kb, j)), keep[0])
        builds[target].mentions.append(f)
    for b in builds.values():
        # the organ named beside the type's name ('squamous cell carcinoma of the glottic larynx')
        site = next((f.site for f in sited if f in b.mentions), None)
        if site:
            b.fields["primary_site"] = cw.SITES.get(site, site)
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
        target = _attach(ctx, builds, h.start)
        if target is not None and h.key not in target.tnm:
            target.tnm[h.key] = str(h.value)
            target.provenance.append(ctx.prov(h.start, h.end))
    prostate = vocabulary(kb).lookup("cancer", "prostate cancer")
    for h in [*pat.scores(low), *pat.sizes(low)]:
        if h.key == "isup_grade":
            target = _attach(ctx, builds, h.start)
            if (
                target is not None
                and prostate
                and prostate in {target.type, *_ancestors(kb, target.type or "")}
            ):
                score("grade_group", h.value, h.start, h.end)
            else:
                put("grade", str(int(float(h.value))), h.start, h.end)
            continue
        score(h.key, h.value, h.start, h.end)
    for h in pat.nodes(low):
        score(h.key, h.value, h.start, h.end)
    for h in pat.risk_groups(low):
        put("risk_group", h.value, h.start, h.end)
    for h in pat.extents(low):
        score("extent", h.value, h.start, h.end)
        if h.value == "extensive":
            put("setting", "metastatic", h.start, h.end)
        else:  # limited stage: confined to one side of the chest, not metastatic
            put("no_spread", True, h.start, h.end)
    for m in cw.NO_SPREAD.finditer(low):
        if not _hypothetical_before(ctx, m.start()):
            put("no_spread", True, m.start(), m.end())
            if not cw.SPREAD_DISTANT_ONLY.search(m.group()):
                put("no_spread_at_all", True, m.start(), m.end())
    for m in cw.CONFINED.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        if not cw.CONFINED_NOT.search(low[max(s_start, m.start() - 30) : m.start()]):
            put("no_spread_at_all", True, m.start(), m.end())
    extension: list[tuple[str, int, int]] = []
    for m in cw.BEYOND_ORGAN.finditer(low):
        if _hypothetical_before(ctx, m.start()):
            continue
        s_start = ctx.sentence_of(m.start())[0]
        absent = cw.BEYOND_ORGAN_NOT_BEFORE.search(low[max(s_start, m.start() - 40) : m.start()]) or (
            cw.BEYOND_ORGAN_NOT_AFTER.match(low, m.end())
        )
        extension.append(("absent" if absent else "present", m.start(), m.end()))
    for pattern in cw.RELAPSE_AFTER:
        for m in pattern.finditer(low):
            months = cw.relapse_months(m)
            if months is not None and not _hypothetical_before(ctx, m.start()):
                score("months_to_relapse", months, m.start(), m.end())
    for m in cw.REFRACTORY.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        if not _hypothetical_before(ctx, m.start()) and not re.search(
            r"\b(?:not|never|no)\s+(?:\w+\s+)?$", low[max(s_start, m.start() - 12) : m.start()]
        ):
            score("months_to_relapse", 0.0, m.start(), m.end())  # refractory: no remission at all
    vessels: list[tuple[str, int, int]] = []
    for m in cw.VESSEL_INVASION.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        absent = (
            cw.BEYOND_ORGAN_NOT_BEFORE.search(low[max(s_start, m.start() - 40) : m.start()])
            or cw.BEYOND_ORGAN_NOT_AFTER.match(low, m.end())
        ) and not cw.VESSEL_INVASION_POSITIVE_AFTER.match(low, m.end())
        if not _hypothetical_before(ctx, m.start()):
            vessels.append(("absent" if absent else "present", m.start(), m.end()))
    for value, start, end in sorted(vessels, key=lambda e: e[0] != "present"):
        score("vascular_invasion", value, start, end)  # invasion stated anywhere outweighs 'no LVI'
    for value, start, end in sorted(extension, key=lambda e: e[0] != "present"):
        score("local_extension", value, start, end)  # growth stated anywhere outweighs 'no ETE'
    for m in cw.LOCAL_EXTENSION.finditer(low):
        if not _hypothetical_before(ctx, m.start()):
            put("extension", True, m.start(), m.end())
    _serum(ctx, kb, score)
    for b in builds:
        if re.search(r"in[\s-]situ", str(b.fields.get("histology") or "")):
            b.tnm.setdefault("t", "Tis")  # carcinoma in situ is Tis, stage 0, by definition
            b.fields.setdefault("stage_group", "0")
    _lung_nodes(ctx, kb, builds)
    _muscle_invasive(ctx, kb, builds)
    for b in builds:
        if b.scores.get("nodes_positive") == 0 and "n" not in b.tnm:
            b.tnm["n"] = "N0"
        if (
            b.scores.get("node_status") == "negative"
            and "n" not in b.tnm
            and not b.scores.get("nodes_positive")
        ):
            b.tnm["n"] = "N0"
        if (  # 'it has not spread', 'no spread', 'scans clear': nodes included, unless said otherwise
            b.fields.get("no_spread_at_all")
            and "n" not in b.tnm
            and not b.scores.get("nodes_positive")
            and b.scores.get("node_status") != "positive"
            and not b.sites
            and b.fields.get("setting") not in ("metastatic", "locally_advanced")
        ):
            b.tnm["n"] = "N0"
    _setting(ctx, builds, put)
    for m in cw.RECURRENCE.finditer(low):
        s_start = ctx.sentence_of(m.start())[0]
        if cw.RECURRENCE_NOT.search(low[max(s_start, m.start() - 40) : m.start()]) or re.match(
            r"\s+score", low[m.end() :]
        ):
            continue
        put("recurrent", True, m.start(), m.end())
    for m in cw.LATERALITY.finditer(low):
        if re.match(r"[\w\s-]{0,12}(?:met|mets|metastas\w+|lesions?|nodes?)\b", low[m.end() :]) or re.search(
            r"\b(?:to|into)\s+(?:the\s+|my\s+|her\s+|his\s+)?$", low[max(0, m.start() - 12) : m.start()]
        ):
            continue
        side = m.group("side") or (
            "bilateral" if m.group("bilateral") else "left" if m.group("leftcolon") else "right"
        )
        put("laterality", side, m.start(), m.end())
    for m in cw.LOBE.finditer(norm):
        put("laterality", "right" if m.group("l").startswith("R") else "left", m.start(), m.end())
    for pattern in (cw.METS_TO, cw.METS_OF, cw.METS_PAREN):
        for m in pattern.finditer(low):
            s_start = ctx.sentence_of(m.start())[0]
            if cw.METS_NOT.search(low[max(s_start, m.start() - 40) : m.start()]) or ctx.is_excluded(
                m.start(), m.end()
            ):
                continue
            target = _attach(ctx, builds, m.start())
            if target is None:
                continue
            sites_text = m.group("sites")
            names = re.findall(r"\b(?:" + cw.MET_SITE + r")\b", sites_text)
            loose = re.match(r"spots?|lesions?|nodules?|tumou?rs|cancer|carcinoma|disease", m.group())
            added = False
            for name in names:
                site = cw.MET_SITES[name]
                if _own_organ(kb, target.type, site) and (
                    loose or not re.search(r"\b(?:other|opposite|both)\b", sites_text)
                ):
                    continue
                if site not in target.sites:
                    target.sites.append(site)
                    added = True
            if added:
                target.provenance.append(ctx.prov(m.start(), m.end()))
    for b in builds:
        if (
            b.fields.get("no_spread")
            and "m" not in b.tnm
            and not b.sites
            and b.fields.get("setting") != "metastatic"
        ):
            b.tnm["m"] = "M0"


def _hypothetical_before(ctx: TextContext, pos: int) -> bool:
    """'if there is no spread', 'to check whether it is resectable': not a finding."""
    s_start = ctx.sentence_of(pos)[0]
    return (
        re.search(r"\b(?:if|whether|unless|in\s+case|hope|hoping)\b[^.;,]{0,30}$", ctx.low[s_start:pos])
        is not None
    )


def _lung_nodes(ctx: TextContext, kb: KnowledgeBase, builds: list[_Build]) -> None:
    """Nodal stations in words for a cancer of the lung: 'mediastinal nodes on the same side' is N2."""
    lung = vocabulary(kb).lookup("cancer", "lung cancer")
    for pattern, n in cw.LUNG_NODES:
        for m in pattern.finditer(ctx.low):
            if cw.NODES_NEG_BEFORE.search(ctx.low, max(0, m.start() - 30), m.start()) or ctx.is_excluded(
                m.start(), m.end()
            ):
                continue
            b = _attach(ctx, builds, m.start())
            if (
                b is None
                or "n" in b.tnm
                or lung is None
                or not (b.type == lung or lung in _ancestors(kb, b.type or ""))
            ):
                continue
            b.tnm["n"] = n
            b.provenance.append(ctx.prov(m.start(), m.end()))


def _muscle_invasive(ctx: TextContext, kb: KnowledgeBase, builds: list[_Build]) -> None:
    """'Muscle-invasive' bladder cancer with no T category given: T2 or higher, written 'T2+'
    (conditions read it as at least T2; see review.conditions.category_matches)."""
    bladder = vocabulary(kb).lookup("cancer", "bladder cancer")
    for m in cw.MUSCLE_INVASIVE.finditer(ctx.low):
        s_start = ctx.sentence_of(m.start())[0]
        if (
            cw.MUSCLE_INVASIVE_NOT.search(ctx.low[max(s_start, m.start() - 25) : m.start()])
            or ctx.is_excluded(m.start(), m.end())
            or _hypothetical_before(ctx, m.start())
        ):
            continue
        b = _attach(ctx, builds, m.start())
        if b is None or "t" in b.tnm or bladder is None:
            continue
        if b.type == bladder or bladder in _ancestors(kb, b.type or ""):
            b.tnm["t"] = "T2+"
            b.provenance.append(ctx.prov(m.start(), m.end()))


def _own_organ(kb: KnowledgeBase, cid: str | None, site: str) -> bool:
    """Whether the site is where this cancer starts ('lesions in the liver' for liver cancer)."""
    if cid is None or cid not in kb.cancers:
        return False
    c = kb.cancers[cid]
    words = {site, *(k for k, v in cw.MET_SITES.items() if v == site)}
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
        value = pat.number(v.group("v"))
        if value < 1e7:
            score(m.id.lower(), value, m.start, m.end + v.end())


def _setting(ctx: TextContext, builds: list[_Build], put) -> None:  # type: ignore[no-untyped-def]
    low = ctx.low
    for m in cw.SETTING.finditer(low):
        s_start, s_end = ctx.sentence_of(m.start())
        before = low[max(s_start, m.start() - 30) : m.start()]
        kind = m.lastgroup
        if kind == "nonmet":
            continue
        if kind in ("met", "adv") and cw.SETTING_NEG.search(before):
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
            if cw.ADVANCED_NOT.match(low, m.end()) or re.search(r"\blocally\s*$", before):
                continue
            if not cw.CANCER_WORD.search(low, s_start, s_end) and not re.search(
                r"\bstage\b", low[s_start:s_end]
            ):
                continue
            put("setting", "metastatic", m.start(), m.end())
        elif kind == "la":
            put("setting", "locally_advanced", m.start(), m.end())
        elif kind == "loc" and not cw.CONFINED_NOT.search(before):
            put("setting", "localized", m.start(), m.end())


def _derive_setting(
    b: _Build, category: str, la_stages: list[str] | None = None, from_tnm: bool = True
) -> str | None:
    """Setting from spread, then the stage group (the knowledge base's locally advanced stage
    groups first: cervical IIB, head and neck IVA), then growth into neighbouring structures or
    'unresectable' (locally advanced). When the knowledge base has no staging model for the type,
    TNM read as is common to solid cancers: regional nodes (N1-3) or T4 -> locally advanced; T1-2
    or N0, or a primary of 2 cm or less with no T or N given -> localized (T3 N0 differs between
    cancers and stays unknown)."""
    if category in ("lymphoma", "myeloma", "leukemia", "brain"):
        return None
    m = str(b.tnm.get("m", ""))
    if b.sites or m.startswith("M1"):
        return "metastatic"
    stage = b.fields.get("stage_group")
    if isinstance(stage, str) and stage:
        if any(stage.upper().startswith(s.upper()) for s in la_stages or []):
            return "locally_advanced"
        roman = re.match(r"IV|III|II|I|0", stage)
        if roman is None:
            return None
        return {"IV": "metastatic", "III": "locally_advanced"}.get(roman.group(), "localized")
    if b.fields.get("extension"):
        return "locally_advanced"
    return _setting_from_tnm(b) if from_tnm else None


def _setting_from_tnm(b: _Build) -> str | None:
    t, n = str(b.tnm.get("t", "")), str(b.tnm.get("n", ""))
    nodes = float(b.scores.get("nodes_positive", 0) or 0)
    if (
        re.match(r"N[1-3]", n)
        or t.startswith("T4")
        or (not n and (b.scores.get("node_status") == "positive" or nodes > 0))
    ):
        return "locally_advanced"
    if (re.match(r"T(?:is|[012])", t) and n in ("", "N0")) or (n == "N0" and not t.startswith(("T3", "TX"))):
        return "localized"
    size = b.scores.get("size_cm")
    if not t and not n and isinstance(size, float) and size <= 2:
        return "localized"  # a primary of 2 cm or less is T1 wherever size sets T, and nothing spread
    return None


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
