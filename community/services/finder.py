"""The residents' finder: filters from the URL, the matching listings, sorted and explained."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from geo.distance import distances_m, walking_minutes
from .. import taxonomy
from ..extensions import db
from ..models import Area, Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, PlaceArea
from ..scheduling import TZ, is_in_week, is_on, matches_slot, next_session
from .geocoding import Location, resolve_near
from .public import VISIBLE_STATUSES, Listing

DEFAULT_RADIUS = 1000
MAX_RADIUS = 50_000
PAGE_SIZE = 30
MULTI_PARAMS = {"model": taxonomy.WORKING_MODELS, "group": taxonomy.TARGET_GROUPS,
                "function": taxonomy.NETWORK_FUNCTIONS, "language": taxonomy.LANGUAGES}
SCHEME = {"model": "working_model", "group": "target_group", "function": "network_function",
          "language": "language"}
FLAGS = ("childcare", "wheelchair", "noreg")


class BadQuery(ValueError):
    """Query parameters that make no sense; `problems` maps parameter -> message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


@dataclass(frozen=True)
class FinderQuery:
    text: str = ""
    model: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    function: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    cost: str = ""            # "" | free | low (free or social tariff)
    childcare: bool = False
    wheelchair: bool = False
    noreg: bool = False
    day: int | None = None
    part: str = ""
    when: str = ""            # "" | now | week
    district: str = ""
    near: str = ""
    radius: int = DEFAULT_RADIUS
    page: int = 1

    def is_empty(self) -> bool:
        return self == FinderQuery(radius=self.radius, page=self.page)

    def active_filters(self) -> list[str]:
        names = [n for n in ("text", "model", "group", "function", "language", "cost", "childcare",
                             "wheelchair", "noreg", "day", "part", "when", "district", "near")
                 if getattr(self, n) not in ("", (), False, None)]
        return names

    def without(self, name: str) -> "FinderQuery":
        blank = {"text": "", "cost": "", "part": "", "when": "", "district": "", "near": "",
                 "day": None, "childcare": False, "wheelchair": False, "noreg": False}
        return replace(self, **{name: blank.get(name, ())}, page=1)

    def to_args(self) -> list[tuple[str, str]]:
        """URL query pairs for this query (for links that keep the filters)."""
        pairs: list[tuple[str, str]] = []
        if self.text:
            pairs.append(("q", self.text))
        for name in MULTI_PARAMS:
            pairs += [(name, v) for v in getattr(self, name)]
        for name in ("cost", "part", "when", "district", "near"):
            if getattr(self, name):
                pairs.append((name, getattr(self, name)))
        for name in FLAGS:
            if getattr(self, name):
                pairs.append((name, "1"))
        if self.day is not None:
            pairs.append(("day", str(self.day)))
        if self.near and self.radius != DEFAULT_RADIUS:
            pairs.append(("radius", str(self.radius)))
        return pairs


def parse_query(args) -> FinderQuery:
    """Read and check the URL's query parameters; raise BadQuery naming each wrong one."""
    problems: dict[str, str] = {}
    values: dict = {}
    text = (args.get("q") or "").strip()
    if len(text) > 200:
        problems["q"] = _("The search text is too long (at most 200 characters).")
    values["text"] = text[:200]
    for name, vocabulary in MULTI_PARAMS.items():
        codes = []
        for raw in args.getlist(name):
            for part in raw.split(","):
                if not part.strip():
                    continue
                code = vocabulary.lookup(part)
                if code is None:
                    problems[name] = _("'%(value)s' is not a known choice for %(name)s.", value=part[:40], name=name)
                else:
                    codes.append(code)
        values[name] = tuple(sorted(set(codes)))
    cost = args.get("cost", "")
    if cost not in ("", "free", "low"):
        problems["cost"] = _("cost must be 'free' or 'low' (free or social tariff).")
    values["cost"] = cost if cost in ("free", "low") else ""
    for name in FLAGS:
        raw = args.get(name, "")
        if raw not in ("", "0", "1", "on", "true"):
            problems[name] = _("%(name)s must be 1 or left out.", name=name)
        values[name] = raw in ("1", "on", "true")
    day = args.get("day", "")
    values["day"] = None
    if day != "":
        code = day if day.isdigit() else taxonomy.WEEKDAYS.lookup(day)
        if code is None or not 0 <= int(code) <= 6:
            problems["day"] = _("day must be a weekday (0 = Monday to 6 = Sunday).")
        else:
            values["day"] = int(code)
    part = args.get("part", "")
    if part not in ("", *taxonomy.PARTS_OF_DAY.codes):
        problems["part"] = _("part of day must be morning, afternoon or evening.")
    values["part"] = part if part in taxonomy.PARTS_OF_DAY.codes else ""
    when = args.get("when", "")
    if when not in ("", "now", "week"):
        problems["when"] = _("when must be 'now' or 'week'.")
    values["when"] = when if when in ("now", "week") else ""
    district = (args.get("district") or "").strip()
    if district and not db.session.scalar(select(Area.id).where(Area.code == district)):
        problems["district"] = _("There is no neighbourhood with code %(code)s.", code=district[:40])
    values["district"] = district if "district" not in problems else ""
    values["near"] = (args.get("near") or "").strip()[:200]
    radius = args.get("radius", "")
    values["radius"] = DEFAULT_RADIUS
    if radius != "":
        try:
            number = int(float(radius))
            if not 50 <= number <= MAX_RADIUS:
                raise ValueError
            values["radius"] = number
        except ValueError:
            problems["radius"] = _("The distance must be a number of metres between 50 and %(max)s.", max=MAX_RADIUS)
    page = args.get("page", "1")
    try:
        values["page"] = max(1, min(int(page), 10_000))
    except ValueError:
        problems["page"] = _("page must be a number.")
        values["page"] = 1
    if problems:
        raise BadQuery(problems)
    return FinderQuery(**values)


