"""The review engine: pure, deterministic functions from a case and a knowledge base to a review."""

from __future__ import annotations

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.review.completeness import completeness
from secondopinion.review.model import Review
from secondopinion.review.normalise import normalise
from secondopinion.review.plan import review_plan
from secondopinion.review.questions import questions
from secondopinion.review.triage import triage


def review(case: Case, kb: KnowledgeBase) -> Review:
    """Triage, plan review, completeness and questions for one case."""
    case = normalise(case, kb)
    tri = triage(case, kb)
    plan_review, applied = review_plan(case, kb)
    return Review(
        case=case,
        triage=tri,
        plan_review=plan_review,
        completeness=completeness(case, kb, applied, plan_review.findings),
        questions=questions(case, kb, tri, plan_review.findings, applied),
        knowledge_base_version=kb.version,
    )


__all__ = ["Review", "review"]
