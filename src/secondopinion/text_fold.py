"""Characters folded one-to-one onto plain ASCII look-alikes, for the case intake and the trial
criteria parser alike: typographic dashes, quotes and spaces would otherwise need every pattern
written twice. One-to-one keeps offsets valid, so provenance spans still point into the original.
"""

from __future__ import annotations

DASHES_QUOTES_SPACES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
}
# A case's "≥ 50%" reads like ">50%"; criteria keep the signs (their patterns tell ≥ from >) and
# fold the multiplication sign of "3 × ULN".
_CASE = str.maketrans({**DASHES_QUOTES_SPACES, "\u2265": ">", "\u2264": "<"})
_CRITERIA = str.maketrans({**DASHES_QUOTES_SPACES, "\u00d7": "x"})


def fold_case_text(text: str) -> str:
    """Case text with look-alikes folded; same length as the input."""
    return text.translate(_CASE)


def fold_criteria_text(text: str) -> str:
    """Eligibility text with look-alikes folded; comparison signs kept; same length as the input."""
    return text.translate(_CRITERIA)
