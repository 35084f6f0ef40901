"""PDF reports: a vignette printed to a text PDF reads as the same case as the vignette's text, each
fact's provenance names the document and page, and every unusable PDF is one InputError line.

The PDFs are made here from the vignettes (tests/vignettes/*.yaml): text PDFs with fpdf2, image-only
PDFs by drawing the text onto a page image with Pillow (see test_pdf_ocr.py for those)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.intake import read_case, read_case_with_warnings
from secondopinion.intake.pdf import (
    NO_TESSERACT,
    fix_ocr,
    fix_terms,
    is_pdf,
    marker_words,
    pdf_text,
    read_pdf_case,
)
from secondopinion.intake.text import parse_text
from secondopinion.knowledge.schema import KnowledgeBase

VIGNETTES = Path(__file__).parents[1] / "vignettes"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core


# --- making PDFs -----------------------------------------------------------------------------


def vignettes() -> list[dict[str, Any]]:
    out = []
    for path in sorted(VIGNETTES.glob("*.yaml")):
        for v in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if isinstance(v, dict) and "text" in v:
                out.append({**v, "file": path.stem})
    return out


def paragraphs(text: str) -> list[str]:
    """The text as a printed report lays it out: paragraphs, re-flowed to the page width."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with a text layer, one page per string, in justified paragraphs as reports print."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    if FONT.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        for para in paragraphs(page):
            if not FONT.exists():
                para = para.encode("latin-1", "replace").decode("latin-1")
            pdf.multi_cell(0, 6, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def page_image(text: str) -> Any:
    """An A4 page at 300 dpi with the text drawn on it, as a scanner would see a printed report."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 36) if FONT.exists() else ImageFont.load_default(size=36)
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    y, width = 250, 2480 - 2 * 180
    for para in paragraphs(text):
        line = ""
        for word in para.split(" "):  # wrapped by printed width, as a word processor does
            if line and font.getlength(f"{line} {word}") > width:
                draw.text((180, y), line, font=font, fill=0)
                line, y = word, y + 52
            else:
                line = f"{line} {word}".strip()
        draw.text((180, y), line, font=font, fill=0)
        y += 52 + 30
    return image


def image_pdf(pages: list[str]) -> bytes:
    """A PDF with no text layer at all: each page is one image."""
    images = [page_image(p) for p in pages]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=300, save_all=True, append_images=images[1:])
    return buf.getvalue()


def facts(case: Case) -> dict[str, Any]:
    """What a review turns on: cancer type, stage and setting, biomarkers, plan and history."""

    def items(plan: list[Any]) -> list[Any]:
        return sorted(
            ((p.modality, tuple(sorted(p.drugs)), p.regimen, p.intent, p.status) for p in plan), key=repr
        )

    return {
        "cancers": [
            (c.type, c.stage_group, c.tnm.t, c.tnm.n, c.tnm.m, c.setting, c.histology, c.recurrent)
            for c in case.cancers
        ],
        "metastatic_sites": [sorted(c.metastatic_sites) for c in case.cancers],
        "biomarkers": sorted(((b.name, b.status, b.detail, b.value) for b in case.biomarkers), key=repr),
        "plan": items(case.plan),
        "history": items(case.history),
        "patient": (case.patient.age, case.patient.sex, case.patient.ecog),
    }


ALL = vignettes()


# --- text PDFs read as their text -------------------------------------------------------------


@pytest.mark.parametrize("vignette", ALL, ids=[f"{v['file']}:{v['id']}" for v in ALL])
def test_a_text_pdf_reads_as_the_same_case_as_its_text(vignette: dict[str, Any], kb: KnowledgeBase) -> None:
    data = text_pdf([vignette["text"]])
    printed = "\n\n".join(paragraphs(vignette["text"]))  # the text as the report prints it
    from_text = parse_text(printed, kb, document="case.txt")
    case, warnings = read_pdf_case(data, "report.pdf", kb)
    assert facts(case) == facts(from_text)
    assert warnings == []


def test_every_fact_read_from_a_pdf_names_the_document_the_page_and_the_words(kb: KnowledgeBase) -> None:
    first, second = ALL[0]["text"], ALL[1]["text"]
    data = text_pdf([first, second])
    doc = pdf_text(data, "path.pdf")
    assert [p.number for p in doc.pages] == [1, 2] and not doc.ocr
    case, _ = read_pdf_case(data, "path.pdf", kb)
    provs = [p for f in [case.patient, *case.cancers, *case.biomarkers, *case.plan] for p in f.provenance]
    assert provs
    for p in provs:
        assert p.source == "pdf" and p.document == "path.pdf"
        assert p.start is not None and p.end is not None and doc.text[p.start : p.end] == p.text
        assert p.field == f"page {doc.page_at(p.start).number}"
    assert {p.field for p in provs} == {"page 1", "page 2"}


def test_the_dispatcher_reads_pdfs_by_content_not_name(kb: KnowledgeBase) -> None:
    data = text_pdf([ALL[0]["text"]])
    case = read_case(data, "scan-0001", kb)  # no extension at all
    assert case.primary is not None and case.primary.type == ALL[0]["expect"]["cancer"]
    case2, warnings = read_case_with_warnings(data, "report.pdf", kb)
    assert facts(case2) == facts(case) and warnings == []


def test_a_pdf_that_names_no_known_cancer_is_refused_like_text(kb: KnowledgeBase) -> None:
    data = text_pdf(["Chest X-ray: lungs are clear. No acute findings. Heart size normal."])
    with pytest.raises(InputError):
        read_case(data, "xray.pdf", kb)


# --- unusable PDFs: one line each --------------------------------------------------------------


def _one_line(exc: pytest.ExceptionInfo[InputError], name: str) -> str:
    message = str(exc.value)
    assert "\n" not in message and message.startswith(f"{name}: ")
    return message


def test_an_encrypted_pdf_is_refused_with_one_line() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([ALL[0]["text"]]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(InputError) as exc:
        pdf_text(buf.getvalue(), "locked.pdf")
    assert "password" in _one_line(exc, "locked.pdf")


def test_a_pdf_locked_only_against_editing_opens_without_a_password(kb: KnowledgeBase) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([ALL[0]["text"]]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    case, _ = read_pdf_case(buf.getvalue(), "signed.pdf", kb)
    assert facts(case) == facts(parse_text("\n\n".join(paragraphs(ALL[0]["text"])), kb))


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        b"%PDF-" + bytes(range(256)) * 4,
    ],
    ids=["header-only", "no-pages", "garbage"],
)
def test_a_corrupt_or_empty_pdf_is_refused_with_one_line(data: bytes) -> None:
    with pytest.raises(InputError) as exc:
        pdf_text(data, "bad.pdf")
    _one_line(exc, "bad.pdf")


def test_a_truncated_pdf_is_refused_or_read_but_never_crashes() -> None:
    data = text_pdf([ALL[0]["text"]])
    with pytest.raises(InputError) as exc:
        pdf_text(data[: len(data) // 3], "cut.pdf")
    _one_line(exc, "cut.pdf")


def test_a_pdf_of_blank_pages_has_no_readable_text() -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_page()
    with pytest.raises(InputError) as exc:
        pdf_text(bytes(pdf.output()), "blank.pdf")
    assert "no readable text" in _one_line(exc, "blank.pdf")


def test_a_scanned_pdf_without_tesseract_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where tesseract is not installed
    with pytest.raises(InputError) as exc:
        pdf_text(image_pdf([ALL[0]["text"]]), "scan.pdf")
    assert _one_line(exc, "scan.pdf") == f"scan.pdf: {NO_TESSERACT}"


def test_a_text_pdf_needs_no_tesseract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "cancer" in pdf_text(text_pdf([ALL[0]["text"]]), "report.pdf").text


def test_pdfs_are_recognised_by_their_header() -> None:
    assert is_pdf(b"%PDF-1.7\n...")
    assert is_pdf(b"\xef\xbb\xbf\n%PDF-1.4\n...")
    assert is_pdf(b"junk before the header\n%PDF-1.4\n...\n%%EOF\n")
    assert not is_pdf(b"My report mentions %PDF- in passing; stage II colon cancer.")
    assert not is_pdf(b"")


# --- OCR repairs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ocr", "fixed"),
    [
        ("stage Ill B lung cancer", "stage III B lung cancer"),
        ("Stage lV colon cancer", "Stage IV colon cancer"),
        ("FIGO stage IlIC", "FIGO stage IIIC"),
        ("stage |I breast", "stage II breast"),
        ("stage IIICl endometrioid", "stage IIIC1 endometrioid"),
        ("stage |, BCLC A", "stage I, BCLC A"),
        ("Stage | IIIA", "Stage | IIIA"),
        ("pTla NO, stage I", "pT1a N0, stage I"),
        ("cT2c, PET shows no spread (NO MO).", "cT2c, PET shows no spread (N0 M0)."),
        ("Stage IIIC (pT3bN1laMO).", "Stage IIIC (pT3bN1aM0)."),
        ("clinical stage Tlc.", "clinical stage T1c."),
        ("ECOG O. The plan", "ECOG 0. The plan"),
        ("lam 34. | don't know", "I am 34. I don't know"),
        ("T3. No evidence of disease", "T3. No evidence of disease"),
        ("ER | positive", "ER | positive"),
        ("Plan: surveillance only, no\n\nchemotherapy.", "Plan: surveillance only, no chemotherapy."),
        ("stage Illinois", "stage Illinois"),
        ("Ill at ease", "Ill at ease"),
    ],
)
def test_ocr_misreadings_that_change_a_clinical_fact_are_repaired(ocr: str, fixed: str) -> None:
    assert fix_ocr(ocr) == fixed


@pytest.mark.parametrize(
    ("ocr", "fixed"),
    [
        ("The tumour is MSlI-high.", "The tumour is MSI-high."),
        ("astrocytoma, |DH1-mutant", "astrocytoma, IDH1-mutant"),
        ("germline BRCAl mutation", "germline BRCA1 mutation"),
        ("PD-Ll 80%", "PD-L1 80%"),
        ("all lymph nodes, Level II, Dr. Allen", "all lymph nodes, Level II, Dr. Allen"),
        ("ALK-positive, well-differentiated", "ALK-positive, well-differentiated"),
    ],
)
def test_ocr_misread_marker_names_are_restored_from_the_knowledge_base(
    ocr: str, fixed: str, kb: KnowledgeBase
) -> None:
    assert fix_terms(ocr, marker_words(kb)) == fixed
