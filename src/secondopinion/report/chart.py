"""The decision aid's picture: how strong the evidence is for each option, side by side.

Rendered with matplotlib's Agg backend to PNG bytes: no display, no files, and the same bytes
for the same options (no timestamp in the metadata).
"""

from __future__ import annotations

import io
import textwrap

from secondopinion.report.decision_aid import DecisionAid
from secondopinion.report.plain import MODERATE, PRACTICE, STRONG

LEVELS = {STRONG: 3, MODERATE: 2, PRACTICE: 1}
LEVEL_NAMES = {0: "Not stated", 1: PRACTICE, 2: MODERATE, 3: STRONG}
# Dark enough for text on white and told apart by hatching too, not by colour alone.
COLOURS = {"your_plan": "#1f4e79", "evidence_calls_for": "#7a3e00", "also_ask": "#3d5a3d"}
HATCHES = {"your_plan": "", "evidence_calls_for": "//", "also_ask": ".."}
SOURCE_NAMES = {
    "your_plan": "your plan",
    "evidence_calls_for": "evidence calls for it",
    "also_ask": "also ask about",
}


def chart_alt_text(aid: DecisionAid) -> str:
    """What the chart shows, in words, for screen readers and for anyone who cannot see it."""
    parts = [f"{o.title}: evidence {o.strength.lower() or 'not stated'}" for o in aid.options]
    return "Bar chart of how strong the evidence is for each option. " + "; ".join(parts) + "."


def evidence_chart_png(aid: DecisionAid) -> bytes | None:
    """A horizontal bar per option, longer for stronger evidence; None when under two options."""
    if len(aid.options) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    opts = aid.options[:8]
    height = 0.7 * len(opts) + 1.6
    fig = Figure(figsize=(7.0, height), dpi=110)
    ax = fig.subplots()
    labels = ["\n".join(textwrap.wrap(o.title, 32, max_lines=3, placeholder=" …")) for o in opts]
    values = [LEVELS.get(o.strength, 0.15) for o in opts]
    ys = list(range(len(opts)))[::-1]
    for y, v, o in zip(ys, values, opts, strict=True):
        ax.barh(
            y,
            v,
            color=COLOURS[o.source],
            hatch=HATCHES[o.source],
            edgecolor="white",
            height=0.6,
            label=SOURCE_NAMES[o.source],
        )
        if v < 1:
            ax.text(v + 0.05, y, o.strength or "Not stated", va="center", fontsize=8.5, color="#222222")
    ax.set_yticks(ys, labels, fontsize=8.5)
    ax.set_xticks([1, 2, 3], [LEVEL_NAMES[1], LEVEL_NAMES[2], LEVEL_NAMES[3]], fontsize=8.5)
    ax.set_xlim(0, 3.2)
    ax.set_xlabel("How strong the evidence is", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#cccccc", linewidth=0.6)
    ax.set_axisbelow(True)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    ax.legend(
        unique.values(),
        unique.keys(),
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        frameon=False,
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
