"""The plain-language layer: shorter sentences, everyday words, and a glossary entry for every
medical term the patient report uses.

The review engine already writes its explanations for patients; this layer removes what still
gets in the way of a reader at US grade 8 (trial acronyms in brackets, semicolons, Latinate
words) and finds, in the final text, every term that needs explaining. Pure: it reads only the
knowledge base it is given.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from secondopinion.knowledge.schema import KnowledgeBase

_WORDS: tuple[tuple[str, str], ...] = (
    (r"approximately", "about"),
    (r"additionally", "also"),
    (r"subsequently", "later"),
    (r"prior to", "before"),
    (r"in combination with", "together with"),
    (r"in addition to", "as well as"),
    (r"administered", "given"),
    (r"demonstrated", "showed"),
    (r"utili[sz]e[sd]?", "use"),
    (r"individuals", "people"),
    (r"patients", "people"),
    (r"significantly", "clearly"),
    (r"therefore", "so"),
    (r"however", "but"),
    (r"e\.g\.", "for example"),
    (r"i\.e\.", "that is"),
    (r"versus|vs\.?", "compared with"),
    (r"plan elements?", "parts of the plan"),
    (r"is indicated", "is advised"),
    (r"are indicated", "are advised"),
    (r"eligible", "able to have it"),
    (r"sufficient", "enough"),
    (r"regarding", "about"),
    (r"commence", "start"),
    (r"risk of recurrence", "risk of the cancer coming back"),
    (r"risk of progression", "risk of the cancer growing"),
    (r"additional", "more"),
    (r"requires", "needs"),
    (r"required", "needed"),
    (r"determines?", "decides"),
    (r"evaluate", "check"),
    (r"identify", "find"),
    (r"indicates", "shows"),
    (r"currently", "now"),
    (r"previously", "before"),
    (r"the majority of", "most"),
    (r"particularly", "mainly"),
    (r"typically", "usually"),
    (r"frequently", "often"),
    (r"appropriate", "right"),
    (r"multiple", "several"),
    (r"discontinue", "stop"),
)
_SYMBOLS = (("≥", "at least "), ("≤", "at most "), ("<", "under "), (">", "over "))
_ACRONYM_PARENS = re.compile(r"\s*\((?:[A-Z0-9][A-Za-z0-9./\- ]*?[A-Z0-9](?:[,;] |\s+and\s+)?)+\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
LONG_SENTENCE = 16


def _match_case(template: str, found: str) -> str:
    return template[:1].upper() + template[1:] if found[:1].isupper() else template


def _is_acronym_list(group: str) -> bool:
    inner = group.strip()[1:-1]
    tokens = [t for t in re.split(r"[,;\s]+", inner) if t and t != "and"]
    return bool(tokens) and all(sum(ch.isupper() for ch in t) >= 2 or t.isdigit() for t in tokens)


def simplify(text: str) -> str:
    """Everyday words, no bracketed trial acronyms, one idea per sentence."""
    if not text:
        return ""
    out = text
    for a, b in _SYMBOLS:
        out = out.replace(a, b)
    out = _ACRONYM_PARENS.sub(lambda m: "" if _is_acronym_list(m.group(0)) else m.group(0), out)
    for pattern, repl in _WORDS:
        out = re.sub(
            rf"\b{pattern}(?=\W|$)", lambda m, r=repl: _match_case(r, m.group(0)), out, flags=re.IGNORECASE
        )
    out = re.sub(r"\b1 element\(s\)", "1 part", out)
    out = re.sub(r"\belement\(s\)", "parts", out)
    out = re.sub(r"\b1 (\w+)\(s\)", r"1 \1", out)
    out = re.sub(r"\b(\w+)\(s\)", r"\1s", out)
    out = re.sub(r"\s*;+\s*", ". ", out)
    out = re.sub(r"\s+—\s+", ". ", out)
    out = re.sub(r"\.\s+([a-z])", lambda m: ". " + m.group(1).upper(), out)
    sentences = []
    for s in _SENTENCE_END.split(out.strip()):
        sentences.extend(_split_long(s))
    return " ".join(s[:1].upper() + s[1:] for s in sentences if s)


def _split_long(sentence: str) -> list[str]:
    if len(sentence.split()) <= LONG_SENTENCE:
        return [sentence]
    if sentence.rstrip().endswith("?"):
        i = sentence.find(", and ")
        if i > 0 and len(sentence[:i].split()) >= 5 and len(sentence[i:].split()) >= 5:
            return [sentence[:i] + "?", "And " + sentence[i + 6 :]]
        return [sentence]
    joints = (
        ", and ",
        ", but ",
        ", so ",
        ", which ",
        ", such as ",
        ": ",
        " and then ",
        ", then ",
        ", especially ",
        ", while ",
        " because ",
        ", or ",
    )
    for joint in joints:
        i = sentence.find(joint)
        if i > 0 and len(sentence[:i].split()) >= 5 and len(sentence[i:].split()) >= 5:
            head = sentence[:i].rstrip(",") + "."
            word = joint.strip(",: ").strip()
            tail = sentence[i + len(joint) :]
            if word == "which":
                tail = "This " + tail
            elif word == "such as":
                tail = "Examples are " + tail
            elif word == "especially":
                tail = "It is especially " + tail
            elif word == "and then":
                tail = "Then " + tail
            elif word == "because":
                tail = "This is because " + tail
            elif word:
                tail = word.capitalize() + " " + tail
            else:
                tail = tail[:1].upper() + tail[1:]
            return [head, *_split_long(tail)]
    return [sentence]


# ---- evidence in words ---------------------------------------------------------------------

STRONG = "Strong"
MODERATE = "Moderate"
PRACTICE = "Established practice"


def evidence_strength(level: str) -> tuple[str, str]:
    """How sure the evidence is, as a short label and a sentence a patient can read."""
    low = level.lower()
    if not low.strip():
        return "Not stated", "The source does not say how strong the evidence is."
    randomised = bool(re.search(r"\brcts?\b", low)) and not re.search(r"phase [12]|randomi[sz]ed phase", low)
    if "phase 3" in low or "meta-analysis" in low or randomised:
        return STRONG, "Tested in large trials that compared treatments."
    if "phase 2" in low or "phase 1" in low or "single-arm" in low or "basket" in low or "phase" in low:
        return MODERATE, "Tested in smaller trials."
    if "fda" in low and not any(w in low for w in ("standard", "consensus", "cohort", "registry")):
        return MODERATE, "Approved by the US Food and Drug Administration (FDA)."
    return PRACTICE, "Based on expert agreement and on studies of people treated in everyday care."


# ---- glossary ------------------------------------------------------------------------------


class GlossEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    term: str
    plain: str
    kind: str = "term"


_MODALITY_WORDS = {
    "chemotherapy": "A chemotherapy medicine. It kills fast-growing cells.",
    "targeted_therapy": "A targeted medicine. It acts on a change found in the cancer cells.",
    "immunotherapy": "An immunotherapy medicine. It helps the immune system attack the cancer.",
    "hormonal_therapy": "A hormone medicine. It blocks hormones that feed some cancers.",
    "cellular_therapy": "A cell therapy made from immune cells.",
    "supportive_care": "A medicine that helps with side effects or symptoms.",
    "radiation": "A medicine that carries radiation to the cancer.",
}


def _slug(text: str) -> str:
    return "g-" + (re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "term")


class Glossary:
    """Every explainable term of the knowledge base, and how to find it in text."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.entries: dict[str, GlossEntry] = {}
        patterns: list[tuple[str, str, bool]] = []  # (surface, key, case_sensitive)
        for t in kb.glossary:
            entry = GlossEntry(key=_slug(t.term), term=t.term, plain=t.plain.strip())
            self.entries.setdefault(entry.key, entry)
            for surface in (t.term, *t.aliases):
                if len(surface) >= 2:
                    patterns.append((surface, entry.key, False))
        for d in kb.drugs.values():
            brands = f" ({', '.join(d.brands)})" if d.brands else ""
            what = _MODALITY_WORDS.get(d.modality, "A medicine used in cancer care.")
            entry = GlossEntry(key=_slug(d.id), term=d.id + brands, plain=what, kind="drug")
            self.entries.setdefault(entry.key, entry)
            for surface in (d.id, *d.brands):
                patterns.append((surface, entry.key, False))
        for b in kb.biomarkers.values():
            key = _slug("marker " + b.id)
            term = (
                b.name
                if b.name.lower() == b.id.lower()
                else f"{b.name} ({b.id})"
                if b.id.isalpha()
                else b.name
            )
            entry = GlossEntry(key=key, term=term, plain=b.explanation.strip(), kind="biomarker")
            for surface in {b.id, b.name, *b.aliases}:
                if surface.isupper() and "_" not in surface and len(surface) >= 2:
                    patterns.append((surface, key, True))
                elif len(surface) >= 4 and "_" not in surface:
                    patterns.append((surface, key, False))
            self.entries.setdefault(key, entry)
        # Glossary terms win over biomarker entries of the same surface (written for patients).
        seen: dict[str, tuple[str, bool]] = {}
        for surface, key, cs in patterns:
            seen.setdefault(surface.lower() if not cs else surface, (key, cs))
        ordered = sorted(seen.items(), key=lambda kv: -len(kv[0]))
        self._keys: dict[str, str] = {}
        insensitive, sensitive = [], []
        for surface, (key, cs) in ordered:
            (sensitive if cs else insensitive).append(re.escape(surface))
            self._keys[surface if cs else surface.lower()] = key
        self._insensitive = re.compile(r"(?<![\w-])(" + "|".join(insensitive) + r")(?![\w-])", re.IGNORECASE)
        self._sensitive = re.compile(r"(?<![\w-])(" + "|".join(sensitive) + r")(?![\w-])")

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, key) of every term in the text, longest first."""
        hits = [
            (m.start(), m.end(), self._keys[m.group(0).lower()]) for m in self._insensitive.finditer(text)
        ]
        hits += [(m.start(), m.end(), self._keys[m.group(0)]) for m in self._sensitive.finditer(text)]
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out: list[tuple[int, int, str]] = []
        end = -1
        for h in hits:
            if h[0] >= end:
                out.append(h)
                end = h[1]
        return out

    def terms_in(self, texts: list[str]) -> list[GlossEntry]:
        """The entries a set of texts needs, with the terms their own definitions use, A to Z."""
        keys: set[str] = set()
        queue = list(texts)
        while queue:
            text = queue.pop()
            for _, _, key in self.find(text):
                if key not in keys:
                    keys.add(key)
                    queue.append(self.entries[key].plain)
        return sorted((self.entries[k] for k in keys), key=lambda e: e.term.lower())


class Linker:
    """Turns text into HTML with the first mention of each glossary term linked to its entry."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        self.linked: set[str] = set()

    def __call__(self, text: str | None) -> Markup:
        text = text or ""
        parts: list[str] = []
        last = 0
        for start, end, key in self.glossary.find(text):
            parts.append(escape(text[last:start]))
            word = escape(text[start:end])
            if key in self.linked:
                parts.append(word)
            else:
                self.linked.add(key)
                parts.append(f'<a class="term" href="#{key}">{word}</a>')
            last = end
        parts.append(escape(text[last:]))
        return Markup("".join(parts))


# ---- what a reader reads -------------------------------------------------------------------


class _Text(HTMLParser):
    BLOCKS = frozenset(
        {
            "p",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "td",
            "th",
            "dt",
            "dd",
            "caption",
            "figcaption",
            "div",
            "section",
            "tr",
            "summary",
        }
    )

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.skip = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        skipped = tag in ("script", "style", "head") or "not-prose" in cls.split()
        if tag not in ("br", "img", "meta", "link", "hr", "input"):
            self.stack.append(skipped)
            self.skip += skipped
        if tag in self.BLOCKS or tag == "br":
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.chunks.append("\n")
        if self.stack and tag not in ("br", "img", "meta", "link", "hr", "input"):
            self.skip -= self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.chunks.append(data)


def readable_text(html: str) -> str:
    """The prose of a rendered report, one block per sentence-ending line, as a reader meets it.

    Elements marked class="not-prose" (the source list for doctors, codes) are left out; a block
    without closing punctuation (a heading, a table cell) counts as a sentence of its own.
    """
    parser = _Text()
    parser.feed(html)
    lines = []
    for raw in "".join(parser.chunks).split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        lines.append(line if line[-1] in ".!?:" else line + ".")
    return "\n".join(lines)
