"""Offsets-preserving text handling for the free-text intake: normalised copies of the text,
sentences, clauses, and provenance built from character offsets into the original text.

Every copy made here has exactly the length of the original, so an offset found in a copy is an
offset into what the person wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from secondopinion.case import Provenance
from secondopinion.text_fold import fold_case_text


def fold(text: str) -> str:
    """Dashes, quotes and spaces folded to ASCII; same length as the input."""
    return fold_case_text(text)


def lower_same_length(text: str) -> str:
    """Lower-case, keeping characters whose lower case has another length (e.g. 'İ') as they are."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


# --- sentences -------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "vs",
        "e.g",
        "i.e",
        "approx",
        "fig",
        "et",
        "al",
        "no",
        "nos",
        "cf",
        "ca",
        "incl",
        "resp",
        "pt",
        "pts",
        "wk",
        "wks",
        "mo",
        "mos",
        "yr",
        "yrs",
        "hx",
        "sx",
        "dx",
        "tx",
        "rx",
        "inc",
        "jr",
        "sr",
        "mt",
        "ft",
    ]
)
_BULLET = re.compile(r"\s*(?:[-*\u2022\u25aa>]|\(?\d{1,2}[.)])\s")
_HEADER = re.compile(r"\s*[A-Z][A-Za-z /&]{1,30}:")
_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|[.!?]+[\"')\]]*$")


_NUMBERED = re.compile(r"\s*\(?\d{1,2}[.)]\s")


def _bullet_starts(line: str, stripped: str, nxt: str) -> bool:
    """A bullet starts the next line; a number is a list item only after a finished line or another
    numbered item ('PD-L1 CPS' then '15. ECOG 1' is one sentence broken by the line)."""
    if _BULLET.match(nxt) is None:
        return False
    if _NUMBERED.match(nxt) is None:
        return True
    return stripped.endswith((".", ":", ";", "!", "?", ")")) or _NUMBERED.match(line) is not None


def _split_lines(text: str) -> list[tuple[int, int]]:
    """Blocks of text separated by blank lines or by line breaks that start a new item."""
    blocks: list[tuple[int, int]] = []
    start = 0
    lines = text.split("\n")
    pos = 0
    for i, line in enumerate(lines):
        end = pos + len(line)
        if i + 1 < len(lines):
            nxt = lines[i + 1]
            stripped = line.rstrip()
            new_item = (
                not nxt.strip()
                or not stripped
                or _bullet_starts(line, stripped, nxt)
                or _HEADER.match(nxt) is not None
                or stripped.endswith((".", ";", "!", "?"))
                or (len(stripped) < 50 and nxt.lstrip()[:1].isupper())
            )
            if new_item:
                blocks.append((start, end))
                start = end + 1
        pos = end + 1
    blocks.append((start, len(text)))
    return blocks


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "-*\u2022\u25aa>"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: split at ., ! or ? before a space (not after abbreviations or initials),
    and at line breaks that start a new item. Spans are trimmed; empty ones are dropped."""
    out: list[tuple[int, int]] = []
    for b_start, b_end in _split_lines(text):
        start = b_start
        for m in _END.finditer(text, b_start, b_end):
            if m.group().startswith(".") and len(m.group().rstrip("\"')]")) == 1:
                word = re.search(r"([A-Za-z.]+)$", text[start : m.start()])
                token = word.group(1).lower() if word else ""
                if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                    continue
                nxt = text[m.end() : m.end() + 3].lstrip()
                if nxt[:1].islower() or nxt[:1].isdigit():
                    continue
            s, e = _trim(text, start, m.end())
            if e > s:
                out.append((s, e))
            start = m.end()
        s, e = _trim(text, start, b_end)
        if e > s:
            out.append((s, e))
    return out


# --- clauses ---------------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(
    r";|\s+but\s+|,?\s+however,?\s+|\s+although\s+|\s+though\s+|\s+whereas\s+|,?\s+while\s+"
    r"|,\s+and\s+|,?\s+and\s+then\s+|,?\s+followed\s+by\s+|,?\s+then\s+|\s+so\s+(?=\w)"
    r"|\s+because\s+|\s+and\s+(?=(?:my|the|her|his|she|he|i|i'm|i've|we|they|dr|now|our|then)\b)"
    r"|,\s+(?=(?:my|her|his|our)\s)(?!(?:my|her|his|our)\s+(?:[\w-]+\s+)?[\w-]+\s*,)"
)


def clauses(low: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans inside one sentence (lower-cased text), split at contrast and sequence words."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _CLAUSE_BREAK.finditer(low, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if end > pos:
        out.append((pos, end))
    return out or [(start, end)]


TOKEN = re.compile(r"[^\W_]+|[^\w\s]")  # words and single punctuation marks

# --- the parsing context ---------------------------------------------------------------------


@dataclass
class TextContext:
    """One text being parsed: the original, its same-length normalised copies and its sentences."""

    text: str
    document: str | None
    norm: str = ""
    low: str = ""
    sents: list[tuple[int, int]] = field(default_factory=list)
    proxy: str | None = None  # the relative the writer speaks for ('my wife has melanoma')
    excluded: list[tuple[int, int]] = field(default_factory=list)  # family / other people

    def __post_init__(self) -> None:
        self.norm = fold(self.text)
        self.low = lower_same_length(self.norm)
        self.sents = sentences(self.norm)

    @cached_property
    def tokens(self) -> list[tuple[str, int, int]]:
        """Lower-cased word tokens with their offsets, hyphens left out ('PD-L1' = 'pd l1')."""
        return [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(self.low) if m.group() != "-"]

    def prov(self, start: int, end: int) -> Provenance:
        start, end = max(0, start), min(len(self.text), end)
        return Provenance(
            source="text", document=self.document, text=self.text[start:end], start=start, end=end
        )

    def sentence_of(self, pos: int) -> tuple[int, int]:
        for s, e in self.sents:
            if s <= pos < e:
                return s, e
        return pos, min(len(self.text), pos + 1)

    def clause_of(self, pos: int) -> tuple[int, int]:
        s, e = self.sentence_of(pos)
        for cs, ce in clauses(self.low, s, e):
            if cs <= pos < ce:
                return cs, ce
        return s, e

    def is_excluded(self, start: int, end: int) -> bool:
        """True when the span lies in text about someone else (a relative, a friend)."""
        return any(s <= start and end <= e for s, e in self.excluded)
