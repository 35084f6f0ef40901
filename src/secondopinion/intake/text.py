"""Free-text intake: a case summary as a patient or clinician writes it, read into a Case.

Everything readable becomes a typed fact with its provenance (the words it was read from, with
character offsets into the original text); everything else stays unknown. Vocabulary (cancer
types, drugs, regimens, biomarkers) comes from the knowledge base passed in; the modules beside
this one hold the grammar:

- text_spans: same-length normalised copies, sentences, clauses, provenance
- text_vocab: knowledge-base names as a phrase finder (cached per knowledge-base version)
- text_pipeline: medspaCy ConText (negation, hypothetical, family, other people)
- text_patterns: stage, TNM, grade and score patterns
- text_cancer_words, text_biomarker_words, text_treatment_words: the grammar of each part
- text_patient, text_cancer, text_biomarkers, text_plan, text_notes: one part of the case each

A text written for someone else ('My wife is 47 and has melanoma') is read as about that person.
"""

from __future__ import annotations

import re

from secondopinion.case import Case, FamilyHistory
from secondopinion.errors import InputError
from secondopinion.intake import (
    text_biomarkers,
    text_cancer,
    text_cancer_words,
    text_decision,
    text_notes,
    text_patient,
    text_plan,
)
from secondopinion.intake.text_pipeline import Assertion, assert_spans
from secondopinion.intake.text_spans import TextContext
from secondopinion.intake.text_vocab import Mention, vocabulary
from secondopinion.knowledge.schema import KnowledgeBase

NO_CANCER = "No cancer diagnosis found in the text: name the cancer type, e.g. 'stage II colon cancer'."
MAX_CHARS = 200_000


def mentions_cancer(text: str, kb: KnowledgeBase | None = None) -> bool:
    """Whether the text names a cancer at all (a knowledge-base type or a generic cancer word),
    ignoring what it says of relatives or in negation. Cheap; no full parse."""
    ctx = TextContext(text[:MAX_CHARS], None)
    found: list[Mention] = []
    if kb is not None:
        vocab = vocabulary(kb)
        found = vocab.find("cancer", ctx)
        found += text_cancer.generic_mentions(ctx, vocab, found)
    else:
        found = [
            Mention("cancer", "", m.start(), m.end(), m.group())
            for m in text_cancer_words.CANCER_WORD.finditer(ctx.low)
        ]
    if not found:
        return False
    assertions = assert_spans(ctx, [(m.start, m.end, "CANCER") for m in found])
    return any(
        (a := assertions.get((m.start, m.end))) is None
        or (a.about_patient and not a.negated and not a.hypothetical)
        for m in found
    )


def parse_text(text: str, kb: KnowledgeBase, document: str | None = None) -> Case:
    """Read a free-text case summary. Raises InputError when it names no cancer."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(NO_CANCER)
    if len(text) > MAX_CHARS:
        raise InputError(f"The text is longer than {MAX_CHARS:,} characters: give a summary of the case.")
    ctx = TextContext(text, document)
    vocab = vocabulary(kb)
    starts = [m.start for m in vocab.find("cancer", ctx)]
    starts += [m.start() for m in text_cancer_words.CANCER_WORD.finditer(ctx.low)]
    first = min(starts, default=len(text))
    proxy = text_patient.speaks_for(ctx.low, first)
    ctx.proxy = proxy.group("rel") if proxy else None
    try:
        return _parse(ctx, kb)
    except InputError:
        fallback = text_patient.proxy_subject(ctx.low)
        if ctx.proxy or fallback is None:
            raise
    ctx = TextContext(text, document)
    ctx.proxy = fallback.group("rel")
    return _parse(ctx, kb)


def _parse(ctx: TextContext, kb: KnowledgeBase) -> Case:
    text = ctx.text
    vocab = vocabulary(kb)
    cancers_kb = vocab.find("cancer", ctx)
    cancer_mentions = sorted(
        [*cancers_kb, *text_cancer.generic_mentions(ctx, vocab, cancers_kb)], key=lambda m: m.start
    )
    biomarkers = vocab.find("biomarker", ctx)
    treats = text_plan.candidates(ctx, kb, vocab.find("drug", ctx), vocab.find("regimen", ctx))
    conditions = text_patient.comorbidity_spans(ctx.low)
    spans = [
        *((m.start, m.end, "CANCER") for m in cancer_mentions),
        *((m.start, m.end, "BIOMARKER") for m in biomarkers),
        *((t.start, t.end, "TREATMENT") for t in treats),
        *((s, e, "CONDITION") for _, s, e in conditions),
    ]
    assertions = assert_spans(ctx, spans)

    cancers, family = text_cancer.build(ctx, kb, cancer_mentions, assertions)
    if not cancers:
        # the only cancers named were a relative's: an organ-only score ('Gleason 3+3') is the patient's
        implied = text_cancer.implied_by_scores(ctx, vocab, [])
        if implied:
            cancers, _ = text_cancer.build(
                ctx, kb, implied, assert_spans(ctx, [(m.start, m.end, "CANCER") for m in implied])
            )
            assertions = assert_spans(ctx, spans)
    if not cancers:
        raise InputError(NO_CANCER)
    family.extend(_family_biomarkers(ctx, kb, biomarkers, assertions))
    patient = text_patient.extract(ctx, conditions, assertions)
    patient.family_history = _dedupe_family(family)
    plan, history = text_plan.extract(ctx, kb, treats, assertions)
    concerns, questions = text_notes.concerns_and_questions(ctx)
    opinions = text_notes.opinions(ctx)
    plan = text_decision.decided_plan(ctx, plan, opinions)
    return Case(
        patient=patient,
        cancers=cancers,
        biomarkers=text_biomarkers.extract(ctx, kb, biomarkers, assertions),
        history=history,
        plan=plan,
        opinions=opinions,
        records=text_notes.records(ctx),
        concerns=concerns,
        questions=questions,
        source_text=text,
    )


def _family_biomarkers(
    ctx: TextContext,
    kb: KnowledgeBase,
    mentions: list[Mention],
    assertions: dict[tuple[int, int], Assertion],
) -> list[FamilyHistory]:
    """'My sister is a BRCA carrier': a relative's result is family history, not the patient's."""
    out: list[FamilyHistory] = []
    for m in mentions:
        a = assertions.get((m.start, m.end))
        info = kb.biomarkers.get(m.id)
        if a is None or not a.family or info is None or info.kind not in ("gene",):
            continue
        tail = re.match(
            r"[\s-]*(?:gene\s+)?(?:mutation|mutations|variant|carrier|positive|mutated)\b", ctx.low[m.end :]
        )
        end = m.end + (tail.end() if tail else 0)
        relative = a.relative or "family"
        out.append(
            FamilyHistory(
                relative=relative,
                condition=ctx.text[m.start : end],
                provenance=[ctx.prov(*ctx.clause_of(m.start))],
            )
        )
    return out


def _dedupe_family(items: list[FamilyHistory]) -> list[FamilyHistory]:
    out: list[FamilyHistory] = []
    for f in items:
        same = next(
            (o for o in out if o.relative == f.relative and o.condition.lower() == f.condition.lower()), None
        )
        if same is None:
            out.append(f)
    return out
