"""Areas (municipality, district, sector), indicator values per area, and address points."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, new_id, utcnow


class Area(db.Model):
    """A district, sector or municipality with its boundary (GeoJSON in EPSG:4326)."""

    __tablename__ = "area"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("area.id"), index=True)
    # GeoJSON geometry (MultiPolygon, EPSG:4326): portable across SQLite and PostgreSQL
    # without a spatial extension; spatial work happens in geo/ on GeoDataFrames.
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(Text, default="")
    is_generated: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Area | None"] = relationship(remote_side=[id], lazy="joined")


class IndicatorValue(db.Model):
    """One number for one area, indicator and year (population, deprivation, ...)."""

    __tablename__ = "indicator_value"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(60), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    area: Mapped[Area] = relationship()
    __table_args__ = (UniqueConstraint("area_id", "indicator", "year", name="uq_indicator_area_year"),)


class AddressPoint(db.Model):
    """An address from an address register, for looking up 'near' without an outside geocoder."""

    __tablename__ = "address_point"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street: Mapped[str] = mapped_column(String(300))
    street_key: Mapped[str] = mapped_column(String(300), index=True)  # lower case, no accents
    number: Mapped[str] = mapped_column(String(30), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    municipality: Mapped[str] = mapped_column(String(100), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    __table_args__ = (UniqueConstraint("street_key", "number", "postcode", name="uq_address_point"),)
