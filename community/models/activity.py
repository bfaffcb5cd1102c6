"""Activities that workers plan and log: counts, never residents' names."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, new_id, utcnow

VISIBILITIES = ("public", "internal")
ACTIVITY_STATUSES = ("planned", "done", "cancelled")


class Activity(db.Model):
    __tablename__ = "activity"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    initiative_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("initiative.id"), index=True)
    place_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("meeting_place.id"), index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("room.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The district the activity happens in, computed when written: dashboards filter on it.
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("area.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    visibility: Mapped[str] = mapped_column(String(10), default="internal")
    status: Mapped[str] = mapped_column(String(10), default="planned", index=True)
    participants: Mapped[int | None] = mapped_column(Integer)
    new_participants: Mapped[int | None] = mapped_column(Integer)
    volunteers: Mapped[int | None] = mapped_column(Integer)
    reflection: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    worker = relationship("User")
    initiative = relationship("Initiative")
    place = relationship("MeetingPlace")
    room = relationship("Room")
    area = relationship("Area")
    terms: Mapped[list["ActivityTerm"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    partners: Mapped[list["ActivityPartner"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def has_begun(self, now: datetime | None = None) -> bool:
        """Whether it may be logged as held: its start has come (the one rule, for the service and the pages)."""
        return self.starts_at <= (now or utcnow())

    def codes(self, scheme: str) -> list[str]:
        return sorted(t.code for t in self.terms if t.scheme == scheme)

    def set_codes(self, scheme: str, codes) -> None:
        wanted = set(codes)
        self.terms = [t for t in self.terms if t.scheme != scheme or t.code in wanted] + [
            ActivityTerm(scheme=scheme, code=c) for c in sorted(wanted - set(self.codes(scheme)))]


class ActivityTerm(db.Model):
    """working_model, target_group (planned for) or target_group_reached (after the fact)."""

    __tablename__ = "activity_term"
    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"),
                                                   primary_key=True)
    scheme: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)


class ActivityPartner(db.Model):
    __tablename__ = "activity_partner"
    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"),
                                                   primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    organisation = relationship("Organisation", lazy="joined")


class FeedToken(db.Model):
    """A secret calendar-feed URL, per worker or per district; revoked by deleting the row."""

    __tablename__ = "feed_token"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
