"""What an uploaded file really is, judged from its bytes (never its name or Content-Type), and a
safe name to show for it. Pure functions."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from secondopinion.errors import InputError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Sniffed:
    kind: str
    media_type: str
    extension: str


PDF = Sniffed("pdf", "application/pdf", "pdf")
JPEG = Sniffed("jpeg", "image/jpeg", "jpg")
PNG = Sniffed("png", "image/png", "png")
DICOM = Sniffed("dicom", "application/dicom", "dcm")
FHIR = Sniffed("fhir_json", "application/fhir+json", "json")
TEXT = Sniffed("text", "text/plain", "txt")
KINDS = {s.kind: s for s in (PDF, JPEG, PNG, DICOM, FHIR, TEXT)}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class UnsupportedContent(InputError):
    """The bytes are none of the accepted kinds."""


def _is_text(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t\f")
    return text if text.strip() and printable / len(text) > 0.97 else None


def sniff(data: bytes) -> Sniffed:
    """The kind of a file from its content. Raises UnsupportedContent for anything else."""
    if data.startswith(b"%PDF-") and len(data) > 8:
        return PDF
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return JPEG
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR":
        return PNG
    if len(data) >= 132 and data[128:132] == b"DICM":
        return DICOM
    text = _is_text(data)
    if text is not None:
        if text.lstrip().startswith("{"):
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError):
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("resourceType"), str):
                return FHIR
        return TEXT
    raise UnsupportedContent(
        "this file type is not accepted; upload a PDF, JPEG, PNG, DICOM, FHIR JSON or plain-text file"
    )


def check_size(size: int, limit: int = DEFAULT_MAX_BYTES) -> None:
    if size == 0:
        raise InputError("the file is empty")
    if size > limit:
        raise InputError(f"the file is larger than {limit // (1024 * 1024)} MB; upload a smaller one")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sanitise_filename(name: str | None, sniffed: Sniffed) -> str:
    """A display name that cannot traverse folders, hide an extension or carry markup: the last
    path component, ASCII letters, digits, dot, dash and underscore only, and the extension of
    what the content really is."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE.sub("_", stem).strip("._-")[:80] or "document"
    return f"{stem}.{sniffed.extension}"
