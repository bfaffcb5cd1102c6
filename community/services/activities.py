"""The activity log: planning, room clashes, marking done with counts, the shared calendar,
'what's on' for residents, personal figures and the CSV export. Counts only, never names."""
from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import format_datetime, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from .. import taxonomy
from ..fields import ACTIVITY
from ..errors import Conflict, Invalid, NotFound, Problem
from ..extensions import db
from ..models import (Activity, ActivityPartner, Area, Initiative, MeetingPlace, Organisation, PlaceArea, Room)
from ..models.types import utcnow
from ..scheduling import TZ
from . import audit
from .periods import activity_days, local_range
from .permissions import Scope, activities_visible_to, activity_scope, can, may, require

# Looks like an e-mail address, or a phone number (9+ digits, spaces, dots, slashes allowed).
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_PATTERN = re.compile(r"(?:\+|00)?\d(?:[\s./-]?\d){8,}")


class RoomClash(Conflict):
    """The room is already booked at that time (409); the planner may move the activity or confirm."""

    def __init__(self, clashes: list[Activity]):
        super().__init__(_("The room is already booked at this time"), field="room")
        self.clashes = clashes


class PersonalDetails(Problem):
    """The reflection looks like it holds an e-mail address or phone number (422).

    Not an `Invalid`: the view asks the worker to confirm instead of showing a form error.
    """

    code = 422

    def __init__(self, kinds: list[str]):
        super().__init__(_("This text looks like it contains an e-mail address or a phone number. "
                           "Remove residents' personal details, or tick the box below if there are none."),
                         field="reflection")
        self.kinds = kinds


@dataclass
class ActivityPlan:
    """What a worker fills in when planning; times are Europe/Brussels wall-clock times."""

    title: str
    day: date
    start: time
    end: time
    initiative_id: uuid.UUID | None = None
    place_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    latitude: float | None = None
    longitude: float | None = None
    working_models: list[str] = field(default_factory=list)
    target_groups: list[str] = field(default_factory=list)
    partner_ids: list[uuid.UUID] = field(default_factory=list)
    visibility: str = "internal"


@dataclass
class ActivityCounts:
    participants: int
    new_participants: int
    volunteers: int
    target_groups_reached: list[str] = field(default_factory=list)
    reflection: str = ""


