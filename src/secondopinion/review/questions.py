"""Questions for the patient to ask, built from this case's own findings and pathways."""

from __future__ import annotations

import re

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase, Pathway
from secondopinion.review.model import Finding, Triage

_MAX = 12
_ASKS_IF_TESTED = re.compile(r"^(?:has|have|were|was)\b[^?]*\btest(?:ed|ing)\b", re.I)
_STILL_OPEN = re.compile(r"\b(?:famil\w*|relatives?|germline|inherited)\b", re.I)
_RESULT_KNOWN = {"positive", "negative", "equivocal"}


def _named_markers(question: str, kb: KnowledgeBase) -> set[str]:
    low = question.lower()
    return {
        b.id
        for b in kb.biomarkers.values()
        if any(re.search(rf"(?<![\w-]){re.escape(a.lower())}(?![\w-])", low) for a in (b.id, *b.aliases))
    }


def _asked_already(question: str, case: Case, kb: KnowledgeBase, missing: set[str]) -> tuple[bool, bool]:
    """(skip, keep its 'If the result is abnormal' follow-up). A pathway's 'Has my tumour been
    tested for X?' is no question when the case gives every result it names (the follow-up then
    stays only for an abnormal one), nor when a missing-test finding already asks it."""
    if not _ASKS_IF_TESTED.match(question) or _STILL_OPEN.search(question):
        return False, True
    named = _named_markers(question, kb)
    if not named:
        return False, True
    if named <= missing:
        return True, True
    results = [case.biomarker(n) for n in named]
    if any(r is None or r.status not in _RESULT_KNOWN for r in results):
        return False, True
    return True, any(r is not None and r.status == "positive" for r in results)


def _lower_first(text: str) -> str:
    """'Anti-HER2 therapy' -> 'anti-HER2 therapy', but 'MSI testing' stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _from_finding(f: Finding) -> str | None:
    subject = _lower_first(f.subject)
    if f.kind == "missing_test":
        return f"Has my tumour had {subject}? If not, should we have the result before treatment starts?"
    if f.kind == "missing_treatment":
        return f"Why does my plan not include {subject}? Would it help in my situation?"
    if f.kind == "not_recommended":
        return (
            f"The evidence advises against {subject} in a situation like mine. "
            "What is the reason for including it in my plan?"
        )
    if f.kind == "alternative":
        return f"Is {subject} an option for me, and how does it compare with what is proposed?"
    if f.kind == "information_needed" and f.rule_id.startswith("case/"):
        return f"Could you tell me {subject}, and show me where it is written?"
    return None


def questions(
    case: Case, kb: KnowledgeBase, triage: Triage, findings: list[Finding], applied: list[Pathway]
) -> list[str]:
    out: list[str] = []
    asked_for_test: dict[str, int] = {}  # marker -> where the missing-test finding's question is
    for f in findings:
        q = _from_finding(f)
        if q:
            if f.kind == "missing_test" and "/test:" in f.rule_id:
                asked_for_test.setdefault(f.rule_id.split("/test:")[1], len(out))
            out.append(q)
    cancer = case.primary
    ctype = kb.cancers.get(cancer.type or "") if cancer else None
    criteria = {r.criterion for r in triage.reasons}
    if ctype and "rare_cancer" in criteria:
        out.append(
            f"How many people with {ctype.plain_name} does your team treat each year? "
            "Should my pathology be reviewed at a specialist centre?"
        )
    if "uncertainty_or_disagreement" in criteria:
        out.append(
            "My doctors do not fully agree: could my case be discussed at a multidisciplinary tumour board?"
        )
    if case.plan:
        out.append(
            "What is the goal of this treatment — cure, control, or relief of symptoms — "
            "and what are the chances of reaching it?"
        )
    follow_ups: list[tuple[int, str]] = []  # placed after the finding's question that asks the test
    for p in applied:
        keep_follow_up, after = True, None
        for q in p.questions:
            if q.lower().startswith("if the result"):
                # It follows the question before it: moot when that result came back normal.
                if keep_follow_up and after is not None:
                    follow_ups.append((after, q))
                elif keep_follow_up:
                    out.append(q)
                continue
            skip, keep_follow_up = _asked_already(q, case, kb, set(asked_for_test))
            after = None
            if skip and keep_follow_up:
                spots = [asked_for_test[m] for m in _named_markers(q, kb) if m in asked_for_test]
                after = min(spots) if spots else None
            if not skip:
                out.append(q)
    for at, q in sorted(follow_ups, reverse=True):
        out.insert(at + 1, q)
    if ctype:
        out.append(f"Are there clinical trials for {ctype.plain_name} that I could join?")
    out.extend(q for q in case.questions if q not in out)
    return list(dict.fromkeys(out))[: _MAX + len(case.questions)]
