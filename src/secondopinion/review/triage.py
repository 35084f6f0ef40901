"""Triage: should this person seek a second opinion, why, and how soon?

Reasons follow the four situations where a second opinion matters most. A minor curative
procedure for a common low-risk cancer is deliberately not pushed to a second opinion.
"""

from __future__ import annotations

import re

from secondopinion.case import SYSTEMIC_MODALITIES, Cancer, Case, PlanItem
from secondopinion.knowledge.schema import CancerType, KnowledgeBase
from secondopinion.review.conditions import category_matches, split_stage
from secondopinion.review.model import Triage, TriageReason
from secondopinion.review.plan import citations
from secondopinion.review.treatments import describe

RARE_PER_100K = 6.0
YOUNG_ADULT_AGE = 40
_DOUBT = re.compile(
    r"\b(doubt|not sure|unsure|disagree|different (opinion|recommendation)|conflicting|"
    r"confus|is (this|it|that) (right|correct|enough|the best)|wrong|misdiagnos|don'?t trust|"
    r"don'?t agree|uncertain|not convinced|hesitant|torn|really (all|the best|necessary|needed)|"
    r"why (didn'?t|hasn'?t|haven'?t|wasn'?t|isn'?t|did ?n'?t|has ?n'?t) (anyone|anybody|they|he|she|my)|"
    r"should i (ask (them )?to change|change|switch|push|insist)|"
    r"nobody (has )?(mentioned|offered|told|talked)|"
    r"no one (has )?(mentioned|offered|told|talked)|too much|overtreat|undertreat|second-guess)",
    re.IGNORECASE,
)
_NOT_MAJOR = {"active_surveillance", "watchful_waiting", "supportive_care", "other"}


def _low_risk(cancer: Cancer | None) -> bool:
    """Early enough that a small curative procedure is the whole treatment: not beyond stage I
    or T1, and not spread."""
    if cancer is None:
        return True
    if cancer.setting in ("locally_advanced", "metastatic"):
        return False
    stage = split_stage(cancer.stage_group) if cancer.stage_group else None
    if stage and stage[0] not in ("0", "IS", "I"):
        return False
    return not (cancer.tnm.t and category_matches(cancer.tnm.t, ["T2", "T3", "T4"]))


def _is_minor(item: PlanItem, ctype: CancerType | None, cancer: Cancer | None = None) -> bool:
    if item.modality in _NOT_MAJOR:
        return True
    if item.modality != "surgery":
        return False
    words = " ".join(filter(None, (item.procedure, item.description))).lower()
    if "biopsy" in words and "excisional" not in words:
        return True
    minor = ctype.low_risk_minor_procedures if ctype and _low_risk(cancer) else []
    return bool(words) and any(m.lower() in words for m in minor)


def _rare(case: Case, kb: KnowledgeBase) -> TriageReason | None:
    for cancer in case.cancers:
        ctype = kb.cancers.get(cancer.type or "")
        if ctype is None or ctype.incidence is None:
            continue
        if ctype.incidence.per_100k < RARE_PER_100K:
            inc = ctype.incidence
            # An unchecked figure is still the best we hold, but the reader is told it is an estimate.
            estimate = "" if inc.confirmed else "; an estimate we have not yet checked against its source"
            return TriageReason(
                criterion="rare_cancer",
                explanation=(
                    f"{ctype.plain_name.capitalize()} is rare: about {inc.per_100k:g} new cases per "
                    f"100,000 people a year ({inc.population}{estimate}). Specialists who see many "
                    "such cases more often refine the diagnosis or the plan."
                ),
                evidence=[
                    f"incidence {inc.per_100k:g} per 100,000 per year (below 6"
                    + (")" if inc.confirmed else "; unconfirmed estimate)")
                ],
                citations=citations(kb, inc.sources),
            )
    return None


def _complexity(case: Case, kb: KnowledgeBase) -> list[str]:
    signs: list[str] = []
    cancer = case.primary
    p = case.patient
    if cancer and cancer.setting == "metastatic":
        sites = ", ".join(cancer.metastatic_sites)
        signs.append(
            "the cancer has spread"
            + (f" ({sites})" if sites else "")
            + ", where several treatment options usually exist"
        )
    if cancer and cancer.recurrent:
        signs.append("the cancer has come back (recurrence)")
    for b in case.biomarkers:
        if b.status == "equivocal":
            name = kb.biomarkers[b.name].name if b.name in kb.biomarkers else b.name
            signs.append(f"an equivocal (borderline) {name} result")
    ctype = kb.cancers.get(cancer.type or "") if cancer else None
    if p.age is not None and p.age < YOUNG_ADULT_AGE and ctype and ctype.category in ("solid", "brain"):
        signs.append(f"a young age at diagnosis ({p.age})")
    if len(case.cancers) > 1:
        signs.append("more than one primary cancer")
    if p.pregnant:
        signs.append("pregnancy")
    serious = [c.name for c in p.comorbidities if c.serious]
    if serious:
        signs.append("other serious health conditions (" + ", ".join(serious) + ")")
    if p.ecog is not None and p.ecog >= 2:
        signs.append(f"reduced performance status (ECOG {p.ecog})")
    return signs


