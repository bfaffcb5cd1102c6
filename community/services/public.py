"""What residents see: active listings, their next sessions and detail pages."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Initiative, InitiativeAtPlace, MeetingPlace
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


def all_listings(now: datetime | None = None) -> list[Listing]:
    listings = []
    for initiative in db.session.scalars(_visible().order_by(Initiative.name)).all():
        for location in initiative.locations:
            if location.place.archived_at is None:
                listings.append(Listing(initiative, location.place, location,
                                        next_start_of(location, now)))
    return listings


def map_data(listings: list[Listing], *, areas: dict | None = None, center: dict | None = None) -> dict:
    """Plain data for the map script; all text is set as text by the script, never as HTML."""
    from flask_babel import format_datetime, gettext
    from .. import taxonomy
    from ..maps import MODEL_STYLE
    from ..templating import current_locale
    locale = current_locale()
    return {
        "styles": MODEL_STYLE,
        "legend": [{"code": c, "colour": col, "letter": letter,
                    "label": taxonomy.WORKING_MODELS.label(c, locale)} for c, (col, letter) in MODEL_STYLE.items()],
        "labels": {"free": taxonomy.COSTS.label("free", locale),
                   "childcare": taxonomy.CHILDCARE.label("children_welcome", locale),
                   "legend": gettext("Working model"), "map": gettext("Map of the offers"),
                   "center": gettext("Your location")},
        "areas": areas or {"type": "FeatureCollection", "features": []},
        "center": center,
        "markers": [{
        "lat": round(item.place.latitude, 6), "lon": round(item.place.longitude, 6),
        "name": item.initiative.name, "place": item.place.name,
        "models": item.initiative.working_models,
        "free": item.initiative.cost == "free",
        "childcare": item.initiative.childcare in ("children_welcome", "childcare_provided"),
        "next_text": (gettext("Next: %(when)s", when=format_datetime(item.next_start, "EEE d MMM, HH:mm"))
                      if item.next_start else None),
        "url": url_for("public.initiative", initiative_id=item.initiative.id),
    } for item in listings]}


def initiative_detail(initiative_id: uuid.UUID) -> Initiative | None:
    return db.session.scalars(_visible().where(Initiative.id == initiative_id)).first()


def place_detail(place_id: uuid.UUID) -> MeetingPlace | None:
    place = db.session.get(MeetingPlace, place_id)
    return None if place is None or place.archived_at is not None else place


def initiatives_at(place: MeetingPlace) -> list[Initiative]:
    query = _visible().join(InitiativeAtPlace).where(InitiativeAtPlace.place_id == place.id)
    return list(db.session.scalars(query.order_by(Initiative.name)).unique())


def areas_geojson(level: str = "district") -> dict:
    """Boundaries for the map, simplified for transfer (about 10 m tolerance)."""
    import json
    from shapely.geometry import mapping, shape
    from ..models import Area
    rows = db.session.execute(select(Area.code, Area.name, Area.geometry).where(Area.level == level)
                              .order_by(Area.code)).all()
    features = []
    for code, name, geometry in rows:
        shp = shape(json.loads(geometry)).simplify(0.0001, preserve_topology=True)
        rounded = json.loads(json.dumps(mapping(shp)), parse_float=lambda x: round(float(x), 5))
        features.append({"type": "Feature", "properties": {"code": code, "name": name}, "geometry": rounded})
    return {"type": "FeatureCollection", "features": features}
