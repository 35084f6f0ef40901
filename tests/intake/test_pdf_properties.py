"""Property tests: random bytes, truncated and corrupted PDFs never raise anything but an
InputError, through the PDF reader and through the intake dispatcher."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secondopinion.errors import InputError
from secondopinion.intake import read_case
from secondopinion.intake.pdf import DocumentText, pdf_text
from secondopinion.knowledge.schema import KnowledgeBase
from tests.intake.test_pdf import ALL, text_pdf

EXAMPLES = int(os.environ.get("PDF_PROPERTY_EXAMPLES", "120"))  # raise it to search harder
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALID = text_pdf([ALL[0]["text"], ALL[1]["text"]])


def _read(data: bytes) -> None:
    """Read without OCR (a fuzzed page that lost its text would otherwise be OCR-ed at length):
    the parsers are what is under test, and 'install tesseract' is itself an InputError."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", "/nonexistent")
        try:
            doc = pdf_text(data, "fuzz.pdf")
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).startswith("fuzz.pdf: ")
            return
    assert isinstance(doc, DocumentText) and doc.pages


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes_after_a_pdf_header_are_an_input_error(tail: bytes) -> None:
    _read(b"%PDF-1.7\n" + tail)


@SETTINGS
@given(st.integers(min_value=0, max_value=len(VALID)))
def test_a_pdf_truncated_anywhere_is_read_or_refused(cut: int) -> None:
    _read(VALID[:cut])


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_a_pdf_with_corrupted_bytes_is_read_or_refused(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for pos, value in flips:
        data[pos] = value
    _read(bytes(data))


@SETTINGS
@given(cut=st.integers(min_value=9, max_value=len(VALID)), junk=st.binary(max_size=64))
def test_the_dispatcher_turns_any_broken_pdf_into_an_input_error(
    cut: int, junk: bytes, kb: KnowledgeBase
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", "/nonexistent")
        try:
            case = read_case(VALID[:cut] + junk, "upload.pdf", kb)
        except InputError:
            return
    assert case.cancers
