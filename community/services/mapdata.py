"""The residents' map by viewport: the page's first view, and markers and boundaries per box and zoom.

A finder page carries only the map's settings and its first view (the box of what matches); the
map script then asks `/map/markers` and `/map/areas` for the box it shows, with the page's
filters. Where a box holds more matches than a map can show, the markers come as grid clusters
(geo/clustering.py: count, centre and box, so a click zooms to them); boundaries come simplified
for the zoom (geo/webmap.py), by fixed tiles so panning asks the cache for the same entries.
The list of results stays the map's alternative: nothing here is needed without JavaScript.
"""
from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import numpy as np
from flask import current_app, url_for
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from sqlalchemy import String, func, select, type_coerce

from geo.clustering import grid_clusters
from geo.webmap import tile_bounds, tiles_covering
from ..errors import BadRequest
from ..extensions import db
from ..i18n import current_locale
from ..maps import MAX_ZOOM, map_settings, marker_rows
from ..models import Area, Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Schedule
from ..scheduling import TZ, next_session
from ..scheduling.weekly import Clock
from . import finder
from .geocoding import Location

# More matches than this in a box and they come as clusters (setting BUURTKRACHT_MAP_MARKERS).
MARKER_LIMIT = 300
# From this zoom on every listing is its own marker (the map spreads those at one place), up to
# HARD_LIMIT in the box: a street's worth even in a city centre.
SINGLE_ZOOM = 16
HARD_LIMIT = 2000
# The first view of a page fits its matches but comes no closer than this.
FIT_MAX_ZOOM = 16
# Which level of areas the map shows from which zoom on (the script takes the last that applies):
# municipalities for a region, districts from a city's view on.
AREA_ZOOMS = [["municipality", 0], ["district", 10]]
# Below this zoom a view's markers are cached (see markers()).
CACHE_ZOOM = 12
CACHE_SECONDS = 600
CHUNK = 500  # ids per IN (...), well under every database's parameter limit
NUMBER = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,17})?$")  # ASCII digits only: float() reads "٣" too


@dataclass(frozen=True)
class View:
    """What the map shows: (min lon, min lat, max lon, max lat) in degrees and a zoom level."""

    bbox: tuple[float, float, float, float]
    zoom: int


def parse_view(args, problems: dict[str, str]) -> View | None:
    """`bbox` and `zoom` from the query string; a wrong one is added to `problems` by name."""
    raw = args.get("bbox", "")
    bbox = None
    parts = raw.split(",")
    if not raw:
        problems["bbox"] = _("bbox is required: min longitude,min latitude,max longitude,max latitude.")
    elif len(parts) != 4 or not all(NUMBER.match(p.strip()) for p in parts):
        problems["bbox"] = _("bbox must be four numbers: min longitude,min latitude,max longitude,max latitude "
                             "(degrees).")
    else:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            problems["bbox"] = _("bbox: longitudes lie between -180 and 180, latitudes between -90 and 90, "
                                 "and each minimum below its maximum.")
        else:
            bbox = (min_lon, min_lat, max_lon, max_lat)
    raw_zoom = args.get("zoom", "")
    zoom = int(raw_zoom) if raw_zoom.isascii() and raw_zoom.isdigit() and len(raw_zoom) <= 2 else -1
    if not 0 <= zoom <= MAX_ZOOM:
        problems["zoom"] = _("zoom must be a whole number from 0 to %(max)s.", max=MAX_ZOOM)
    return View(bbox, zoom) if bbox and "zoom" not in problems else None


def parse_markers_request(args) -> tuple[finder.FinderQuery, View]:
    """The finder's filters and the view; BadRequest names every wrong parameter at once."""
    problems: dict[str, str] = {}
    view = parse_view(args, problems)
    try:
        query = finder.parse_query(args)
    except finder.BadQuery as exc:
        problems.update(exc.problems)
    if problems:
        raise BadRequest(problems)
    return query, view


# ------------------------------------------------------------------ which listings

def _location(query: finder.FinderQuery) -> Location | None:
    if not query.near:
        return None
    from .geocoding import resolve_near
    return resolve_near(query.near)  # a BadRequest naming `near` when it finds nothing


def _intersection(a, b):
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[0] <= box[2] and box[1] <= box[3] else None


