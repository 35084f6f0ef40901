"""Plan review: is the proposed plan in line with the cited evidence for this patient?

Each applicable pathway contributes findings; the verdict follows the rules of DESIGN.md §3.
A finding is only raised when every condition of its pathway is known to hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from secondopinion.case import Case, PlanItem
from secondopinion.knowledge.schema import KnowledgeBase, Pathway, TreatmentSpec
from secondopinion.review.conditions import evaluate, setting_matches
from secondopinion.review.model import Citation, Finding, PlanReview, Verdict
from secondopinion.review.treatments import any_match, describe

_RESULT = ("positive", "negative")
# Facts whose absence we report; biomarkers are reported by the tests that ask for them.
_ASKABLE = {
    "setting": "Whether the cancer has spread (stage)",
    "stage": "The exact stage",
    "T category": "The size and extent of the main tumour (T category)",
    "nodal status (N)": "Whether lymph nodes are involved (N category)",
    "histology": "The exact cell type (histology) from the pathology report",
    "primary site": "Where exactly the cancer started (primary site)",
    "grade": "The tumour grade",
    "risk group": "The risk group (from grade, PSA or other scores)",
    "age": "Age",
    "menopausal status": "Menopausal status",
    "performance status": "Performance status (ECOG or Karnofsky)",
}


def citations(kb: KnowledgeBase, source_ids: Iterable[str]) -> list[Citation]:
    out = []
    for sid in source_ids:
        s = kb.sources.get(sid)
        if s:
            out.append(Citation(source_id=s.id, title=s.title, year=s.year, url_or_pmid=s.reference()))
    return out


def _tests(p: Pathway, case: Case, kb: KnowledgeBase) -> list[Finding]:
    out = []
    for t in p.tests:
        results = [case.biomarker(b) for b in (t.biomarker, *t.also_answered_by)]
        statuses = {r.status for r in results if r}
        common = {
            "subject": t.label,
            "evidence_level": t.evidence_level,
            "citations": citations(kb, t.sources),
            "rule_id": f"{p.id}/test:{t.biomarker}",
            "context": p.title,
        }
        if statuses & set(_RESULT):
            continue
        if "equivocal" in statuses:
            out.append(
                Finding(
                    kind="missing_test",
                    explanation=(
                        f"The result was equivocal (borderline). {t.why} A confirmatory test "
                        "(for example a different method on the same tissue) should settle it."
                    ),
                    **common,
                )
            )
        elif "pending" in statuses:
            out.append(
                Finding(
                    kind="information_needed",
                    explanation=(
                        f"The result is still pending. {t.why} It is worth having it before treatment "
                        "starts, where that is safe."
                    ),
                    **common,
                )
            )
        else:
            out.append(
                Finding(
                    kind="missing_test",
                    explanation=(f"No result was found in what you provided. {t.why}"),
                    **common,
                )
            )
    return out


def _implied_modalities(specs: Iterable[TreatmentSpec], kb: KnowledgeBase) -> set[str]:
    """The modalities a recommendation's options belong to, from their drugs and classes."""
    mods: set[str] = set()
    for spec in specs:
        mods.update(spec.modality)
        for d in (*spec.drugs_any, *spec.drugs_all):
            if d in kb.drugs:
                mods.add(kb.drugs[d].modality)
        if spec.drug_class_any:
            wanted = set(spec.drug_class_any)
            mods.update(d.modality for d in kb.drugs.values() if wanted & set(d.classes))
    return mods


def _unspecified(case: Case, specs: list[TreatmentSpec], kb: KnowledgeBase) -> list[PlanItem]:
    """Plan items of the right kind that name no drug ('chemotherapy'): they may well satisfy
    the recommendation, so the engine asks rather than calls it missing."""
    mods = _implied_modalities(specs, kb)
    return [i for i in case.plan if not i.drugs and i.modality in mods and i.modality != "surgery"]


def _judgeable(case: Case, specs: list, kb: KnowledgeBase) -> bool:
    if not case.plan:
        return False
    return not specs or bool(any_match(case.plan, specs, kb, lenient=True))


