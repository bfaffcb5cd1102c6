"""Organisations, initiatives, meeting places and their schedules (HSDS 3.0 aligned)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, JSON, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, new_id, utcnow


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow,
                                                 nullable=False)


class Organisation(TimestampMixin, db.Model):
    """An HSDS organization: who runs initiatives."""

    __tablename__ = "organisation"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[list] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(32))  # what an import last set (importers/fingerprints.py)

    initiatives: Mapped[list["Initiative"]] = relationship(back_populates="organisation")


class Initiative(TimestampMixin, db.Model):
    """An HSDS service: an offer that strengthens people's social networks."""

    __tablename__ = "initiative"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(30), default="active", index=True)
    tie_type: Mapped[str] = mapped_column(String(20), default="both")
    cost: Mapped[str] = mapped_column(String(20), default="free", index=True)
    price: Mapped[str] = mapped_column(String(300), default="")
    childcare: Mapped[str] = mapped_column(String(30), default="unknown", index=True)
    low_literacy: Mapped[bool] = mapped_column(Boolean, default=False)
    registration_required: Mapped[bool] = mapped_column(Boolean, default=False)
    wheelchair: Mapped[str] = mapped_column(String(10), default="unknown")
    contact: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    last_verified: Mapped[date | None] = mapped_column(Date, index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship(back_populates="initiatives")
    terms: Mapped[list["InitiativeTerm"]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", lazy="selectin")
    locations: Mapped[list["InitiativeAtPlace"]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan")
    # HSDS pages walk visible initiatives in id order from this index alone (services/hsds.py).
    __table_args__ = (Index("ix_initiative_id_status_archived_at", "id", "status", "archived_at"),)

    def codes(self, scheme: str) -> list[str]:
        return sorted(t.code for t in self.terms if t.scheme == scheme)

    @property
    def working_models(self) -> list[str]:
        return self.codes("working_model")

    @property
    def target_groups(self) -> list[str]:
        return self.codes("target_group")

    @property
    def network_functions(self) -> list[str]:
        return self.codes("network_function")

    @property
    def languages(self) -> list[str]:
        return self.codes("language")

    def set_codes(self, scheme: str, codes) -> None:
        wanted = set(codes)
        self.terms = [t for t in self.terms if t.scheme != scheme or t.code in wanted] + [
            InitiativeTerm(scheme=scheme, code=c) for c in sorted(wanted - set(self.codes(scheme)))
        ]


class InitiativeTerm(db.Model):
    """One taxonomy code on an initiative; a row per code keeps filters plain indexed queries."""

    __tablename__ = "initiative_term"
    initiative_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)

    initiative: Mapped[Initiative] = relationship(back_populates="terms")
    __table_args__ = (Index("ix_initiative_term_scheme_code", "scheme", "code"),)


class MeetingPlace(TimestampMixin, db.Model):
    """An HSDS physical location where people meet."""

    __tablename__ = "meeting_place"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="other")
    street: Mapped[str] = mapped_column(String(300), default="")
    number: Mapped[str] = mapped_column(String(30), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float] = mapped_column(Float, index=True)
    longitude: Mapped[float] = mapped_column(Float, index=True)
    accessibility: Mapped[str] = mapped_column(Text, default="")
    wheelchair: Mapped[str] = mapped_column(String(10), default="unknown")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_hash: Mapped[str | None] = mapped_column(String(32))

    rooms: Mapped[list["Room"]] = relationship(back_populates="place", cascade="all, delete-orphan",
                                               order_by="Room.name")
    areas: Mapped[list["PlaceArea"]] = relationship(back_populates="place",
                                                    cascade="all, delete-orphan", lazy="selectin")
    initiatives: Mapped[list["InitiativeAtPlace"]] = relationship(back_populates="place")

    @property
    def address(self) -> str:
        first = " ".join(p for p in (self.street, self.number) if p)
        second = " ".join(p for p in (self.postcode, self.municipality) if p)
        return ", ".join(p for p in (first, second) if p)

    def area_code(self, level: str) -> str | None:
        return next((pa.area.code for pa in self.areas if pa.level == level), None)


class Room(db.Model):
    __tablename__ = "room"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_place.id", ondelete="CASCADE"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer)

    place: Mapped[MeetingPlace] = relationship(back_populates="rooms")
    __table_args__ = (UniqueConstraint("place_id", "name", name="uq_room_place_name"),)


class PlaceArea(db.Model):
    """Which area (per level) a meeting place lies in, computed when the place is written."""

    __tablename__ = "place_area"
    place_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting_place.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)

    place: Mapped[MeetingPlace] = relationship(back_populates="areas")
    area: Mapped["Area"] = relationship(lazy="joined")  # noqa: F821


