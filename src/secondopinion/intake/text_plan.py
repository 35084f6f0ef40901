"""Treatments in free text: what is proposed now (the plan) and what was already given (history).

Treatments are found as knowledge-base drugs and regimens, and as modality words ('chemo',
'SBRT', 'lobectomy', 'active surveillance'). Within a clause, drugs of one modality make one plan
item; a regimen brings its drugs. The status comes from the nearest cue ('recommends' -> proposed,
'I had' -> done, 'currently on' -> ongoing), the intent from words such as 'adjuvant' or 'before
surgery'. A 'Plan:' heading makes what follows it proposed, and watching with scans is itself a
plan item (surveillance). Negated ('no chemotherapy is planned'), hypothetical ('if it comes back'),
merely talked-of ('nobody has mentioned radiotherapy', 'I read about X') and refused treatments are
not plan items; a step that waits on the response ('if it responds, a transplant') is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secondopinion.case import Intent, Modality, PlanItem, PlanStatus
from secondopinion.intake import text_treatment_words as w
from secondopinion.intake.text_pipeline import Assertion
from secondopinion.intake.text_spans import TextContext, clauses
from secondopinion.intake.text_vocab import Mention
from secondopinion.knowledge.schema import KnowledgeBase


@dataclass
class _Treat:
    modality: str
    start: int
    end: int
    drugs: tuple[str, ...] = ()
    regimen: str | None = None
    procedure: str | None = None
    text: str = ""
    done_word: bool = False  # 'resected', 'excised': the word itself says it was done
    qualified: bool = False  # 'primary debulking', 'comprehensive staging surgery': a real operation


def candidates(
    ctx: TextContext, kb: KnowledgeBase, drugs: list[Mention], regimens: list[Mention]
) -> list[_Treat]:
    """Every treatment mention, before deciding what it means."""
    low, norm = ctx.low, ctx.norm
    found: list[_Treat] = []
    for m in regimens:
        reg = kb.regimens[m.id]
        found.append(_Treat(_regimen_modality(reg.drugs, kb), m.start, m.end, tuple(reg.drugs), reg.id))
    for m in drugs:
        if re.fullmatch(r"[a-z]{1,3}", m.text) and re.match(
            r"\s*(?:score\s*)?(?:of\s*|is\s*|=\s*)?\d", low[m.end :]
        ):
            continue  # 'IPI 3' is a score, not ipilimumab
        if w.DRUG_AS_ADJECTIVE.match(low, m.end):
            continue  # 'radioiodine-refractory', 'cisplatin-ineligible' describe the disease or person
        found.append(_Treat(kb.drugs[m.id].modality, m.start, m.end, (m.id,)))
    for pattern, modality in w.KEYWORDS:
        for k in pattern.finditer(low):
            if modality == "ablation" and re.search(
                r"(?:iodine|rai\)?)\s*$", low[max(0, k.start() - 12) : k.start()]
            ):
                continue
            technique = next((name for p, name in w.RADIATION_TECHNIQUES if p.search(k.group())), None)
            found.append(
                _Treat(modality, k.start(), k.end(), procedure=technique if modality == "radiation" else None)
            )
    for k in w.ABBR_RE.finditer(norm):
        modality = w.ABBREVIATIONS[k.group()]
        technique = w.RADIATION_ABBREVIATIONS.get(k.group()) if modality == "radiation" else None
        found.append(_Treat(modality, k.start(), k.end(), procedure=technique))
    for k in w.PROCEDURE.finditer(low):
        core = re.sub(r"\s+", " ", k.group("core"))
        text = re.sub(r"\s+", " ", k.group()).strip()
        done_word = core in w.PAST_PARTICIPLES
        generic = core in w.GENERIC_SURGERY or done_word or core == "debulking"
        proc = None if generic else text
        if core in ("resection", "resections", "resected", "excision", "excisions", "excised"):
            proc = "resection" if core.startswith("resect") else "excision"
            if not done_word:
                proc = text.rstrip("s")
        found.append(
            _Treat(
                "surgery",
                k.start(),
                k.end(),
                procedure=proc,
                done_word=done_word,
                qualified=bool(k.group("adj")),
            )
        )
    for k in w.ORGAN_REMOVAL.finditer(low):
        organ = w.ORGAN_WORD.search(k.group())
        if organ is not None:
            found.append(_Treat("surgery", k.start(), k.end(), procedure=w.ORGAN_REMOVED[organ.group()]))
    for k in w.SHELL_OUT.finditer(low):
        past = re.match(r"(?:shelled|scooped|dug|popped|enucleated)\b", k.group()) is not None
        found.append(_Treat("surgery", k.start(), k.end(), procedure="shell-out excision", done_word=past))
    for k in w.HAD_REMOVED.finditer(low):
        found.append(_Treat("surgery", k.end() - len("removed"), k.end(), done_word=True))
    for k in w.SURGERY_ABBR_RE.finditer(norm):
        found.append(_Treat("surgery", k.start(), k.end(), procedure=w.SURGERY_ABBREVIATIONS[k.group()]))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[_Treat] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue  # inside a longer mention ('chemo' in 'chemoradiation')
        t.text = ctx.text[t.start : t.end]
        out.append(t)
    return out


def _regimen_modality(drug_ids: list[str], kb: KnowledgeBase) -> str:
    mods = [kb.drugs[d].modality for d in drug_ids if d in kb.drugs]
    if "chemotherapy" in mods or not mods:
        return "chemotherapy"
    return mods[0]


def _status(low: str, clause: tuple[int, int], pos: int) -> PlanStatus | None:
    """Nearest cue before the mention in its clause, else the first after it."""
    best: tuple[int, PlanStatus] | None = None
    for pattern, status in ((w.PROPOSED, "proposed"), (w.DONE, "done"), (w.ONGOING, "ongoing")):
        for m in pattern.finditer(low, clause[0], pos):
            if best is None or m.start() > best[0] or (m.start() == best[0] and status == "ongoing"):
                best = (m.start(), status)  # type: ignore[assignment]
    if best is not None:
        return best[1]
    after: tuple[int, PlanStatus] | None = None
    for pattern, status in ((w.PROPOSED, "proposed"), (w.DONE, "done"), (w.ONGOING, "ongoing")):
        found = pattern.search(low, pos, clause[1])
        if found and (after is None or found.start() < after[0]):
            after = (found.start(), status)  # type: ignore[assignment]
    return after[1] if after else None


def _negated(low: str, t: _Treat, clause: tuple[int, int], a: Assertion, sentence_end: int) -> bool:
    before = low[max(clause[0], t.start - 40) : t.start]
    after = low[t.end : min(clause[1], t.end + 40)]
    if w.NOT_PLANNED.search(low[max(clause[0], t.start - 100) : t.start]) or w.NOT_PLANNED_AFTER.match(
        low, t.end, sentence_end
    ):
        return True
    if (
        w.NOT_NOW_AFTER.match(low, t.end, sentence_end)
        or w.NOT_NOW_AFTER_DECIDED.match(low, t.end, sentence_end)
        or w.NOT_NOW_BEFORE.search(low, max(clause[0], t.start - 40), t.start)
        or (
            t.modality == "surgery"
            and w.NOT_NOW_BEFORE_SURGERY.search(low, max(clause[0], t.start - 30), t.start)
        )
    ):
        return True  # kept for later (at progression, if it comes back): not the plan now
    if t.modality in ("active_surveillance", "watchful_waiting"):
        # 'no treatment, repeat bloods every 3 months', 'no chemo, only check-ups': the negation
        # belongs to what comes before the comma; watching is what is planned
        near = re.split(r"[,;:]", before)[-1]
        return bool(w.NEGATED_BEFORE.search(near) or w.NEGATED_AFTER.search(after))
    if w.NEGATED_BEFORE.search(before) or w.NEGATED_AFTER.search(after):
        return not re.search(
            r"\bnot\s+only\b|\bnot\s+sure\b|\bnot\s+certain\b|\bno\s+doubt\b|"
            r"\bnever\s+(?:had|smoked)\b",
            before[-25:] + after[:20],
        )
    return a.negated and not re.search(r"\b(?:recommend|plan|will|should|offer)\w*", after[:30])


def extract(
    ctx: TextContext, kb: KnowledgeBase, treats: list[_Treat], assertions: dict[tuple[int, int], Assertion]
) -> tuple[list[PlanItem], list[PlanItem]]:
    """(plan, history) from the treatment mentions."""
    low = ctx.low
    plan: list[PlanItem] = []
    history: list[PlanItem] = []
    plan_stated = w.PROPOSED.search(low) is not None
    sections = _plan_sections(ctx)
    for s_start, s_end in ctx.sents:
        in_sentence = [t for t in treats if s_start <= t.start < s_end]
        if not in_sentence or w.OTHER_OPINION.match(low, s_start):
            continue
        in_plan_section = any(p_start <= s_start < p_end for p_start, p_end in sections)
        question = ctx.text[s_start:s_end].rstrip().endswith("?")
        sentence_cue = any(p.search(low, s_start, s_end) for p in (w.PROPOSED, w.DONE, w.ONGOING))
        after_surgery = before_surgery = False
        inherited: PlanStatus | None = None
        carry: Intent | None = None
        kept_all: list[tuple[_Treat, PlanStatus, tuple[int, int]]] = []
        for c_start, c_end in clauses(low, s_start, s_end):
            clause_status: PlanStatus | None = None
            for t in (t for t in in_sentence if c_start <= t.start < c_end):
                a = assertions.get((t.start, t.end), Assertion())
                planned_step = a.hypothetical and w.IF_RESPONDS.search(
                    low, max(s_start, t.start - 60), t.start
                )
                if (
                    not a.about_patient
                    or (a.hypothetical and not planned_step)
                    or ctx.is_excluded(t.start, t.end)
                ):
                    continue
                if _negated(low, t, (c_start, c_end), a, s_end):
                    continue
                before = low[max(c_start, t.start - 40) : t.start]
                forced: PlanStatus | None = None
                if t.modality == "surgery":
                    ref = re.search(
                        r"\b(after|following|post|before|prior\s+to|ahead\s+of|until)\s+"
                        r"(?:[\w/-]+\s+){0,3}$",
                        before,
                    )
                    if ref:
                        is_after = ref.group(1) in ("after", "following", "post")
                        specific = (
                            t.procedure is not None
                            or t.qualified
                            or re.search(r"\b(?:my|her|his)\b", ref.group())
                        )
                        after_surgery |= is_after
                        before_surgery |= not is_after
                        if not specific:
                            continue
                        if is_after:
                            forced = "done"
                if t.done_word:
                    forced = "done"
                status = forced or _status(low, (c_start, c_end), t.start)
                if question and status == "proposed" and not w.FIRM_PROPOSAL.search(low, s_start, s_end):
                    continue  # 'Do I really need chemo?' asks; it does not report a plan
                if status is None and w.AFTER_OBJECT.search(low, max(c_start, t.start - 60), t.start):
                    status = "done"
                if status is None:
                    status = clause_status or inherited
                elif forced is None:
                    clause_status = clause_status or status
                if status is None:
                    if question:
                        continue
                    if in_plan_section or t.modality in ("active_surveillance", "watchful_waiting"):
                        status = "proposed"  # under a plan heading; watching is what happens from now
                    elif w.PAST.search(low, s_start, s_end) or (plan_stated and not sentence_cue):
                        status = "done"
                    else:
                        status = "proposed"
                kept_all.append((t, status, (c_start, c_end)))
            if clause_status:
                inherited = clause_status
        items = _items(ctx, kb, kept_all, (s_start, s_end))
        for item, status, has_surgery_before in items:
            if item.intent == "unknown" and item.modality != "surgery" and status != "done":
                if after_surgery:
                    item = item.model_copy(update={"intent": "adjuvant"})
                elif before_surgery:
                    item = item.model_copy(update={"intent": "neoadjuvant"})
                elif carry and not has_surgery_before:
                    item = item.model_copy(update={"intent": carry})
            if item.intent in ("neoadjuvant", "adjuvant") and item.modality != "surgery":
                carry = item.intent
            (history if status == "done" else plan).append(item)
    return _dedupe(plan, kb), _dedupe(history, kb)


def _plan_sections(ctx: TextContext) -> list[tuple[int, int]]:
    """Stretches of text under a plan heading ('Plan:', 'Plan per MDT:', 'Recommendations:'): from
    the heading to the next heading of another kind, or the end of the text."""
    starts = {s for s, _ in ctx.sents}
    out: list[tuple[int, int]] = []
    for m in w.PLAN_HEADING.finditer(ctx.low):
        if m.start() not in starts:
            continue
        nxt = next(
            (h.start() for h in w.HEADING.finditer(ctx.norm, m.end()) if h.start() > m.end()), len(ctx.low)
        )
        out.append((m.start(), nxt))
    return out


def _items(
    ctx: TextContext,
    kb: KnowledgeBase,
    kept: list[tuple[_Treat, PlanStatus, tuple[int, int]]],
    sentence: tuple[int, int],
) -> list[tuple[PlanItem, PlanStatus, bool]]:
    """Plan items of one sentence: within a clause, drugs grouped by modality; regimens with
    their drugs; a drug already named by a regimen ('TCHP (docetaxel, carboplatin, Herceptin)')
    adds nothing."""
    low = ctx.low
    prov = ctx.prov(*sentence)
    built: list[dict[str, object]] = []
    covered: set[str] = set()
    for t, status, clause in kept:
        if t.drugs and not t.regimen and set(t.drugs) <= covered:
            continue
        covered.update(t.drugs)
        modalities = ["radiation", "chemotherapy"] if t.modality == "chemoradiation" else [t.modality]
        for modality in modalities:
            existing = next(
                (
                    b
                    for b in built
                    if b["modality"] == modality
                    and b["status"] == status
                    and b["clause"] == clause
                    and modality != "surgery"
                    and not (t.procedure and b["procedure"] and t.procedure != b["procedure"])
                ),
                None,
            )
            if existing is None or (t.regimen and existing.get("regimen")):
                built.append(
                    {
                        "modality": modality,
                        "drugs": list(t.drugs),
                        "regimen": t.regimen,
                        "procedure": t.procedure,
                        "text": t.text,
                        "start": t.start,
                        "end": t.end,
                        "status": status,
                        "clause": clause,
                    }
                )
                continue
            drugs = existing["drugs"]
            assert isinstance(drugs, list)
            drugs.extend(d for d in t.drugs if d not in drugs)
            existing["end"] = max(int(existing["end"]), t.end)  # type: ignore[call-overload]
            if t.regimen and not existing.get("regimen"):
                existing["regimen"] = t.regimen
            if t.procedure and not existing.get("procedure"):
                existing["procedure"] = t.procedure
    intents = _nearest(
        built,
        [
            (intent + "|" + m.group().split()[0], m.start(), m.end())
            for intent, pattern in w.INTENTS
            for m in pattern.finditer(low, *sentence)
        ],
    )
    timings = _nearest(
        built,
        [
            (" ".join(ctx.text[m.start() : m.end()].split()), m.start(), m.end())
            for m in w.TIMING.finditer(low, *sentence)
        ],
    )
    out: list[tuple[PlanItem, PlanStatus, bool]] = []
    surgery_seen = False
    for i, b in enumerate(built):
        modality = str(b["modality"])
        item_status: PlanStatus = b["status"]  # type: ignore[assignment]
        phrase_cue = ("after", "before", "following", "prior", "post", "ahead")
        intent = next(
            (
                x.split("|")[0]
                for x in intents.get(i, [])
                if (modality != "surgery" or x.split("|")[0] in ("curative", "palliative", "definitive"))
                and not (item_status == "done" and x.split("|")[1].startswith(phrase_cue))
            ),
            "unknown",
        )
        timing = None if modality == "surgery" else next(iter(timings.get(i, [])), None)
        out.append(
            (
                PlanItem(
                    modality=_modality(modality),
                    drugs=list(b["drugs"]),  # type: ignore[call-overload]
                    regimen=b["regimen"],  # type: ignore[arg-type]
                    procedure=b["procedure"],  # type: ignore[arg-type]
                    intent=intent,  # type: ignore[arg-type]
                    timing=timing,
                    status=item_status,  # type: ignore[arg-type]
                    description=str(b["text"]),
                    provenance=[prov],
                ),
                item_status,
                surgery_seen,
            )
        )
        surgery_seen |= modality == "surgery"
    return out


def _nearest(built: list[dict[str, object]], cues: list[tuple[str, int, int]]) -> dict[int, list[str]]:
    """Each cue goes to the nearest treatment of the same clause ('FOLFIRINOX and maintenance
    olaparib': maintenance is olaparib's)."""
    out: dict[int, list[str]] = {}
    for value, start, end in sorted(cues, key=lambda c: c[1]):
        best: tuple[int, int] | None = None
        for i, b in enumerate(built):
            clause: tuple[int, int] = b["clause"]  # type: ignore[assignment]
            if not clause[0] <= start < clause[1]:
                continue
            b_start, b_end = int(b["start"]), int(b["end"])  # type: ignore[call-overload]
            distance = b_start - end if end <= b_start else start - b_end if start >= b_end else 0
            if best is None or distance < best[0]:
                best = (max(distance, 0), i)
        if best is not None:
            out.setdefault(best[1], []).append(value)
    return out


def _regimen_cover(kb: KnowledgeBase, item: PlanItem) -> int:
    """How many of the item's drugs its regimen names."""
    regimen = kb.regimens.get(item.regimen or "")
    return len(set(regimen.drugs) & set(item.drugs)) if regimen else 0