def matching(query: finder.FinderQuery, box, location: Location | None, now: datetime | None = None):
    """Link ids (as 32 hex digits), latitudes and longitudes of the listings that match `query` inside
    `box` (None: anywhere).

    The finder's own statement builders apply every filter, the schedule ones (day, part of day,
    on now, this week) included; the distance of `near` follows here as in the finder.
    The rows are read as plain values (no UUID objects, no ORM rows): a view of Flanders holds
    50,000 of them, and turning each id into an object took a third of the time.
    """
    if location is not None:
        near = finder._near_box(location, query.radius)
        box = near if box is None else _intersection(box, near)
        if box is None:
            return [], np.empty(0), np.empty(0)
    # The time filters are SQL too (schedule_slot, services/finder_times.py), asked about `now`.
    stmt = finder._filtered(finder._joined(type_coerce(InitiativeAtPlace.id, String), MeetingPlace.latitude,
                                           MeetingPlace.longitude), query, box, Clock.at(now or datetime.now(TZ)))
    rows = db.session.connection().execute(stmt).all()
    ids = [str(row[0]).replace("-", "") for row in rows]  # SQLite: the stored hex; PostgreSQL: its uuid
    lats = np.fromiter((row[1] for row in rows), float, len(rows))
    lons = np.fromiter((row[2] for row in rows), float, len(rows))
    if location is not None and ids:
        within = location.distances_m(lons, lats) <= query.radius
        ids = [i for i, keep in zip(ids, within) if keep]
        lats, lons = lats[within], lons[within]
    return ids, lats, lons


def _timed(query: finder.FinderQuery) -> bool:
    return query.day is not None or bool(query.part) or bool(query.when)


# ------------------------------------------------------------------ markers and clusters

