"""ICS calendar feeds behind secret URLs: one per worker (their activities) or per district.

Only a hash of the secret is stored, so a database copy does not reveal working feed URLs.
Rights are checked again on every fetch: a disabled account or a lost district ends the feed.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from ..errors import NotFound

from .. import taxonomy
from ..extensions import db
from ..models import Activity, FeedToken, User
from ..models.types import utcnow
from . import audit
from .permissions import can, require, require_owner

PAST = timedelta(days=90)
FUTURE = timedelta(days=400)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user, area_id: uuid.UUID | None = None) -> str:
    """A new secret feed token (shown once). area_id None: the user's own activities."""
    require(user, "feed.create", area_id) if area_id else require(user, "feed.create")
    token = secrets.token_urlsafe(32)
    db.session.add(FeedToken(token=_hash(token), user_id=user.id, area_id=area_id))
    audit.record(user, "user", user.id, "create_feed", {"area_id": {"old": None, "new": str(area_id) if area_id else None}})
    return token


def feeds_of(user) -> list[FeedToken]:
    return list(db.session.scalars(select(FeedToken).where(FeedToken.user_id == user.id)
                                   .order_by(FeedToken.created_at)))


def revoke_feed(user, token_hash: str) -> None:
    feed = db.session.get(FeedToken, token_hash)
    if feed is None:
        raise NotFound()
    require_owner(user, feed.user_id, "feed")
    db.session.delete(feed)
    audit.record(user, "user", user.id, "revoke_feed", {})


def feed_activities(token: str) -> tuple[str, list[Activity]] | None:
    """The feed's name and activities, or None when the token is unknown or no longer allowed."""
    feed = db.session.get(FeedToken, _hash(token or ""))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.is_enabled:
        return None
    now = utcnow()
    query = select(Activity).where(Activity.starts_at >= now - PAST, Activity.starts_at < now + FUTURE)
    if feed.area_id is None:
        if not can(user, "feed.create"):
            return None
        query = query.where(Activity.worker_id == user.id)
        name = "Buurtkracht: " + user.email
    else:
        if not can(user, "activity.view", feed.area_id):
            return None
        query = query.where(Activity.area_id == feed.area_id)
        from ..models import Area
        area = db.session.get(Area, feed.area_id)
        name = "Buurtkracht: " + (area.name if area else "")
    return name, list(db.session.scalars(query.order_by(Activity.starts_at)))


def to_ics(name: str, activities: list[Activity]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Buurtkracht//activity log//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for activity in activities:
        event = Event()
        event.add("uid", f"{activity.id}@buurtkracht")
        event.add("dtstamp", activity.updated_at or utcnow())
        event.add("dtstart", activity.starts_at)
        event.add("dtend", activity.ends_at)
        event.add("summary", activity.title)
        where = []
        if activity.place:
            where.append(activity.place.name + (f", {activity.room.name}" if activity.room else ""))
            if activity.place.address:
                where.append(activity.place.address)
        if where:
            event.add("location", " - ".join(where))
        if activity.place or activity.latitude is not None:
            lat = activity.place.latitude if activity.place else activity.latitude
            lon = activity.place.longitude if activity.place else activity.longitude
            event.add("geo", (lat, lon))
        models = ", ".join(taxonomy.WORKING_MODELS.label(c, "nl") for c in activity.codes("working_model"))
        event.add("description", "\n".join(x for x in (models, activity.visibility) if x))
        event.add("status", "CANCELLED" if activity.status == "cancelled" else "CONFIRMED")
        event.add("class", "PUBLIC" if activity.visibility == "public" else "PRIVATE")
        cal.add_component(event)
    return cal.to_ical()
