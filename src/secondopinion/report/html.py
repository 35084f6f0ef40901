"""The review as HTML (and Markdown) for two audiences from one Review: a structured, coded
clinician report and a plain-language patient report, from the same findings and citations.

Rendering is a pure function of its inputs: the review, the knowledge base (names, codes,
glossary), the specialist matches and the decision aid; the chart is computed here, in memory.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from secondopinion import __version__
from secondopinion.case import Case, PlanItem
from secondopinion.intake.fhir_codes import HGNC_SYMBOLS
from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report import labels
from secondopinion.report.decision_aid import DecisionAid, build_decision_aid
from secondopinion.report.plain import Glossary, Linker, evidence_strength, readable_text, simplify
from secondopinion.review.model import Citation, Finding, Review
from secondopinion.specialists.match import SpecialistMatches

HGNC_IDS = {symbol: number for number, symbol in HGNC_SYMBOLS.items()}
Audience = Literal["patient", "clinician"]
AUDIENCES: tuple[str, ...] = ("patient", "clinician")

RECORD_STATUS = {"have": "you have it", "missing": "missing", "unknown": "not seen yet"}
OPTION_SOURCE = {
    "your_plan": "Your plan",
    "evidence_calls_for": "Evidence calls for it",
    "also_ask": "Also ask about",
}
TRIAGE_SENTENCE = {
    "strongly_recommended": "A second opinion is strongly recommended.",
    "recommended": "A second opinion is recommended.",
    "optional": "A second opinion is optional: it may still give you peace of mind.",
}
FINDING_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("What the evidence advises against", ("not_recommended",)),
    ("What may be missing", ("missing_treatment", "missing_test")),
    ("What matches the evidence", ("confirmed",)),
    ("Other options to ask about", ("alternative",)),
    ("What we could not judge", ("information_needed",)),
)


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("secondopinion.report", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> str:
    """The one stylesheet for screen, print and PDF (inlined so a saved report stands alone)."""
    return (
        resources.files("secondopinion.report").joinpath("static", "report.css").read_text(encoding="utf-8")
    )


def render_template(name: str, **context: Any) -> str:
    context.setdefault("css", Markup(stylesheet()))
    return _env().get_template(name).render(**context)


def citation_url(c: Citation) -> str | None:
    """A link a reader can follow for the citation, or None for a citation by name only."""
    ref = c.url_or_pmid.strip()
    if ref.startswith("https://"):
        return ref
    if m := re.fullmatch(r"PMID:\s*(\d+)", ref):
        return f"https://pubmed.ncbi.nlm.nih.gov/{m.group(1)}/"
    if m := re.fullmatch(r"doi:\s*(10\.\S+)", ref, flags=re.IGNORECASE):
        return f"https://doi.org/{m.group(1)}"
    return None


def describe_item(item: PlanItem) -> str:
    parts = []
    if item.regimen and item.drugs:
        parts.append(f"{item.regimen} ({', '.join(item.drugs)})")
    elif item.regimen or item.drugs:
        parts.append(item.regimen or " and ".join(item.drugs))
    if item.procedure:
        parts.append(item.procedure)
    if item.description and not parts:
        parts.append(item.description)
    return ", ".join(parts) or item.modality.replace("_", " ")


def _numbering(review: Review, aid: DecisionAid | None) -> dict[str, tuple[int, Citation]]:
    numbers: dict[str, tuple[int, Citation]] = {}
    groups: list[list[Citation]] = [r.citations for r in review.triage.reasons]
    groups += [f.citations for f in review.plan_review.findings]
    groups += [o.citations for o in aid.options] if aid else []
    groups += [o.harms_citations for o in aid.options] if aid else []
    for cites in groups:
        for c in cites:
            if c.source_id not in numbers:
                numbers[c.source_id] = (len(numbers) + 1, c)
    return numbers


def _article(age: int) -> str:
    """'an 80-year-old', 'a 62-year-old'."""
    return "an" if age in (8, 11, 18) or 80 <= age <= 89 else "a"


def patient_summary(case: Case, kb: KnowledgeBase) -> list[str]:
    """The case in short sentences addressed to the patient."""
    lines: list[str] = []
    p = case.patient
    who = {"female": "woman", "male": "man"}.get(p.sex)
    if p.age is not None and who:
        lines.append(f"You are {_article(p.age)} {p.age}-year-old {who}.")
    elif p.age is not None:
        lines.append(f"You are {p.age} years old.")
    for i, c in enumerate(case.cancers):
        known = kb.cancers.get(c.type) if c.type else None
        name = known.plain_name if known else (c.histology or c.primary_site or "cancer")
        extra = (
            f" ({c.histology})" if c.histology and known and c.histology.lower() not in name.lower() else ""
        )
        stage = f", stage {c.stage_group}" if c.stage_group else ""
        lead = "Your cancer" if i == 0 else "You also have"
        lines.append(f"{lead}: {name}{extra}{stage}.")
        if c.metastatic_sites:
            lines.append(f"It has spread to: {', '.join(c.metastatic_sites)}.")
        elif c.setting == "locally_advanced":
            lines.append("It has grown into nearby tissue or lymph nodes but not to distant organs.")
        elif c.setting == "localized":
            lines.append("It has not spread beyond where it started.")
    shown = [b for b in case.biomarkers if not any(pv.source == "derived" for pv in b.provenance)]
    if shown:
        results = []
        for b in shown:
            known_b = kb.biomarkers.get(b.name)
            name = b.name if not known_b or len(known_b.name) > 24 else known_b.name
            status = b.status.replace("_", " ")
            detail = f" ({b.detail})" if b.detail else ""
            value = f" ({b.value:g}{b.unit or ''})" if b.value is not None and not b.detail else ""
            results.append(f"{name}: {status}{detail}{value}")
        lines.append("Test results on the cancer: " + "; ".join(results) + ".")
    done = [describe_item(i) for i in case.history]
    if done:
        lines.append("Treatment you have had: " + "; ".join(done) + ".")
    plan = [describe_item(i) for i in case.plan if i.status != "done"]
    if plan:
        lines.append("The plan your doctors propose: " + "; ".join(plan) + ".")
    else:
        lines.append("We did not find a proposed treatment plan in what you gave us.")
    return lines


def clinician_case_rows(case: Case, kb: KnowledgeBase) -> list[tuple[str, str]]:
    p = case.patient
    rows: list[tuple[str, str]] = [("Case id", case.id)]
    rows.append(
        (
            "Patient",
            ", ".join(
                x
                for x in (
                    f"{p.age} y" if p.age is not None else "age not stated",
                    p.sex,
                    f"ECOG {p.ecog}" if p.ecog is not None else "",
                    f"KPS {p.karnofsky}" if p.karnofsky is not None else "",
                    p.menopausal_status or "",
                )
                if x
            ),
        )
    )
    if p.comorbidities:
        rows.append(
            (
                "Comorbidities",
                "; ".join(c.name + (" (serious)" if c.serious else "") for c in p.comorbidities),
            )
        )
    if p.family_history:
        rows.append(("Family history", "; ".join(f"{f.relative}: {f.condition}" for f in p.family_history)))
    for i, c in enumerate(case.cancers):
        known = kb.cancers.get(c.type) if c.type else None
        codes = []
        if known:
            codes += [f"OncoTree {x}" for x in known.oncotree[:3]]
            codes += [f"ICD-10 {x}" for x in known.icd10[:2]]
            codes += [f"ICD-O-3 {x}" for x in known.icdo3[:2]]
            codes += [f"SNOMED {x}" for x in known.snomed[:1]]
        label = "Primary cancer" if i == 0 else f"Cancer {i + 1}"
        name = known.name if known else (c.type or "unknown type")
        rows.append((label, f"{name} [{c.type or '—'}]" + (f"; codes: {', '.join(codes)}" if codes else "")))
        detail = [
            f"histology {c.histology}" if c.histology else "",
            f"grade {c.grade}" if c.grade else "",
            f"stage {c.stage_group}" if c.stage_group else "stage not stated",
            " ".join(x for x in (c.tnm.t, c.tnm.n, c.tnm.m) if x),
            f"setting {c.setting}" if c.setting else "",
            "recurrent" if c.recurrent else "",
            f"metastatic sites: {', '.join(c.metastatic_sites)}" if c.metastatic_sites else "",
            f"risk group {c.risk_group}" if c.risk_group else "",
            ", ".join(f"{k} {v}" for k, v in c.scores.items()),
        ]
        rows.append(("Disease", "; ".join(x for x in detail if x)))
    return rows


def biomarker_rows(case: Case, kb: KnowledgeBase) -> list[dict[str, str]]:
    out = []
    for b in case.biomarkers:
        known = kb.biomarkers.get(b.name)
        hgnc = HGNC_IDS.get(b.name)
        codes = [f"HGNC:{hgnc} {b.name}" if hgnc else b.name]
        if known and known.loinc:
            codes.append(f"LOINC {known.loinc[0]}")
        derived = any(pv.source == "derived" for pv in b.provenance)
        detail = ", ".join(
            x
            for x in (
                b.detail or "",
                f"{b.value:g}{(' ' + b.unit) if b.unit else ''}" if b.value is not None else "",
                "germline" if b.germline else "",
                "derived from other results" if derived else "",
            )
            if x
        )
        out.append(
            {
                "name": known.name if known else b.name,
                "codes": "; ".join(codes),
                "status": b.status,
                "detail": detail or "—",
                "method": b.method or "—",
            }
        )
    return out


def finding_groups(findings: list[Finding]) -> list[dict[str, Any]]:
    out = []
    for title, kinds in FINDING_GROUPS:
        found = [f for f in findings if f.kind in kinds]
        if found:
            out.append({"title": title, "findings": found})
    return out


_GLOSSARIES: dict[tuple[int, str], Glossary] = {}


def glossary_for(kb: KnowledgeBase) -> Glossary:
    """The glossary index of a knowledge base, built once per loaded knowledge base."""
    key = (id(kb), kb.version)
    if key not in _GLOSSARIES:
        _GLOSSARIES.clear()
        _GLOSSARIES[key] = Glossary(kb)
    return _GLOSSARIES[key]


def _png_size(png: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def report_context(
    review: Review,
    kb: KnowledgeBase,
    audience: Audience,
    *,
    specialists: SpecialistMatches | None = None,
    chart: bool = True,
    generated: str | None = None,
) -> dict[str, Any]:
    """Everything the templates need, computed once; the same content for both audiences."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    aid = build_decision_aid(review, kb)
    numbers = _numbering(review, aid)
    png = None
    if chart and aid is not None:
        from secondopinion.report.chart import chart_alt_text, evidence_chart_png

        png = evidence_chart_png(aid)
    plain: Callable[[str], str] = simplify if audience == "patient" else (lambda s: s)
    return {
        "r": review,
        "audience": audience,
        "title": (
            "Your second-opinion pre-review"
            if audience == "patient"
            else "Second-opinion pre-review: clinician summary"
        ),
        "labels": labels,
        "aid": aid,
        "chart": f"data:image/png;base64,{base64.b64encode(png).decode()}" if png else None,
        "chart_alt": chart_alt_text(aid) if png and aid else "",
        "chart_height": round(_png_size(png)[1] * 770 / _png_size(png)[0]) if png else 0,
        "spec": specialists,
        "summary": patient_summary(review.case, kb),
        "case_rows": clinician_case_rows(review.case, kb),
        "biomarker_rows": biomarker_rows(review.case, kb),
        "plan_tables": [
            ("Proposed plan", review.case.plan),
            ("Treatment already given", review.case.history),
        ],
        "finding_groups": finding_groups(review.plan_review.findings),
        "triage_sentence": TRIAGE_SENTENCE[review.triage.recommendation],
        "record_status": RECORD_STATUS if audience == "patient" else {k: k for k in RECORD_STATUS},
        "option_source": OPTION_SOURCE,
        "refs_list": sorted(numbers.values(), key=lambda nc: nc[0]),
        "number": lambda c: numbers[c.source_id][0],
        "url": citation_url,
        "md_refs": lambda cs: (" " + "".join(f"[{numbers[c.source_id][0]}]" for c in cs)) if cs else "",
        "plain": plain,
        "strength": evidence_strength,
        "describe": describe_item,
        "notice": review.notice,
        "version": __version__,
        "kb_version": review.knowledge_base_version,
        "generated": generated,
        "case_id": review.case.id,
    }


