"""PDF reports: a real text layer (copyable, searchable) and pages whose content stays inside the
printable area."""

from __future__ import annotations

import io

import pytest

from secondopinion.report.html import render_report_html
from secondopinion.report.pdf import html_to_pdf
from tests.report.reviews import review_vignette

pypdf = pytest.importorskip("pypdf")
pdfium = pytest.importorskip("pypdfium2")


@pytest.fixture(scope="module", params=["patient", "clinician"])
def pdf(request, kb):
    review = review_vignette("nsclc-egfr-chemo-immunotherapy-discordant", kb)
    return request.param, html_to_pdf(render_report_html(review, kb, request.param))


def test_pdf_has_a_text_layer_with_the_report_in_it(pdf):
    audience, data = pdf
    assert data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    heading = "Your second-opinion pre-review" if audience == "patient" else "clinician summary"
    assert heading in text
    assert "osimertinib" in text.lower() and "pembrolizumab" in text.lower()


def test_pages_are_a4_and_nothing_spills_into_the_margins(pdf):
    _, data = pdf
    doc = pdfium.PdfDocument(data)
    assert len(doc) >= 2
    for i in range(len(doc)):
        page = doc[i]
        width, height = page.get_size()
        assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points
        image = page.render(scale=0.5).to_pil().convert("L")
        w, h = image.size
        margin = int(w * 0.03)  # the outer 3% of the 15 mm side margins
        for box in ((0, 0, margin, h), (w - margin, 0, w, h)):
            assert image.crop(box).getextrema()[0] > 240, f"page {i + 1}: ink in the side margin"
