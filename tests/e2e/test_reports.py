"""The reports in a real browser: automated accessibility checks (axe-core), clean printing, and
screenshots of both audiences for three vignettes saved to tests/e2e/artifacts/ for review."""

from __future__ import annotations

import pytest

from secondopinion.report.comparison import build_comparison, render_comparison_html
from secondopinion.report.html import render_report_html
from secondopinion.review.opinion import DiagnosisOpinion, PlanElementOpinion, SecondOpinion
from secondopinion.specialists.data import bundled_gazetteer, default_directory
from secondopinion.specialists.match import match_specialists
from tests.report.reviews import review_vignette

VIGNETTES = (
    "nsclc-egfr-chemo-immunotherapy-discordant",
    "breast-her2-positive-chemotherapy-without-trastuzumab-discordant",
    "sts-metastatic-leiomyosarcoma-doxorubicin-concordant",
)
AUDIENCES = ("patient", "clinician")
A4_WIDTH_PX = 794


def report_html(vid: str, audience: str, kb) -> str:
    review = review_vignette(vid, kb)
    spec = match_specialists(
        review.case, kb, default_directory(), bundled_gazetteer(), location="Chicago, IL", limit=5
    )
    return render_report_html(review, kb, audience, specialists=spec)  # type: ignore[arg-type]


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("vid", VIGNETTES)
def test_report_passes_accessibility_checks_and_is_saved_as_a_screenshot(
    vid, audience, kb, page, axe, artifacts
):
    page.set_content(report_html(vid, audience, kb), wait_until="load")
    violations = axe(page)
    assert violations == [], violations
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").count() == 1
    images = page.locator("img")
    for i in range(images.count()):
        assert (images.nth(i).get_attribute("alt") or "").strip()
    shot = artifacts / f"{vid}-{audience}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("audience", AUDIENCES)
def test_report_prints_cleanly_on_a4(audience, kb, page, artifacts):
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.set_content(report_html(VIGNETTES[0], audience, kb), wait_until="load")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.skip')).display") == "none"
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
              .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
              .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
    )
    assert overflow == []
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    pdf = page.pdf(format="A4", print_background=True)
    (artifacts / f"{VIGNETTES[0]}-{audience}-chromium-print.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")


def test_glossary_links_lead_to_their_explanations(kb, page):
    page.set_content(report_html(VIGNETTES[0], "patient", kb), wait_until="load")
    links = page.locator("a.term")
    assert links.count() > 5
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(f"dt{target}").count() == 1, target


def test_comparison_page_passes_accessibility_checks(kb, page, axe, artifacts):
    review = review_vignette(VIGNETTES[0], kb)
    opinion = SecondOpinion(
        case_id=review.case.id,
        reviewer_name="Dr Example",
        diagnosis=DiagnosisOpinion(verdict="same"),
        plan=[
            PlanElementOpinion(
                verdict="replace",
                plan_index=0,
                text="Osimertinib",
                reason="EGFR L858R: targeted therapy first",
            ),
            PlanElementOpinion(verdict="add", text="Brain MRI every 3 months", reason="brain metastases"),
        ],
    )
    page.set_content(render_comparison_html(build_comparison(review.case, opinion, kb)), wait_until="load")
    assert axe(page) == []
    page.screenshot(path=str(artifacts / "comparison.png"), full_page=True)


def test_the_accessibility_check_does_catch_problems(page, axe):
    """A guard against a check that cannot fail: a page with known faults must be flagged."""
    page.set_content(
        '<html><body><h1>T</h1><h3>skipped level</h3><p style="color:#bbb">faint</p>'
        '<img src="data:image/png;base64,iVBORw0KGgo="><input type="text"></body></html>'
    )
    found = {v["id"] for v in axe(page)}
    assert {"html-has-lang", "color-contrast", "image-alt", "label", "heading-order"} <= found