def render_report_html(
    review: Review,
    kb: KnowledgeBase,
    audience: Audience = "patient",
    *,
    specialists: SpecialistMatches | None = None,
    chart: bool = True,
    generated: str | None = None,
) -> str:
    """A complete, self-contained HTML page (styles and chart inlined)."""
    ctx = report_context(review, kb, audience, specialists=specialists, chart=chart, generated=generated)
    glossary = glossary_for(kb) if audience == "patient" else None
    ctx["gloss"] = Linker(glossary) if glossary else (lambda text: escape(text or ""))
    body = Markup(render_template(f"{audience}.html", **ctx))
    entries = [
        e.model_copy(update={"plain": simplify(e.plain)})
        for e in (glossary.terms_in([readable_text(str(body))]) if glossary else [])
    ]
    after = Markup(render_template("sources.html", **ctx))
    return render_template("page.html", **ctx, body=body, glossary=entries, after=after)


def render_report_markdown(
    review: Review,
    kb: KnowledgeBase,
    audience: Audience = "patient",
    *,
    specialists: SpecialistMatches | None = None,
) -> str:
    """The same report as Markdown (no chart; the options table says it in words)."""
    ctx = report_context(review, kb, audience, specialists=specialists, chart=False)
    text = _env().get_template("report.md.j2").render(**ctx, glossary=[])
    if audience == "patient":
        entries = [
            e.model_copy(update={"plain": simplify(e.plain)}) for e in glossary_for(kb).terms_in([text])
        ]
        text = _env().get_template("report.md.j2").render(**ctx, glossary=entries)
    return re.sub(r"\n{3,}", "\n\n", text)
