"""What residents see: visible listings, detail pages, district pages and printable guides."""
from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import format_datetime, gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import taxonomy
from ..extensions import db
from ..i18n import current_locale
from ..models import Area, Initiative, InitiativeAtPlace, MeetingPlace, Organisation, PlaceArea
from ..scheduling import TZ, next_session

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
    """Plain data for the map script; the script sets all text as text, never as HTML.

    A finder page can carry thousands of markers, so what many share is sent once: "places" holds
    each meeting place as [lat, lon, name] and "texts" each "Next: ..." text; a marker names its
    place and its text by index ("next" is -1 when there is no next session). `listings` holds
    Listing objects or finder matches.
    """
    from ..maps import MODEL_STYLE
    locale = current_locale()
    places: dict[tuple, int] = {}
    texts: dict = {}
    text_index: dict = {}  # next start -> index in texts, so each time is formatted once
    rows = []
    for item in listings:
        lat, lon, place, name, model, cost, childcare, next_start, initiative_id = _marker_values(item)
        place_key = (round(lat, 5), round(lon, 5), place)
        place_index = places.setdefault(place_key, len(places))
        if next_start is None:
            text = -1
        else:
            if next_start not in text_index:
                words = gettext("Next: %(when)s", when=format_datetime(next_start, "EEE d MMM, HH:mm"))
                text_index[next_start] = texts.setdefault(words, len(texts))
            text = text_index[next_start]
        rows.append({"name": name, "place": place_index, "models": [model] if model else [],
                     "free": cost == "free", "childcare": childcare in ("children_welcome", "childcare_provided"),
                     "next": text, "id": str(initiative_id)})
    return {
        "styles": MODEL_STYLE,
        "legend": [{"code": c, "colour": col, "letter": letter,
                    "label": taxonomy.WORKING_MODELS.label(c, locale)} for c, (col, letter) in MODEL_STYLE.items()],
        "labels": {"free": taxonomy.COSTS.label("free", locale),
                   "childcare": taxonomy.CHILDCARE.label("children_welcome", locale),
                   "legend": gettext("Working model"), "map": gettext("Map of the offers"),
                   "center": gettext("Your location"), "search_here": gettext("Search around here")},
        "areas": areas or {"type": "FeatureCollection", "features": []},
        "center": ({"lat": location.latitude, "lon": location.longitude} if location else None),
        "detail_base": url_for("public.initiatives") + "/",
        "places": [list(key) for key in places],
        "texts": list(texts),
        "markers": rows}


def areas_geojson(level: str = "district") -> dict:
    """Boundaries for the map, simplified (about 10 m), in the shared cache until the areas change."""
    from sqlalchemy import func
    from ..caching import areas_key, cached
    # Cheap, and it moves when areas are added or their outlines change; the commit hook in
    # caching.py also empties the entry, for changes this does not see (a renamed area).
    version = tuple(map(str, db.session.execute(
        select(func.count(Area.id), func.max(Area.created_at),
               func.sum(Area.min_lon + Area.min_lat + Area.max_lon + Area.max_lat))
        .where(Area.level == level)).one()))
    return cached(areas_key(level), version, lambda: _areas_geojson(level))


def _areas_geojson(level: str) -> dict:
    from shapely.geometry import mapping, shape
    rows = db.session.execute(select(Area.code, Area.name, Area.geometry).where(Area.level == level)
                              .order_by(Area.code)).all()
    features = []
    for code, name, geometry in rows:
        shp = shape(json.loads(geometry)).simplify(0.0001, preserve_topology=True)
        rounded = json.loads(json.dumps(mapping(shp)), parse_float=lambda x: round(float(x), 5))
        features.append({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": rounded})
    return {"type": "FeatureCollection", "features": features}


def finder_context(query, result) -> dict:
    # The finder's matches: plain values, so the map does not load thousands of objects.
    listings = result.matches if result else []
    districts = db.session.execute(select(Area.code, Area.name).where(Area.level == "district")
                                   .order_by(Area.name)).all()
    return {"map": _map(), "districts": districts,
            "map_data": map_data(listings, areas=areas_geojson("district"),
                                 location=result.location if result else None)}


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
               MeetingPlace.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES))
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


def by_weekday(listings: list[Listing]) -> dict[int, list[tuple]]:
    """For a printed guide: weekday -> [(start time, listing, schedule)], by start time."""
    days: dict[int, list[tuple]] = defaultdict(list)
    for item in listings:
        for schedule in item.location.schedules:
            rule = schedule.recurrence()
            weekdays = (rule.on_date.weekday(),) if rule.frequency == "once" and rule.on_date else rule.weekdays
            for day in weekdays:
                days[day].append((rule.start_time, item, schedule))
    return {day: sorted(entries, key=lambda e: (e[0], e[1].initiative.name.lower()))
            for day, entries in sorted(days.items())}


def guide_context(area: Area) -> dict:
    listings = listings_in_area(area)
    return {"area": area, "days": by_weekday(listings), "count": len(listings),
            "printed_on": datetime.now(TZ)}
