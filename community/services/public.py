"""What residents see: visible listings, detail pages, district pages and printable guides."""
from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Area, Initiative, InitiativeAtPlace, MeetingPlace, Organisation, PlaceArea
from ..scheduling import TZ, in_force, matches_slot, next_session, period
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


# The pages whose results link to a detail page: "back to the results" may lead only there.
RESULT_PAGES = re.compile(r"/|/initiatives|/areas/[A-Za-z0-9_.-]{1,60}")


def back_to_results(target: str | None) -> str | None:
    """A `back` parameter as a link to one of our result pages with its query, or None.

    Only a path of RESULT_PAGES on this site (never another host, scheme or "//"); the query is
    read and written again, so nothing but name=value pairs survives.
    """
    if not target or len(target) > 1000 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.fragment or not RESULT_PAGES.fullmatch(parts.path):
        return None
    query = urlencode(parse_qsl(parts.query, keep_blank_values=False))
    return parts.path + ("?" + query if query else "")


def route_uri(place: MeetingPlace) -> str:
    """A geo: URI (RFC 5870) of the place, with its name and address as the label that map apps
    show: the resident's own map app plans the route, our page asks no one else."""
    point = f"{place.latitude:.6f},{place.longitude:.6f}"
    label = re.sub(r"[()]", " ", ", ".join(p for p in (place.name, place.address) if p)).strip()
    return f"geo:{point}?q={point}({quote(label, safe='')})"


# A phone number as people write it (+32 9 000 12 34, 0032 9..., 09/000.12.34, 0470 12 34 56) and
# an e-mail address, in free contact text.
_PHONE = r"(?<![\w+])(?:\+|00)?\d(?:[ ./-]?\d){7,13}(?![\w])"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_CONTACT = re.compile(f"(?P<email>{_EMAIL})|(?P<phone>{_PHONE})")


def tel_uri(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+"):
        return "tel:+" + digits
    return "tel:+" + digits[2:] if digits.startswith("00") else "tel:" + digits


def contact_parts(text: str) -> list[tuple[str, str | None]]:
    """Free contact text as (text, link) pieces: phone numbers get a tel: link, e-mail
    addresses a mailto: link, the rest none; the template writes each piece escaped."""
    parts, at = [], 0
    for match in _CONTACT.finditer(text or ""):
        if match.group("phone") and (not match.group().startswith(("+", "0"))
                                     or len(re.sub(r"\D", "", match.group())) < 9):
            continue  # a date (01/02/2026) or another number, not a phone number (9 digits or more)
        if match.start() > at:
            parts.append((text[at:match.start()], None))
        value = match.group()
        parts.append((value, "mailto:" + value if match.group("email") else tel_uri(value)))
        at = match.end()
    if at < len(text or ""):
        parts.append((text[at:], None))
    return parts


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


def by_weekday(listings: list[Listing], today: date | None = None, day: int | None = None,
               part: str | None = None) -> dict[int, list[tuple]]:
    """For a printed guide: weekday -> [(start time, listing, schedule)], by start time; only the
    schedules in force `today` (local date, today if not given): nothing ended or not begun.
    With the finder's `day` and `part`, only the sessions that start on that weekday and
    overlap that part of the day (a guide for "Wednesday afternoon" lists no Monday)."""
    today = today or datetime.now(TZ).date()
    days: dict[int, list[tuple]] = defaultdict(list)
    for item in listings:
        for schedule in item.location.schedules:
            rule = schedule.recurrence()
            if not in_force(rule, today):
                continue
            weekdays = (rule.on_date.weekday(),) if rule.frequency == "once" and rule.on_date else rule.weekdays
            for weekday in weekdays:
                if day is not None and weekday != day:
                    continue
                that_day = rule if rule.frequency == "once" else replace(rule, weekdays=(weekday,))
                if part and not matches_slot(that_day, weekday, part):
                    continue
                days[weekday].append((rule.start_time, item, schedule))
    return {day: sorted(entries, key=lambda e: (e[0], e[1].initiative.name.lower()))
            for day, entries in sorted(days.items())}


def qr_svg(url: str) -> str:
    """A QR code of `url` as inline SVG, made here (segno): no request to a code service. The
    SVG holds only segno's path of the modules, never the URL's text."""
    import segno
    return segno.make(url, error="m").svg_inline(scale=1, border=2, svgclass="qr", lineclass=None, omitsize=True)


def guide_context(area: Area) -> dict:
    listings = listings_in_area(area)
    return {"area": area, "days": by_weekday(listings), "count": len(listings),
            "printed_on": datetime.now(TZ)}
