"""Scanned reports: a vignette printed onto a page image (no text layer at all) is read by OCR
with its key facts intact — cancer type, stage, biomarkers and plan — and the facts say they came
from OCR. Needs the `tesseract` program (Debian tesseract-ocr and tesseract-ocr-eng; CI installs
them)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from secondopinion.case import Case
from secondopinion.intake import read_case_with_warnings
from secondopinion.intake.pdf import pdf_text, read_pdf_case
from secondopinion.intake.text import parse_text
from secondopinion.knowledge.schema import KnowledgeBase
from tests.intake.test_pdf import ALL, image_pdf, paragraphs, text_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed on this machine (CI installs it)"
)

# One vignette from each file, and ones whose facts are easiest for OCR to garble: roman stages
# ("IIIB" read as "IllB"), TNM zeros ("N0" read as "NO"), percentages and gene names.
IDS = {
    "nsclc-egfr-osimertinib-concordant",
    "nsclc-stage3-chemoradiation-durvalumab-concordant",
    "colon-stage2a-dmmr-capecitabine",
    "thyroid-ptmc-rai-not-recommended",
    "prostate-high-risk-radiation-without-adt",
    "myeloma-older-drd-concordant",
}
SAMPLE = [v for v in ALL if v["id"] in IDS] + [
    next(v for v in ALL if v["file"] == f) for f in sorted({v["file"] for v in ALL})
]
SAMPLE = list({v["id"]: v for v in SAMPLE}.values())


def key_facts(case: Case) -> dict[str, Any]:
    return {
        "cancers": [(c.type, c.stage_group, c.tnm.t, c.tnm.n, c.tnm.m, c.setting) for c in case.cancers],
        "biomarkers": sorted({(b.name, b.status) for b in case.biomarkers}),
        "plan": sorted((p.modality, tuple(sorted(p.drugs))) for p in case.plan),
        "history": sorted((p.modality, tuple(sorted(p.drugs))) for p in case.history),
    }


@pytest.mark.parametrize("vignette", SAMPLE, ids=[f"{v['file']}:{v['id']}" for v in SAMPLE])
def test_the_key_facts_of_a_scanned_report_survive_ocr(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    case, warnings = read_pdf_case(image_pdf([vignette["text"]]), "scan.pdf", kb)
    printed = parse_text("\n\n".join(paragraphs(vignette["text"])), kb)
    assert key_facts(case) == key_facts(printed)
    assert warnings == ["page 1 had no text layer and was read by OCR; check the facts against the report"]
    provs = [p for f in [*case.cancers, *case.biomarkers, *case.plan] for p in f.provenance]
    assert provs and all(p.source == "pdf" and p.field == "page 1 (OCR)" for p in provs)


def test_a_report_with_a_typed_page_and_a_scanned_page_reads_both(kb: KnowledgeBase) -> None:
    """The typed page comes from the text layer, the scanned one from OCR, each fact marked."""
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    typed = next(v for v in ALL if v["id"] == "nsclc-egfr-osimertinib-concordant")["text"]
    scanned = "Addendum: PD-L1 tumour proportion score 10%. KRAS negative."
    writer = PdfWriter()
    for data in (text_pdf([typed]), image_pdf([scanned])):
        writer.append(PdfReader(BytesIO(data)))
    buf = BytesIO()
    writer.write(buf)
    doc = pdf_text(buf.getvalue(), "mixed.pdf")
    assert [(p.number, p.ocr) for p in doc.pages] == [(1, False), (2, True)]
    assert "KRAS" in doc.pages[1].text
    case, warnings = read_case_with_warnings(buf.getvalue(), "mixed.pdf", kb)
    assert warnings == ["page 2 had no text layer and was read by OCR; check the facts against the report"]
    fields = {p.field for b in case.biomarkers for p in b.provenance}
    assert {"page 1", "page 2 (OCR)"} <= fields
    kras = case.biomarker("KRAS")
    assert kras is not None and kras.status == "negative"
    assert kras.provenance[0].field == "page 2 (OCR)"


def test_a_multi_page_scan_numbers_its_pages(kb: KnowledgeBase) -> None:
    first = "Pathology report. Invasive ductal carcinoma of the left breast, grade 2, 2.1 cm."
    second = "Estrogen receptor positive (90%), progesterone receptor positive, HER2 negative (IHC 1+)."
    doc = pdf_text(image_pdf([first, second]), "path.pdf")
    assert [(p.number, p.ocr) for p in doc.pages] == [(1, True), (2, True)]
    case, _ = read_pdf_case(image_pdf([first, second]), "path.pdf", kb)
    assert case.primary is not None and case.primary.type == "breast"
    her2 = case.biomarker("ERBB2")
    assert her2 is not None and her2.status == "negative"
    assert {p.field for p in her2.provenance} == {"page 2 (OCR)"}