class InitiativeAtPlace(db.Model):
    """HSDS service_at_location: an initiative held at a meeting place, with its schedules."""

    __tablename__ = "initiative_at_place"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    initiative_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_place.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # The last day (a day number, scheduling/weekly.py) of its schedules, the latest until_day of
    # its slots; None without schedules. Kept by the writer with the slots: the finder leaves out
    # a link whose every schedule has ended by asking this column, not the slots.
    last_day: Mapped[int | None] = mapped_column(Integer)
    # The running or next session's start, stored (services/next_sessions.py): exact from
    # `next_from` until `next_until` (instants as seconds since 1900-01-01 UTC); NULL for none
    # before the search horizon. Outside that span the finder computes it from schedule_slot.
    next_start: Mapped[int | None] = mapped_column(BigInteger)
    next_from: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    next_until: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    initiative: Mapped[Initiative] = relationship(back_populates="locations")
    place: Mapped[MeetingPlace] = relationship(back_populates="initiatives", lazy="joined")
    schedules: Mapped[list["Schedule"]] = relationship(
        back_populates="location", cascade="all, delete-orphan", lazy="selectin")
    __table_args__ = (UniqueConstraint("initiative_id", "place_id", name="uq_initiative_at_place"),
                      # the finder's order (next session first) and the links to compute again
                      Index("ix_initiative_at_place_next_start", "next_start", "next_from", "next_until"),
                      Index("ix_initiative_at_place_next_until", "next_until"),
                      Index("ix_initiative_at_place_next_from", "next_from"))


class Schedule(db.Model):
    """A structured recurrence (never free text only); see community.scheduling."""

    __tablename__ = "schedule"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("initiative_at_place.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(20))
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "0,2" = Monday and Wednesday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    nth: Mapped[int | None] = mapped_column(Integer)
    on_date: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    location: Mapped[InitiativeAtPlace] = relationship(back_populates="schedules")

    @property
    def weekday_list(self) -> tuple[int, ...]:
        return self.parse_weekdays(self.weekdays)

    @staticmethod
    def parse_weekdays(stored: str) -> tuple[int, ...]:
        """The stored "0,2" as (0, 2); for readers of the bare column too."""
        return tuple(int(d) for d in stored.split(",") if d.strip() != "")

    def recurrence(self):
        from ..scheduling import Recurrence
        return Recurrence(frequency=self.frequency, start_time=self.start_time,
                          end_time=self.end_time, weekdays=self.weekday_list, nth=self.nth,
                          on_date=self.on_date, valid_from=self.valid_from,
                          valid_until=self.valid_until)


class ScheduleSlot(db.Model):
    """One weekday of a schedule in plain numbers (community/scheduling/weekly.py), kept by the writer.

    The finder asks SQL about these: weekday and part of day by an index on (weekday, start, end),
    "on now", "this week" and the next session by arithmetic on days and seconds.
    """

    __tablename__ = "schedule_slot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initiative_at_place.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(20))  # weekly and once are every week's arithmetic
    weekday: Mapped[int] = mapped_column(Integer)        # the weekday a session starts on, 0 = Monday
    start_sec: Mapped[int] = mapped_column(Integer)      # seconds after midnight
    end_sec: Mapped[int] = mapped_column(Integer)        # past 86,400 when the session ends the next day
    nth: Mapped[int | None] = mapped_column(Integer)     # monthly: 1..5, -1 = the last
    from_day: Mapped[int] = mapped_column(Integer)       # day numbers since 1900-01-01 (a Monday)
    until_day: Mapped[int] = mapped_column(Integer)
    # A session's start on its weekday; its end for the part past midnight, which counts for the next day.
    __table_args__ = (Index("ix_schedule_slot_weekday", "weekday", "start_sec", "end_sec"),
                      Index("ix_schedule_slot_weekday_end", "weekday", "end_sec"),
                      Index("ix_schedule_slot_location", "location_id", "from_day", "until_day"))


class SearchDocument(db.Model):
    """The words of one listing (an initiative at a place) for the finder's full-text search,
    folded by services/search.py and kept by it on every write (never edited by hand).

    The database's own index reads these: on SQLite the FTS5 table search_fts (external content,
    kept by triggers), on PostgreSQL the generated tsvector column `document` with a GIN index;
    both are made by migration 0009 and are not mapped here.
    """

    __tablename__ = "search_document"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # FTS5's rowid
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initiative_at_place.id", ondelete="CASCADE"),
                                                   unique=True)
    initiative_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text, default="")   # the initiative's name
    body: Mapped[str] = mapped_column(Text, default="")   # description, organisation, place, street
    terms: Mapped[str] = mapped_column(Text, default="")  # its vocabulary labels in nl, fr and en