def get_activity(user, activity_id: uuid.UUID, action: str = "activity.view") -> Activity:
    """Another district's activity is a 403 and an unknown id a 404: never its data."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    require(user, action, activity_scope(activity))
    return activity


# ------------------------------------------------------------------ planning

def _district_of(place: MeetingPlace | None, latitude, longitude):
    if place is not None:
        return next((pa.area_id for pa in place.areas if pa.level == "district"), None)
    from .editing import areas_at
    return areas_at(latitude, longitude, ("district",)).get("district")


def _fill(user, activity: Activity, plan: ActivityPlan) -> None:
    errors = {}
    title = (plan.title or "").strip()
    if not title:
        errors["title"] = _("Enter a title, for example 'Soup and chat'.")
    elif personal_details_in(title):
        errors["title"] = _("Others see the title: leave out e-mail addresses and phone numbers.")
    room = db.session.get(Room, plan.room_id) if plan.room_id else None
    # The place's area ids and levels only: not the areas' boundaries.
    place = db.session.get(MeetingPlace, plan.place_id, options=[
        selectinload(MeetingPlace.areas).lazyload(PlaceArea.area)]) if plan.place_id else None
    if plan.place_id and (place is None or place.archived_at is not None):
        errors["place"] = _("Choose a meeting place from the list.")
        place = None
    if plan.room_id and room is None:
        errors["room"] = _("Choose a room from the list, or no particular room.")
    if room is not None and place is None:
        place = room.place
    if room is not None and room.place_id != place.id:
        errors["room"] = _("The room %(room)s is not in %(place)s.", room=room.name, place=place.name)
    has_point = plan.latitude is not None and plan.longitude is not None
    if place is None and not has_point:
        errors["place"] = _("Choose a meeting place, or click the spot on the map (or enter latitude and longitude).")
    if has_point and not (-90 <= plan.latitude <= 90 and -180 <= plan.longitude <= 180):
        errors["latitude"] = _("Latitude must be between -90 and 90 and longitude between -180 and 180.")
    first, last = activity_days()
    if not first <= plan.day <= last:
        errors["day"] = _("Give a date between %(first)s and %(last)s.", first=first.isoformat(),
                          last=last.isoformat())
        raise Invalid(errors)
    starts, ends = local_range(plan.day, plan.start, plan.end)
    if ends <= starts:
        errors["end"] = _("The end time must be after the start time.")
    if plan.visibility not in ("public", "internal"):
        errors["visibility"] = _("Choose public or internal.")
    initiative = db.session.get(Initiative, plan.initiative_id, options=[lazyload(Initiative.terms)]) \
        if plan.initiative_id else None
    if plan.initiative_id and (initiative is None or initiative.archived_at is not None):
        errors["initiative"] = _("Choose an initiative from the list, or none.")
    elif initiative is not None and not may(user, "activity.plan", "initiative", initiative.id):
        errors["initiative"] = _("This initiative is not held in your districts: choose one of yours, or none.")
    wanted = set(plan.partner_ids)
    if wanted and len(set(db.session.scalars(select(Organisation.id).where(
            Organisation.id.in_(wanted), Organisation.archived_at.is_(None))))) < len(wanted):
        errors["partners"] = _("Choose partner organisations from the list.")
    if errors:
        raise Invalid(errors)
    area_id = _district_of(place, plan.latitude, plan.longitude)
    if not can(user, "activity.plan", Scope(area_ids=frozenset({area_id}) if area_id else frozenset())):
        raise Invalid({"place" if place else "latitude": _("This place lies outside your districts.")})
    activity.title = title
    activity.initiative_id = initiative.id if initiative else None
    activity.place_id = place.id if place else None
    activity.room_id = room.id if room else None
    activity.latitude = None if place else plan.latitude
    activity.longitude = None if place else plan.longitude
    activity.area_id = area_id
    activity.starts_at, activity.ends_at = starts, ends
    activity.visibility = plan.visibility
    activity.set_codes("working_model", [c for c in plan.working_models if c in taxonomy.WORKING_MODELS.codes])
    activity.set_codes("target_group", [c for c in plan.target_groups if c in taxonomy.TARGET_GROUPS.codes])
    activity.partners = [p for p in activity.partners if p.organisation_id in wanted] + [
        ActivityPartner(organisation_id=i) for i in sorted(wanted - {p.organisation_id for p in activity.partners}, key=str)]


def room_clashes(room_id, starts_at: datetime, ends_at: datetime, ignore_id=None, *,
                 lock: bool = False) -> list[Activity]:
    """Activities in the same room overlapping [starts_at, ends_at); cancelled ones do not count.

    With lock=True (before booking) the room's row is locked first (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database), so the check and the
    insert that follows are one step: simultaneous bookings of a room queue, and each one sees
    those committed before it. Confirmed clashes (allow_clash) stay possible, which is why this
    is a lock and not an exclusion constraint.
    """
    if room_id is None:
        return []
    if lock:
        db.session.execute(select(Room.id).where(Room.id == room_id).with_for_update())
    query = select(Activity).where(Activity.room_id == room_id, Activity.status != "cancelled",
                                   Activity.starts_at < ends_at, Activity.ends_at > starts_at)
    if ignore_id is not None:
        query = query.where(Activity.id != ignore_id)
    return list(db.session.scalars(query.order_by(Activity.starts_at)))


def _snapshot(activity: Activity) -> dict:
    """The audited fields of an activity (community/fields.py ACTIVITY) as JSON-friendly values."""
    values = {}
    for f in ACTIVITY.fields:
        if f.name in ("target_groups_reached", "reflection"):
            continue  # the reflection never goes into the log; groups reached come with the counts
        value = activity.codes(f.scheme) if f.kind == "codes" else getattr(activity, f.name)
        if f.kind == "datetime" and value is not None:
            value = value.isoformat()
        elif f.kind == "ref" and value is not None:
            value = str(value)
        values[f.name] = value
    return values


def plan_activity(user, plan: ActivityPlan, *, allow_clash: bool = False) -> Activity:
    require(user, "activity.plan")
    activity = Activity(worker_id=user.id, status="planned", terms=[], partners=[], reflection="")
    _fill(user, activity, plan)
    clashes = room_clashes(activity.room_id, activity.starts_at, activity.ends_at, lock=True)
    if clashes and not allow_clash:
        raise RoomClash(clashes)
    db.session.add(activity)
    db.session.flush()
    audit.record(user, "activity", activity.id, "create", audit.changed_fields({}, _snapshot(activity)))
    return activity


def update_activity(user, activity: Activity, plan: ActivityPlan, *, allow_clash: bool = False) -> Activity:
    require(user, "activity.edit", activity_scope(activity))
    before = _snapshot(activity)
    with db.session.no_autoflush:
        _fill(user, activity, plan)
        clashes = room_clashes(activity.room_id, activity.starts_at, activity.ends_at, ignore_id=activity.id,
                               lock=True)
    if clashes and not allow_clash:
        raise RoomClash(clashes)
    changes = audit.changed_fields(before, _snapshot(activity))
    if changes:
        audit.record(user, "activity", activity.id, "update", changes)
    return activity


def personal_details_in(text: str) -> list[str]:
    kinds = []
    if EMAIL_PATTERN.search(text or ""):
        kinds.append("email")
    if PHONE_PATTERN.search(text or ""):
        kinds.append("phone")
    return kinds


def mark_done(user, activity: Activity, counts: ActivityCounts, *, confirmed_no_personal_details: bool = False) -> Activity:
    require(user, "activity.edit", activity_scope(activity))
    errors = {}
    for name in ("participants", "new_participants", "volunteers"):
        value = getattr(counts, name)
        if value is None or value < 0:
            errors[name] = _("Enter a number, 0 or more.")
    if not errors and counts.new_participants > counts.participants:
        errors["new_participants"] = _("The number of new participants cannot be more than the number of participants.")
    if activity.status == "cancelled":
        errors["participants"] = _("This activity was cancelled; plan it again to log it.")
    elif not activity.has_begun():
        # Counts of an activity that has not begun would enter the municipality's figures as held.
        errors["participants"] = _("This activity starts on %(when)s: it can be logged as held once it has begun.",
                                   when=format_datetime(activity.starts_at.astimezone(TZ), "EEEE d MMMM HH:mm"))
    if errors:
        raise Invalid(errors)
    kinds = personal_details_in(counts.reflection)
    if kinds and not confirmed_no_personal_details:
        raise PersonalDetails(kinds)
    before = _snapshot(activity)
    activity.status = "done"
    activity.participants, activity.new_participants, activity.volunteers = (
        counts.participants, counts.new_participants, counts.volunteers)
    activity.set_codes("target_group_reached",
                       [c for c in counts.target_groups_reached if c in taxonomy.TARGET_GROUPS.codes])
    activity.reflection = (counts.reflection or "").strip()
    changes = audit.changed_fields(before, _snapshot(activity))
    if changes or before["status"] != "done":  # the same counts logged again are not a new entry
        audit.record(user, "activity", activity.id, "done", changes)
    return activity


def cancel(user, activity: Activity) -> None:
    require(user, "activity.edit", activity_scope(activity))
    if activity.status == "cancelled":
        return
    old, activity.status = activity.status, "cancelled"
    audit.record(user, "activity", activity.id, "cancel", {"status": {"old": old, "new": "cancelled"}})


# ------------------------------------------------------------------ calendar

@dataclass
class CalendarEntry:
    activity: Activity
    clashes: list[Activity]

    @property
    def local_day(self) -> date:
        return self.activity.starts_at.astimezone(TZ).date()


def calendar(user, start: datetime, end: datetime, area_id=None) -> list[CalendarEntry]:
    """Planned and done activities in [start, end) in the user's districts, each with its room clashes."""
    require(user, "activity.view")
    query = select(Activity).where(activities_visible_to(user), Activity.status != "cancelled",
                                   Activity.starts_at < end, Activity.ends_at > start)
    if area_id is not None:
        require(user, "activity.view", area_id)
        query = query.where(Activity.area_id == area_id)
    activities = list(db.session.scalars(query.order_by(Activity.starts_at)))
    by_room = defaultdict(list)
    for activity in activities:
        if activity.room_id:
            by_room[activity.room_id].append(activity)
    entries = []
    for activity in activities:
        clashes = [other for other in by_room.get(activity.room_id, []) if other is not activity
                   and other.starts_at < activity.ends_at and other.ends_at > activity.starts_at]
        entries.append(CalendarEntry(activity, clashes))
    return entries


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_range(monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time(0), tzinfo=TZ).astimezone(timezone.utc)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=TZ).astimezone(timezone.utc)
    return start, end


