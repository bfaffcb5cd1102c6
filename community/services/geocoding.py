"""'Near' without an outside geocoder: coordinates, our address points, meeting places, districts."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from shapely.geometry import shape
from sqlalchemy import func, select

from geo.crs import in_belgium
from ..errors import BadRequest
from ..extensions import db
from ..importers.common import key
from ..models import AddressPoint, Area, MeetingPlace

COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
STREET_NUMBER = re.compile(r"^(?P<street>.*?\D)[\s,]+(?P<number>\d+[a-zA-Z]?)(?:\s*(?:bus|b)\s*\w+)?"
                           r"(?:[\s,]+(?P<postcode>\d{4}))?(?:\s+\D.*)?$")


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: str
    kind: str  # coordinates | address | street | place | area


def _bad(message: str) -> BadRequest:
    return BadRequest(message, field="near")


def _coordinates(text: str) -> Location | None:
    match = COORDINATES.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _bad(_("%(text)s are not valid coordinates (latitude between -90 and 90, longitude between -180 and 180).", text=text))
    if not bool(in_belgium([lon], [lat])[0]):
        if bool(in_belgium([lat], [lon])[0]):
            raise _bad(_("%(text)s lies outside Belgium; latitude and longitude look swapped (latitude comes first).", text=text))
        raise _bad(_("%(text)s lies outside Belgium.", text=text))
    return Location(round(lat, 5), round(lon, 5), _("the point you chose"), "coordinates")


def _address(text: str) -> Location | None:
    match = STREET_NUMBER.match(text.strip())
    street_text, number, postcode = (match.group("street"), match.group("number"), match.group("postcode")) if match \
        else (text, None, None)
    street_key = key(street_text.strip(" ,"))
    if len(street_key) < 3:
        return None
    stmt = select(AddressPoint).where(AddressPoint.street_key == street_key)
    if postcode:
        stmt = stmt.where(AddressPoint.postcode == postcode)
    points = db.session.scalars(stmt).all()
    if not points:
        # A beginning of a street name ("sint-baafs") still finds a single street.
        candidates = db.session.execute(
            select(AddressPoint.street_key).where(AddressPoint.street_key.like(street_key + "%"))
            .distinct().limit(2)).scalars().all()
        if len(candidates) != 1:
            return None
        points = db.session.scalars(select(AddressPoint).where(AddressPoint.street_key == candidates[0])).all()
    if number:
        exact = [p for p in points if p.number.lower() == number.lower()]
        if exact:
            p = exact[0]
            return Location(p.latitude, p.longitude, f"{p.street} {p.number}, {p.postcode} {p.municipality}".strip(", "), "address")
    # The street without (a known) number: its middle address point.
    points = sorted(points, key=lambda p: (p.latitude, p.longitude))
    middle = points[len(points) // 2]
    return Location(middle.latitude, middle.longitude, f"{middle.street}, {middle.postcode} {middle.municipality}".strip(", "), "street")


def _place(text: str) -> Location | None:
    wanted = key(text)
    places = db.session.scalars(select(MeetingPlace).where(MeetingPlace.archived_at.is_(None),
                                                           func.lower(MeetingPlace.name).like(f"%{text.lower()}%"))
                                .limit(5)).all()
    exact = [p for p in places if key(p.name) == wanted]
    chosen = (exact or places or [None])[0]
    return Location(chosen.latitude, chosen.longitude, chosen.name, "place") if chosen else None


def _area(text: str) -> Location | None:
    wanted = key(text)
    for area in db.session.scalars(select(Area).where(Area.level.in_(("district", "municipality")))):
        if key(area.name) == wanted or wanted in key(area.name).split(" - ") or area.code.lower() == text.lower():
            point = shape(json.loads(area.geometry)).representative_point()
            return Location(point.y, point.x, area.name, "area")
    return None


def resolve_near(text: str) -> Location:
    text = text.strip()
    if not text:
        raise _bad(_("Type a street, a place or a neighbourhood."))
    for finder in (_coordinates, _address, _place, _area):
        found = finder(text)
        if found is not None:
            return found
    raise _bad(_("We could not find '%(text)s'. Try a street name (for example Sint-Baafsplein 1), "
                 "a meeting place or a neighbourhood.", text=text))
