"""The review as Markdown: the patient-readable layout that the terminal view also renders."""

from __future__ import annotations

from secondopinion.case import Case
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report.labels import CRITERION, KIND, RECOMMENDATION, STATUS, VERDICT
from secondopinion.review.model import Citation, Review
from secondopinion.trials.model import TrialMatch


def case_summary(case: Case, kb: KnowledgeBase | None = None) -> str:
    """One line a person recognises: cancer types by their names, not the knowledge base's ids."""
    parts: list[str] = []
    p = case.patient
    who = " ".join(
        x
        for x in (
            f"{p.age}-year-old" if p.age is not None else "",
            {"female": "woman", "male": "man"}.get(p.sex, ""),
        )
        if x
    )
    if who:
        parts.append(who)
    for c in case.cancers:
        ctype = kb.cancers.get(c.type) if kb is not None and c.type else None
        type_name = ctype.name if ctype else (c.type or "").replace("_", " ")
        h, n = c.histology, type_name
        plain = ctype.plain_name if ctype else n
        if h and n:
            label = n if h.lower() in n.lower() else h if plain.lower() in h.lower() else f"{h} ({plain})"
        else:
            label = n or h or "cancer"
        bits = [label]
        if c.stage_group:
            bits.append(f"stage {c.stage_group}")
        if c.setting:
            bits.append(c.setting.replace("_", " "))
        if c.metastatic_sites:
            bits.append("spread to " + ", ".join(c.metastatic_sites))
        parts.append(", ".join(bits))
    markers = [
        f"{b.name} {b.status.replace('_', ' ')}" + (f" ({b.detail})" if b.detail else "")
        for b in case.biomarkers
        if not any(p.source == "derived" for p in b.provenance)  # group markers are inferred
    ]
    if markers:
        parts.append("biomarkers: " + "; ".join(markers))
    if case.plan:
        from secondopinion.review.treatments import describe

        parts.append(
            "proposed: "
            + "; ".join(
                f"{describe(i)}" + (f" ({i.intent})" if i.intent != "unknown" else "") for i in case.plan
            )
        )
    return " · ".join(parts) or "no details recognised"


def _cite(c: Citation, numbers: dict[str, int]) -> str:
    return f"[{numbers.setdefault(c.source_id, len(numbers) + 1)}]"


def render_markdown(review: Review, kb: KnowledgeBase | None = None) -> str:
    numbers: dict[str, int] = {}
    all_citations: dict[str, Citation] = {}
    lines = [
        "# Second-opinion pre-review",
        "",
        f"**Your case as we read it:** {case_summary(review.case, kb)}",
        "",
    ]
    t = review.triage
    lines += ["## Should I get a second opinion?", "", f"**{RECOMMENDATION[t.recommendation]}.**", ""]
    for r in t.reasons:
        refs = "".join(_cite(c, numbers) for c in r.citations)
        for c in r.citations:
            all_citations[c.source_id] = c
        lines.append(f"- **{CRITERION[r.criterion]}** — {r.explanation} {refs}".rstrip())
    if not t.reasons:
        lines.append("- None of the usual reasons for a second opinion stands out in what you described.")
    lines += ["", f"**How soon:** {t.urgency}", ""]
    pr = review.plan_review
    lines += ["## Is the plan in line with the evidence?", "", f"**{VERDICT[pr.verdict]}.** {pr.summary}", ""]
    for f in pr.findings:
        refs = "".join(_cite(c, numbers) for c in f.citations)
        for c in f.citations:
            all_citations[c.source_id] = c
        level = f" *Evidence: {f.evidence_level}.*" if f.evidence_level else ""
        lines.append(f"- **{KIND[f.kind]}: {f.subject}** — {f.explanation}{level} {refs}".rstrip())
    if review.completeness:
        lines += ["", "## What a reviewing specialist will need", ""]
        lines += [f"- [{STATUS[c.status]}] **{c.item}** — {c.why}" for c in review.completeness]
    if review.questions:
        lines += ["", "## Questions to ask your doctors", ""]
        lines += [f"{i}. {q}" for i, q in enumerate(review.questions, 1)]
    if review.trials:
        lines += ["", *trials_section(review.trials)]
    if numbers:
        lines += ["", "## Sources", ""]
        for sid, n in sorted(numbers.items(), key=lambda kv: kv[1]):
            c = all_citations[sid]
            lines.append(f"{n}. {c.title} ({c.year}). {c.url_or_pmid}")
    lines += ["", "---", "", f"*{review.notice}* Knowledge base {review.knowledge_base_version}.", ""]
    return "\n".join(lines)


def trials_section(matches: list[TrialMatch], heading: str = "## Clinical trials that may fit") -> list[str]:
    """Each trial with why it is listed and what would settle its open questions."""
    lines = [heading, ""]
    if not matches:
        return [*lines, "No open trial in the trial store matches this cancer type and setting."]
    for i, m in enumerate(matches, 1):
        phase = ", ".join(p.replace("PHASE", "phase ").replace("_", " ").lower() for p in m.phase)
        status = m.status.replace("_", " ").lower()
        link = f" <https://clinicaltrials.gov/study/{m.nct_id}>" if m.nct_id.startswith("NCT") else ""
        about = ", ".join(x for x in (phase, status) if x) + (f", arm {m.arm}" if m.arm else "")
        lines.append(f"{i}. **{m.nct_id}** — {m.title} ({about}).{link}")
        lines.append(f"   - Why listed: {m.why}")
        for q in m.to_resolve[:4]:
            lines.append(f"   - To settle: {q}")
        if len(m.to_resolve) > 4:
            lines.append(f"   - and {len(m.to_resolve) - 4} more question(s) for the trial team.")
    dates = sorted({m.snapshot_date for m in matches if m.snapshot_date})
    if dates:
        lines += ["", f"*Trial records last updated between {dates[0]} and {dates[-1]}.*"]
    lines += ["", "*Only the trial team can confirm eligibility; bring these questions to them.*"]
    return lines