# ------------------------------------------------------------------ residents: what's on

@dataclass
class PublicActivity:
    id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    place_name: str
    latitude: float | None
    longitude: float | None
    area_code: str | None


def public_activities(start: datetime, end: datetime, area_code: str | None = None,
                      limit: int | None = None) -> list[PublicActivity]:
    """Public, planned activities overlapping [start, end), for the residents' 'what's on'.

    Only what a poster on the door would say: title, time and place; no counts, no worker.
    """
    query = (select(Activity).where(Activity.visibility == "public", Activity.status == "planned",
                                    Activity.starts_at < end, Activity.ends_at > start)
             .order_by(Activity.starts_at)
             .options(selectinload(Activity.place), selectinload(Activity.area)))
    if limit is not None:
        query = query.limit(limit)
    if area_code:
        query = query.join(Area, Area.id == Activity.area_id).where(Area.code == area_code)
    found = []
    for activity in db.session.scalars(query):
        place = activity.place
        found.append(PublicActivity(
            id=activity.id, title=activity.title, starts_at=activity.starts_at, ends_at=activity.ends_at,
            place_name=place.name if place else "",
            latitude=place.latitude if place else activity.latitude,
            longitude=place.longitude if place else activity.longitude,
            area_code=activity.area.code if activity.area else None))
    return found


