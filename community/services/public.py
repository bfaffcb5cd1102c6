"""What residents see: visible listings, detail pages, district pages and printable guides."""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Area, Initiative, InitiativeAtPlace, MeetingPlace, Organisation, PlaceArea
from ..scheduling import TZ, in_force, next_session, period
from ..scheduling.weekly import Clock
from .areas import district_label
from .finder_times import not_ended

VISIBLE_STATUSES = ("active", "temporarily_closed")


@dataclass
class Listing:
    """One initiative at one meeting place, as a resident sees it."""

    initiative: Initiative
    place: MeetingPlace
    location: InitiativeAtPlace
    next_start: datetime | None = None
    distance_m: float | None = None
    extra: dict = field(default_factory=dict)


def _visible():
    return (select(Initiative)
            .where(Initiative.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES))
            .options(selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules),
                     selectinload(Initiative.organisation)))


def next_start_of(location: InitiativeAtPlace, now: datetime | None = None) -> datetime | None:
    now = now or datetime.now(TZ)
    starts = [s.start for s in (next_session(sch.recurrence(), now) for sch in location.schedules) if s]
    return min(starts, default=None)


def period_of(target, today: date | None = None):
    """scheduling.period of a Listing's, a link's or an initiative's (every place's) schedules:
    None while one is in force, else when the last ended or the next begins."""
    if isinstance(target, Listing):
        target = target.location
    links = target.locations if isinstance(target, Initiative) else [target]
    rules = [schedule.recurrence() for link in links for schedule in link.schedules]
    return period(rules, today or datetime.now(TZ).date())


def _marker_values(item) -> tuple:
    """(lat, lon, place name, initiative name, first working model, free, children welcome,
    next start, initiative id) of a Listing, or of a finder Match (the same values, unloaded)."""
    if isinstance(item, Listing):
        initiative, place = item.initiative, item.place
        models = initiative.working_models
        return (place.latitude, place.longitude, place.name, initiative.name, models[0] if models else None,
                initiative.cost, initiative.childcare, item.next_start, initiative.id)
    return (item.latitude, item.longitude, item.place_name, item.name, item.working_model, item.cost,
            item.childcare, item.next_start, item.initiative_id)


def map_data(listings, *, areas: dict | None = None, location=None) -> dict:
    """A map that carries its own markers: an area page, whose list shows the same listings.

    `listings` holds Listing objects or finder matches. Finder pages ask for theirs by viewport
    instead (services/mapdata.py).
    """
    from ..maps import map_settings, marker_rows
    return {**map_settings(),
            "areas": areas or {"type": "FeatureCollection", "features": []},
            "center": ({"lat": location.latitude, "lon": location.longitude} if location else None),
            **marker_rows(_marker_values(item) for item in listings)}


def finder_context(query, result) -> dict:
    # The map's data is not here: a finder page's map asks for it by viewport (services/mapdata.py).
    # The district field shows the chosen district by name; the choice list of every district
    # (2,768 at Flanders scale, 192 KB) gave way to a field matched on the server.
    chosen = query.district if query else ""
    return {"map": _map(), "district_text": district_label(chosen) if chosen else None}


def _map():
    from ..maps import base_map
    return base_map()


def initiative_detail(initiative_id: uuid.UUID) -> Initiative | None:
    return db.session.scalars(_visible().where(Initiative.id == initiative_id)).first()


def place_detail(place_id: uuid.UUID) -> MeetingPlace | None:
    place = db.session.get(MeetingPlace, place_id)
    return None if place is None or place.archived_at is not None else place


def organisation_detail(organisation_id: uuid.UUID) -> Organisation | None:
    org = db.session.get(Organisation, organisation_id)
    return None if org is None or org.archived_at is not None else org


def initiatives_at(place: MeetingPlace) -> list[Initiative]:
    query = _visible().join(InitiativeAtPlace).where(InitiativeAtPlace.place_id == place.id)
    return list(db.session.scalars(query.order_by(Initiative.name)).unique())


def initiatives_of(org: Organisation) -> list[Initiative]:
    return list(db.session.scalars(_visible().where(Initiative.organisation_id == org.id)
                                   .order_by(Initiative.name)))


def area_detail(code: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.code == code))


def listings_in_area(area: Area, now: datetime | None = None) -> list[Listing]:
    now = now or datetime.now(TZ)
    rows = db.session.execute(
        select(Initiative, InitiativeAtPlace, MeetingPlace)
        .join(InitiativeAtPlace, InitiativeAtPlace.initiative_id == Initiative.id)
        .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id)
        .join(PlaceArea, PlaceArea.place_id == MeetingPlace.id)
        .where(PlaceArea.area_id == area.id, Initiative.archived_at.is_(None),
               MeetingPlace.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES),
               not_ended(Clock.at(now)))
        .order_by(Initiative.name)).all()
    listings = [Listing(i, p, link, next_start_of(link, now)) for i, link, p in rows]
    far = datetime.max.replace(tzinfo=TZ)
    listings.sort(key=lambda item: (item.next_start or far, item.initiative.name.lower()))
    return listings


def _area_feature(area: Area) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": area.code, "name": area.name},
         "geometry": json.loads(area.geometry)}]}


def area_context(area: Area) -> dict:
    listings = listings_in_area(area)
    children = db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.name)).all()
    context = {"area": area, "listings": listings, "children": children, "map": _map(),
               "map_data": map_data(listings, areas=_area_feature(area))}
    from datetime import timedelta
    from .activities import public_activities
    start = datetime.now(TZ)
    context["activities"] = public_activities(start, start + timedelta(days=31), area_code=area.code)
    return context


def by_weekday(listings: list[Listing], today: date | None = None) -> dict[int, list[tuple]]:
    """For a printed guide: weekday -> [(start time, listing, schedule)], by start time; only the
    schedules in force `today` (local date, today if not given): nothing ended or not begun."""
    today = today or datetime.now(TZ).date()
    days: dict[int, list[tuple]] = defaultdict(list)
    for item in listings:
        for schedule in item.location.schedules:
            rule = schedule.recurrence()
            if not in_force(rule, today):
                continue
            weekdays = (rule.on_date.weekday(),) if rule.frequency == "once" and rule.on_date else rule.weekdays
            for day in weekdays:
                days[day].append((rule.start_time, item, schedule))
    return {day: sorted(entries, key=lambda e: (e[0], e[1].initiative.name.lower()))
            for day, entries in sorted(days.items())}


def guide_context(area: Area) -> dict:
    listings = listings_in_area(area)
    return {"area": area, "days": by_weekday(listings), "count": len(listings),
            "printed_on": datetime.now(TZ)}