def _apply(p: Pathway, case: Case, kb: KnowledgeBase) -> list[Finding]:
    findings = _tests(p, case, kb)
    for rec in p.recommend:
        common = {
            "subject": rec.label,
            "evidence_level": rec.evidence_level,
            "citations": citations(kb, rec.sources),
            "rule_id": f"{p.id}/{rec.id}",
            "context": p.title,
        }
        planned = any_match(case.plan, rec.options, kb, lenient=True)
        given = any_match(case.history, rec.options, kb, lenient=True)
        if planned or given:
            what = ", ".join(describe(i) for i in (planned or given))
            when = "is part of the plan" if planned else "was already given"
            findings.append(
                Finding(
                    kind="confirmed",
                    explanation=(f"{what} {when}, in line with the evidence. {rec.why}"),
                    **common,
                )
            )
        elif vague := _unspecified(case, rec.options, kb):
            what = ", ".join(describe(i) for i in vague)
            findings.append(
                Finding(
                    kind="information_needed",
                    explanation=(
                        f"The plan mentions {what} without naming the drugs, so we cannot tell whether it "
                        f"includes this. {rec.why}"
                    ),
                    **common,
                )
            )
        elif not rec.essential:
            if case.plan:
                findings.append(
                    Finding(
                        kind="alternative",
                        explanation=(f"Not mentioned in the plan; ask whether it fits you. {rec.why}"),
                        **common,
                    )
                )
        elif _judgeable(case, rec.judge_if_plan_has, kb):
            findings.append(
                Finding(
                    kind="missing_treatment",
                    explanation=(
                        f"The plan you described does not include it. {rec.why}{_fitness_note(p, case)}"
                    ),
                    **common,
                )
            )
    for bad in p.advise_against:
        hits = any_match(case.plan, bad.match, kb, lenient=False)
        if hits:
            what = ", ".join(describe(i) for i in hits)
            findings.append(
                Finding(
                    kind="not_recommended",
                    subject=bad.label,
                    explanation=f"The plan includes {what}. {bad.why}",
                    evidence_level=bad.evidence_level,
                    citations=citations(kb, bad.sources),
                    rule_id=f"{p.id}/{bad.id}",
                    context=p.title,
                )
            )
    for alt in p.alternatives:
        if case.plan and not any_match(case.plan, alt.options, kb, lenient=True):
            findings.append(
                Finding(
                    kind="alternative",
                    subject=alt.label,
                    explanation=f"Not mentioned in the plan; ask whether it suits you. {alt.why}",
                    evidence_level=alt.evidence_level,
                    citations=citations(kb, alt.sources),
                    rule_id=f"{p.id}/{alt.id}",
                    context=p.title,
                )
            )
    return findings


def _unconfirm_advised_against(
    findings: list[Finding], applied: list[Pathway], case: Case, kb: KnowledgeBase
) -> list[Finding]:
    """A plan element the evidence advises against here is not also 'in line with the evidence'
    because a broader pathway lists it among its options: that confirmation goes."""
    flagged = {
        id(item)
        for p in applied
        for bad in p.advise_against
        for item in any_match(case.plan, bad.match, kb, lenient=False)
    }
    if not flagged:
        return findings
    recs = {f"{p.id}/{r.id}": r for p in applied for r in p.recommend}
    kept = []
    for f in findings:
        rec = recs.get(f.rule_id) if f.kind == "confirmed" else None
        if rec is not None and not any_match(case.history, rec.options, kb, lenient=True):
            planned = any_match(case.plan, rec.options, kb, lenient=True)
            if planned and all(id(i) in flagged for i in planned):
                continue
        kept.append(f)
    return kept


def _fitness_note(p: Pathway, case: Case) -> str:
    """A pathway for fit people, applied with no performance status given: the fitness was read
    from the plan (conditions.fit_by_plan), and the reader is told so."""
    if p.when.ecog_max is None or case.patient.ecog is not None:
        return ""
    return (
        " We took it that you are fit enough for this, as the treatment already planned suggests;"
        " your doctors can confirm."
    )