# ------------------------------------------------------------------ figures and export

@dataclass
class MonthFigures:
    month: date
    activities: int = 0
    participants: int = 0
    new_participants: int = 0
    volunteers: int = 0


def my_figures(user, months: int = 12) -> list[MonthFigures]:
    """The worker's own done activities per month (their own figures, so shown exactly)."""
    require(user, "activity.view")
    now = datetime.now(TZ)
    first = date(now.year, now.month, 1)
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    since = datetime.combine(first, time(0), tzinfo=TZ).astimezone(timezone.utc)
    rows = {}
    month = first
    while month <= now.date():
        rows[month] = MonthFigures(month)
        month = (month + timedelta(days=32)).replace(day=1)
    query = select(Activity).where(Activity.worker_id == user.id, Activity.status == "done",
                                   Activity.starts_at >= since)
    for activity in db.session.scalars(query):
        local = activity.starts_at.astimezone(TZ)
        row = rows.get(date(local.year, local.month, 1))
        if row is None:
            continue
        row.activities += 1
        row.participants += activity.participants or 0
        row.new_participants += activity.new_participants or 0
        row.volunteers += activity.volunteers or 0
    return list(rows.values())


def organisations_for_choice() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.archived_at.is_(None))
                                   .order_by(Organisation.name)))


def plan_from(activity: Activity) -> ActivityPlan:
    local_start, local_end = activity.starts_at.astimezone(TZ), activity.ends_at.astimezone(TZ)
    return ActivityPlan(title=activity.title, day=local_start.date(), start=local_start.time(),
                        end=local_end.time(), initiative_id=activity.initiative_id,
                        place_id=activity.place_id, room_id=activity.room_id, latitude=activity.latitude,
                        longitude=activity.longitude, working_models=activity.codes("working_model"),
                        target_groups=activity.codes("target_group"),
                        partner_ids=[p.organisation_id for p in activity.partners], visibility=activity.visibility)


def recent_done(user, limit: int = 8) -> list[Activity]:
    query = (select(Activity).where(activities_visible_to(user), Activity.status == "done",
                                    Activity.starts_at <= utcnow())
             .order_by(Activity.starts_at.desc()).limit(limit))
    return list(db.session.scalars(query))


def upcoming(user, days: int = 14) -> list[Activity]:
    now = utcnow()
    query = (select(Activity).where(activities_visible_to(user), Activity.status == "planned",
                                    Activity.ends_at >= now, Activity.starts_at < now + timedelta(days=days))
             .order_by(Activity.starts_at))
    return list(db.session.scalars(query))


def to_log(user) -> list[Activity]:
    """The user's own planned activities that have ended: waiting to be marked done."""
    query = (select(Activity).where(Activity.worker_id == user.id, Activity.status == "planned",
                                    Activity.ends_at < utcnow()).order_by(Activity.starts_at.desc()).limit(20))
    return list(db.session.scalars(query))


