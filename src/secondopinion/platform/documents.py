"""Uploaded records: sniffed, size-limited, renamed, encrypted at rest (AES-GCM) outside any web
root, with the SHA-256 of the plaintext recorded and checked on every read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from secondopinion.case import Case
from secondopinion.errors import InputError
from secondopinion.platform.access import load_request, require_role
from secondopinion.platform.at_rest import document_path, write_durably
from secondopinion.platform.context import Actor, Platform
from secondopinion.platform.errors import Conflict, NotFound, TooLarge
from secondopinion.platform.requests import _apply_case, get_request, new_draft, pre_review, set_intake_note
from secondopinion.platform.sealing import DOCUMENT_FILENAME, seal, unseal
from secondopinion.platform.views import DocumentView, RequestDetail
from secondopinion.review.model import Review
from secondopinion.security import uploads
from secondopinion.security.crypto import IntegrityError
from secondopinion.store.platform import new_id
from secondopinion.store.platform_requests import Document, Request

UPLOAD_STATES = frozenset(
    {"draft", "submitted", "records_pending", "records_complete", "assigned", "in_review"}
)
CASE_KINDS = frozenset({"pdf", "fhir_json", "text"})


def _path(ctx: Platform, storage_key: str) -> Path:
    return document_path(ctx.settings.documents_dir, storage_key)


def _view(ctx: Platform, d: Document) -> DocumentView:
    return DocumentView(
        id=d.id,
        filename=unseal(ctx.vault, DOCUMENT_FILENAME, d.id, d.filename),
        kind=d.kind,
        media_type=d.media_type,
        size=d.size,
        sha256=d.sha256,
        created_at=d.created_at,
        uploaded_by=d.uploaded_by,
    )


@dataclass(frozen=True)
class _Upload:
    """A checked upload and what the intake read from it, prepared before any transaction opens."""

    data: bytes
    sniffed: uploads.Sniffed
    name: str
    case: tuple[Case, Review] | None = None
    intake_note: str | None = None


def _prepare(ctx: Platform, data: bytes, filename: str | None) -> _Upload:
    if len(data) > ctx.settings.max_upload_bytes:
        raise TooLarge(f"the file is larger than {ctx.settings.max_upload_bytes // (1024 * 1024)} MB")
    uploads.check_size(len(data), ctx.settings.max_upload_bytes)
    sniffed = uploads.sniff(data)
    return _Upload(data, sniffed, uploads.sanitise_filename(filename, sniffed))


def _check_target(req: Request, up: _Upload, use_as_case: bool) -> None:
    if req.state not in UPLOAD_STATES:
        raise Conflict("records can no longer be added: the opinion is written")
    if use_as_case:
        if req.state != "draft":
            raise Conflict("the case can only be replaced before the request is submitted")
        if up.sniffed.kind not in CASE_KINDS:
            raise InputError("a case can be read from a PDF report, a FHIR file or text, not an image")


def _read_case(ctx: Platform, up: _Upload, request_id: str) -> _Upload:
    """The intake (OCR for a scanned PDF: seconds) and the pre-review, run while no transaction is
    open; a document the intake cannot read is still kept, and the request says why."""
    try:
        case = pre_review(ctx, up.data, up.name, request_id)
    except InputError as exc:
        return replace(up, intake_note=str(exc))
    return replace(up, case=case)


def _store(ctx: Platform, db: Session, actor: Actor, req: Request, up: _Upload) -> tuple[Document, Path]:
    """Inside the caller's (short) transaction: apply what the intake read, write the sealed file and
    add its row. The caller removes the file if the transaction then fails."""
    if up.case is not None:
        _apply_case(ctx, req, *up.case)
        req.source_kind = (
            "pdf" if up.sniffed.kind == "pdf" else "fhir" if up.sniffed.kind == "fhir_json" else "text"
        )
    elif up.intake_note is not None:
        set_intake_note(ctx, req, up.intake_note)
    req.updated_at = ctx.now()
    doc = Document(
        id=new_id(),
        request_id=req.id,
        uploaded_by=actor.user_id,
        kind=up.sniffed.kind,
        media_type=up.sniffed.media_type,
        size=len(up.data),
        sha256=hashlib.sha256(up.data).hexdigest(),
        storage_key=new_id() + new_id(),
        created_at=ctx.now(),
    )
    doc.filename = seal(ctx.vault, DOCUMENT_FILENAME, doc.id, up.name)
    path = _path(ctx, doc.storage_key)
    write_durably(path, ctx.vault.seal(up.data, f"document:{doc.id}"), ".upload.")
    db.add(doc)
    return doc, path


def _audit_upload(ctx: Platform, actor: Actor, request_id: str, doc: Document) -> None:
    ctx.audit(
        actor,
        "document.upload",
        object_type="document",
        object_id=doc.id,
        detail={"request": request_id, "kind": doc.kind, "size": doc.size},
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
    the intake cannot read it, the document is kept and the request says why (`intake_note`).
    The permission is checked first, the intake runs outside any transaction (OCR takes seconds and
    must not hold the request's lock), then one short transaction checks again and writes it all."""
    up = _prepare(ctx, data, filename)
    if use_as_case:
        with ctx.read() as db:
            req, _ = load_request(ctx, db, actor, request_id, "document.upload")
            _check_target(req, up, use_as_case)
        up = _read_case(ctx, up, request_id)
    path: Path | None = None
    try:
        with ctx.tx() as db:
            req, _ = load_request(ctx, db, actor, request_id, "document.upload", for_update=True)
            _check_target(req, up, use_as_case)  # the request may have moved on meanwhile
            doc, path = _store(ctx, db, actor, req, up)
            view = _view(ctx, doc)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    _audit_upload(ctx, actor, request_id, doc)
    return view


def create_from_upload(
    ctx: Platform, actor: Actor, data: bytes, filename: str | None, title: str = ""
) -> RequestDetail:
    """A new draft whose case is read from an uploaded report (PDF, FHIR or text file): the intake
    first, then the draft and its document in one transaction, so a failure leaves nothing behind."""
    require_role(ctx, actor, "request.create", "patient")
    up = _prepare(ctx, data, filename)
    if up.sniffed.kind not in CASE_KINDS:
        raise InputError("a request can start from a PDF report, a FHIR file or a text file, not an image")
    request_id = new_id()
    up = _read_case(ctx, up, request_id)
    path: Path | None = None
    try:
        with ctx.tx() as db:
            req = new_draft(ctx, db, actor, title, request_id=request_id)
            db.flush()  # the request row first: its document refers to it
            doc, path = _store(ctx, db, actor, req, up)
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    ctx.audit(actor, "request.create", object_type="request", object_id=req.id, detail={"source": "document"})
    _audit_upload(ctx, actor, req.id, doc)
    return get_request(ctx, actor, req.id, audit=False)


def list_documents(ctx: Platform, actor: Actor, request_id: str) -> list[DocumentView]:
    with ctx.read() as db:
        load_request(ctx, db, actor, request_id, "document.read")
        docs = db.scalars(
            select(Document)
            .where(Document.request_id == request_id)
            .order_by(Document.created_at, Document.id)
        ).all()
        views = [_view(ctx, d) for d in docs]
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
        view = _view(ctx, doc)
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