@dataclass
class FinderResult:
    query: FinderQuery
    listings: list[Listing]
    location: Location | None = None
    relax: list[tuple[str, int]] = field(default_factory=list)  # filter name -> results without it

    @property
    def total(self) -> int:
        return len(self.listings)

    def page_items(self) -> list[Listing]:
        start = (self.query.page - 1) * PAGE_SIZE
        return self.listings[start:start + PAGE_SIZE]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _sql_candidates(query: FinderQuery):
    """Rows (initiative, link, place) passing every filter SQL can answer, as plain indexed queries."""
    stmt = (select(Initiative, InitiativeAtPlace, MeetingPlace)
            .join(InitiativeAtPlace, InitiativeAtPlace.initiative_id == Initiative.id)
            .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id)
            .where(Initiative.archived_at.is_(None), MeetingPlace.archived_at.is_(None),
                   Initiative.status.in_(VISIBLE_STATUSES)))
    if query.text:
        like = f"%{query.text.lower()}%"
        org_match = exists().where(Organisation.id == Initiative.organisation_id,
                                   func.lower(Organisation.name).like(like))
        stmt = stmt.where(or_(func.lower(Initiative.name).like(like),
                              func.lower(Initiative.description).like(like),
                              func.lower(MeetingPlace.name).like(like),
                              func.lower(MeetingPlace.street).like(like), org_match))
    for name, scheme in SCHEME.items():
        codes = getattr(query, name)
        if codes:
            # Any of the chosen codes (a resident ticking Arabic and French wants either).
            stmt = stmt.where(exists().where(InitiativeTerm.initiative_id == Initiative.id,
                                             InitiativeTerm.scheme == scheme,
                                             InitiativeTerm.code.in_(codes)))
    if query.cost == "free":
        stmt = stmt.where(Initiative.cost == "free")
    elif query.cost == "low":
        stmt = stmt.where(Initiative.cost.in_(("free", "social_tariff")))
    if query.childcare:
        stmt = stmt.where(Initiative.childcare.in_(("children_welcome", "childcare_provided")))
    if query.wheelchair:
        stmt = stmt.where(or_(Initiative.wheelchair == "yes",
                              and_(Initiative.wheelchair == "unknown", MeetingPlace.wheelchair == "yes")))
    if query.noreg:
        stmt = stmt.where(Initiative.registration_required.is_(False))
    if query.district:
        stmt = stmt.where(exists().where(PlaceArea.place_id == MeetingPlace.id, PlaceArea.area_id == Area.id,
                                         Area.code == query.district))
    return db.session.execute(stmt.order_by(Initiative.name, MeetingPlace.name)).all()


def _passes_time(query: FinderQuery, location: InitiativeAtPlace, now: datetime) -> bool:
    rules = [s.recurrence() for s in location.schedules]
    if query.day is not None or query.part:
        if not any(matches_slot(r, query.day, query.part or None) for r in rules):
            return False
    if query.when == "now" and not any(is_on(r, now) for r in rules):
        return False
    if query.when == "week" and not any(is_in_week(r, now) for r in rules):
        return False
    return True


def _listings(query: FinderQuery, location: Location | None, now: datetime) -> list[Listing]:
    rows = _sql_candidates(query)
    listings = []
    for initiative, link, place in rows:
        if not _passes_time(query, link, now):
            continue
        starts = [s.start for s in (next_session(sch.recurrence(), now) for sch in link.schedules) if s]
        listings.append(Listing(initiative, place, link, min(starts, default=None)))
    if location is not None and listings:
        lons = np.array([item.place.longitude for item in listings])
        lats = np.array([item.place.latitude for item in listings])
        distances = distances_m(location.longitude, location.latitude, lons, lats)
        kept = []
        for item, distance in zip(listings, distances):
            if distance <= query.radius:
                item.distance_m = float(distance)
                item.extra["walk_min"] = walking_minutes(float(distance))
                kept.append(item)
        kept.sort(key=lambda item: item.distance_m)
        return kept
    far_future = datetime.max.replace(tzinfo=TZ)
    listings.sort(key=lambda item: (item.next_start or far_future, item.initiative.name.lower()))
    return listings


def find(query: FinderQuery, now: datetime | None = None) -> FinderResult:
    now = now or datetime.now(TZ)
    location = None
    if query.near:
        location = resolve_near(query.near)  # raises BadQuery when it cannot be found
    listings = _listings(query, location, now)
    result = FinderResult(query=query, listings=listings, location=location)
    if not listings and query.active_filters():
        # Tell the resident which single filter to drop to see something.
        for name in query.active_filters():
            relaxed = query.without(name)
            relaxed_location = location if name != "near" else None
            count = len(_listings(relaxed, relaxed_location, now))
            if count:
                result.relax.append((name, count))
        if query.near and query.radius < MAX_RADIUS:
            wider = replace(query, radius=min(MAX_RADIUS, query.radius * 3))
            count = len(_listings(wider, location, now))
            if count:
                result.relax.append(("radius", count))
    return result
