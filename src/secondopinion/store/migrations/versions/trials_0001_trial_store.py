"""Trial store: trials, the cancer-type keys they are filed under, and a full-text index
(SQLite FTS5 kept in step by triggers; a generated tsvector column with a GIN index on PostgreSQL).

Revision ID: trials_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "trials_0001"
down_revision = None
branch_labels = ("trials",)
depends_on = None

_SQLITE_FTS = [
    """CREATE VIRTUAL TABLE trials_fts USING fts5(
        title, conditions, eligibility_text,
        content='trials', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER trials_fts_insert AFTER INSERT ON trials BEGIN
        INSERT INTO trials_fts(rowid, title, conditions, eligibility_text)
        VALUES (new.id, new.title, new.conditions, new.eligibility_text);
    END""",
    """CREATE TRIGGER trials_fts_delete AFTER DELETE ON trials BEGIN
        INSERT INTO trials_fts(trials_fts, rowid, title, conditions, eligibility_text)
        VALUES ('delete', old.id, old.title, old.conditions, old.eligibility_text);
    END""",
    """CREATE TRIGGER trials_fts_update AFTER UPDATE ON trials BEGIN
        INSERT INTO trials_fts(trials_fts, rowid, title, conditions, eligibility_text)
        VALUES ('delete', old.id, old.title, old.conditions, old.eligibility_text);
        INSERT INTO trials_fts(rowid, title, conditions, eligibility_text)
        VALUES (new.id, new.title, new.conditions, new.eligibility_text);
    END""",
]
_POSTGRES_FTS = [
    """ALTER TABLE trials ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(conditions, '')), 'B')
        || setweight(to_tsvector('english', coalesce(eligibility_text, '')), 'C')) STORED""",
    "CREATE INDEX ix_trials_search_vector ON trials USING gin (search_vector)",
]


def upgrade() -> None:
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("nct_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("setting", sa.String(20), nullable=True),
        sa.Column("min_age", sa.Float(), nullable=True),
        sa.Column("max_age", sa.Float(), nullable=True),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("eligibility_text", sa.Text(), nullable=False),
        sa.Column("last_update", sa.Date(), nullable=True),
        sa.Column("source_format", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
        sa.UniqueConstraint("nct_id", name=op.f("uq_trials_nct_id")),
    )
    op.create_index(op.f("ix_trials_open"), "trials", ["open"])
    op.create_table(
        "trial_cancer_keys",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"], ["trials.id"], name=op.f("fk_trial_cancer_keys_trial_id_trials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trial_id", "key", name=op.f("pk_trial_cancer_keys")),
    )
    op.create_index("ix_trial_cancer_keys_key_trial", "trial_cancer_keys", ["key", "trial_id"])
    statements = {"sqlite": _SQLITE_FTS, "postgresql": _POSTGRES_FTS}.get(op.get_bind().dialect.name, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("trials_fts_update", "trials_fts_delete", "trials_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS trials_fts")
    op.drop_index("ix_trial_cancer_keys_key_trial", table_name="trial_cancer_keys")
    op.drop_table("trial_cancer_keys")
    op.drop_index(op.f("ix_trials_open"), table_name="trials")
    op.drop_table("trials")
