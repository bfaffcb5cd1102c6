"""The residents' finder: filters from the URL, the matching listings, sorted and explained."""
from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, or_, select

from geo.crs import METRIC, to_wgs84
from geo.distance import walking_minutes
from .. import taxonomy
from . import search
from ..errors import BadRequest
from ..fields import INITIATIVE
from ..i18n import filter_label
from ..extensions import db
from ..models import Area, Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, PlaceArea
from ..scheduling import TZ
from ..scheduling.weekly import Clock
from . import next_sessions
from .finder_stored import Listings, StoredOrder, cached_count
from .finder_times import filter_starts, next_starts, not_ended, time_filters
from .areas import district_choices
from .geocoding import Location, resolve_near
from .public import VISIBLE_STATUSES, Listing

DEFAULT_RADIUS = 1000
MAX_RADIUS = 50_000
PAGE_SIZE = 30
MAX_CHOICES = 60  # districts offered for a name that several match (a city has up to about 50)
# URL parameter -> vocabulary and term scheme, from the field descriptions (community/fields.py).
MULTI_PARAMS = {f.filter: f.vocabulary for f in INITIATIVE.term_fields if f.filter}
SCHEME = {f.filter: f.scheme for f in INITIATIVE.term_fields if f.filter}
FLAGS = ("childcare", "wheelchair", "noreg")


class BadQuery(BadRequest, ValueError):
    """Query parameters that make no sense (400); `problems` maps parameter -> message, `choices`
    parameter -> what the resident may have meant (districts: DistrictChoice)."""

    def __init__(self, problems: dict[str, str], choices: dict[str, list] | None = None):
        super().__init__(problems)
        self.choices = choices or {}

    @property
    def problems(self) -> dict[str, str]:
        return self.errors


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
                    problems[name] = _("'%(value)s' is not a known choice for %(name)s.", value=part[:40],
                                      name=filter_label(name))
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
            problems[name] = _("%(name)s must be 1 or left out.", name=filter_label(name))
        values[name] = raw in ("1", "on", "true")
    day = args.get("day", "")
    values["day"] = None
    if day != "":
        # isascii: '²' and other Unicode digits pass isdigit() but are no weekday number.
        code = day if day.isascii() and day.isdigit() else taxonomy.WEEKDAYS.lookup(day)
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
    district = (args.get("district") or "").strip()[:200]
    choices: dict[str, list] = {}
    if district and not db.session.scalar(select(Area.id).where(Area.code == district)):
        found = district_choices(district)  # a name typed in the field, in any case, with or without accents
        if len(found) == 1:
            district = found[0].code
        elif found:
            problems["district"] = _("Several neighbourhoods match “%(text)s”: which one do you mean?",
                                     text=district[:40])
            choices["district"] = found[:MAX_CHOICES]
        else:
            problems["district"] = _("No neighbourhood is called “%(text)s”.", text=district[:40])
    values["district"] = district if "district" not in problems else ""
    values["near"] = (args.get("near") or "").strip()[:200]
    radius = args.get("radius", "")
    values["radius"] = DEFAULT_RADIUS
    if radius != "":
        try:
            number = int(float(radius))  # inf overflows, nan is no number: both are refused
            if not 50 <= number <= MAX_RADIUS:
                raise ValueError
            values["radius"] = number
        except (ValueError, OverflowError):
            problems["radius"] = _("The distance must be a number of metres between 50 and %(max)s.", max=MAX_RADIUS)
    page = args.get("page", "1")
    try:
        values["page"] = max(1, min(int(page), 10_000))
    except (ValueError, OverflowError):
        problems["page"] = _("page must be a number.")
        values["page"] = 1
    if problems:
        raise BadQuery(problems, choices)
    return FinderQuery(**values)


