"""Platform: health information sealed at rest (case, pre-review, title, intake note, dispute
reason, document names, opinions, follow-up questions and answers, check-in notes) and the key check.

Existing rows are sealed here with the data key, which `Platform.open` hands to the migration; a
database holding unsealed rows is refused when no key was handed over (e.g. a tool that opened the
shared database without one). SQLite neither enforces declared lengths nor needs JSON typed, and
rebuilding `pf_requests` there would cascade-delete its children, so only PostgreSQL changes types.

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from secondopinion.errors import InputError
from secondopinion.platform.sealing import SealedColumn, seal
from secondopinion.security.crypto import Vault

revision = "platform_0002"
down_revision = "platform_0001"
branch_labels = None
depends_on = None

# The sealed columns at this revision (a frozen copy: later revisions may seal more).
SEALED = {
    "pf_requests": ("title", "case_json", "review_json", "intake_note", "dispute_reason"),
    "pf_documents": ("filename",),
    "pf_opinions": ("content",),
    "pf_questions": ("text", "answer"),
    "pf_checkins": ("note",),
}
WIDENED = (("pf_requests", "title", sa.String(200)), ("pf_documents", "filename", sa.String(120)))


def _table(name: str) -> sa.TableClause:
    return sa.table(name, sa.column("id", sa.String()), *(sa.column(c, sa.Text()) for c in SEALED[name]))


def _rows_with_text(bind: sa.Connection) -> int:
    total = 0
    for name, columns in SEALED.items():
        t = _table(name)
        present = sa.or_(*(sa.and_(t.c[c].is_not(None), t.c[c] != "") for c in columns))
        total += bind.execute(sa.select(sa.func.count()).select_from(t).where(present)).scalar_one()
    return total


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table, column, old in WIDENED:
            op.alter_column(table, column, type_=sa.Text(), existing_type=old, existing_nullable=False)
        op.alter_column(
            "pf_opinions",
            "content",
            type_=sa.Text(),
            existing_type=sa.JSON(),
            existing_nullable=False,
            postgresql_using="content::text",
        )
    op.create_table(
        "pf_key_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_key_check")),
    )
    pending = _rows_with_text(bind)
    if not pending:
        return
    key = context.config.attributes.get("data_key")
    if key is None:
        raise InputError(
            f"{pending} stored requests, documents or opinions are not yet encrypted: start the platform "
            "once with SECONDOPINION_DATA_KEY (or _FILE) set, e.g. 'secondopinion serve', to encrypt them"
        )
    vault = Vault(key)
    for name, columns in SEALED.items():
        t = _table(name)
        for row in bind.execute(sa.select(t)).mappings().all():
            values = {c: seal(vault, SealedColumn(name, c), row["id"], row[c]) for c in columns if row[c]}
            if values:
                bind.execute(sa.update(t).where(t.c.id == row["id"]).values(**values))


def downgrade() -> None:
    bind = op.get_bind()
    if _rows_with_text(bind):
        raise InputError("sealed rows cannot be downgraded: export the data with the current version first")
    op.drop_table("pf_key_check")
    if bind.dialect.name == "postgresql":
        op.alter_column(
            "pf_opinions",
            "content",
            type_=sa.JSON(),
            existing_type=sa.Text(),
            existing_nullable=False,
            postgresql_using="content::json",
        )
        for table, column, old in WIDENED:
            op.alter_column(table, column, type_=old, existing_type=sa.Text(), existing_nullable=False)
