"""Accounts of workers, organisation editors, coordinators and admins (residents need none)."""
from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, new_id, utcnow

ROLES = ("worker", "editor", "coordinator", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The session stores this token, not the id: rotating it (logout, password change)
    # makes every copy of an old session cookie worthless.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    reset_token_hash: Mapped[str | None] = mapped_column(String(128))
    reset_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation = relationship("Organisation")
    areas: Mapped[list["UserArea"]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                   lazy="selectin")

    def get_id(self) -> str:
        """What the session cookie holds: the token of this login's server-side session
        (services/sessions.py sets it at login and when the session is loaded)."""
        return getattr(self, "_session_token", None) or ""

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def area_ids(self) -> set[uuid.UUID]:
        return {ua.area_id for ua in self.areas}


class UserArea(db.Model):
    """An area a worker or coordinator works in (districts, or a municipality)."""

    __tablename__ = "user_area"
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                               primary_key=True)
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)

    user: Mapped[User] = relationship(back_populates="areas")
    area = relationship("Area", lazy="joined")


class UserSession(db.Model):
    """One login on one device: expires when idle or too old, ends at logout or 'log out everywhere'.

    Only a hash of the token (which the signed session cookie holds) is stored."""

    __tablename__ = "user_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    browser: Mapped[str] = mapped_column(String(80), default="")  # "Firefox on Android", for the list


class LoginThrottle(db.Model):
    """Log-in attempts per key (account, address, or both) in the current window, counted by one
    atomic upsert in the database every worker shares."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of kind + identifier
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