@dataclass(slots=True)
class Match:
    """One listing that passed the filters, as plain values: enough to sort it and draw it on the map.

    The finder works on these and loads the full objects (Listing) only for the listings a page
    shows: with thousands of offers, loading every initiative, place and schedule as ORM objects
    took most of the page's time.
    """

    link_id: uuid.UUID
    initiative_id: uuid.UUID
    name: str
    cost: str
    childcare: str
    place_name: str
    latitude: float
    longitude: float
    next_start: datetime | None = None
    distance_m: float | None = None
    walk_min: int | None = None
    working_model: str | None = None  # the first working model (by code), for the map's colour
    inside: str = ""  # the name of the area (the `near` place) the listing lies in
    rank: float | None = None         # with search text: relevance, best first (lower is better)


@dataclass
class FinderResult:
    query: FinderQuery
    listings: Listings
    location: Location | None = None
    relax: list[tuple[str, int]] = field(default_factory=list)  # filter name -> results without it
    suggestion: str | None = None  # for an empty result: the nearest spelling of the text that finds something

    def suggested_args(self) -> list[tuple[str, str]]:
        """The URL query of the suggestion: the same filters with the suggested text."""
        return replace(self.query, text=self.suggestion or "", page=1).to_args()

    @property
    def matches(self) -> list[Match]:
        """Every match as plain values (one query), for the map."""
        return self.listings.matches

    @property
    def total(self) -> int:
        return len(self.listings)

    def page_items(self) -> list[Listing]:
        start = (self.query.page - 1) * PAGE_SIZE
        return self.listings[start:start + PAGE_SIZE]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _near_box(location: Location, radius: float) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around every point within `radius` metres (EPSG:31370)
    of the place: its point, or for a neighbourhood, municipality or postcode its whole area.

    The rectangle `radius` beyond the place's box in Lambert 72 holds every such point; its
    outline, taken back to WGS 84 at 64 points a side plus a margin of 0.001 degree (70 to 110 m),
    holds the rectangle. So the box only narrows the rows read; the distance still decides.
    """
    min_x, min_y, max_x, max_y = location.metric_bounds()
    across = np.linspace(min_x - radius, max_x + radius, 65)
    up = np.linspace(min_y - radius, max_y + radius, 65)
    xs = np.concatenate([across, across, np.full_like(up, min_x - radius), np.full_like(up, max_x + radius)])
    ys = np.concatenate([np.full_like(across, min_y - radius), np.full_like(across, max_y + radius), up, up])
    lons, lats = to_wgs84(xs, ys, METRIC)
    margin = 0.001
    return (float(lons.min()) - margin, float(lats.min()) - margin,
            float(lons.max()) + margin, float(lats.max()) + margin)


def _filtered(stmt, query: FinderQuery, box: tuple[float, float, float, float] | None, clock: Clock | None = None):
    """Add every filter to a statement that joins initiative, link and place (see _joined).

    The time filters ask schedule_slot (services/finder_times.py) about `clock` (now if not given).
    """
    # With a box, `status || ''` keeps SQLite (which has no statistics here) from walking every
    # initiative through the status index, which nearly all share; it then reads only the
    # places in the box through the longitude index (100 ms -> 20 ms over 50,000 listings).
    status = Initiative.status + "" if box is not None else Initiative.status
    stmt = stmt.where(Initiative.archived_at.is_(None), MeetingPlace.archived_at.is_(None),
                      status.in_(VISIBLE_STATUSES))
    # Sub-filters are uncorrelated IN (SELECT ...) or a join: SQLite ran the correlated EXISTS we
    # had once per candidate row (100 ms for a district over 5,000 listings).
    if query.text:
        # The full-text index (services/search.py) gives the matching links and their rank.
        found = _text_hits(query.text)
        stmt = stmt.where(false()) if found is None else stmt.join(
            found, found.c.location_id == InitiativeAtPlace.id)
    for name, scheme in SCHEME.items():
        codes = getattr(query, name)
        if codes:
            # Any of the chosen codes (a resident ticking Arabic and French wants either).
            stmt = stmt.where(Initiative.id.in_(
                select(InitiativeTerm.initiative_id).where(InitiativeTerm.scheme == scheme,
                                                           InitiativeTerm.code.in_(codes))))
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
        # A join, not IN (...): SQLite would probe every initiative's links with each place of the
        # list. A place has one row per level in place_area, so the join adds no duplicates.
        district = select(Area.id).where(Area.code == query.district).scalar_subquery()
        stmt = stmt.join(PlaceArea, and_(PlaceArea.place_id == MeetingPlace.id, PlaceArea.area_id == district))
    if box is not None:
        min_lon, min_lat, max_lon, max_lat = box
        stmt = stmt.where(MeetingPlace.latitude.between(min_lat, max_lat),
                          MeetingPlace.longitude.between(min_lon, max_lon))
    clock = clock or Clock.at(datetime.now(TZ))
    stmt = stmt.where(not_ended(clock))  # nothing that has ended
    if query.day is not None or query.part or query.when:
        stmt = stmt.where(*time_filters(clock, query.day, query.part, query.when))
    return stmt


def _text_hits(text: str):
    """The search index's (location_id, rank) rows for `text` as a subquery (None: no word in it)."""
    search.sync(db.session)  # documents written in this transaction, not yet committed
    return _hits_subquery(text, db.engine.dialect.name)


