"""Health information sealed at rest in the database with the data key (AES-256-GCM).

Each value is bound to its table, column and row by the associated data, so a value copied into
another row or column (by someone with write access to the database) fails to open instead of
showing one patient's case under another's request. The service layer seals what it writes and
opens what it shows; a listing opens only the columns it shows (the title), never the case.

Empty text stays empty (nothing to hide, and rows made by defaults stay readable); everything
else must be sealed: plaintext found where a sealed value belongs is refused like a forgery.

What the binding does not cover: a child row (a document, an opinion, a question) is bound to its
own id, not to its request, so someone who can write to the database could re-parent a whole row
to another request, or blank a value. Database write access must stay with the service; the
audit trail records every change the service makes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from secondopinion.security.crypto import IntegrityError, Vault


@dataclass(frozen=True)
class SealedColumn:
    """A text column holding sealed values."""

    table: str
    column: str

    def associated(self, row_id: str) -> str:
        return f"{self.table}.{self.column}:{row_id}"


REQUEST_TITLE = SealedColumn("pf_requests", "title")
REQUEST_CASE = SealedColumn("pf_requests", "case_json")
REQUEST_REVIEW = SealedColumn("pf_requests", "review_json")
REQUEST_INTAKE_NOTE = SealedColumn("pf_requests", "intake_note")
REQUEST_DISPUTE = SealedColumn("pf_requests", "dispute_reason")
DOCUMENT_FILENAME = SealedColumn("pf_documents", "filename")
OPINION_CONTENT = SealedColumn("pf_opinions", "content")
QUESTION_TEXT = SealedColumn("pf_questions", "text")
QUESTION_ANSWER = SealedColumn("pf_questions", "answer")
CHECKIN_NOTE = SealedColumn("pf_checkins", "note")

SEALED_COLUMNS = (
    REQUEST_TITLE,
    REQUEST_CASE,
    REQUEST_REVIEW,
    REQUEST_INTAKE_NOTE,
    REQUEST_DISPUTE,
    DOCUMENT_FILENAME,
    OPINION_CONTENT,
    QUESTION_TEXT,
    QUESTION_ANSWER,
    CHECKIN_NOTE,
)


def seal(vault: Vault, column: SealedColumn, row_id: str, text: str) -> str:
    return vault.seal_text(text, column.associated(row_id)) if text else ""


def seal_optional(vault: Vault, column: SealedColumn, row_id: str, text: str | None) -> str | None:
    return None if text is None else seal(vault, column, row_id, text)


def unseal(vault: Vault, column: SealedColumn, row_id: str, stored: str) -> str:
    """The plaintext, or IntegrityError naming the column and row (ids only, never content)."""
    if not stored:
        return ""
    try:
        return vault.open_text(stored, column.associated(row_id))
    except (IntegrityError, ValueError) as exc:  # ValueError: not base64 (plaintext, damage)
        raise IntegrityError(
            f"{column.table}.{column.column} of row {row_id} does not open with the data key: it was "
            "changed, moved from another row or sealed with another key"
        ) from exc


def unseal_optional(vault: Vault, column: SealedColumn, row_id: str, stored: str | None) -> str | None:
    return None if stored is None else unseal(vault, column, row_id, stored)


def canonical_json(value: Any) -> str:
    """The one serialisation of a JSON document, so that its hash (a signature) is reproducible."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal_json(vault: Vault, column: SealedColumn, row_id: str, value: Any) -> str:
    return seal(vault, column, row_id, canonical_json(value))


def unseal_json(vault: Vault, column: SealedColumn, row_id: str, stored: str) -> Any:
    """A JSON document never legitimately stored empty: a blanked one is damage, not a crash."""
    text = unseal(vault, column, row_id, stored)
    if not text:
        raise IntegrityError(f"{column.table}.{column.column} of row {row_id} is empty: it was changed")
    return json.loads(text)


def sealed_columns_by_table() -> dict[str, tuple[SealedColumn, ...]]:
    """SEALED_COLUMNS grouped by table, so a key rotation rewrites each row once."""
    tables: dict[str, tuple[SealedColumn, ...]] = {}
    for col in SEALED_COLUMNS:
        tables[col.table] = (*tables.get(col.table, ()), col)
    return tables


def reseal(old: Vault, new: Vault, column: SealedColumn, row_id: str, stored: str | None) -> str | None:
    """A stored value opened with the old key and sealed again with the new one, bound to the same
    column and row; empty and missing values stay as they are."""
    if not stored:
        return stored
    return seal(new, column, row_id, unseal(old, column, row_id, stored))
