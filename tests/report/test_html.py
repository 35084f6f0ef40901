"""Two audiences, one content: the patient and clinician reports carry the same findings and
sources, each in its own words."""

from __future__ import annotations

import itertools
import re

import pytest

from secondopinion.report.html import citation_url, render_report_html, render_report_markdown
from secondopinion.report.plain import readable_text
from secondopinion.review.model import Citation
from secondopinion.specialists.data import bundled_gazetteer, default_directory
from secondopinion.specialists.match import match_specialists
from tests.report.reviews import review_vignette

DISCORDANT = "nsclc-egfr-chemo-immunotherapy-discordant"


@pytest.fixture(scope="module")
def review(kb):
    return review_vignette(DISCORDANT, kb)


@pytest.fixture(scope="module")
def both(review, kb):
    spec = match_specialists(review.case, kb, default_directory(), bundled_gazetteer(), location="Denver, CO")
    return {a: render_report_html(review, kb, a, specialists=spec) for a in ("patient", "clinician")}


def test_both_reports_carry_every_finding_and_source(review, both):
    for f in review.plan_review.findings:
        assert f.subject.split()[0].lower() in both["patient"].lower()
        assert f.subject in both["clinician"]
        for c in f.citations:
            assert c.title in both["patient"] and c.title in both["clinician"]


def test_clinician_report_is_coded_with_citations_inline(review, both):
    html = both["clinician"]
    assert "OncoTree" in html and "ICD-10 C34" in html
    assert "HGNC:3236 EGFR" in html
    for f in review.plan_review.findings:
        assert f"<code>{f.kind}</code>" in html and f.rule_id in html
    cell = html[html.index("<caption>Findings</caption>") :]
    assert 'class="cite"' in cell  # the sources sit beside each finding, not only at the end
    assert "https://pubmed.ncbi.nlm.nih.gov/" in html or "https://doi.org/" in html


def test_patient_report_uses_words_not_codes(both):
    text = readable_text(both["patient"])
    for code in ("not_recommended", "missing_treatment", "partially_concordant", "RCT", "rule"):
        assert code not in text
    assert "How sure:" in text


def test_every_explained_term_in_the_patient_report_has_a_glossary_entry(both, kb):
    html = both["patient"]
    anchors = set(re.findall(r'href="#(g-[a-z0-9-]+)"', html))
    entries = set(re.findall(r'<dt id="(g-[a-z0-9-]+)"', html))
    assert anchors and anchors <= entries
    from secondopinion.report.html import glossary_for

    body = readable_text(html[: html.index('id="glossary-h"')])
    used = {k for _, _, k in glossary_for(kb).find(body)}
    assert used <= entries


def test_pages_declare_language_title_and_one_h1_with_ordered_headings(both):
    for html in both.values():
        assert '<html lang="en">' in html and "<title>" in html
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", html)]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_the_chart_has_alt_text_naming_each_option(both):
    html = both["patient"]
    alt = re.search(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    assert alt and "The plan your doctors propose" in alt.group(1)


def test_specialists_section_lists_centres_nearest_first(both):
    html = both["patient"]
    assert "Who to ask for a second opinion" in html and "nearest to Denver, CO first" in html
    centres = html[html.index("Cancer centres with the experience") :]
    first = re.search(r"<li><strong>([^<]+)</strong>", centres)
    assert first and first.group(1) == "University of Colorado Cancer Center"
    assert "Memorial Sloan Kettering" not in centres  # far away, and the list is cut at ten


def test_rendering_is_deterministic(review, kb):
    assert render_report_html(review, kb, "patient") == render_report_html(review, kb, "patient")


def test_markdown_has_the_same_sections(review, kb):
    md = render_report_markdown(review, kb, "patient")
    for heading in (
        "## Should you get a second opinion?",
        "## What we found about the plan",
        "## Your options side by side",
        "## Words used in this report",
        "## Sources (for your doctors)",
    ):
        assert heading in md
    assert "\n\n\n" not in md
    clinician = render_report_markdown(review, kb, "clinician")
    assert "`not_recommended`" in clinician and "## References" in clinician


def test_unknown_audience_is_refused(review, kb):
    with pytest.raises(ValueError, match="audience"):
        render_report_html(review, kb, "family")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ref", "url"),
    [
        ("PMID:29151359", "https://pubmed.ncbi.nlm.nih.gov/29151359/"),
        ("doi:10.1056/NEJMoa1908075", "https://doi.org/10.1056/NEJMoa1908075"),
        ("https://www.cancer.gov/types", "https://www.cancer.gov/types"),
        ("Soria, N Engl J Med, 2018", None),
    ],
)
def test_citation_links(ref, url):
    assert citation_url(Citation(source_id="x", title="t", year=2020, url_or_pmid=ref)) == url
