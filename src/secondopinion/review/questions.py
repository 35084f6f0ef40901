"""Questions for the patient to ask, built from this case's own findings and pathways."""

from __future__ import annotations

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase, Pathway
from secondopinion.review.model import Finding, Triage

_MAX = 12


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
    for f in findings:
        q = _from_finding(f)
        if q:
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
    for p in applied:
        out.extend(p.questions)
    if ctype:
        out.append(f"Are there clinical trials for {ctype.plain_name} that I could join?")
    out.extend(q for q in case.questions if q not in out)
    return list(dict.fromkeys(out))[: _MAX + len(case.questions)]
