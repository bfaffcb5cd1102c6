"""Residents' reports, editors' proposed changes waiting for review, and the audit log."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, new_id, utcnow


class OutdatedReport(db.Model):
    """'This information is outdated': only the message is stored, nothing about the reporter."""

    __tablename__ = "outdated_report"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    initiative_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting_place.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    initiative = relationship("Initiative")
    place = relationship("MeetingPlace")
    resolved_by = relationship("User")


class ChangeRequest(db.Model):
    """A change proposed by an organisation editor, applied only when a worker or coordinator approves."""

    __tablename__ = "change_request"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    entity_type: Mapped[str] = mapped_column(String(30))  # organisation | initiative | meeting_place
    entity_id: Mapped[uuid.UUID | None] = mapped_column(index=True)  # None: a new record
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    proposed: Mapped[dict] = mapped_column(JSON)
    original: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    submitted_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")

    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


class AuditEntry(db.Model):
    """Who changed what, when: field, old value, new value."""

    __tablename__ = "audit_entry"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(30), index=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(30))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user = relationship("User")
