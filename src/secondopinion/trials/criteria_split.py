"""Free-text eligibility criteria cut into items: inclusion or exclusion, each a span of the text.

Registries write criteria as bulleted lists (`*`, `-`, `1.`, `a)`), wrapped lines indented under
their bullet, section headers ("Inclusion Criteria:", "Key Exclusion Criteria"), and lead-in lines
("must have one of the following:") whose deeper-indented items are alternatives. Every item is a
(start, end) span into the original text, so what a person reads is exactly what was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BULLET = re.compile(
    r"[ \t]*(?:[-*\u2022\u25aa\u25e6\u00b7\u2023\u25cb\u25cf\u2013\u2014]+"
    r"|\(?(?:\d{1,2}|[A-Za-z]|[ivxIVX]{2,4})[.)](?:[ \t]*\.)?(?!\d))[ \t]+"
)
_SECTION = re.compile(
    r"(?:key\s+|main\s+|additional\s+|general\s+|specific\s+|major\s+|other\s+)?"
    r"(?P<kind>inclusion|exclusion|non[- ]?inclusion|eligibility|ineligibility)s?"
    r"(?P<criteria>\s+(?:criteria|criterion|requirements?))?"
    r"(?P<rest>[^:\n]{0,60}?)(?P<end>:|\s*-{2,}|\s*$)",
    re.IGNORECASE,
)
_SENTENCE_SECTION = re.compile(
    r"(?:subjects|patients|participants|individuals|people|persons)?\s*(?:will|shall)\s+be\s+"
    r"(?P<kind>included|excluded|eligible|ineligible)\b[^:\n]{0,60}:\s*$",
    re.IGNORECASE,
)
_CAPS_HEADER = re.compile(r"[A-Z][A-Z /&,()-]{3,60}:\s*$")
_TERMINAL = (".", ";", ":", "!", "?")
_ALTERNATIVES = re.compile(
    r"\b(?:one of|any of|at least one|either|one or more of|any one of)\b[^:]*:\s*$", re.IGNORECASE
)
_ALL_OF = re.compile(r"\b(?:all|each|both|every one) of\b", re.IGNORECASE)


@dataclass
class Item:
    """One criterion as written: its span, its section, and its place in an 'one of' list."""

    inclusion: bool
    start: int
    end: int
    indent: int
    group: str | None = None
    option: int | None = None


@dataclass
class _Line:
    start: int  # first character of the content (after indentation and bullet)
    end: int  # end of the content, trailing spaces removed
    indent: int
    bullet: bool


def _lines(text: str) -> list[_Line | None]:
    """Each line's content span; None for a blank line."""
    out: list[_Line | None] = []
    pos = 0
    for raw in text.split("\n"):
        line_end = pos + len(raw)
        stripped = raw.rstrip()
        if not stripped.strip():
            out.append(None)
        else:
            indent = len(stripped) - len(stripped.lstrip())
            m = _BULLET.match(stripped)
            bullet = m is not None and m.end() < len(stripped)
            content = pos + (m.end() if bullet and m is not None else indent)
            # A bullet made only of punctuation may be followed by more ("1. . Text").
            out.append(_Line(content, pos + len(stripped), indent, bullet))
        pos = line_end + 1
    return out


def _section(text: str, line: _Line) -> tuple[bool | None, int | None]:
    """(inclusion?, start of text after the header) when the line is a section header."""
    content = text[line.start : line.end]
    m = _SECTION.match(content)
    if m is not None and (
        len(m.group("rest").split()) <= 8
        if m.group("criteria")
        else len(m.group("rest").split()) <= 3 and m.group("end") == ":"
    ):
        kind = m.group("kind").lower()
        inclusion = not kind.startswith(("exclusion", "non", "ineligib"))
        rest = line.start + m.end()
        after = text[rest : line.end].strip(" \t-")
        return inclusion, (rest + text[rest : line.end].index(after) if after else None)
    m2 = _SENTENCE_SECTION.match(content)
    if m2 is not None:
        kind = m2.group("kind").lower()
        return kind in ("included", "eligible"), None
    return None, None


def _continues(text: str, prev: _Line, item: Item, line: _Line, blank_before: bool) -> bool:
    """True when a bullet-less line is the wrapped continuation of the item above it."""
    if blank_before:
        return False
    prev_text = text[prev.start : prev.end]
    first = text[line.start : line.start + 1]
    if line.indent > item.indent:
        return True
    if prev_text.endswith(_TERMINAL):
        return False
    # Registries do not hard-wrap lines except under an indented bullet (handled above), so an
    # unindented line continues the one above only when it cannot start a sentence.
    return first.islower() or first.isdigit() or first in "(<>\u2264\u2265=&,"


def eligibility_items(text: str) -> list[Item]:
    """Criteria items of an eligibility text, in order. Text before any header counts as
    inclusion (the registries' convention); headers themselves are not items."""
    items: list[Item] = []
    inclusion = True
    lines = _lines(text)
    prev: _Line | None = None
    blank_before = False
    current: Item | None = None
    lead: Item | None = None  # an open "one of the following:" item
    lead_id = 0
    for line in lines:
        if line is None:
            blank_before = True
            continue
        kind, after = _section(text, line)
        if kind is not None:
            inclusion = kind
            lead = None
            current = None
            if after is not None:
                current = Item(inclusion, after, line.end, line.indent)
                items.append(current)
            prev, blank_before = line, False
            continue
        if not line.bullet and _CAPS_HEADER.match(text, line.start, line.end) and line.end - line.start < 62:
            current, lead = None, None  # "DISEASE CHARACTERISTICS:" sub-headers
            prev, blank_before = line, False
            continue
        if (
            current is not None
            and prev is not None
            and not line.bullet
            and _continues(text, prev, current, line, blank_before)
        ):
            current.end = line.end
            prev, blank_before = line, False
            continue
        current = Item(inclusion, line.start, line.end, line.indent)
        if lead is not None and line.indent > lead.indent:
            current.group = lead.group
            current.option = sum(1 for i in items if i.group == lead.group and i is not lead)
        else:
            lead = None
        items.append(current)
        content = text[line.start : line.end]
        if inclusion and _ALTERNATIVES.search(content) and not _ALL_OF.search(content):
            lead_id += 1
            lead = Item(inclusion, current.start, current.end, line.indent, group=f"any{lead_id}")
        prev, blank_before = line, False
    return [_trimmed(text, i) for i in items if text[i.start : i.end].strip(" \t\n-*.;")]


def _trimmed(text: str, item: Item) -> Item:
    start, end = item.start, item.end
    while start < end and text[start] in " \t\n":
        start += 1
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    item.start, item.end = start, end
    return item


def split_eligibility(text: str) -> list[tuple[bool, str]]:
    """(inclusion, criterion text) pairs; each text is a verbatim substring of `text`."""
    return [(i.inclusion, text[i.start : i.end]) for i in eligibility_items(text)]
