"""A plan decided between two doctors who disagreed: 'the first urologist wanted surgery; a second
recommended surveillance; we have decided on surveillance'. The decided option is the plan; what
the other doctor recommended stays an opinion on record (and the disagreement stays visible), but
it is not proposed any more. Without a decision naming a treatment, nothing changes."""

from __future__ import annotations

import re

from secondopinion.case import OpinionOnRecord, PlanItem
from secondopinion.intake.text_spans import TextContext

# 'we have decided on', 'I chose', 'we've opted for', 'we are going with', 'my decision is'
DECIDED = re.compile(
    r"\b(?:(?:we|i|my\s+(?:wife|husband|partner|family)\s+and\s+i)\s+(?:have\s+|'ve\s+|had\s+|'d\s+)?"
    r"(?:now\s+|finally\s+|both\s+|all\s+|together\s+|eventually\s+|jointly\s+)?"
    r"(?:decided|chosen|chose|choose|opted|settled|agreed|gone\s+with|went\s+with|"
    r"(?:are|'re|am|'m)\s+going\s+(?:with|ahead\s+with|for)|will\s+go\s+(?:with|ahead\s+with|for))"
    r"|\b(?:my|our)\s+(?:final\s+)?(?:decision|choice)\s+(?:is|was)\b)"
)
_KIND_WORDS = {
    "surgery": re.compile(r"\b(?:surgery|an\s+operation|operating|the\s+operation)\b"),
    "radiation": re.compile(r"\b(?:radiation|radiotherapy|radiation\s+therapy)\b"),
    "chemotherapy": re.compile(r"\bchemo(?:therapy)?\b"),
    "hormonal_therapy": re.compile(r"\bhormon(?:e|al)\s+(?:therapy|treatment|blockade)\b"),
    "immunotherapy": re.compile(r"\bimmunotherapy\b"),
}
_DECIDED_AGAINST = re.compile(r"\s+(?:not\s+to|against)\b")
# Where a rejection stops: 'we decided against radiotherapy and chose surgery' turns down only
# the radiotherapy.
_CLAUSE_END = re.compile(
    # a comma ends it, unless a list of what was turned down goes on ('against surgery, radiotherapy
    # and chemotherapy')
    r"[;]|,(?!\s*[\w-]+(?:\s+[\w-]+)?\s*(?:,|\band\b|\bor\b))|\b(?:but|then)\b"
    r"|\band\s+(?:(?:we|i)\s+)?(?:chose|choose|chosen|opted|decided|went|will|are|have|'ve|prefer\w*|picked|selected|go)\b"
)  # 'against surgery and radiotherapy' turns down both; 'against X and chose Y' only X


def _mentions(ctx: TextContext, item: PlanItem) -> list[int]:
    """Where the item's own words stand in the text, within the sentences it was read from (its
    provenance is the sentence, so the words place it inside or outside a doctor's clause)."""
    words = (item.description or "").lower().strip()
    if not words:
        return []
    found: list[int] = []
    for p in item.provenance:
        if p.start is None or p.end is None:
            continue
        at = ctx.low.find(words, p.start, p.end)
        while at != -1:
            found.append(at)
            at = ctx.low.find(words, at + 1, p.end)
    return found


def _same_treatment(a: PlanItem, b: PlanItem) -> bool:
    if a.modality != b.modality:
        return False
    if a.drugs or b.drugs:
        return bool(set(a.drugs) & set(b.drugs))
    return True


def decided_plan(ctx: TextContext, plan: list[PlanItem], opinions: list[OpinionOnRecord]) -> list[PlanItem]:
    """The plan once a decision between disagreeing doctors is stated: items read only from a
    doctor's recommendation that the decision does not name, or that the decision turns down
    ('we decided against surgery'), are dropped. Applies only when two or more opinions
    recommending different things are on record."""
    if len({" ".join(o.recommends.lower().split()) for o in opinions}) < 2:
        return plan
    decisions: list[tuple[int, int]] = []
    rejections: list[tuple[int, int]] = []
    for m in DECIDED.finditer(ctx.low):
        end = ctx.sentence_of(m.start())[1]
        against = _DECIDED_AGAINST.match(ctx.low, m.end())
        if against is None:
            decisions.append((m.start(), end))
            continue
        clause_end = _CLAUSE_END.search(ctx.low, against.end(), end)
        rejections.append((m.start(), end if clause_end is None else clause_end.start()))
    if not decisions and not rejections:
        return plan
    opinion_spans = [
        (p.start, p.end) for o in opinions for p in o.provenance if p.start is not None and p.end is not None
    ]

    def only_opinion(item: PlanItem) -> bool:
        found = _mentions(ctx, item)
        return bool(found) and all(any(o0 <= at < o1 for o0, o1 in opinion_spans) for at in found)

    def rejected(item: PlanItem) -> bool:
        """'We decided against surgery': the doctor's recommendation was turned down, named by its
        own words or by its kind ('against surgery' turns down a recommended prostatectomy)."""
        words = (item.description or "").lower().strip()
        kind = _KIND_WORDS.get(item.modality)
        return any(
            (bool(words) and words in ctx.low[r0:r1]) or (kind is not None and kind.search(ctx.low, r0, r1))
            for r0, r1 in rejections
        )

    def in_decision(item: PlanItem) -> bool:
        """Named in the decision: by the words it was read from, or, for an item read from several
        sentences ('ibrutinib plus venetoclax' ... 'we decided on ibrutinib and venetoclax'), by its
        regimen or a drug's name."""
        if any(d0 <= at < d1 for at in _mentions(ctx, item) for d0, d1 in decisions):
            return True
        names = [n.lower() for n in (item.regimen, *item.drugs) if n and len(n) > 2]
        return any(
            re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", ctx.low[d0:d1])
            for n in names
            for d0, d1 in decisions
        )

    decided = [i for i in plan if in_decision(i)]

    def kept(item: PlanItem) -> bool:
        if not only_opinion(item) or in_decision(item):
            return True
        return not rejected(item) and (not decided or any(_same_treatment(item, d) for d in decided))

    return [i for i in plan if kept(i)]
