"""Second-opinion requests and what hangs off them: documents, consent, caregivers, assignments,
opinions, follow-up questions and check-ins (SQLAlchemy 2 typed models).

Columns marked "sealed" hold health information encrypted with the data key and bound to their
row (platform/sealing.py): the service layer seals what it writes and opens what it shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from secondopinion.store.db import Base
from secondopinion.store.platform import UTCDateTime, new_id, utcnow


class Request(Base):
    __tablename__ = "pf_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    patient_id: Mapped[str] = mapped_column(ForeignKey("pf_users.id"), index=True)
    title: Mapped[str] = mapped_column(Text, default="", doc="sealed (up to 200 characters)")
    state: Mapped[str] = mapped_column(String(30), index=True, default="draft")
    source_kind: Mapped[str] = mapped_column(String(20), default="text")
    case_json: Mapped[str | None] = mapped_column(Text, default=None, doc="sealed: the Case model as JSON")
    review_json: Mapped[str | None] = mapped_column(
        Text, default=None, doc="sealed: the automated pre-review"
    )
    intake_note: Mapped[str | None] = mapped_column(
        Text, default=None, doc="sealed: why no case could be read yet"
    )
    cancer_type: Mapped[str | None] = mapped_column(String(60), index=True, default=None)
    rare: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_records: Mapped[list[str]] = mapped_column(JSON, default=list)
    disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    dispute_reason: Mapped[str | None] = mapped_column(Text, default=None, doc="sealed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    records_complete_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class StateChange(Base):
    """The request's timeline: every transition, who made it and when."""

    __tablename__ = "pf_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaregiverInvitation(Base):
    __tablename__ = "pf_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    invited_by: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(ForeignKey("pf_users.id"), default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CaregiverLink(Base):
    __tablename__ = "pf_caregiver_links"
    __table_args__ = (UniqueConstraint("request_id", "caregiver_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    caregiver_id: Mapped[str] = mapped_column(ForeignKey("pf_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Document(Base):
    __tablename__ = "pf_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    kind: Mapped[str] = mapped_column(String(20), doc="sniffed from the content: pdf, jpeg, png, ...")
    media_type: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(Text, doc="sealed; sanitised")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), doc="of the plaintext; checked on every read")
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consent(Base):
    __tablename__ = "pf_consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    scope: Mapped[str] = mapped_column(String(40))
    text_version: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(Base):
    __tablename__ = "pf_assignments"
    __table_args__ = (UniqueConstraint("request_id", "reviewer_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("pf_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), doc="second_opinion or third_opinion")
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    blinded: Mapped[bool] = mapped_column(Boolean, default=False, doc="cannot see the other opinions")
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    assigned_by: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Opinion(Base):
    """One version of a reviewer's structured opinion. Signed versions are never changed; an
    amendment is a new version that names the one it amends."""

    __tablename__ = "pf_opinions"
    __table_args__ = (UniqueConstraint("assignment_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("pf_assignments.id", ondelete="CASCADE"))
    author_id: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[str] = mapped_column(Text, doc="sealed: canonical JSON of the OpinionDocument")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    amends_id: Mapped[str | None] = mapped_column(String(32), default=None)
    content_sha256: Mapped[str | None] = mapped_column(
        String(64), default=None, doc="of the plaintext, set at signing"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class FollowUpQuestion(Base):
    __tablename__ = "pf_questions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    asked_by: Mapped[str] = mapped_column(ForeignKey("pf_users.id"))
    text: Mapped[str] = mapped_column(Text, doc="sealed")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text, default=None, doc="sealed")
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("pf_users.id"), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class CheckIn(Base):
    __tablename__ = "pf_checkins"
    __table_args__ = (UniqueConstraint("request_id", "months"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(ForeignKey("pf_requests.id", ondelete="CASCADE"), index=True)
    months: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    followed: Mapped[str | None] = mapped_column(String(10), default=None, doc="yes, partly or no")
    wellbeing: Mapped[int | None] = mapped_column(Integer, default=None, doc="1 (very poor) to 5 (very good)")
    note: Mapped[str | None] = mapped_column(Text, default=None, doc="sealed")
