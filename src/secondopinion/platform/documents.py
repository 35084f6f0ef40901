"""Uploaded records: sniffed, size-limited, renamed, encrypted at rest (AES-GCM) outside any web
root, with the SHA-256 of the plaintext recorded and checked on every read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from sqlalchemy import select

from secondopinion.errors import InputError
from secondopinion.platform.access import load_request
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict, NotFound, TooLarge
from secondopinion.platform.requests import _apply_case, create_draft, get_request, pre_review
from secondopinion.platform.views import DocumentView, RequestDetail
from secondopinion.security import uploads
from secondopinion.security.crypto import IntegrityError
from secondopinion.store.platform import new_id
from secondopinion.store.platform_requests import Document

UPLOAD_STATES = frozenset(
    {"draft", "submitted", "records_pending", "records_complete", "assigned", "in_review"}
)
CASE_KINDS = frozenset({"pdf", "fhir_json", "text"})


def _path(ctx: Platform, storage_key: str) -> Path:
    return ctx.settings.documents_dir / storage_key[:2] / storage_key


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _view(d: Document) -> DocumentView:
    return DocumentView(
        id=d.id,
        filename=d.filename,
        kind=d.kind,
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        created_at=d.created_at,
        uploaded_by=d.uploaded_by,
    )


def upload(
    ctx: Platform,
    actor: Actor,
    request_id: str,
    data: bytes,
    filename: str | None,
    *,
    use_as_case: bool = False,
) -> DocumentView:
    """Store one document. With `use_as_case`, a draft's case and pre-review are read from it; when
    the intake cannot read it, the document is kept and the request says why (`intake_note`)."""
    if len(data) > ctx.settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than {ctx.settings.max_upload_bytes // (1024 * 1024)} MB")
    uploads.check_size(len(data), ctx.settings.max_upload_bytes)
    sniffed = uploads.sniff(data)
    name = uploads.sanitise_filename(filename, sniffed)
    doc = Document(
        id=new_id(),
        request_id=request_id,
        uploaded_by=actor.user_id,
        kind=sniffed.kind,
        media_type=sniffed.media_type,
        filename=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=new_id() + new_id(),
        created_at=ctx.now(),
    )
    path = _path(ctx, doc.storage_key)
    with ctx.tx() as db:
        req, _ = load_request(ctx, db, actor, request_id, "document.upload", for_update=True)
        if req.state not in UPLOAD_STATES:
            raise Conflict("records can no longer be added: the opinion is written")
        if use_as_case:
            if req.state != "draft":
                raise Conflict("the case can only be replaced before the request is submitted")
            if sniffed.kind not in CASE_KINDS:
                raise InputError("a case can be read from a PDF report, a FHIR file or text, not an image")
            try:
                case, rev = pre_review(ctx, data, name, req.id)
            except InputError as exc:
                req.intake_note = str(exc)
            else:
                _apply_case(ctx, req, case, rev)
                req.source_kind = (
                    "pdf" if sniffed.kind == "pdf" else "fhir" if sniffed.kind == "fhir_json" else "text"
                )
        req.updated_at = ctx.now()
        _write_atomic(path, ctx.vault.seal(data, f"document:{doc.id}"))
        db.add(doc)
    ctx.audit(
        actor,
        "document.upload",
        object_type="document",
        object_id=doc.id,
        detail={"request": request_id, "kind": sniffed.kind, "size": len(data)},
    )
    return _view(doc)


def create_from_upload(
    ctx: Platform, actor: Actor, data: bytes, filename: str | None, title: str = ""
) -> RequestDetail:
    """A new draft whose case is read from an uploaded report (PDF, FHIR or text file)."""
    sniffed = uploads.sniff(data)
    if sniffed.kind not in CASE_KINDS:
        raise InputError("a request can start from a PDF report, a FHIR file or a text file, not an image")
    if len(data) > ctx.settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than {ctx.settings.max_upload_bytes // (1024 * 1024)} MB")
    req = create_draft(ctx, actor, title)
    upload(ctx, actor, req.id, data, filename, use_as_case=True)
    return get_request(ctx, actor, req.id, audit=False)


def list_documents(ctx: Platform, actor: Actor, request_id: str) -> list[DocumentView]:
    with ctx.read() as db:
        load_request(ctx, db, actor, request_id, "document.read")
        docs = db.scalars(
            select(Document)
            .where(Document.request_id == request_id)
            .order_by(Document.created_at, Document.id)
        ).all()
        views = [_view(d) for d in docs]
    ctx.audit(actor, "document.list", object_type="request", object_id=request_id)
    return views


def read_document(
    ctx: Platform, actor: Actor, request_id: str, document_id: str
) -> tuple[DocumentView, bytes]:
    """The plaintext of a document (an export: audited), after checking the ciphertext's
    authentication tag and the recorded SHA-256."""
    with ctx.read() as db:
        load_request(ctx, db, actor, request_id, "document.read")
        doc = db.get(Document, document_id) if len(document_id) <= 64 else None
        if doc is None or doc.request_id != request_id:
            raise NotFound("no such document")
        view = _view(doc)
        key, expected = doc.storage_key, doc.sha256
    try:
        data = ctx.vault.open(_path(ctx, key).read_bytes(), f"document:{document_id}")
    except FileNotFoundError:
        raise IntegrityError("the stored document is missing") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise IntegrityError("the stored document does not match its recorded checksum")
    ctx.audit(
        actor,
        "document.export",
        object_type="document",
        object_id=document_id,
        detail={"request": request_id},
    )
    return view, data
