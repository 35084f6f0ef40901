"""The knowledge base's names compiled for bulk scanning of eligibility texts.

Same names and the same matching rules as the intake phrase finder (`intake.text_vocab`: word
tokens, hyphens and spacing ignored, longest name wins, short everyday words only in capitals),
but compiled into one character-trie regular expression per kind of name, so a trial import can
scan thousands of eligibility texts a second. The rules themselves are imported, not restated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from secondopinion.intake.text_vocab import _STATUS_AFTER, _TOKEN, _upper_positions, _variants
from secondopinion.knowledge.schema import KnowledgeBase

_SEP = "\x00"  # between two word tokens: at least one space or hyphen
_OPT = "\x01"  # next to a punctuation token: spaces or hyphens optional


@dataclass(frozen=True)
class Name:
    kind: str  # cancer | drug | regimen | biomarker | class
    id: str
    start: int
    end: int
    text: str


def _pattern(tokens: list[str]) -> str:
    out = []
    for i, tok in enumerate(tokens):
        if i:
            both_words = tok[0].isalnum() and tokens[i - 1][-1].isalnum()
            out.append(_SEP if both_words else _OPT)
        out.append(tok)
    return "".join(out)


def _trie_regex(keys: list[str]) -> str:
    """A regular expression matching any key, longest first, as a character trie."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            piece = {_SEP: r"[\s-]+", _OPT: r"[\s-]*"}.get(ch) or re.escape(ch)
            branches.append(piece + build(node[ch]))
        if "" in node:
            branches.append(r"(?![^\W_])")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return r"(?<![^\W_])" + build(trie)


@dataclass
class _Entry:
    kind: str
    id: str
    upper: tuple[int, ...]
    priority: int


class NameFinder:
    """Names compiled into one expression; `find` returns the longest non-overlapping names."""

    def __init__(self, names: list[tuple[str, str, str, int]]) -> None:
        self.table: dict[tuple[str, ...], dict[str, _Entry]] = {}
        for kind, ident, phrase, priority in names:
            if not phrase or not phrase.strip():
                continue
            # keys as written: the expression below matches the text itself, whose spelling it is
            for toks in _variants(phrase, one_spelling=False):
                key = tuple(toks)
                entry = _Entry(kind, ident, _upper_positions(toks), priority)
                by_kind = self.table.setdefault(key, {})
                old = by_kind.get(kind)
                if old is None or entry.priority < old.priority:
                    by_kind[kind] = entry
        patterns = sorted({_pattern(list(k)) for k in self.table}, key=len, reverse=True)
        self.regex = re.compile(_trie_regex(patterns)) if patterns else None

    def find(self, norm: str, low: str) -> list[Name]:
        if self.regex is None:
            return []
        out: list[Name] = []
        for m in self.regex.finditer(low):
            toks = [t for t in _TOKEN.findall(m.group()) if t != "-"]
            for entry in self.table.get(tuple(toks), {}).values():
                if entry.upper and not self._capitals_ok(entry, m, norm, low):
                    continue
                out.append(Name(entry.kind, entry.id, m.start(), m.end(), m.group()))
        return out

    @staticmethod
    def _capitals_ok(entry: _Entry, m: re.Match[str], norm: str, low: str) -> bool:
        spans = [(t.start(), t.end()) for t in _TOKEN.finditer(low, m.start(), m.end()) if t.group() != "-"]
        if all(norm[spans[p][0] : spans[p][1]].isupper() for p in entry.upper if p < len(spans)):
            return True
        return _STATUS_AFTER.match(low, m.end()) is not None


def name_finder(kb: KnowledgeBase, classes: dict[str, str]) -> NameFinder:
    """One finder for every kind of name: cancers, drugs, regimens, biomarkers, drug classes. Where
    names of two kinds overlap, the longer wins ('anti-HER2 therapy' is a class, not HER2)."""
    cancers = [
        ("cancer", c.id, n, 1) for c in kb.cancers.values() for n in {c.name, c.plain_name, *c.aliases}
    ]
    drugs = [("drug", d.id, n, 1) for d in kb.drugs.values() for n in {d.id, *d.brands, *d.aliases}]
    regimens = [("regimen", r.id, n, 0) for r in kb.regimens.values() for n in {r.id, *r.aliases}]
    markers = []
    for b in kb.biomarkers.values():
        names = set(b.aliases)
        if re.fullmatch(r"[A-Za-z0-9-]+", b.id) and not b.id.isdigit():
            names.add(b.id)
        markers += [("biomarker", b.id, n, 1) for n in names]
    return NameFinder(cancers + drugs + regimens + markers + [("class", c, v, 1) for v, c in classes.items()])
