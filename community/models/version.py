"""Data versions: one row per topic, changed in the same transaction as every write of the topic's tables."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class DataVersion(db.Model):
    """``token`` is new (random) at every change, so a version never comes back, even after a restore."""

    __tablename__ = "data_version"
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(32))
