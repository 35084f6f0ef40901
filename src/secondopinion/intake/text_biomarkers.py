"""Biomarker results in free text: which marker, what status, which alteration, which value.

A mention of a knowledge-base biomarker gets its status from, in order: words inside the name
itself ('MSI-high', 'IDH-wildtype'), a sign glued to it ('ER+', 'HER2-'), the words after it up
to the next marker ('EGFR exon 19 deletion', 'ALK negative', 'PD-L1 TPS 60%'), the words before
it ('negative for EGFR, ALK, ROS1', 'no EGFR mutation', 'awaiting PD-L1'), and finally ConText
negation. Lists share the status written after or before them ('ER/PR positive'). A mention
with no readable status is left out rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from secondopinion.case import Biomarker, BiomarkerStatus
from secondopinion.intake import text_biomarker_words as bw
from secondopinion.intake import text_patterns as pat
from secondopinion.intake.text_pipeline import Assertion
from secondopinion.intake.text_spans import TextContext
from secondopinion.intake.text_vocab import Mention
from secondopinion.knowledge.schema import KnowledgeBase


@dataclass
class _Reading:
    status: BiomarkerStatus | None = None
    detail: str | None = None
    value: float | None = None
    unit: str | None = None
    method: str | None = None
    extra: list[tuple[str, BiomarkerStatus, str | None]] = field(default_factory=list)


def _cue_status(kind: str, marker: str) -> BiomarkerStatus | None:
    if kind == "low":
        return "negative" if marker in ("TMB", "MSI") else "positive" if marker == "PD-L1" else None
    return {
        "not_tested": "not_tested",
        "pending": "pending",
        "equivocal": "equivocal",
        "unknown": "unknown",
        "neg": "negative",
        "pos": "positive",
    }.get(kind)  # type: ignore[return-value]


def _cues(text: str) -> list[tuple[str, re.Match[str]]]:
    return [(m.lastgroup or "", m) for m in bw.CUE.finditer(text)]


def _details(norm: str, low: str, start: int, end: int) -> list[str]:
    out: list[str] = []
    for m in bw.EXON.finditer(low, start, end):
        n = m.group("n") or m.group("n2")
        kind = (m.group("kind") or m.group("kind2") or "").replace(" ", "")
        word = {
            "del": "deletion",
            "ins": "insertion",
            "skip": "skipping",
            "mut": "mutation",
            "dup": "duplication",
        }.get(kind, kind.rstrip("s") if kind.endswith("s") and kind != "skipping" else kind)
        if word.startswith("pointmutation"):
            word = "point mutation"
        out.append(f"exon {n} {word}".strip())
    for m in bw.PROTEIN.finditer(norm, start, end):
        out.append(m.group().removeprefix("p."))
    if not out:
        for m in bw.STRUCTURAL.finditer(low, start, end):
            out.append(m.group("s"))
            break
    return out


def _value(marker: str, low: str, start: int, end: int) -> tuple[float | None, str | None, bool]:
    """(value, unit, below) from the first number after the marker that reads as its result."""
    text = low[start:end]
    for m in bw.VALUE.finditer(text):
        if not m.group("v"):
            continue
        before = text[max(0, m.start("v") - 8) : m.start("v")]
        glued = before[-1:].isalpha() or before[-1:] == "."  # 'L858R', 'ex19', '18.2'
        last = next(g for g in ("unit", "v2", "v") if m.group(g))
        if (
            glued
            or re.search(r"\bex(?:on)?\s*\Z", before)
            or re.match(r"[a-z]", text[m.end(last) : m.end(last) + 1])
        ):
            continue
        unit = m.group("unit") or ""
        value = pat.number(m.group("v"))
        below = bool(m.group("cmp")) and m.group("cmp").strip() in ("<", "less than", "under", "below")
        if "mut" in unit or (marker == "TMB" and not unit):
            return value, "mut/Mb", below
        if marker == "PD-L1":
            # the score named nearest before the number: 'CPS 10, TPS 2%' is TPS 2
            context = low[max(0, start - 30) : start + m.start("v")]
            named = list(re.finditer(r"\bcps\b|combined\s+positive|\btps\b|proportion", context))
            if named:
                return value, "CPS" if named[-1].group().startswith(("cps", "combined")) else "TPS", below
            if unit:
                return value, "TPS", below
            return None, None, False
        if unit:
            return value, "%", below
        return None, None, False
    return None, None, False


def _from_value(marker: str, value: float, below: bool) -> BiomarkerStatus | None:
    if marker == "TMB":
        return "negative" if below or value < 10 else "positive"
    if marker in ("PD-L1", "ER", "PR"):
        return "negative" if (below and value <= 1) or value < 1 else "positive"
    return None


def _her2(low: str, start: int, end: int, has_low: bool) -> _Reading | None:
    """HER2 by IHC score and ISH result ('2+ on IHC, FISH not amplified')."""
    text = low[start:end]
    score = re.search(
        r"(?:ihc\s*(?:score\s*)?(?:of\s*)?:?\s*)?(?<![\d.])(?P<s>[0-3])\s*\+|\bihc\s*(?:score\s*)?(?:of\s*)?:?\s*(?P<z>0)\b"
        r"|^\s*(?:score\s+(?:of\s+)?)?(?P<z2>0)(?!\.?\d|%)",
        text,
    )
    ish = re.search(
        r"\b(?:fish|(?:s|c|dd)?ish|in\s+situ\s+hybridi[sz]ation)\b[^.;]{0,40}?"
        r"(?P<r>not\s+amplified|non-?amplified|no\s+amplification|negative|amplified|positive)"
        r"|(?P<r2>not\s+amplified|non-?amplified|amplified)\b[^.;]{0,10}?\b(?:by\s+)?(?:fish|ish)"
        # amplification alone is an ISH result ('HER2 2+, not amplified')
        r"|(?P<r3>not\s+amplified|non-?amplified|no\s+amplification|amplified)\b",
        text,
    )
    if score is None and ish is None:
        return None
    reading = _Reading()
    ish_result = None
    if ish:
        r = ish.group("r") or ish.group("r2") or ish.group("r3")
        ish_result = "negative" if re.match(r"not|non|no\b|negative", r) else "positive"
    if score is not None:
        s = int(score.group("s") if score.group("s") is not None else 0)
        reading.detail = f"IHC {s}+" if s else "IHC 0"
        reading.method = "IHC"
        if s == 3:
            reading.status = "positive"
        elif s in (0, 1):
            reading.status = "negative"
            if s == 1 and has_low:
                reading.extra.append(("HER2_LOW", "positive", "IHC 1+"))
        elif ish_result is not None:
            reading.status = ish_result  # type: ignore[assignment]
            reading.method = "ISH"
            reading.detail = f"IHC 2+, ISH {'amplified' if ish_result == 'positive' else 'not amplified'}"
            if ish_result == "negative" and has_low:
                reading.extra.append(("HER2_LOW", "positive", "IHC 2+, ISH not amplified"))
        else:
            reading.status = "equivocal"
    elif ish_result is not None:
        reading.status = ish_result  # type: ignore[assignment]
        reading.method = "ISH"
        reading.detail = "ISH amplified" if ish_result == "positive" else "ISH not amplified"
    return reading


class _Group:
    def __init__(self, members: list[Mention]) -> None:
        self.members = members

    @property
    def start(self) -> int:
        return self.members[0].start

    @property
    def end(self) -> int:
        return self.members[-1].end


def _merge_same(mentions: list[Mention], low: str) -> list[Mention]:
    """'PD-L1 (TPS)' and 'HER2/neu' are one mention each."""
    out: list[Mention] = []
    for m in mentions:
        if out and out[-1].id == m.id and re.fullmatch(r"[\s/(]*", low[out[-1].end : m.start]):
            prev = out[-1]
            out[-1] = Mention(prev.kind, prev.id, prev.start, m.end, low[prev.start : m.end])
        else:
            out.append(m)
    return out


def _groups(mentions: list[Mention], ctx: TextContext) -> list[_Group]:
    groups: list[_Group] = []
    for m in mentions:
        if groups:
            last = groups[-1].members[-1]
            between = ctx.low[last.end : m.start]
            same_sentence = ctx.sentence_of(last.start) == ctx.sentence_of(m.start)
            if (
                same_sentence
                and bw.SEPARATOR.fullmatch(between)
                and bw.SUFFIX.match(ctx.low, last.end) is None
                and not last.text.endswith(("+", "-"))
            ):
                groups[-1].members.append(m)
                continue
        groups.append(_Group([m]))
    return groups


def _self_reading(m: Mention, kb: KnowledgeBase) -> tuple[BiomarkerStatus | None, bool]:
    """Status carried by the name itself: ('MSI-high' -> positive, strong), ('ALK fusion' -> noun)."""
    words = set(
        re.findall(r"[a-z0-9]+", m.text.replace("wild-type", "wildtype").replace("wild type", "wildtype"))
    )
    ident = (
        {w for w in re.findall(r"[a-z0-9]+", kb.biomarkers[m.id].name.lower())}
        if m.id in kb.biomarkers
        else set()
    )
    words -= ident - {"high", "low", "positive"}
    if words & bw.SELF_NEGATIVE:
        return "negative", True
    if words & bw.SELF_POSITIVE or m.id == "HER2_LOW":
        return "positive", True
    if words & bw.SELF_NOUN or (m.id in kb.biomarkers and kb.biomarkers[m.id].kind == "karyotype"):
        return "positive", False
    return None, False


def _resolve(after: str, before: str, marker: str) -> BiomarkerStatus | None:
    """Status from the words after the marker, then before it."""
    adj = bw.ADJ_BEFORE.search(before)
    if adj and not _cues(after)[:1]:
        return "positive" if adj.group("pos") else "negative"
    negated_before = bw.BEFORE_NEG.search(before) is not None
    cues = _cues(after)
    for i, (kind, _m) in enumerate(cues):
        if kind == "noun":
            for later, _ in cues[i + 1 :]:
                status = _cue_status(later, marker)
                if later != "noun" and status is not None:
                    return status
            return "negative" if negated_before else "positive"
        status = _cue_status(kind, marker)
        if status is not None:
            if status == "positive" and negated_before:
                return "negative"
            return status
    found = [m for m in bw.BEFORE_CUE.finditer(before)]
    if found:
        kind = found[-1].lastgroup or ""
        return {"not_tested": "not_tested", "pending": "pending", "pos": "positive", "neg": "negative"}.get(
            kind
        )  # type: ignore[return-value]
    return None


def extract(
    ctx: TextContext, kb: KnowledgeBase, mentions: list[Mention], assertions: dict[tuple[int, int], Assertion]
) -> list[Biomarker]:
    """Biomarker results about the patient (relatives' results are left out)."""
    low = ctx.low
    usable: list[Mention] = []
    merged = _merge_same(mentions, low)
    for m in merged:
        info = kb.biomarkers.get(m.id)
        if info is None or info.kind == "serum":
            continue
        if m.text in bw.METHOD_WORDS:
            s_start, s_end = ctx.sentence_of(m.start)
            others = [o for o in merged if o is not m and s_start <= o.start < s_end]
            if m.text != "fish" or others:
                continue
        a = assertions.get((m.start, m.end), Assertion())
        if not a.about_patient or a.hypothetical or ctx.is_excluded(m.start, m.end):
            continue
        if a.uncertain and bw.SUFFIX.match(low, m.end) is None:
            cue = bw.CUE.match(low, m.end + 1)
            if cue is None or cue.lastgroup == "noun":
                continue  # 'possible Lynch syndrome' is a question to answer, not a result
        if bw.REFERRED_FOR.search(low, max(ctx.sentence_of(m.start)[0], m.start - 60), m.start):
            continue  # 'sent for genetic counselling for possible Lynch syndrome'
        if bw.ANTI.search(low[max(0, m.start - 6) : m.start]):
            continue
        if bw.NOT_A_RESULT_AFTER.match(low, m.end) and not bw.SUFFIX.match(low, m.end):
            continue
        usable.append(m)
    out: list[Biomarker] = []
    all_ends = sorted({m.start for m in usable})
    for group in _groups(usable, ctx):
        s_start, s_end = ctx.sentence_of(group.start)
        nxt = next((p for p in all_ends if p >= group.end), s_end)
        limit = min(s_end, nxt, group.end + 120)
        stop = bw.BOUNDARY.search(low, group.end, limit)
        after_end = stop.start() if stop else limit
        prev_ends = [m.end for m in usable if m.end <= group.start and m.start >= s_start]
        before_start = max([s_start, group.start - 60, *prev_ends])
        cut = list(re.finditer(r"[;:,]|\band\b|\bbut\b|\bwhich\b|\bthat\b", low[before_start : group.start]))
        if cut:
            before_start += cut[-1].end()
        before = low[before_start : group.start]
        for i, m in enumerate(group.members):
            own_after_end = group.members[i + 1].start if i + 1 < len(group.members) else after_end
            reading = _read(
                ctx,
                kb,
                m,
                group,
                before,
                own_after_end,
                after_end,
                assertions.get((m.start, m.end), Assertion()),
            )
            if reading is None:
                continue
            span_end = max(m.end, own_after_end if reading.status else m.end)
            prov = ctx.prov(min(m.start, group.start if before.strip() else m.start), span_end)
            germline = None
            window = before + low[m.start : max(m.end, own_after_end)]
            info = kb.biomarkers[m.id]
            if info.kind == "gene" and bw.GERMLINE.search(window):
                germline = True
            elif info.kind == "gene" and bw.SOMATIC.search(window):
                germline = False
            out.append(
                Biomarker(
                    name=m.id,
                    status=reading.status or "unknown",
                    detail=reading.detail,
                    value=reading.value,
                    unit=reading.unit,
                    method=reading.method,
                    germline=germline,
                    provenance=[prov],
                )
            )
            for name, status, detail in reading.extra:
                if name in kb.biomarkers and not any(o.name == name and o.status == status for o in out):
                    out.append(Biomarker(name=name, status=status, detail=detail, provenance=[prov]))
    out.extend(_phrases(ctx, kb))
    return _dedupe(out)


def _read(
    ctx: TextContext,
    kb: KnowledgeBase,
    m: Mention,
    group: _Group,
    before: str,
    own_after_end: int,
    after_end: int,
    a: Assertion,
) -> _Reading | None:
    low, norm = ctx.low, ctx.norm
    marker = m.id
    reading = _Reading()
    gene_words = set(re.findall(r"[a-z0-9]+", m.text))
    variant = (
        None
        if "/" in m.text
        else next(
            (
                w.upper()
                for w in gene_words
                if w.startswith(marker.lower())
                and w != marker.lower()
                and re.fullmatch(r"[a-z]+\d+[a-z]?", w)
            ),
            None,
        )
    )
    info = kb.biomarkers.get(marker)
    if (
        info is not None
        and info.kind == "karyotype"
        and len(info.aliases) > 3
        and m.text not in info.name.lower()
    ):
        variant = ctx.text[m.start : m.end]
    if marker == "COO" and m.text in bw.COO:
        return _Reading(status="positive", detail=bw.COO[m.text])
    if marker == "ERBB2":
        # 'HER2 2+ but not amplified': the ISH result completes the IHC score across the 'but'
        ish_after = re.match(
            r"\s*,?\s*but\s+(?:it\s+)?(?:(?:was|is)\s+)?(?:not\s+|non-?)?amplified\b", low[after_end:]
        )
        her2_end = after_end + ish_after.end() if ish_after else after_end
        her2 = _her2(low, m.end, her2_end, "HER2_LOW" in kb.biomarkers)
        if her2 is not None and her2.status is not None:
            return her2
    self_status, strong = _self_reading(m, kb)
    details = _details(norm, low, m.end, own_after_end if own_after_end > m.end else after_end)
    if not details and re.search(r"\b(?:in|of|affecting)\s+(?:the\s+|an?\s+)?$", before):
        details = _details(norm, low, group.start - len(before), group.start)
    own_detail = [w for w in re.findall(r"exon\s*\d+|fusion|rearrangement|amplification", m.text)]
    detail_parts = [p for p in [variant, *own_detail, *details] if p]
    reading.detail = " ".join(dict.fromkeys(detail_parts)) or None
    for name, pattern in bw.METHOD:
        window = low[max(0, group.start - len(before)) : after_end]
        if pattern.search(window):
            reading.method = name
            break
    value, unit, below = _value(marker, low, m.end, after_end)
    if value is not None:
        reading.value, reading.unit = (0.0 if below and value <= 1 else value), unit
        if marker == "PD-L1" and below and value <= 1:
            reading.value = 0.0
    suffix = bw.SUFFIX.match(low, m.end)
    after_text = low[m.end : own_after_end] if own_after_end > m.end else ""
    group_after = low[group.end : after_end]
    status: BiomarkerStatus | None = None
    if bw.BEFORE_SKIP.search(before) and not (suffix and suffix.lastgroup in ("plus", "minus")):
        return None
    if strong and self_status is not None:
        status = self_status
        late = bw.LATE_RESULT.match(low, m.end)
        if late:
            status = "negative" if late.group("r").startswith(("neg", "not", "ruled")) else "pending"
        elif status == "positive" and bw.BEFORE_NEG.search(before):
            status = "negative"
    elif m.text.endswith(("+", "-")):
        status = "positive" if m.text.endswith("+") else "negative"
    elif suffix is not None and suffix.lastgroup in ("plus", "minus", "ihc"):
        status = "negative" if suffix.lastgroup == "minus" else "positive"
        if suffix.lastgroup == "ihc":
            status = "positive" if suffix.group("ihc") in ("2", "3") else "negative"
    else:
        own_cues = _cues(after_text or group_after)
        if details and not own_cues:
            status = "negative" if bw.BEFORE_NEG.search(before) else "positive"
        else:
            status = _resolve(after_text or group_after, before, marker)
        if status is None and after_text and m is not group.members[-1]:
            status = _resolve(group_after, before, marker)
        if status is None and self_status is not None:
            status = "negative" if bw.BEFORE_NEG.search(before) else self_status
        if status is None and value is not None:
            status = _from_value(marker, value, below)
        if status is None and detail_parts and (details or own_detail):
            status = "negative" if bw.BEFORE_NEG.search(before) else "positive"
        if status is None and a.negated:
            status = "negative"
    if status is None:
        if value is not None:
            reading.status = "unknown"
            return reading
        return None
    if status == "negative" and marker == "PD-L1" and reading.value is None:
        reading.value = 0.0
    if status in ("not_tested", "pending", "unknown") and not variant:
        reading.detail = None
    reading.status = status
    if marker == "HER2_LOW" and status == "positive" and "ERBB2" in kb.biomarkers:
        reading.extra.append(("ERBB2", "negative", "HER2-low"))
    info = kb.biomarkers.get(marker)
    if info is not None and info.members and status == "negative":
        reading.extra.extend((member, "negative", None) for member in info.members)
    return reading


def _phrases(ctx: TextContext, kb: KnowledgeBase) -> list[Biomarker]:
    """Results named by a phrase rather than a marker: 'triple negative', 'HR+', 'loss of MLH1'."""
    out: list[Biomarker] = []
    low = ctx.low

    def add(name: str, status: BiomarkerStatus, m: re.Match[str], detail: str | None = None) -> None:
        if name in kb.biomarkers and not ctx.is_excluded(m.start(), m.end()):
            before = low[max(0, m.start() - 30) : m.start()]
            if status == "positive" and re.search(r"\b(?:no|not|without)\s+(?:\w+\s+)?$", before):
                status = "negative"
            out.append(
                Biomarker(name=name, status=status, detail=detail, provenance=[ctx.prov(m.start(), m.end())])
            )

    for m in bw.TRIPLE_NEGATIVE.finditer(low):
        for name in ("ER", "PR", "ERBB2"):
            add(name, "negative", m)
    for m in bw.HORMONE_RECEPTOR.finditer(low):
        if "hr" in m.group().split()[0] and not ctx.norm[m.start() : m.start() + 2].isupper():
            continue
        s = m.group("s") or ""
        if s.startswith(("+", "pos", "sens")):
            add("ER", "positive", m)
        else:
            add("ER", "negative", m)
            add("PR", "negative", m)
    for m in bw.GERMLINE_TEST.finditer(low):
        r = m.group("r")
        status: BiomarkerStatus = (
            "negative"
            if r in ("negative", "normal")
            else "pending"
            if r == "pending"
            else "not_tested"
            if r.startswith("not")
            else "positive"
        )
        for name in ("DNA_GERMLINE",):
            if name in kb.biomarkers and not ctx.is_excluded(m.start(), m.end()):
                out.append(
                    Biomarker(
                        name=name, status=status, germline=True, provenance=[ctx.prov(m.start(), m.end())]
                    )
                )
    for m in bw.MMR_LOSS.finditer(low):
        add("MSI", "positive", m, detail=m.group().strip())
    for m in bw.MMR_INTACT.finditer(low):
        add("MSI", "negative", m)
    return out


def _dedupe(found: list[Biomarker]) -> list[Biomarker]:
    out: list[Biomarker] = []
    for b in found:
        same = next(
            (
                o
                for o in out
                if (o.name, o.status, o.detail, o.value) == (b.name, b.status, b.detail, b.value)
                or (o.name == b.name and o.status == b.status and b.detail is None and b.value is None)
            ),
            None,
        )
        if same is not None:
            same.provenance = [*same.provenance, *b.provenance]
            continue
        better = next(
            (
                o
                for o in out
                if o.name == b.name and o.status == b.status and o.detail is None and o.value is None
            ),
            None,
        )
        if better is not None:
            out[out.index(better)] = b.model_copy(update={"provenance": [*b.provenance, *better.provenance]})
            continue
        out.append(b)
    return out
