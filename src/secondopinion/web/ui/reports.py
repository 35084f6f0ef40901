"""The pre-review and the comparison inside the platform's pages, rendered by the report layer
(report/html.py, plain.py, comparison.py) so the patient reads the same words on screen as in
the saved report.

The report layer makes whole, self-contained pages (inline styles, for saving and printing);
the platform's pages forbid inline styles (Content-Security-Policy), so here the report's main
content is taken out of that page, without its style attributes, and styled by the platform's
own stylesheet. Rendering makes a
chart, so the result is kept in a small in-process cache keyed by the review's content.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import Any, Literal

from markupsafe import Markup

from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report.comparison import Comparison, render_comparison_html
from secondopinion.report.html import render_report_html
from secondopinion.review.model import Review

_MAIN = re.compile(r"<main id=\"main\">(.*)</main>", re.DOTALL)
# Inline style attributes are refused by the pages' Content-Security-Policy; app.css sets the same widths.
_STYLE_ATTR = re.compile(r"\sstyle=\"[^\"]*\"")
_CACHE: OrderedDict[str, str] = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 64


def report_body(html: str) -> str:
    """The content of a report page's <main>, without the page around it."""
    m = _MAIN.search(html)
    if m is None:
        raise ValueError('the report page has no <main id="main"> element')
    return _STYLE_ATTR.sub("", m.group(1).strip())


def pre_review_html(
    review: dict[str, Any], kb: KnowledgeBase, audience: Literal["patient", "clinician"]
) -> Markup:
    """The pre-review as a fragment of a page; its <h1> is the page's heading."""
    key = hashlib.sha256(json.dumps([review, audience, kb.version], sort_keys=True).encode()).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return Markup(_CACHE[key])
    body = report_body(render_report_html(Review.model_validate(review), kb, audience))
    with _LOCK:
        _CACHE[key] = body
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return Markup(body)


def comparison_html(comparison: dict[str, Any], index: int, kind: str) -> Markup:
    """One comparison (first opinion versus one reviewer's) as a section of the opinion page,
    with element ids made unique on a page that shows a second and a third opinion."""
    html = render_comparison_html(Comparison.model_validate(comparison), standalone=False)
    html = _STYLE_ATTR.sub("", html)
    html = html.replace('id="cmp-h"', f'id="cmp-h-{index}"').replace('"cmp-h"', f'"cmp-h-{index}"')
    if kind == "third_opinion":
        html = html.replace("First and second opinion", "First and third opinion")
        html = html.replace("Second opinion</th>", "Third opinion</th>")
        html = html.replace("second opinion by", "third opinion by")
    return Markup(html)
