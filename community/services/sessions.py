"""Logging in: throttled attempts, one server-side session per login, known devices.

Throttling (ASVS 5 L2, and no lockout attack):
- every attempt is counted *before* the password is checked, by one atomic upsert in the
  database all workers share (no per-process counts, no check-then-count race);
- three keys: the account from this address (5 per 15 minutes), the address (30 per 15
  minutes) and the account from anywhere (20 per hour); a successful login takes its own
  attempt back and clears the account-from-this-address key;
- a device that logged in to this account before carries a signed cookie; for it the
  account-wide key does not apply, so strangers failing on purpose cannot lock its owner out.

Sessions: the signed session cookie holds a random token; the database keeps its hash with the
login time and last use. A session ends at logout, after BUURTKRACHT_SESSION_IDLE_MINUTES
without use or BUURTKRACHT_SESSION_MAX_HOURS after the login, and with 'log out everywhere'
(also on a password change or when an account is disabled). Every login is a new token.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from ..config import setting
from ..errors import TooManyRequests
from ..extensions import db, is_read_only, writing
from ..models import LoginThrottle, User, UserSession
from ..models.user import UserArea
from ..models.types import utcnow

DEFAULT_LIMITS = {"BUURTKRACHT_LOGIN_LIMIT_PAIR": "5 per 15 minutes",
                  "BUURTKRACHT_LOGIN_LIMIT_ADDRESS": "30 per 15 minutes",
                  "BUURTKRACHT_LOGIN_LIMIT_ACCOUNT": "20 per hour"}
DEVICE_COOKIE = "bk_device"
DEVICE_DAYS = 180
TOUCH_EVERY = timedelta(minutes=1)


class Throttled(TooManyRequests):
    """Too many log-in attempts for this account or from this address (429)."""


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


# ------------------------------------------------------------------ throttling

def _keys(email: str, address: str, known_device: bool) -> list[tuple[str, str]]:
    keys = [(_hash("pair", email, address), "BUURTKRACHT_LOGIN_LIMIT_PAIR"),
            (_hash("address", address), "BUURTKRACHT_LOGIN_LIMIT_ADDRESS")]
    if not known_device:
        keys.append((_hash("account", email), "BUURTKRACHT_LOGIN_LIMIT_ACCOUNT"))
    return keys


def _count(key: str, limit_name: str) -> bool:
    """Count one attempt under `key`; True while within the limit. One statement: atomic."""
    limit = parse(setting(limit_name, DEFAULT_LIMITS[limit_name]))
    now = utcnow()
    window_over = LoginThrottle.window_started_at < now - timedelta(seconds=limit.get_expiry())
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(key=key, window_started_at=now, attempts=1)
    statement = statement.on_conflict_do_update(index_elements=["key"], set_={
        "attempts": case((window_over, 1), else_=LoginThrottle.attempts + 1),
        "window_started_at": case((window_over, now), else_=LoginThrottle.window_started_at),
    }).returning(LoginThrottle.attempts)
    return db.session.execute(statement).scalar_one() <= limit.amount


def count_attempt(email: str, address: str, known_device: bool) -> None:
    """Count this attempt on every key; raise Throttled when any is over its limit.

    The caller commits whatever happens next (the counts must outlive a failed login)."""
    over = [key for key, limit_name in _keys(email, address, known_device) if not _count(key, limit_name)]
    if over:
        raise Throttled()


def succeeded(email: str, address: str, known_device: bool) -> None:
    """A right password: this attempt does not count, and this device's failures are forgotten."""
    keys = _keys(email, address, known_device)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key.in_([k for k, _n in keys[1:]]),
                                                   LoginThrottle.attempts > 0)
                       .values(attempts=LoginThrottle.attempts - 1))


# ------------------------------------------------------------------ known devices

def _devices() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="buurtkracht-known-device")


def device_cookie_for(email: str) -> str:
    return _devices().dumps(_hash("device", email)[:32])


def is_known_device(cookie: str | None, email: str) -> bool:
    if not cookie:
        return False
    try:
        value = _devices().loads(cookie, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    return secrets.compare_digest(str(value), _hash("device", email)[:32])


# ------------------------------------------------------------------ sessions

def _limits() -> tuple[timedelta, timedelta]:
    return (timedelta(minutes=int(setting("BUURTKRACHT_SESSION_IDLE_MINUTES", 120))),
            timedelta(hours=int(setting("BUURTKRACHT_SESSION_MAX_HOURS", 12))))


def _browser(user_agent) -> str:
    """'Firefox on Android': enough to recognise a device in the list, nothing more."""
    if user_agent is None:
        return ""
    text = getattr(user_agent, "string", str(user_agent))
    names = [("Edg", "Edge"), ("Firefox", "Firefox"), ("Chrome", "Chrome"), ("Safari", "Safari")]
    systems = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS", "macOS"), ("Linux", "Linux")]
    name = next((label for needle, label in names if needle in text), "")
    system = next((label for needle, label in systems if needle in text), "")
    return " · ".join(part for part in (name, system) if part)[:80]


def start(user: User, user_agent=None) -> str:
    """A new session for a login: returns the token for the cookie (set on the user too)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(token_hash=_hash("session", token), user_id=user.id, created_at=now,
                               last_seen_at=now, browser=_browser(user_agent)))
    user._session_token = token
    return token


def user_for(token: str) -> User | None:
    """The user of a live session, or None (unknown, ended, idle too long, too old, disabled)."""
    if not token or len(token) > 100:
        return None
    row = db.session.get(UserSession, _hash("session", token))
    if row is None:
        return None
    idle, longest = _limits()
    now = utcnow()
    if row.last_seen_at < now - idle or row.created_at < now - longest:
        return None
    # Every request loads its user: the ids of their areas, not the areas' boundaries (a few
    # hundred KB of GeoJSON with the municipality each district joins to).
    user = db.session.get(User, row.user_id, options=[selectinload(User.areas).lazyload(UserArea.area)])
    if user is None or not user.is_enabled:
        return None
    if row.last_seen_at < now - TOUCH_EVERY:
        if is_read_only():
            _touch(row.token_hash, now)
        else:  # a write request holds the write lock already (SQLite): record it with the request
            row.last_seen_at = now
    user._session_token = token
    return user


def _touch(token_hash: str, now) -> None:
    """Record use in a short transaction of its own, so a page that only reads stays read-only.
    (Only for read-only requests: on SQLite a writing request's own transaction holds the
    write lock, and a second connection would wait for it.)"""
    with writing(), db.engine.begin() as connection:
        connection.execute(update(UserSession).where(UserSession.token_hash == token_hash)
                           .values(last_seen_at=now))


def end(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _hash("session", token or "")))


def end_all(user: User) -> None:
    """Log out everywhere: every session of this user ends."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def active(user: User) -> list[UserSession]:
    idle, longest = _limits()
    now = utcnow()
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.last_seen_at >= now - idle,
        UserSession.created_at >= now - longest).order_by(UserSession.last_seen_at.desc())))


def is_current(row: UserSession, user: User) -> bool:
    return row.token_hash == _hash("session", getattr(user, "_session_token", "") or "")


def prune() -> int:
    """Delete ended sessions and old throttle windows (cheap; run at login)."""
    idle, longest = _limits()
    now = utcnow()
    gone = db.session.execute(delete(UserSession).where(
        (UserSession.last_seen_at < now - idle) | (UserSession.created_at < now - longest))).rowcount
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at < now - timedelta(days=1)))
    return gone or 0


def count_for(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))
