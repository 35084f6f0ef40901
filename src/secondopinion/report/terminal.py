"""The review in a terminal: the Markdown layout, rendered by Rich for a person to read."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown

from secondopinion.knowledge.schema import KnowledgeBase
from secondopinion.report.markdown import render_markdown
from secondopinion.review.model import Review


def print_review(review: Review, console: Console, kb: KnowledgeBase | None = None) -> None:
    console.print(Markdown(render_markdown(review, kb)))


def render_text(review: Review, width: int = 100, kb: KnowledgeBase | None = None) -> str:
    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    with console.capture() as capture:
        print_review(review, console, kb)
    return capture.get()
