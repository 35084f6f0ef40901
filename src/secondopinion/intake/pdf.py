"""PDF reports (pathology, consult, imaging) read into the free-text intake.

Text PDFs are read from their text layer with pypdf. Pages without one (scans, photographs of a
letter) are rendered with pdfium and read by the `tesseract` OCR program, when it is installed;
facts read that way are marked "(OCR)" in their provenance because OCR can misread a character.
Everything a damaged, encrypted or empty file can throw becomes one InputError line: a PDF is
untrusted input handed to third-party parsers, so this module is the boundary that contains them.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.knowledge.schema import KnowledgeBase

MAX_PDF_BYTES = 50_000_000
MAX_PAGES = 200
MAX_OCR_PAGES = 40
MIN_LETTERS = 20  # fewer letters than this on a page: a scan with at most a stamp or a page number
OCR_DPI = 300
MAX_RENDER_PIXELS = 40_000_000  # an absurd page size must not exhaust memory
OCR_TIMEOUT_S = 120

PAGE_BREAK = "\n\n"

NO_TESSERACT = "this PDF is a scanned image; install tesseract-ocr to read it, or paste its text"

# pdfium is not thread-safe, and the web platform reads uploads from several threads.
_PDFIUM = threading.Lock()

# pypdf reports each repair it makes to a damaged file as a logging warning; they say nothing a
# patient can act on, and the one-line InputError already covers files it cannot repair.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, as printed
    text: str
    ocr: bool


@dataclass(frozen=True)
class DocumentText:
    """The text of one PDF, page by page; `text` joins the pages and offsets index into it."""

    name: str
    pages: tuple[Page, ...]
    text: str
    starts: tuple[int, ...]  # offset of each page's text in `text`

    @classmethod
    def of(cls, name: str, pages: list[Page]) -> DocumentText:
        starts, pos = [], 0
        for p in pages:
            starts.append(pos)
            pos += len(p.text) + len(PAGE_BREAK)
        return cls(name, tuple(pages), PAGE_BREAK.join(p.text for p in pages), tuple(starts))

    @property
    def ocr(self) -> bool:
        """Whether any page was read by OCR."""
        return any(p.ocr for p in self.pages)

    def page_at(self, offset: int) -> Page:
        """The page holding the character at `offset` of `text`."""
        found = self.pages[0]
        for page, start in zip(self.pages, self.starts, strict=True):
            if start > offset:
                break
            found = page
        return found


def is_pdf(data: bytes) -> bool:
    """A PDF by its header; readers also accept a header after some leading junk, so do we when
    the file also ends like a PDF (a text that merely mentions '%PDF-' stays text)."""
    if data.lstrip(b" \t\r\n\x00\xef\xbb\xbf").startswith(b"%PDF-"):
        return True
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]


def pdf_text(data: bytes, name: str) -> DocumentText:
    """The text of a PDF, OCR-ing the pages that have no text layer. Raises InputError."""
    if len(data) > MAX_PDF_BYTES:
        raise InputError(f"{name}: larger than {MAX_PDF_BYTES // 1_000_000} MB; is this the right file?")
    if not is_pdf(data):
        raise InputError(f"{name}: not a PDF document")
    texts = _text_layer(data, name)
    pages: list[Page] = []
    scanned = [i for i, t in enumerate(texts) if _letters(t) < MIN_LETTERS]
    images = _render(data, name, scanned) if scanned else {}
    if len(images) > MAX_OCR_PAGES:
        raise InputError(
            f"{name}: {len(images)} scanned pages, more than {MAX_OCR_PAGES}; give the pages about this case"
        )
    tesseract = shutil.which("tesseract") if images else None
    if images and tesseract is None:
        raise InputError(f"{name}: {NO_TESSERACT}")
    read = _ocr_pages(tesseract, images, name) if tesseract else {}
    for i, text in enumerate(texts):
        if i in read:
            pages.append(Page(i + 1, fix_ocr(read[i]), ocr=True))
        else:
            pages.append(Page(i + 1, _tidy(text), ocr=False))
    if not any(_letters(p.text) for p in pages):
        raise InputError(f"{name}: no readable text in this PDF; paste the report's text instead")
    return DocumentText.of(name, pages)


def read_pdf_case(data: bytes, name: str, kb: KnowledgeBase) -> tuple[Case, list[str]]:
    """A case from a PDF report, each fact's provenance naming the document and page, with the
    warnings a reader should see (pages read by OCR). Warnings hold page numbers, never text."""
    from secondopinion.intake.text import parse_text

    doc = pdf_text(data, name)
    if doc.ocr:
        words = marker_words(kb)
        doc = DocumentText.of(
            name, [Page(p.number, fix_terms(p.text, words), True) if p.ocr else p for p in doc.pages]
        )
    case = with_pages(parse_text(doc.text, kb, document=name), doc)
    warnings = []
    ocr_pages = [p.number for p in doc.pages if p.ocr]
    if ocr_pages:
        which = ", ".join(str(n) for n in ocr_pages)
        warnings.append(
            f"page{'s' if len(ocr_pages) > 1 else ''} {which} had no text layer and "
            f"{'were' if len(ocr_pages) > 1 else 'was'} read by OCR; check the facts against the report"
        )
    return case, warnings


def with_pages(case: Case, doc: DocumentText) -> Case:
    """The case with its text provenance turned into PDF provenance: source 'pdf', the page in
    `field` ('page 2', or 'page 2 (OCR)'); start and end stay offsets into `doc.text`."""
    dumped = case.model_dump()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for prov in node.get("provenance") or []:
                if prov.get("source") == "text" and prov.get("start") is not None:
                    page = doc.page_at(prov["start"])
                    prov["source"] = "pdf"
                    prov["document"] = doc.name
                    prov["field"] = f"page {page.number}" + (" (OCR)" if page.ocr else "")
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(dumped)
    out = Case.model_validate(dumped)
    out.source_text = case.source_text
    return out


# --- OCR repairs -----------------------------------------------------------------------------

# Characters OCR confuses with the digits 0 and 1 in a sans-serif print: "stage Ill" for III,
# "pTla NO" for pT1a N0, "| don't know" for I. Each repair is confined to a context where the
# misread form cannot be a word, so a correct text passes through unchanged.
_ROMAN_STAGE = re.compile(
    r"\b(stage|figo|ajcc)(\s+)([IVl|]{1,4})([ABCabc]?)([\dl|]?)(?![A-Za-z0-9])", re.IGNORECASE
)
_STRAY = r"(?:[l|](?=[a-d]))?"  # "N1la": the 1 of "1a" read twice
_T = rf"(?:yp|yc|p|c|r)?T(?:is|[0-4OoIl|xX]{_STRAY})[a-d]?"
_N = rf"(?:yp|p|c)?N[0-3OIl|xX]{_STRAY}[a-c]?"
_M = r"(?:p|c)?M[01OIl|xX][a-c]?"
_TNM_RUN = re.compile(
    rf"\b{_T}(?:[ ,\n]{{0,2}}(?:{_N}|{_M})){{1,2}}\b"  # T3 NO, pTla NO MO, pT3bN1laMO
    rf"|\b{_N}[ ,\n]{{0,2}}{_M}\b"  # (NO MO)
    rf"|\b(?:yp|yc|p|c)(?:T[0-4OIl|]{_STRAY}[a-d]?|[NM][0-3OIl|]{_STRAY}[a-c]?)\b"  # pTla, cNO, pN1la
    r"|\bT[Il|][a-d]\b"  # Tlc
)
_DIGITISH = re.compile(r"(?<=[TNM])[OoIl|]")
_STRAY_L = re.compile(r"(?<=[TN][0-4OoIl|])[l|](?=[a-d])")
_ECOG = re.compile(r"\b(ECOG(?:\s+PS|\s+performance\s+status)?[\s:=]*(?:of\s+)?)([OoIl|])(?![A-Za-z0-9])")
_VERBS = (
    r"am|was|have|had|do|did|don['’]t|didn['’]t|think|want|wanted|would|will|can|feel|need|got|know|"
    r"understand|live|started|asked|saw|also|just|read|went|underwent"
)
_PRONOUN = re.compile(rf"(?:(?<=\s)|^)[|l](?=['’](?:m|ve|d|ll)\b|\s+(?:{_VERBS})\b)", re.MULTILINE)
_I_AM = re.compile(r"(?:(?<=[.!?]\s)|^)lam(?=\s+\d)", re.MULTILINE)  # "lam 34." for "I am 34."


_CAPS_TOKEN = re.compile(r"(?<![A-Za-z0-9|-])[A-Za-z0-9|]+(?:-[A-Za-z0-9|]+)*")
_SPLIT_PARAGRAPH = re.compile(r"(?<=[a-z,;])\n\n(?=[a-z])")


def marker_words(kb: KnowledgeBase) -> frozenset[str]:
    """Biomarker names as single words ('idh1', 'msi', 'her2'), for repairing OCR misreadings."""
    out: set[str] = set()
    for marker in kb.biomarkers.values():
        for term in (marker.id, *marker.aliases):
            out.update(w for w in re.findall(r"[a-z0-9]+", term.lower()) if len(w) >= 2)
    return frozenset(out)


def fix_terms(text: str, words: frozenset[str]) -> str:
    """Gene and marker names whose I or 1 was read as l or |, or doubled ('|DH1', 'MSlI', 'PD-Ll'),
    restored when one such change makes a known name. Only capitalised tokens are touched."""

    def part(word: str) -> str:
        spots = [i for i, ch in enumerate(word) if ch in "l|"]
        if not spots or word.lower() in words:
            return word
        candidates = [word.replace("l", "I").replace("|", "I")]
        for sub in ("I", "1", ""):
            candidates += [word[:i] + sub + word[i + 1 :] for i in spots]
        return next((c for c in candidates if c.lower() in words), word)

    def repair(m: re.Match[str]) -> str:
        token = m.group()
        if ("l" not in token and "|" not in token) or sum(ch.isupper() for ch in token) < 2:
            return token
        return "-".join(part(w) for w in token.split("-"))

    return _CAPS_TOKEN.sub(repair, text)


def _roman(m: re.Match[str]) -> str:
    numeral = m.group(3)
    if numeral == "|" and re.match(r"\s*[IVX0-9]", m.string[m.end() :]):
        return m.group()  # "Stage | IIIA": a table rule between a label and its value
    sub = m.group(5)
    if m.group(4) and sub in ("l", "|"):
        sub = "1"  # IIIC1 read as IIICl
    return m.group(1) + m.group(2) + numeral.replace("l", "I").replace("|", "I") + m.group(4) + sub


def fix_ocr(text: str) -> str:
    """Undo the OCR misreadings that change a clinical fact; leave everything else alone."""
    # Tidied first (a category may wrap onto a new line); a paragraph break OCR put in the middle
    # of a sentence (before a lower-case word) is taken out.
    text = _ROMAN_STAGE.sub(_roman, _tidy(_SPLIT_PARAGRAPH.sub(" ", _tidy(text))))
    text = _TNM_RUN.sub(
        lambda m: _DIGITISH.sub(lambda d: "0" if d.group() in "Oo" else "1", _STRAY_L.sub("", m.group())),
        text,
    )
    text = _ECOG.sub(lambda m: m.group(1) + ("0" if m.group(2) in "Oo" else "1"), text)
    return _I_AM.sub("I am", _PRONOUN.sub("I", text))


_SPACES = re.compile(r"[ \t\u00a0]{2,}")


def _tidy(text: str) -> str:
    """Line ends normalised; runs of spaces (justified lines, table columns) made one; soft
    hyphens and NULs dropped; soft-wrapped lines joined."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\u00ad", "")
    return _reflow("\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip("\n"))


_ITEM = re.compile(r"\s*(?:[-*\u2022\u25aa\u25cf>]|\d{1,2}[.)]\s|[A-Z][A-Za-z /&-]{0,30}:)")


def _reflow(text: str) -> str:
    """Soft line wraps joined back into paragraphs, so a phrase split over two printed lines
    ('wild / type') reads as one. A line is a soft wrap when it runs (nearly) the full width of
    the page and the next line does not start a list item or a labelled field; short lines
    (table rows, headers, a paragraph's last line) keep their breaks."""
    lines = text.split("\n")
    width = max((len(line) for line in lines), default=0)
    if width < 40:
        return text
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        wrapped = (
            prev and line and len(prev) >= 0.7 * width and not prev.endswith(":") and not _ITEM.match(line)
        )
        if wrapped:
            joiner = "" if prev.endswith("-") and prev[-2:-1].isalpha() else " "
            out[-1] = prev + joiner + line
        else:
            out.append(line)
    return "\n".join(out)


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


# --- the third-party parsers, contained -----------------------------------------------------


def _text_layer(data: bytes, name: str) -> list[str]:
    """The text layer of each page ('' where there is none)."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{name}: the PDF is password-protected; save an unprotected copy and try again")
        count = len(reader.pages)
    except InputError:
        raise
    except Exception as exc:  # any failure of the parser on untrusted bytes is bad input
        if _encryption_problem(exc):
            raise InputError(
                f"{name}: the PDF is encrypted in a way that cannot be opened; save an unprotected copy"
            ) from None
        raise InputError(f"{name}: the PDF is damaged and cannot be read; save or export it again") from None
    if count == 0:
        raise InputError(f"{name}: the PDF has no pages")
    if count > MAX_PAGES:
        raise InputError(f"{name}: {count} pages is more than {MAX_PAGES}; give the reports about this case")
    texts = []
    for i in range(count):
        try:
            texts.append(reader.pages[i].extract_text() or "")
        except Exception:  # one unreadable page is treated like a page without text: OCR may read it
            texts.append("")
    return texts


def _encryption_problem(exc: Exception) -> bool:
    return type(exc).__name__ in {"FileNotDecryptedError", "DependencyError", "WrongPasswordError"}


def _render(data: bytes, name: str, indexes: list[int]) -> dict[int, bytes]:
    """PNG images of the given pages at OCR resolution, leaving out pages that are blank."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        return _render_locked(pdfium, data, name, indexes)


def _render_locked(pdfium: Any, data: bytes, name: str, indexes: list[int]) -> dict[int, bytes]:
    from PIL import ImageFilter

    out: dict[int, bytes] = {}
    try:
        document = pdfium.PdfDocument(data)
    except Exception:
        raise InputError(f"{name}: the PDF is damaged and cannot be read; save or export it again") from None
    try:
        for i in indexes:
            if i >= len(document):
                continue
            try:
                page = document[i]
                width, height = page.get_size()
                scale = OCR_DPI / 72
                if width * height * scale * scale > MAX_RENDER_PIXELS:
                    scale = math.sqrt(MAX_RENDER_PIXELS / max(width * height, 1.0))
                image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            except Exception:
                continue  # a page pdfium cannot draw is a page with nothing to read
            # Scanner and photo speckle costs tesseract tens of seconds a page and garbles it;
            # a 3x3 median removes it and keeps every stroke of text at 300 dpi.
            image = image.filter(ImageFilter.MedianFilter(3))
            if _blank(image):
                continue
            buf = io.BytesIO()
            image.save(buf, "PNG")
            out[i] = buf.getvalue()
    finally:
        document.close()
    return out


def _blank(image: Any) -> bool:
    """A page with almost no dark pixels: an empty page, or scanner noise."""
    histogram = image.histogram()
    return sum(histogram[:160]) < 50


def _ocr_pages(tesseract: str, images: dict[int, bytes], name: str) -> dict[int, str]:
    """OCR of several pages at once, one tesseract process per core: a ten-page scan should not
    take ten times as long as one page."""
    workers = max(1, min(len(images), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(_ocr, tesseract, png, name, i + 1) for i, png in images.items()}
        return {i: f.result() for i, f in futures.items()}


def _ocr(tesseract: str, png: bytes, name: str, number: int) -> str:
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per page: no oversubscription on small machines
    try:
        done = subprocess.run(
            [tesseract, "stdin", "stdout", "-l", "eng", "--dpi", str(OCR_DPI), "--psm", "3"],
            input=png,
            capture_output=True,
            timeout=OCR_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(f"{name}: OCR of page {number} took too long; paste the report's text") from None
    except OSError:
        raise InputError(f"{name}: {NO_TESSERACT}") from None
    if done.returncode != 0:
        if b"traineddata" in done.stderr or b"language" in done.stderr.lower():
            raise InputError(f"{name}: the English OCR data is missing; install tesseract-ocr-eng")
        raise InputError(f"{name}: OCR could not read page {number}; paste the report's text")
    return done.stdout.decode("utf-8", errors="replace")
