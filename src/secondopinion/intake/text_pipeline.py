"""The medspaCy pipeline: tokenizer plus ConText, with rules written for how patients and
clinicians describe a cancer and its treatment.

ConText decides, for each mention the other modules found (a cancer, a biomarker, a treatment, a
condition), whether it is negated ("no EGFR mutation"), hypothetical ("if it comes back"), about a
relative ("my mother had ovarian cancer", "history of carcinoma in mother") or about someone else
("my friend had chemo"). Sentence boundaries come from our own splitter (faster than PyRuSH).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from secondopinion.intake.text_spans import TextContext, clauses

RELATIVES = [
    "mother",
    "mom",
    "mum",
    "mother's",
    "father",
    "dad",
    "father's",
    "sister",
    "sisters",
    "brother",
    "brothers",
    "aunt",
    "aunts",
    "uncle",
    "uncles",
    "cousin",
    "cousins",
    "grandmother",
    "grandma",
    "grandfather",
    "grandpa",
    "grandparent",
    "grandparents",
    "daughter",
    "daughters",
    "son",
    "sons",
    "niece",
    "nieces",
    "nephew",
    "nephews",
    "sibling",
    "siblings",
    "parent",
    "parents",
    "relative",
    "relatives",
    "twin",
]
_OTHERS = [
    "friend",
    "friends",
    "neighbor",
    "neighbour",
    "coworker",
    "co-worker",
    "colleague",
    "husband",
    "wife",
    "partner",
    "spouse",
    "boyfriend",
    "girlfriend",
    "someone",
]
_FIRST_PERSON = ["i", "my", "me", "myself", "mine"]
_THIRD_PERSON = ["she", "he", "patient", "pt", "herself", "himself"]

FAMILY, OTHER = "FAMILY", "OTHER_PERSON"
NEGATED, HYPOTHETICAL, HISTORICAL, POSSIBLE = (
    "NEGATED_EXISTENCE",
    "HYPOTHETICAL",
    "HISTORICAL",
    "POSSIBLE_EXISTENCE",
)


@dataclass(frozen=True)
class Assertion:
    negated: bool = False
    hypothetical: bool = False
    historical: bool = False
    uncertain: bool = False
    family: bool = False
    other_person: bool = False
    relative: str | None = None  # the relative named by the family modifier, if any

    @property
    def about_patient(self) -> bool:
        return not (self.family or self.other_person)


def _rules() -> list[Any]:
    from medspacy.context import ConTextRule  # type: ignore[import-untyped]

    def rule(
        literal: str,
        cat: str,
        direction: str = "FORWARD",
        pattern: Any = None,
        max_scope: int | None = None,
        terminated_by: set[str] | None = None,
    ) -> Any:
        return ConTextRule(
            literal,
            cat,
            pattern=pattern,
            direction=direction,
            max_scope=max_scope,
            terminated_by=terminated_by,
        )

    rel = {"LOWER": {"IN": RELATIVES}}
    people = [
        # someone else: a relative or another person; ends at the first word about the patient
        rule(
            "relative",
            FAMILY,
            pattern=[
                {"LOWER": {"IN": ["maternal", "paternal"]}, "OP": "?"},
                rel,
                {"LOWER": {"IN": ["'s", "'"]}, "OP": "?"},
            ],
        ),
        rule(
            "family history",
            FAMILY,
            pattern=[
                {"LOWER": {"IN": ["family", "fhx", "fh"]}},
                {"LOWER": {"IN": ["history", "hx"]}, "OP": "?"},
            ],
        ),
        rule(
            "in mother",
            FAMILY,
            "BACKWARD",
            pattern=[
                {"LOWER": {"IN": ["in", "of"]}},
                {"LOWER": {"IN": ["her", "his", "my", "their", "a", "the", "patient's", "both"]}, "OP": "?"},
                {"LOWER": {"IN": ["maternal", "paternal", "first-degree"]}, "OP": "?"},
                rel,
            ],
            max_scope=12,
        ),
        rule("friend", OTHER, pattern=[{"LOWER": {"IN": _OTHERS}}]),
    ]
    rules = [
        *people,
        rule("comma", "COMMA", "PSEUDO", pattern=[{"LOWER": {"IN": [",", "(", ")"]}}]),
        # negation (a comma ends it: 'never smoker, stage IV adenocarcinoma')
        *(
            rule(w, NEGATED, max_scope=7, terminated_by={"COMMA"})
            for w in (
                "no",
                "not",
                "n't",
                "never",
                "without",
                "negative for",
                "neg for",
                "free of",
                "absence of",
                "lack of",
                "denies",
                "denied",
                "declined",
                "declines",
                "refused",
                "no need for",
                "instead of",
                "rather than",
                "not a candidate for",
                "decided against",
                "recommended against",
                "advised against",
                "avoid",
                "spare",
                "omit",
                "no evidence of",
                "no sign of",
                "no signs of",
                "ruled out",
                "nor",
                "neither",
            )
        ),
        *(
            rule(w, NEGATED, "BACKWARD", max_scope=8)
            for w in (
                "was negative",
                "were negative",
                "is negative",
                "are negative",
                "not detected",
                "was not detected",
                "not found",
                "not seen",
                "not identified",
                "ruled out",
                "was ruled out",
                "not recommended",
                "is not recommended",
                "not planned",
                "not needed",
                "not necessary",
                "not indicated",
                "not required",
                "unlikely",
                "not be needed",
                "won't be needed",
                "is not needed",
            )
        ),
        *(
            rule(w, "PSEUDO", "PSEUDO")
            for w in (
                "never smoker",
                "never smoked",
                "never-smoker",
                "never a smoker",
                "non-smoker",
                "no smoking",
                "never smoking",
                "not smoke",
                "don't smoke",
                "not a smoker",
                "not only",
                "not sure",
                "not certain",
                "no change",
                "no further",
                "not clear",
                "no doubt",
                "not yet",
                "not just",
                "no longer",
                "gram negative",
                "not been",
                "dear colleague",
                "dear colleagues",
                "colleague's",
            )
        ),
        # hypothetical and possible
        *(
            rule(w, HYPOTHETICAL)
            for w in (
                "if",
                "unless",
                "in case",
                "whether",
                "risk of",
                "risk for",
                "risks of",
                "chance of",
                "chances of",
                "odds of",
                "likelihood of",
                "prevent",
                "preventing",
                "to prevent",
                "screening for",
                "screened for",
                "rule out",
                "to exclude",
                "in the event",
            )
        ),
        rule("only if", HYPOTHETICAL, "BACKWARD", max_scope=8),
        *(
            rule(w, POSSIBLE, max_scope=6)
            for w in (
                "possible",
                "possibly",
                "probable",
                "probably",
                "suspicious for",
                "suspected",
                "concerning for",
                "questionable",
                "cannot exclude",
                "can't exclude",
                "indeterminate",
            )
        ),
        rule(
            "history of",
            HISTORICAL,
            pattern=[{"LOWER": {"IN": ["history", "hx", "h/o"]}}, {"LOWER": "of", "OP": "?"}],
        ),
        *(rule(w, HISTORICAL) for w in ("previous", "previously", "prior", "in remission", "survivor")),
        # scope ends at contrast and sequence words
        *(
            rule(w, "TERMINATE", "TERMINATE")
            for w in (
                "but",
                "however",
                "although",
                "though",
                "except",
                "yet",
                "whereas",
                "while",
                "which",
                "so",
                "therefore",
                "then",
                "followed by",
                "aside from",
                "apart from",
                "other than",
                ";",
                "because",
                "since",
            )
        ),
    ]
    return rules


class _Pipeline:
    def __init__(self) -> None:
        from loguru import logger

        logger.disable("PyRuSH")
        import medspacy  # type: ignore[import-untyped]
        from medspacy.context import ConText  # type: ignore[import-untyped]

        self.nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer"], load_rules=False)
        self.context = ConText(
            self.nlp, name="so_context", rules=None, input_span_type="group", span_group_name="so_targets"
        )
        self.context.add(_rules())


@lru_cache(maxsize=1)
def pipeline() -> _Pipeline:
    """The tokenizer and ConText components, built once per process (they hold no case data)."""
    return _Pipeline()


def _relative(words: str) -> str | None:
    """'in her mother' -> 'mother'; 'maternal aunt' -> 'maternal aunt'; 'family history' -> None."""
    kept = [
        w
        for w in words.lower().replace("'s", "").split()
        if w not in ("in", "of", "her", "his", "my", "their", "a", "the", "patient", "both", "'")
    ]
    kept = [w for w in kept if w in RELATIVES or w in ("maternal", "paternal", "first-degree")]
    return " ".join(kept) if any(w in RELATIVES for w in kept) else None


_SAME = [{"mother", "mom", "mum"}, {"father", "dad"}, {"grandmother", "grandma"}, {"grandfather", "grandpa"}]


def _same_person(words: str, proxy: str) -> bool:
    names = {w.removesuffix("'s").strip("'") for w in words.lower().split()}
    group = next((g for g in _SAME if proxy in g), {proxy})
    return bool(names & group)


def first_person(low: str) -> bool:
    import re

    return re.search(r"\b(?:i|i'm|i've|i'd|my|me)\b", low) is not None


# Words by which a later clause can still speak of the relative: 'my brother had lymphoma and they
# gave him R-CHOP'
_BACK_REFS = frozenset(
    {"he", "she", "him", "her", "his", "hers", "they", "them", "their", "himself", "herself"}
)


def _clause_end(ctx: TextContext, doc: Any, start: int, end: int, back_refs: set[str]) -> int:
    """The token where someone else's scope stops: at the next clause with its own subject ('my brother
    is a full match and the transplant doctor recommends a transplant'), unless that clause refers
    back to them."""
    if end <= start:
        return end
    pos = doc[start].idx
    s_start, s_end = ctx.sentence_of(pos)
    for c_start, c_end in clauses(ctx.low, s_start, s_end):
        if c_start <= pos:
            continue
        words = {t.lower_ for t in doc[start:end] if c_start <= t.idx < c_end}
        if words & back_refs:
            continue
        return next((i for i in range(start, end) if doc[i].idx >= c_start), end)
    return end


def _across_comma(doc: Any, mod: Any, span: Any) -> bool:
    """A forward negation stops at a comma ('no lymphovascular invasion, normal markers after
    orchiectomy'): ConText's own termination does not apply it to pseudo modifiers."""
    if mod.category != NEGATED or mod.direction.upper() != "FORWARD":
        return False
    end = mod.modifier_span[1]
    return end <= span.start and any(t.text == "," for t in doc[end : span.start])


def assert_spans(ctx: TextContext, spans: list[tuple[int, int, str]]) -> dict[tuple[int, int], Assertion]:
    """ConText assertions for each (start, end, label) span; also records in ctx which stretches
    of text are about relatives or other people."""
    pipe = pipeline()
    doc = pipe.nlp.make_doc(ctx.norm)
    starts = {s for s, _ in ctx.sents}
    for i, tok in enumerate(doc):
        tok.is_sent_start = i == 0 or tok.idx in starts
    targets = []
    keys: list[tuple[int, int]] = []
    for start, end, label in spans:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None and len(span):
            targets.append(span)
            keys.append((start, end))
    doc.spans["so_targets"] = targets
    pipe.context(doc)
    self_words = set(_THIRD_PERSON if ctx.proxy or not first_person(ctx.low) else _FIRST_PERSON)
    back_refs = (
        _BACK_REFS - self_words if not ctx.proxy and first_person(ctx.low) else {"they", "them", "their"}
    )
    about_others: list[tuple[int, int, str, str]] = []  # token scope, category, relative
    for mod in doc._.context_graph.modifiers:
        if mod.category not in (FAMILY, OTHER):
            continue
        (s, e), (ms, me) = mod.scope_span, mod.modifier_span
        category = mod.category
        if ctx.proxy:
            # writing for someone: 'my wife' is the patient; 'my sister' is the writer's relative
            possessor = doc[ms - 1].lower_ if ms > 0 else ""
            mine = possessor in ("my", "our")
            if _same_person(doc[ms:me].text, ctx.proxy) and possessor not in (
                "her",
                "his",
                "their",
                "your",
                "'s",
                "'",
            ):
                continue  # 'my mum', or 'Mum' as a name: the person written for
            if mine:
                category = OTHER
        if mod.direction.upper() == "FORWARD":
            # the scope ends at the first word about the patient: 'my son is worried about my cancer'
            e = next((i for i in range(me, e) if doc[i].lower_ in self_words), e)
            e = _clause_end(ctx, doc, me, e, back_refs)
        else:
            s = max([s, *(i + 1 for i in range(s, ms) if doc[i].lower_ in self_words)])
        lo, hi = min(s, ms), max(e, me)
        if hi > lo:
            about_others.append((lo, hi, category, _relative(doc[ms:me].text) or ""))
    ctx.excluded = [(doc[lo].idx, doc[hi - 1].idx + len(doc[hi - 1])) for lo, hi, _, _ in about_others]
    out: dict[tuple[int, int], Assertion] = {}
    for key, span in zip(keys, doc.spans["so_targets"], strict=True):
        cats = {m.category for m in span._.modifiers if not _across_comma(doc, m, span)}
        around = [(cat, rel) for lo, hi, cat, rel in about_others if lo <= span.start and span.end <= hi]
        out[key] = Assertion(
            negated=NEGATED in cats,
            hypothetical=HYPOTHETICAL in cats,
            historical=HISTORICAL in cats,
            uncertain=POSSIBLE in cats,
            family=any(cat == FAMILY for cat, _ in around),
            other_person=any(cat == OTHER for cat, _ in around),
            relative=next((rel for cat, rel in around if cat == FAMILY and rel), None),
        )
    return out