def markers(query: finder.FinderQuery, view: View, now: datetime | None = None) -> dict:
    """The listings matching `query` in the view: each as a marker, or as clusters where they are many.

    A region's view (zoom below CACHE_ZOOM) reads tens of thousands of rows (a second for all of
    Flanders on SQLite), and residents open the same views: its answer is cached for the box
    widened to whole tiles (so panning and other screens share it), under the listings'
    generation (moved by every commit that changes a listing) and a ten-minute clock, for the
    "Next: ..." texts; at most CACHE_SECONDS where another process's write is not seen (with
    BUURTKRACHT_CACHE=simple the embedded cache is per process). Time filters and `near` are answered afresh.
    """
    now = now or datetime.now(TZ)
    if view.zoom >= CACHE_ZOOM or _timed(query) or query.near:
        return _markers(query, view, now)
    from ..caching import cached, listings_generation
    tiles = tiles_covering(view.bbox, max(0, view.zoom - 2))
    (x0, y0), (x1, y1) = tiles[0], tiles[-1]
    west, _, _, north = tile_bounds(max(0, view.zoom - 2), x0, y0)
    _, south, east, _ = tile_bounds(max(0, view.zoom - 2), x1, y1)
    box = (west, max(-90.0, south), east, min(90.0, north))
    key = "map_markers:" + hashlib.sha256(json.dumps(
        [query.to_args(), view.zoom, [x0, y0, x1, y1], current_locale()]).encode()).hexdigest()
    version = (listings_generation(), now.strftime("%Y-%m-%d %H:") + str(now.minute // 10))
    return cached(key, version, lambda: _markers(query, View(box, view.zoom), now), timeout=CACHE_SECONDS)


def _markers(query: finder.FinderQuery, view: View, now: datetime) -> dict:
    ids, lats, lons = matching(query, view.bbox, _location(query), now)
    limit = current_app.config.get("BUURTKRACHT_MAP_MARKERS", MARKER_LIMIT)
    single = list(range(len(ids)))
    clusters = []
    if len(ids) > limit and not (view.zoom >= SINGLE_ZOOM and len(ids) <= HARD_LIMIT):
        grid = grid_clusters(lons, lats, view.zoom)
        alone = grid.count == 1
        single = np.flatnonzero(alone[grid.cell]).tolist()
        for i in np.flatnonzero(~alone):
            clusters.append({"count": int(grid.count[i]), "lat": round(float(grid.lat[i]), 5),
                             "lon": round(float(grid.lon[i]), 5),
                             "bbox": [round(float(v), 5) for v in (grid.min_lon[i], grid.min_lat[i],
                                                                   grid.max_lon[i], grid.max_lat[i])]})
    return {"total": len(ids), "zoom": view.zoom, "clusters": clusters,
            **marker_rows(_marker_values([uuid.UUID(ids[i]) for i in single], now))}


def _marker_values(link_ids: list, now: datetime) -> list[tuple]:
    """For each link: (lat, lon, place name, initiative name, first working model, cost, childcare,
    next start, initiative id), by initiative name then place name."""
    values = []
    for start in range(0, len(link_ids), CHUNK):
        chunk = link_ids[start:start + CHUNK]
        rows = db.session.execute(
            select(InitiativeAtPlace.id, MeetingPlace.latitude, MeetingPlace.longitude, MeetingPlace.name,
                   Initiative.name, Initiative.cost, Initiative.childcare, Initiative.id)
            .join(Initiative, Initiative.id == InitiativeAtPlace.initiative_id)
            .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id)
            .where(InitiativeAtPlace.id.in_(chunk))).all()
        starts: dict = {}
        for schedule in db.session.scalars(select(Schedule).where(Schedule.location_id.in_(chunk))):
            session = next_session(schedule.recurrence(), now)
            if session and (schedule.location_id not in starts or session.start < starts[schedule.location_id]):
                starts[schedule.location_id] = session.start
        models: dict = {}
        for initiative_id, code in db.session.execute(
                select(InitiativeTerm.initiative_id, InitiativeTerm.code)
                .where(InitiativeTerm.scheme == "working_model",
                       InitiativeTerm.initiative_id.in_({row[7] for row in rows}))):
            models[initiative_id] = min(code, models.get(initiative_id, code))  # as working_models[0]
        values += [(lat, lon, place, name, models.get(init_id), cost, childcare, starts.get(link), init_id)
                   for link, lat, lon, place, name, cost, childcare, init_id in rows]
    values.sort(key=lambda v: (v[3].lower(), v[2].lower()))
    return values


# ------------------------------------------------------------------ the page

def first_view(query: finder.FinderQuery | None, location: Location | None) -> list[float] | None:
    """The box the page opens on: around `near`'s circle, else the matches' box, else the districts'."""
    if location is not None:
        return [round(v, 5) for v in finder._near_box(location, query.radius)]
    if query is not None:
        # The schedule filters are left out: the box of what passes the others holds what passes all.
        lat0, lon0, lat1, lon1 = db.session.execute(finder._filtered(finder._joined(
            func.min(MeetingPlace.latitude), func.min(MeetingPlace.longitude),
            func.max(MeetingPlace.latitude), func.max(MeetingPlace.longitude)), query, None)).one()
        if lat0 is not None:
            return [round(v, 6) for v in (lon0, lat0, lon1, lat1)]
    lon0, lat0, lon1, lat1 = db.session.execute(
        select(func.min(Area.min_lon), func.min(Area.min_lat), func.max(Area.max_lon), func.max(Area.max_lat))
        .where(Area.level == "district")).one()
    return [round(v, 6) for v in (lon0, lat0, lon1, lat1)] if lon0 is not None else None


def finder_map(query: finder.FinderQuery | None, location: Location | None) -> dict:
    """A finder page's map island: the settings, the first view and where to ask for the rest."""
    filters = urlencode(query.to_args() if query else [])
    return {**map_settings(), "extent": first_view(query, location), "fit_max_zoom": FIT_MAX_ZOOM,
            # Where the search counts from, and (from a point) the circle of its radius; from an
            # area distances count from its edge, so no circle round its centre is drawn.
            "center": {"lat": location.latitude, "lon": location.longitude, "label": location.label,
                       "radius": query.radius if location.area is None else None} if location else None,
            "markers_url": url_for("public.map_markers") + ("?" + filters if filters else ""),
            "areas_url": url_for("public.map_areas"), "area_zooms": AREA_ZOOMS}


def json_response(data: dict, mimetype: str = "application/json"):
    """JSON with <, >, & and ' escaped (as in the page's islands), so user text stays inert anywhere."""
    return current_app.response_class(str(htmlsafe_json_dumps(data, dumps=_compact)), mimetype=mimetype)


def _compact(value, **kwargs) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