@lru_cache(maxsize=256)
def _hits_subquery(text: str, dialect: str):
    # One object per text, so that the statements of one search join the same one.
    found = search.hits(text, dialect)
    return None if found is None else found.subquery("text_hits")


def _joined(*columns):
    return (select(*columns).select_from(Initiative)
            .join(InitiativeAtPlace, InitiativeAtPlace.initiative_id == Initiative.id)
            .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id))


def filtered_links(query: FinderQuery, box=None, clock: Clock | None = None):
    """A select of (link id, latitude, longitude, initiative name, working model) passing every
    filter (no `near` distance: give the box), for markers by viewport."""
    return _filtered(_joined(InitiativeAtPlace.id, MeetingPlace.latitude, MeetingPlace.longitude,
                             Initiative.name, _working_model().label("working_model")), query, box, clock)


def _working_model():
    # As Initiative.working_models[0]: the first code.
    return (select(func.min(InitiativeTerm.code))
            .where(InitiativeTerm.initiative_id == Initiative.id, InitiativeTerm.scheme == "working_model")
            .scalar_subquery())


def _name_order(*columns):
    """Names in code point order on both databases (PostgreSQL would use the database's collation)."""
    if db.engine.dialect.name == "postgresql":
        return [column.collate("C") for column in columns]
    return list(columns)


def _match_rows(query: FinderQuery, box, clock: Clock, selective: bool):
    """The statement of Match rows in the finder's order: next session (running ones first, none
    last), then name; `selective` narrows the slots read to the filtered links."""
    if query.when:
        # The filter's own next sessions: a link on now (this week) has its earliest among the
        # slots that filter reads, so one computation serves the filter and the order.
        starts = filter_starts(clock, query.when)
    else:
        links = _filtered(_joined(InitiativeAtPlace.id), query, box, clock) if selective else None
        starts = next_starts(clock, locations=links)
    soon = case((starts.c.next_start < clock.horizon_utc, starts.c.next_start))
    # With search text: by relevance first, then as without.
    found = _text_hits(query.text) if query.text else None
    relevance = [found.c.rank] if found is not None else []
    stmt = _filtered(_joined(
        InitiativeAtPlace.id, Initiative.id, Initiative.name, Initiative.cost, Initiative.childcare,
        MeetingPlace.name, MeetingPlace.latitude, MeetingPlace.longitude, soon, _working_model(), *relevance),
        query, box, clock)
    return (stmt.outerjoin(starts, starts.c.location_id == InitiativeAtPlace.id)
            .order_by(*relevance, soon.is_(None), soon, *_name_order(func.lower(Initiative.name), Initiative.name,
                                                                     MeetingPlace.name), InitiativeAtPlace.id))


