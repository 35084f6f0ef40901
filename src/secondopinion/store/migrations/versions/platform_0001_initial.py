"""Platform: accounts, sessions, audit trail, requests, documents, consent, assignments, opinions,
follow-up questions and check-ins.

The audit table is append-only at the database level too: triggers refuse UPDATE and DELETE, so
changing a row takes deliberate schema tampering (which the hash chain then reveals).

Revision ID: platform_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None

PG_APPEND_ONLY = (
    """
    CREATE FUNCTION pf_audit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the audit trail is append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER pf_audit_no_change BEFORE UPDATE OR DELETE ON pf_audit_events
    FOR EACH ROW EXECUTE FUNCTION pf_audit_append_only()
    """,
)
SQLITE_APPEND_ONLY = (
    """
    CREATE TRIGGER pf_audit_no_update BEFORE UPDATE ON pf_audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
    """,
    """
    CREATE TRIGGER pf_audit_no_delete BEFORE DELETE ON pf_audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
    """,
)


def upgrade() -> None:
    op.create_table(
        "pf_audit_events",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_pf_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_pf_audit_events_hash")),
    )
    op.create_index(op.f("ix_pf_audit_events_action"), "pf_audit_events", ["action"], unique=False)
    op.create_index(op.f("ix_pf_audit_events_actor_id"), "pf_audit_events", ["actor_id"], unique=False)
    op.create_index(op.f("ix_pf_audit_events_object_id"), "pf_audit_events", ["object_id"], unique=False)
    op.create_table(
        "pf_login_throttle",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pf_login_throttle")),
    )
    op.create_table(
        "pf_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("totp_last_counter", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_users")),
        sa.UniqueConstraint("email", name=op.f("uq_pf_users_email")),
    )
    op.create_index(op.f("ix_pf_users_role"), "pf_users", ["role"], unique=False)
    op.create_table(
        "pf_requests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("case_json", sa.Text(), nullable=True),
        sa.Column("review_json", sa.Text(), nullable=True),
        sa.Column("intake_note", sa.Text(), nullable=True),
        sa.Column("cancer_type", sa.String(length=60), nullable=True),
        sa.Column("rare", sa.Boolean(), nullable=False),
        sa.Column("missing_records", sa.JSON(), nullable=False),
        sa.Column("disputed", sa.Boolean(), nullable=False),
        sa.Column("dispute_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["pf_users.id"], name=op.f("fk_pf_requests_patient_id_pf_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_requests")),
    )
    op.create_index(op.f("ix_pf_requests_cancer_type"), "pf_requests", ["cancer_type"], unique=False)
    op.create_index(op.f("ix_pf_requests_due_at"), "pf_requests", ["due_at"], unique=False)
    op.create_index(op.f("ix_pf_requests_patient_id"), "pf_requests", ["patient_id"], unique=False)
    op.create_index(op.f("ix_pf_requests_state"), "pf_requests", ["state"], unique=False)
    op.create_table(
        "pf_reviewer_profiles",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("subspecialty", sa.String(length=200), nullable=False),
        sa.Column("yearly_case_volume", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("licence_jurisdiction", sa.String(length=100), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("conflicts_of_interest", sa.JSON(), nullable=False),
        sa.Column("accepting", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["pf_users.id"],
            name=op.f("fk_pf_reviewer_profiles_user_id_pf_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pf_reviewer_profiles")),
    )
    op.create_table(
        "pf_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("mfa_pending", sa.Boolean(), nullable=False),
        sa.Column("totp_setup_secret", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["pf_users.id"], name=op.f("fk_pf_sessions_user_id_pf_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_sessions")),
    )
    op.create_index(op.f("ix_pf_sessions_last_seen_at"), "pf_sessions", ["last_seen_at"], unique=False)
    op.create_index(op.f("ix_pf_sessions_user_id"), "pf_sessions", ["user_id"], unique=False)
    op.create_table(
        "pf_assignments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("blinded", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_by", sa.String(length=32), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by"], ["pf_users.id"], name=op.f("fk_pf_assignments_assigned_by_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_assignments_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["pf_users.id"], name=op.f("fk_pf_assignments_reviewer_id_pf_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_assignments")),
        sa.UniqueConstraint("request_id", "reviewer_id", name=op.f("uq_pf_assignments_request_id")),
    )
    op.create_index(op.f("ix_pf_assignments_request_id"), "pf_assignments", ["request_id"], unique=False)
    op.create_index(op.f("ix_pf_assignments_reviewer_id"), "pf_assignments", ["reviewer_id"], unique=False)
    op.create_table(
        "pf_caregiver_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("caregiver_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caregiver_id"], ["pf_users.id"], name=op.f("fk_pf_caregiver_links_caregiver_id_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_caregiver_links_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_caregiver_links")),
        sa.UniqueConstraint("request_id", "caregiver_id", name=op.f("uq_pf_caregiver_links_request_id")),
    )
    op.create_index(
        op.f("ix_pf_caregiver_links_caregiver_id"), "pf_caregiver_links", ["caregiver_id"], unique=False
    )
    op.create_index(
        op.f("ix_pf_caregiver_links_request_id"), "pf_caregiver_links", ["request_id"], unique=False
    )
    op.create_table(
        "pf_checkins",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followed", sa.String(length=10), nullable=True),
        sa.Column("wellbeing", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_checkins_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_checkins")),
        sa.UniqueConstraint("request_id", "months", name=op.f("uq_pf_checkins_request_id")),
    )
    op.create_index(op.f("ix_pf_checkins_request_id"), "pf_checkins", ["request_id"], unique=False)
    op.create_table(
        "pf_consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("text_version", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_consents_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["pf_users.id"], name=op.f("fk_pf_consents_user_id_pf_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_consents")),
    )
    op.create_index(op.f("ix_pf_consents_request_id"), "pf_consents", ["request_id"], unique=False)
    op.create_table(
        "pf_documents",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_documents_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["pf_users.id"], name=op.f("fk_pf_documents_uploaded_by_pf_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_documents")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_pf_documents_storage_key")),
    )
    op.create_index(op.f("ix_pf_documents_request_id"), "pf_documents", ["request_id"], unique=False)
    op.create_table(
        "pf_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("invited_by", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=32), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["pf_users.id"], name=op.f("fk_pf_invitations_accepted_by_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["pf_users.id"], name=op.f("fk_pf_invitations_invited_by_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_invitations_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pf_invitations_token_hash")),
    )
    op.create_index(op.f("ix_pf_invitations_request_id"), "pf_invitations", ["request_id"], unique=False)
    op.create_table(
        "pf_questions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["pf_users.id"], name=op.f("fk_pf_questions_answered_by_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["asked_by"], ["pf_users.id"], name=op.f("fk_pf_questions_asked_by_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_questions_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_questions")),
    )
    op.create_index(op.f("ix_pf_questions_request_id"), "pf_questions", ["request_id"], unique=False)
    op.create_table(
        "pf_state_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=30), nullable=True),
        sa.Column("to_state", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_state_changes_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_state_changes")),
    )
    op.create_index(op.f("ix_pf_state_changes_request_id"), "pf_state_changes", ["request_id"], unique=False)
    op.create_table(
        "pf_opinions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("assignment_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amends_id", sa.String(length=32), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["pf_assignments.id"],
            name=op.f("fk_pf_opinions_assignment_id_pf_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["pf_users.id"], name=op.f("fk_pf_opinions_author_id_pf_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["pf_requests.id"],
            name=op.f("fk_pf_opinions_request_id_pf_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pf_opinions")),
        sa.UniqueConstraint("assignment_id", "version", name=op.f("uq_pf_opinions_assignment_id")),
    )
    op.create_index(op.f("ix_pf_opinions_request_id"), "pf_opinions", ["request_id"], unique=False)

    dialect = op.get_bind().dialect.name
    statements = (
        PG_APPEND_ONLY if dialect == "postgresql" else SQLITE_APPEND_ONLY if dialect == "sqlite" else ()
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS pf_audit_no_change ON pf_audit_events")
        op.execute("DROP FUNCTION IF EXISTS pf_audit_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS pf_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS pf_audit_no_delete")
    op.drop_index(op.f("ix_pf_opinions_request_id"), table_name="pf_opinions")
    op.drop_table("pf_opinions")
    op.drop_index(op.f("ix_pf_state_changes_request_id"), table_name="pf_state_changes")
    op.drop_table("pf_state_changes")
    op.drop_index(op.f("ix_pf_questions_request_id"), table_name="pf_questions")
    op.drop_table("pf_questions")
    op.drop_index(op.f("ix_pf_invitations_request_id"), table_name="pf_invitations")
    op.drop_table("pf_invitations")
    op.drop_index(op.f("ix_pf_documents_request_id"), table_name="pf_documents")
    op.drop_table("pf_documents")
    op.drop_index(op.f("ix_pf_consents_request_id"), table_name="pf_consents")
    op.drop_table("pf_consents")
    op.drop_index(op.f("ix_pf_checkins_request_id"), table_name="pf_checkins")
    op.drop_table("pf_checkins")
    op.drop_index(op.f("ix_pf_caregiver_links_request_id"), table_name="pf_caregiver_links")
    op.drop_index(op.f("ix_pf_caregiver_links_caregiver_id"), table_name="pf_caregiver_links")
    op.drop_table("pf_caregiver_links")
    op.drop_index(op.f("ix_pf_assignments_reviewer_id"), table_name="pf_assignments")
    op.drop_index(op.f("ix_pf_assignments_request_id"), table_name="pf_assignments")
    op.drop_table("pf_assignments")
    op.drop_index(op.f("ix_pf_sessions_user_id"), table_name="pf_sessions")
    op.drop_index(op.f("ix_pf_sessions_last_seen_at"), table_name="pf_sessions")
    op.drop_table("pf_sessions")
    op.drop_table("pf_reviewer_profiles")
    op.drop_index(op.f("ix_pf_requests_state"), table_name="pf_requests")
    op.drop_index(op.f("ix_pf_requests_patient_id"), table_name="pf_requests")
    op.drop_index(op.f("ix_pf_requests_due_at"), table_name="pf_requests")
    op.drop_index(op.f("ix_pf_requests_cancer_type"), table_name="pf_requests")
    op.drop_table("pf_requests")
    op.drop_index(op.f("ix_pf_users_role"), table_name="pf_users")
    op.drop_table("pf_users")
    op.drop_table("pf_login_throttle")
    op.drop_index(op.f("ix_pf_audit_events_object_id"), table_name="pf_audit_events")
    op.drop_index(op.f("ix_pf_audit_events_actor_id"), table_name="pf_audit_events")
    op.drop_index(op.f("ix_pf_audit_events_action"), table_name="pf_audit_events")
    op.drop_table("pf_audit_events")