def _modality(name: str) -> Modality:
    return name  # type: ignore[return-value]


def _same_operation(a: str | None, b: str | None) -> bool:
    """'prostatectomy' and 'radical prostatectomy': one names the other with a qualifier before it."""
    if not a or not b or a == b:
        return False
    short, long = sorted((a.lower(), b.lower()), key=len)
    return long.endswith(" " + short)


def _dedupe(items: list[PlanItem], kb: KnowledgeBase) -> list[PlanItem]:
    """One item per treatment; a vague mention ('chemo') folds into a specific one of the same kind;
    two names for the same drugs ('lenalidomide and dexamethasone (DRd)' with daratumumab) make one
    item under the regimen that names them all."""
    out: list[PlanItem] = []
    for item in items:
        twin = next(
            (
                o
                for o in out
                if item.drugs
                and (o.modality, o.status, o.procedure) == (item.modality, item.status, item.procedure)
                and sorted(o.drugs) == sorted(item.drugs)
                and o.regimen != item.regimen
            ),
            None,
        )
        if twin is not None:
            if _regimen_cover(kb, item) > _regimen_cover(kb, twin):
                twin.regimen = item.regimen
            twin.provenance = [*twin.provenance, *(p for p in item.provenance if p not in twin.provenance)]
            continue
        key = (item.modality, tuple(sorted(item.drugs)), item.regimen, item.procedure, item.status)
        same = next(
            (o for o in out if (o.modality, tuple(sorted(o.drugs)), o.regimen, o.procedure, o.status) == key),
            None,
        ) or next(
            (
                o
                for o in out
                if (o.modality, tuple(sorted(o.drugs)), o.regimen, o.status) == (*key[:3], key[4])
                and _same_operation(o.procedure, item.procedure)
            ),
            None,
        )
        if same is not None and len(item.procedure or "") > len(same.procedure or ""):
            same.procedure = item.procedure  # 'the prostatectomy' is the 'radical prostatectomy' named before
        vague_twin = next(
            (
                o
                for o in out
                if o.modality == item.modality
                and o.status == item.status
                and not item.drugs
                and not item.procedure
                and (o.drugs or o.procedure)
            ),
            None,
        )
        target = same or vague_twin
        if target is not None:
            target.provenance = [
                *target.provenance,
                *(p for p in item.provenance if p not in target.provenance),
            ]
            if target.intent == "unknown" and item.intent != "unknown":
                target.intent = item.intent
            if target.timing is None and item.timing:
                target.timing = item.timing
            continue
        specific = (item.drugs or item.procedure) and next(
            (
                o
                for o in out
                if o.modality == item.modality and o.status == item.status and not o.drugs and not o.procedure
            ),
            None,
        )
        if specific:
            idx = out.index(specific)
            out[idx] = item.model_copy(
                update={
                    "provenance": [
                        *specific.provenance,
                        *(p for p in item.provenance if p not in specific.provenance),
                    ],
                    "intent": item.intent if item.intent != "unknown" else specific.intent,
                }
            )
            continue
        out.append(item)
    return out
