"""Reading a case from an upload: the intake (OCR for a scanned PDF: seconds) runs before the write
transaction opens, and the upload is still never half-written: a failure anywhere leaves no
request, no document row and no file behind."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from secondopinion.platform import documents
from secondopinion.platform import requests as rq
from secondopinion.platform.errors import Conflict
from secondopinion.store.platform_requests import Document, Request
from tests.platform.support import COLON_TEXT

REPORT = COLON_TEXT.encode()


class IntakeFault(Exception):
    """An unexpected failure inside the intake (a bug, not a refusal of the input)."""


def crash_the_intake(monkeypatch) -> None:
    """Fault injection: the intake fails the way a bug would, part-way through a request.
    Refusals (InputError) are a different, tested path: the document is kept with a note."""

    def crash(*args, **kwargs):
        raise IntakeFault("boom")

    monkeypatch.setattr("secondopinion.intake.read_case", crash)


@pytest.fixture
def crashing_intake(monkeypatch) -> None:
    crash_the_intake(monkeypatch)


def _stored(ctx) -> tuple[int, int, list[str]]:
    with ctx.read() as db:
        requests = db.scalar(select(func.count()).select_from(Request)) or 0
        docs = db.scalar(select(func.count()).select_from(Document)) or 0
    files = [p.name for p in ctx.settings.documents_dir.rglob("*") if p.is_file()]
    return requests, docs, files


def test_a_failing_intake_writes_nothing(ctx, people, crashing_intake):
    p = people["patient"].actor
    with pytest.raises(IntakeFault):
        documents.create_from_upload(ctx, p, REPORT, "report.txt", "From a file")
    assert _stored(ctx) == (0, 0, [])


def test_a_failing_intake_leaves_the_draft_as_it_was(ctx, people, crashing_intake):
    p = people["patient"].actor
    draft = rq.create_draft(ctx, p, "Waiting for a report")
    before = rq.get_request(ctx, p, draft.id)
    with pytest.raises(IntakeFault):
        documents.upload(ctx, p, draft.id, REPORT, "report.txt", use_as_case=True)
    assert rq.get_request(ctx, p, draft.id) == before
    assert _stored(ctx) == (1, 0, [])


def test_a_failing_write_leaves_no_request_behind(ctx, people):
    """The documents folder cannot be written (it is a file): the draft created in the same
    transaction is rolled back with the document row."""
    shutil.rmtree(ctx.settings.documents_dir)
    ctx.settings.documents_dir.write_text("not a folder")
    with pytest.raises(OSError):
        documents.create_from_upload(ctx, people["patient"].actor, COLON_TEXT.encode(), "report.txt")
    with ctx.read() as db:
        assert db.scalar(select(func.count()).select_from(Request)) == 0


def test_the_case_is_read_and_written_in_one_step(ctx, people):
    p = people["patient"].actor
    draft = rq.create_draft(ctx, p)
    documents.upload(ctx, p, draft.id, COLON_TEXT.encode(), "report.txt", use_as_case=True)
    detail = rq.get_request(ctx, p, draft.id)
    assert detail.cancer_type == "colon" and detail.intake_note is None and len(detail.documents) == 1
    assert detail.title.startswith("Second opinion: ")


def test_an_unreadable_report_is_kept_and_the_request_says_why(ctx, people):
    p = people["patient"].actor
    detail = documents.create_from_upload(ctx, p, b"I feel tired and want advice.", "note.txt")
    assert detail.case is None and detail.intake_note and len(detail.documents) == 1
    assert _stored(ctx)[:2] == (1, 1)


def test_a_case_is_not_read_into_a_submitted_request(ctx, people, monkeypatch):
    """Checked before the intake runs (no OCR for a refusal) and again inside the write."""
    p = people["patient"].actor
    detail = rq.create_request(ctx, p, text=COLON_TEXT)
    rq.give_consent(ctx, p, detail.id)
    rq.submit(ctx, p, detail.id)
    crash_the_intake(monkeypatch)  # had the intake run, this would fail with IntakeFault
    with pytest.raises(Conflict, match="before the request is submitted"):
        documents.upload(ctx, p, detail.id, REPORT, "report.txt", use_as_case=True)
    assert _stored(ctx)[1] == 0
