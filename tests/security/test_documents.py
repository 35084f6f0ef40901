"""Stored documents: encrypted on disk outside any web root, checksummed, refused when tampered."""

from __future__ import annotations

import hashlib

import pytest

from secondopinion.platform import documents
from secondopinion.platform import requests as rq
from secondopinion.platform.errors import TooLarge
from secondopinion.security.crypto import IntegrityError
from secondopinion.security.uploads import UnsupportedContent
from secondopinion.store.platform_requests import Document
from tests.platform.support import NSCLC_TEXT, FakeClock, make_person, make_platform

PDF = b"%PDF-1.7\nsome report text that must not be readable on disk\n%%EOF\n"


@pytest.fixture
def setup(tmp_path):
    ctx = make_platform(tmp_path, FakeClock(), max_upload_bytes=1000)
    patient = make_person(ctx, "patient")
    detail = rq.create_request(ctx, patient.actor, text=NSCLC_TEXT)
    yield ctx, patient, detail
    ctx.close()


def _stored(ctx, doc_id):
    with ctx.read() as db:
        row = db.get(Document, doc_id)
    return row, ctx.settings.documents_dir / row.storage_key[:2] / row.storage_key


def test_round_trip_with_checksum_and_encryption_at_rest(setup):
    ctx, patient, detail = setup
    view = documents.upload(ctx, patient.actor, detail.id, PDF, "../secret report.pdf")
    assert view.filename == "secret_report.pdf" and view.kind == "pdf"
    assert view.sha256 == hashlib.sha256(PDF).hexdigest()
    _, path = _stored(ctx, view.id)
    on_disk = path.read_bytes()
    assert b"report text" not in on_disk and path.is_relative_to(ctx.settings.data_dir)
    again, data = documents.read_document(ctx, patient.actor, detail.id, view.id)
    assert data == PDF and again.id == view.id


def test_a_changed_file_is_refused(setup):
    ctx, patient, detail = setup
    view = documents.upload(ctx, patient.actor, detail.id, PDF, "a.pdf")
    _, path = _stored(ctx, view.id)
    raw = bytearray(path.read_bytes())
    raw[20] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError):
        documents.read_document(ctx, patient.actor, detail.id, view.id)


def test_a_swapped_file_is_refused(setup):
    ctx, patient, detail = setup
    a = documents.upload(ctx, patient.actor, detail.id, PDF, "a.pdf")
    b = documents.upload(ctx, patient.actor, detail.id, b"%PDF-1.4 other\n", "b.pdf")
    _, pa = _stored(ctx, a.id)
    _, pb = _stored(ctx, b.id)
    pa.write_bytes(pb.read_bytes())
    with pytest.raises(IntegrityError):
        documents.read_document(ctx, patient.actor, detail.id, a.id)


def test_a_changed_checksum_record_is_refused(setup):
    ctx, patient, detail = setup
    view = documents.upload(ctx, patient.actor, detail.id, PDF, "a.pdf")
    with ctx.tx() as db:
        db.get(Document, view.id).sha256 = "0" * 64
    with pytest.raises(IntegrityError, match="checksum"):
        documents.read_document(ctx, patient.actor, detail.id, view.id)


def test_a_missing_file_is_an_integrity_failure(setup):
    ctx, patient, detail = setup
    view = documents.upload(ctx, patient.actor, detail.id, PDF, "a.pdf")
    _stored(ctx, view.id)[1].unlink()
    with pytest.raises(IntegrityError, match="missing"):
        documents.read_document(ctx, patient.actor, detail.id, view.id)


def test_too_large_and_unknown_kinds_store_nothing(setup):
    ctx, patient, detail = setup
    with pytest.raises(TooLarge):
        documents.upload(ctx, patient.actor, detail.id, b"%PDF-" + b"x" * 2000, "big.pdf")
    with pytest.raises(UnsupportedContent):
        documents.upload(ctx, patient.actor, detail.id, b"MZ\x90\x00" + b"\x00" * 100, "x.pdf")
    assert documents.list_documents(ctx, patient.actor, detail.id) == []
    assert not any(p.is_file() for p in ctx.settings.documents_dir.rglob("*"))
