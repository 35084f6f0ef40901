"""The HTML reports as PDF, through WeasyPrint: same templates, print stylesheet, real text layer.

WeasyPrint lays out text with its fonts embedded, so the PDF is searchable and copyable. It is an
optional dependency (the `pdf` extra) because it needs Pango from the system.
"""

from __future__ import annotations

import logging

from secondopinion.errors import SecondOpinionError


class PdfUnavailableError(SecondOpinionError):
    """WeasyPrint or the system libraries it needs are missing."""


def html_to_pdf(html: str) -> bytes:
    """PDF bytes for a self-contained HTML page (styles and images inlined)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailableError(
            "PDF output needs WeasyPrint and Pango: pip install 'secondopinion[pdf]' and the system "
            f"packages libpango-1.0-0 libpangoft2-1.0-0 ({type(exc).__name__})"
        ) from None
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return HTML(string=html).write_pdf()