def _would_change_the_review(p: Pathway, case: Case, kb: KnowledgeBase) -> bool:
    """Whether knowing the missing fact could add a warning or a test for this plan: only then is
    it worth asking for. A pathway that would merely confirm, or suggest, is not."""
    if not case.plan:
        return bool(p.tests or p.recommend)
    if any(any_match(case.plan, a.match, kb, lenient=False) for a in p.advise_against):
        return True
    for rec in p.recommend:
        satisfied = any_match([*case.plan, *case.history], rec.options, kb, lenient=True)
        if rec.essential and not satisfied and _judgeable(case, rec.judge_if_plan_has, kb):
            return True
    return any(
        not (
            {r.status for b in (t.biomarker, *t.also_answered_by) if (r := case.biomarker(b))}
            & {"positive", "negative"}
        )
        for t in p.tests
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and per (kind, subject); a confirmation beats an alternative, and a
    missing treatment is not offered again as something to "also ask about"."""
    seen: set[tuple[str, str]] = set()
    confirmed = {f.subject.lower() for f in findings if f.kind == "confirmed"}
    missing = {f.subject.lower() for f in findings if f.kind == "missing_treatment"}
    out = []
    for f in findings:
        key = (f.kind, f.subject.lower())
        if key in seen or f.rule_id in {g.rule_id for g in out}:
            continue
        if f.kind in ("alternative", "missing_treatment") and f.subject.lower() in confirmed:
            continue
        if f.kind == "alternative" and f.subject.lower() in missing:
            continue
        seen.add(key)
        out.append(f)
    return out


def verdict_for(findings: list[Finding], insufficient: bool, minor: set[str]) -> Verdict:
    """DESIGN §3: harms and major gaps first, then missing facts, then minor gaps."""
    kinds = [f.kind for f in findings]
    major_missing = any(f.kind == "missing_treatment" and f.rule_id not in minor for f in findings)
    if "not_recommended" in kinds or major_missing:
        return "discordant"
    if insufficient:
        return "insufficient_information"
    if "missing_test" in kinds or "missing_treatment" in kinds:
        return "partially_concordant"
    # A plan element described only as "chemotherapy" is provisionally in line (and asked about).
    vague = any(
        f.kind == "information_needed" and not f.rule_id.startswith("case/") and "/test:" not in f.rule_id
        for f in findings
    )
    if "confirmed" not in kinds and not vague:
        return "insufficient_information"
    return "concordant"


ORDER = {
    "not_recommended": 0,
    "missing_treatment": 1,
    "missing_test": 2,
    "information_needed": 3,
    "alternative": 4,
    "confirmed": 5,
}


def review_plan(case: Case, kb: KnowledgeBase) -> tuple[PlanReview, list[Pathway]]:
    """The plan review, and the pathways that applied (their questions and records are reused)."""
    cancer = case.primary
    findings: list[Finding] = []
    if cancer is None or cancer.type is None or cancer.type not in kb.cancers:
        findings.append(
            Finding(
                kind="information_needed",
                subject="Type of cancer",
                explanation=(
                    "The exact type of cancer could not be identified, so the plan cannot "
                    "be compared with the evidence."
                ),
                rule_id="case/type",
            )
        )
        return PlanReview(
            verdict="insufficient_information",
            findings=findings,
            summary=_summary("insufficient_information", []),
        ), []
    applied: list[Pathway] = []
    missing_facts: dict[str, list[str]] = {}
    for p in kb.pathways_for(cancer.type):
        outcome = evaluate(p.when, case, cancer, kb)
        if outcome.value is True:
            applied.append(p)
            findings.extend(_apply(p, case, kb))
        elif outcome.value is None:
            relevant = _would_change_the_review(p, case, kb)
            for fact in outcome.unknown:
                # Stage and spread are key facts of any review; others only when they matter here.
                if fact in _ASKABLE and (relevant or fact in ("setting", "stage")):
                    missing_facts.setdefault(fact, []).append(p.title)
    minor = {f"{p.id}/{r.id}" for p in applied for r in p.recommend if not r.major}
    for fact, titles in missing_facts.items():
        shown = "; ".join(dict.fromkeys(titles[:3]))
        findings.append(
            Finding(
                kind="information_needed",
                subject=_ASKABLE[fact],
                explanation=f"Not found in what you provided. It decides which evidence applies: {shown}.",
                rule_id=f"case/{fact}",
            )
        )
    ctype = kb.cancers[cancer.type]
    insufficient = False
    if not case.plan:
        insufficient = True
        findings.append(
            Finding(
                kind="information_needed",
                subject="The proposed treatment plan",
                explanation=(
                    "No proposed treatment was found, so only the tests and options can be "
                    "reviewed. Add what your doctors have suggested."
                ),
                rule_id="case/plan",
            )
        )
    spread_unknown = setting_matches(cancer, ["metastatic"]) is None
    judged = any(f.kind in ("confirmed", "missing_treatment", "not_recommended") for f in findings)
    if spread_unknown and ctype.category == "solid" and "setting" in missing_facts and not judged:
        insufficient = True
    findings = sorted(
        _dedupe(_unconfirm_advised_against(findings, applied, case, kb)), key=lambda f: ORDER[f.kind]
    )
    if not applied and case.plan and not ({"setting", "stage"} & set(missing_facts)):
        findings.append(
            Finding(
                kind="information_needed",
                subject="Evidence for this situation",
                explanation=(
                    f"The knowledge base has no evidence summary that covers this situation "
                    f"of {ctype.plain_name}, so the plan was not judged."
                ),
                rule_id="case/coverage",
            )
        )
    verdict = verdict_for(findings, insufficient, minor)
    return PlanReview(verdict=verdict, findings=findings, summary=_summary(verdict, findings)), applied


def _count(n: int, singular: str, plural: str) -> str:
    """'1 test', '2 tests': summaries are read by patients, so no '(s)'."""
    return f"{n} {singular if n == 1 else plural}"


def _and(parts: list[str]) -> str:
    return " and ".join(p for p in parts if not p.startswith("0 ")) or "nothing"


def _summary(verdict: Verdict, findings: list[Finding]) -> str:
    count = {k: sum(f.kind == k for f in findings) for k in ORDER}
    if verdict == "concordant":
        return (
            "The proposed plan matches the evidence we hold for this situation"
            f" ({_count(count['confirmed'], 'element', 'elements')} confirmed)."
        )
    if verdict == "partially_concordant":
        missing = _and(
            [
                _count(count["missing_test"], "test", "tests"),
                _count(count["missing_treatment"], "treatment element", "treatment elements"),
            ]
        )
        return f"The core of the plan matches the evidence, but something is missing: {missing} to discuss."
    if verdict == "discordant":
        differs = _and(
            [
                _count(
                    count["not_recommended"],
                    "element the evidence advises against",
                    "elements the evidence advises against",
                ),
                _count(count["missing_treatment"], "missing treatment", "missing treatments"),
            ]
        )
        return (
            f"Part of the plan differs from the evidence for this situation: {differs}. "
            "Discuss these with your doctors."
        )
    return (
        "Key facts are missing, so the plan could not be fully judged. See what information is needed below."
    )