_CONTRAST = re.compile(
    r"\b(?:instead|rather\s+than|but|however|whereas|while|disagree\w*|differ\w*|versus|vs|or|prefer\w*|"
    r"other\s+hand|alternatively|against|not\s+sure|doubt\w*)\b"
)
_IN_SEQUENCE = re.compile(
    r"\b(?:after\w*|then|followed\s+by|before|adjuvant|neo-?adjuvant|post-?operative\w*|pre-?operative\w*|"
    r"alongside|together\s+with|as\s+well|in\s+addition|also)\b"
)


def _complementary(case: Case) -> bool:
    """'The surgeon plans a lumpectomy and the radiation oncologist radiation afterwards': two
    specialists each giving their part of one plan, in sequence, with no word of contrast, is a
    team's plan, not a disagreement. Anything less clear stays a disagreement."""
    said = " ".join(
        " ".join([o.recommends, *(p.text or "" for p in o.provenance)]).lower() for o in case.opinions
    )
    roles = {o.by.strip().lower() for o in case.opinions}
    return len(roles) == len(case.opinions) and not _CONTRAST.search(said) and bool(_IN_SEQUENCE.search(said))


def _disagreement(case: Case) -> list[str]:
    out = []
    recs = {o.recommends.strip().lower() for o in case.opinions}
    if len(case.opinions) >= 2 and len(recs) >= 2 and not _complementary(case):
        out.append(
            "doctors on record recommend different things: "
            + "; ".join(f"{o.by}: {o.recommends}" for o in case.opinions)
        )
    said = list(dict.fromkeys([*case.concerns, *case.questions]))
    out.extend(c.strip() for c in case.concerns if c.startswith("Documents disagree"))
    out.extend(
        f'you wrote: "{c.strip()}"'
        for c in said
        if _DOUBT.search(c) and not c.startswith("Documents disagree")
    )
    return out


def _major(case: Case, ctype: CancerType | None) -> list[str]:
    out = []
    for item in case.plan:
        if _is_minor(item, ctype, case.primary):
            continue
        if item.modality in SYSTEMIC_MODALITIES or item.modality in (
            "surgery",
            "radiation",
            "transplant",
            "ablation",
        ):
            out.append(f"{item.modality.replace('_', ' ')}: {describe(item)}")
    return out


def _urgency(case: Case, kb: KnowledgeBase) -> str:
    cancer = case.primary
    ctype = kb.cancers.get(cancer.type or "") if cancer else None
    if ctype and ctype.pace == "aggressive":
        return (
            f"{ctype.plain_name.capitalize()} can grow quickly: do not delay treatment to get "
            "a second opinion. Ask for one in parallel — many centres review records within "
            "days — and discuss with your doctor whether anything should wait."
        )
    return (
        "Most second opinions take 1–2 weeks, and for most cancers that short wait does not "
        "change the outcome. Confirm with your doctor that it is safe to wait before "
        "starting treatment."
    )


def triage(case: Case, kb: KnowledgeBase) -> Triage:
    cancer = case.primary
    ctype = kb.cancers.get(cancer.type or "") if cancer else None
    reasons: list[TriageReason] = []
    rare = _rare(case, kb)
    if rare:
        reasons.append(rare)
    complexity = _complexity(case, kb)
    if complexity:
        reasons.append(
            TriageReason(
                criterion="complex_case",
                explanation="Your situation is complex: " + "; ".join(complexity) + ".",
                evidence=complexity,
            )
        )
    doubts = _disagreement(case)
    if doubts:
        reasons.append(
            TriageReason(
                criterion="uncertainty_or_disagreement",
                explanation=(
                    "There is uncertainty or disagreement about the diagnosis or plan; an "
                    "independent specialist can help settle it."
                ),
                evidence=doubts,
            )
        )
    major = _major(case, ctype)
    if major:
        reasons.append(
            TriageReason(
                criterion="major_treatment_decision",
                explanation=(
                    "A major treatment is proposed. Decisions like this are hard to undo, "
                    "so confirming them first is worthwhile."
                ),
                evidence=major,
            )
        )
    criteria = {r.criterion for r in reasons}
    if (
        "rare_cancer" in criteria
        or "uncertainty_or_disagreement" in criteria
        or ({"complex_case", "major_treatment_decision"} <= criteria)
    ):
        recommendation = "strongly_recommended"
    elif reasons:
        recommendation = "recommended"
    else:
        recommendation = "optional"
    return Triage(recommendation=recommendation, urgency=_urgency(case, kb), reasons=reasons)
