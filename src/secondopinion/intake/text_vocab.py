"""The knowledge base's names (cancer types, drugs, regimens, biomarkers) as a fast phrase finder.

Phrases are compared as sequences of word tokens, so spacing and hyphens do not matter
("PD-L1" = "pd l1", "R-CHOP" = "RCHOP"). The longest phrase wins. Short all-letter names that are
also ordinary words or abbreviations ("ER", "MET", "ALL", "GIST") must be written in capitals
(a short lower-case qualifier may lead: "cHL", "mCRC"), unless a status sign follows ("er+",
"pr negative").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from secondopinion.intake.text_spans import TOKEN as _TOKEN
from secondopinion.intake.text_spans import TextContext
from secondopinion.knowledge.schema import KnowledgeBase

# Whole words that are also everyday English: a name made of them must be written in capitals.
_COMMON_WORDS = frozenset(
    [
        "her",
        "met",
        "ret",
        "kit",
        "pole",
        "fish",
        "neu",
        "atm",
        "all",
        "am",
        "can",
        "gist",
        "cup",
        "aids",
        "ras",
    ]
)
_STATUS_AFTER = re.compile(r"\s*(?:\+|-(?![a-z])|/|\(|positive|negative|pos\b|neg\b|status)")


@dataclass(frozen=True)
class Mention:
    kind: str  # cancer | drug | regimen | biomarker
    id: str
    start: int
    end: int
    text: str  # the words as written (lower-cased, folded)


@dataclass(frozen=True)
class _Entry:
    kind: str
    id: str
    upper: tuple[int, ...]  # token positions that must be written in capitals
    priority: int  # lower wins on equal length (e.g. a regimen id over a drug alias)
    spelling: str = ""  # the name as the knowledge base writes it, when it has capitals ('DRd')


def _compact(phrase: str) -> str:
    return re.sub(r"[^a-z0-9]", "", phrase.lower())


# British and American spellings of the same word compare equal ('tumour' = 'tumor')
_SPELLING = {
    "tumour": "tumor",
    "tumours": "tumors",
    "leukaemia": "leukemia",
    "leukaemias": "leukemia",
    "oesophagus": "esophagus",
    "oesophageal": "esophageal",
    "oesophagogastric": "esophagogastric",
    "haematological": "hematological",
    "haematologic": "hematologic",
    "oestrogen": "estrogen",
    "anaemia": "anemia",
    "haemangioendothelioma": "hemangioendothelioma",
    "haemangiosarcoma": "hemangiosarcoma",
    "ischaemic": "ischemic",
}


def spelling(token: str) -> str:
    """One spelling per word, so a name written the British or the American way is found."""
    return _SPELLING.get(token, token)


def _key_tokens(phrase: str, one_spelling: bool = True) -> list[str]:
    toks = [t for t in _TOKEN.findall(phrase.lower()) if t != "-"]
    return [spelling(t) for t in toks] if one_spelling else toks


def _variants(phrase: str, one_spelling: bool = True) -> list[list[str]]:
    """Token keys of a name (and its unhyphenated form). `one_spelling=False` keeps the name's own
    spelling, for finders that match the keys as written (the trial criteria's expression)."""
    toks = _key_tokens(phrase, one_spelling)
    out = [toks] if toks else []
    if "-" in phrase:
        joined = _key_tokens(phrase.replace("-", ""), one_spelling)
        if joined and joined != toks:
            out.append(joined)
    return out


def _names(name: str) -> list[str]:
    """A display name without its parenthesis, and the parenthesis when it is a short name:
    'gastrointestinal stromal tumour (GIST)' -> ['gastrointestinal stromal tumour', 'GIST'];
    a parenthesis that is not an acronym ('colorectal (bowel) cancer') is dropped."""
    out = [re.sub(r"\s*\([^)]*\)", "", name).strip()]
    out += [
        inner.strip()
        for inner in re.findall(r"\(([^)]*)\)", name)
        if re.fullmatch(r"\s*[A-Z][A-Z0-9-]+\s*", inner)
    ]
    return [n for n in out if n]


def _upper_positions(toks: list[str]) -> tuple[int, ...]:
    if "+" in toks:
        return ()
    if len(toks) == 1 and toks[0].isalpha() and len(toks[0]) <= 3:
        return (0,)
    return tuple(i for i, t in enumerate(toks) if t in _COMMON_WORDS)


class Vocabulary:
    """Phrase finder over the knowledge base's names, one scan per kind of name."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.version = kb.version
        self._phrases: dict[str, dict[tuple[str, ...], _Entry]] = {}
        self._max: dict[str, int] = {}
        self._firsts: dict[str, frozenset[str]] = {}
        for c in kb.cancers.values():
            for name in sorted({*_names(c.name), *_names(c.plain_name), *c.aliases}):
                self._add("cancer", c.id, name, 1)
        for d in kb.drugs.values():
            for name in sorted({d.id, *d.brands, *d.aliases}):
                self._add("drug", d.id, name, 1)
        for r in kb.regimens.values():
            for name in sorted({r.id, *r.aliases}):
                self._add("regimen", r.id, name, 0)
        # a name that spells another marker's own id, for a result of the same kind, names that
        # marker: 'del(17p)' listed under high-risk myeloma cytogenetics is the 17p deletion itself
        own = {(_compact(b.id), b.kind): b.id for b in kb.biomarkers.values()}
        for b in kb.biomarkers.values():
            names = set(b.aliases)
            if re.fullmatch(r"[A-Za-z0-9-]+", b.id) and not b.id.isdigit():
                names.add(b.id)
            for name in sorted(names):
                self._add("biomarker", own.get((_compact(name), b.kind), b.id), name, 1)
        self._firsts = {kind: frozenset(k[0] for k in t) for kind, t in self._phrases.items()}

    def _add(self, kind: str, ident: str, phrase: str, priority: int) -> None:
        if not phrase or not phrase.strip():
            return
        table = self._phrases.setdefault(kind, {})
        for toks in _variants(phrase):
            key = tuple(toks)
            entry = _Entry(
                kind, ident, _upper_positions(toks), priority, phrase if phrase != phrase.lower() else ""
            )
            old = table.get(key)
            if old is None or entry.priority < old.priority:
                table[key] = entry
            elif (
                old.id == entry.id and old.priority == entry.priority and entry.spelling and not old.spelling
            ):
                table[key] = entry  # 'DRd' and 'd-rd' (joined) are one name: keep the written capitals
            self._max[kind] = max(self._max.get(kind, 0), len(key))

    def lookup(self, kind: str, phrase: str) -> str | None:
        """The id a whole phrase names exactly ('lung cancer' -> 'lung'), or None."""
        entry = self._phrases.get(kind, {}).get(tuple(_key_tokens(phrase)))
        return entry.id if entry is not None else None

    def find(self, kind: str, ctx: TextContext) -> list[Mention]:
        """Longest, non-overlapping mentions of one kind of name, left to right."""
        table = self._phrases.get(kind)
        if not table:
            return []
        norm, low = ctx.norm, ctx.low
        toks = [(spelling(t), s, e) for t, s, e in ctx.tokens]
        firsts = self._firsts[kind]
        out: list[Mention] = []
        i, n, longest = 0, len(toks), self._max[kind]
        while i < n:
            if toks[i][0] not in firsts:
                i += 1
                continue
            found = None
            for size in range(min(longest, n - i), 0, -1):
                entry = table.get(tuple(t[0] for t in toks[i : i + size]))
                if entry is None:
                    continue
                window = toks[i : i + size]
                if entry.upper and not _capitals_ok(entry, window, norm, low):
                    continue
                found = (entry, window)
                break
            if found is None:
                i += 1
                continue
            entry, window = found
            start, end = window[0][1], window[-1][2]
            if not _word_edges(low, start, end):
                i += 1
                continue
            out.append(Mention(entry.kind, entry.id, start, end, low[start:end]))
            i += len(window)
        return out


# 'cHL', 'mCRC', 'nmCRPC': a clinical abbreviation in capitals behind a short lower-case qualifier
_QUALIFIED_CAPITALS = re.compile(r"[a-z]{1,2}[A-Z]{2,}")


# An ordinary word in capitals is still the word in a text written in capitals: 'NODES ALL NEGATIVE'
_QUANTIFIER_AFTER = re.compile(
    r"[\s:,-]*(?:negative|positive|clear|normal|benign|free|involved|other|these|those|were|are)\b"
)
_QUANTIFIER_BEFORE = re.compile(r"\b(?:nodes?|margins?|markers?|tests?|results?|were|are)[\s:,-]*$")


def _capitals_ok(entry: _Entry, window: list[tuple[str, int, int]], norm: str, low: str) -> bool:
    if entry.kind == "cancer" and any(window[p][0] in _COMMON_WORDS for p in entry.upper):
        start, end = window[0][1], window[-1][2]
        if _QUANTIFIER_AFTER.match(low, end) or _QUANTIFIER_BEFORE.search(low, max(0, start - 12), start):
            return False
    if all(
        norm[window[p][1] : window[p][2]].isupper()
        or _QUALIFIED_CAPITALS.fullmatch(norm[window[p][1] : window[p][2]])
        for p in entry.upper
    ):
        return True
    if entry.spelling and norm[window[0][1] : window[-1][2]] == entry.spelling:
        return True
    return entry.kind == "biomarker" and _STATUS_AFTER.match(low, window[-1][2]) is not None


def _word_edges(low: str, start: int, end: int) -> bool:
    """A phrase must not be glued to letters on either side ('ER' in 'HER')."""
    before = low[start - 1] if start > 0 else " "
    after = low[end] if end < len(low) else " "
    return not (before.isalnum() or after.isalnum())


class _Keyed:
    """Hashable by knowledge-base version only, so a cache can key on it."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def __hash__(self) -> int:
        return hash(self.kb.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.kb.version == self.kb.version


@lru_cache(maxsize=8)
def _build(keyed: _Keyed) -> Vocabulary:
    return Vocabulary(keyed.kb)


def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    """The phrase finder for this knowledge base, built once per knowledge-base version."""
    return _build(_Keyed(kb))