def _match(row, clock: Clock) -> Match:
    link_id, initiative_id, name, cost, childcare, place_name, lat, lon, soon, model, *rank = row
    return Match(link_id, initiative_id, name, cost, childcare, place_name, lat, lon,
                 next_start=clock.instant(soon) if soon is not None else None, working_model=model,
                 rank=rank[0] if rank else None)


def _count(query: FinderQuery, clock: Clock) -> int:
    return db.session.scalar(select(func.count()).select_from(
        _filtered(_joined(InitiativeAtPlace.id), query, None, clock).subquery()))


def _near(query: FinderQuery, location: Location, clock: Clock) -> list[Match]:
    """Listings within the radius, nearest first: the box in SQL, the distance in numpy. From an
    area the distance counts from its edge, so what lies inside it (0 m) comes first."""
    rows = db.session.execute(_match_rows(query, _near_box(location, query.radius), clock, True)).all()
    matches = [_match(row, clock) for row in rows]
    if not matches:
        return []
    lons = np.array([match.longitude for match in matches])
    lats = np.array([match.latitude for match in matches])
    distances = location.distances_m(lons, lats)
    kept = []
    for match, distance in zip(matches, distances):
        if distance <= query.radius:
            match.distance_m = float(distance)
            match.walk_min = walking_minutes(float(distance))
            if location.area is not None and distance == 0:
                match.inside = location.name
            kept.append(match)
    # Within the radius: with search text by relevance, then distance; else nearest first (stable:
    # same distance, by next session and name).
    kept.sort(key=lambda match: (match.rank or 0.0, match.distance_m))
    return kept


def _listings(query: FinderQuery, location: Location | None, clock: Clock) -> Listings:
    if location is not None:
        return Listings.of(_near(query, location, clock))
    if not query.when and not query.text:  # search text orders by relevance first (_match_rows)
        listings = Listings(None, lambda: cached_count(query, clock, _count))
        listings._fetch = StoredOrder(query, clock, lambda: len(listings), sys.modules[__name__]).fetch
        return listings
    stmt = _match_rows(query, None, clock, selective=bool(query.active_filters()))
    return Listings(lambda start, stop: [_match(row, clock) for row in db.session.execute(
        stmt.offset(start).limit(stop - start))], lambda: _count(query, clock))


def find(query: FinderQuery, now: datetime | None = None) -> FinderResult:
    clock = Clock.at(now or datetime.now(TZ))
    location = None
    if query.near:
        try:
            location = resolve_near(query.near)
        except BadRequest as exc:  # geocoding names the parameter; the finder's callers catch BadQuery
            raise BadQuery(exc.errors, {"near": list(getattr(exc, "choices", []))}) from None
    listings = _listings(query, location, clock)
    next_sessions.refresh_soon()  # links whose stored session has passed: stored again in the background
    result = FinderResult(query=query, listings=listings, location=location)
    if not len(listings) and query.text:
        # "Did you mean ...?": the nearest spelling that finds something with the other filters.
        result.suggestion = search.suggest(
            db.session.connection(), query.text,
            lambda text: bool(len(_listings(replace(query, text=text, page=1), location, clock))))
    if not len(listings) and query.active_filters():
        # Tell the resident which single filter to drop to see something (a count each).
        for name in query.active_filters():
            relaxed = query.without(name)
            relaxed_location = location if name != "near" else None
            count = len(_listings(relaxed, relaxed_location, clock))
            if count:
                result.relax.append((name, count))
        if query.near and query.radius < MAX_RADIUS:
            wider = replace(query, radius=min(MAX_RADIUS, query.radius * 3))
            count = len(_listings(wider, location, clock))
            if count:
                result.relax.append(("radius", count))
    return result
