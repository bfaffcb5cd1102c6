"""Area boundaries for the map by box and zoom: simplified for the zoom, cached per fixed tile.

A request's box is covered by the Web Mercator tiles of two zoom levels above the map's (a tile is
then 1,024 pixels wide on screen, so a view needs two to six); each tile's features are cached
under level, zoom and tile with the areas' data version, so panning and other residents' views
reuse them. A feature is a whole area (never cut at a tile's edge), simplified to half a pixel
at the zoom; the answer holds each area once.
"""
from __future__ import annotations

import json

import shapely
from flask_babel import gettext as _
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from geo.webmap import simplify_for_zoom, tile_bounds, tiles_covering
from ..caching import AREA_LEVELS, areas_generation, cached
from ..errors import BadRequest
from ..extensions import db
from ..models import Area
from .mapdata import View, parse_view

# Beyond this zoom the outlines get no finer (half a pixel at zoom 14 is about 2 m).
DETAIL_ZOOM = 14
TILE_STEP = 2  # tiles of zoom (map zoom - 2)
MAX_TILES = 64


def parse_areas_request(args) -> tuple[str, View]:
    problems: dict[str, str] = {}
    view = parse_view(args, problems)
    level = args.get("level", "")
    if level not in AREA_LEVELS:
        problems["level"] = _("level must be one of %(levels)s.", levels=", ".join(AREA_LEVELS))
    if view is not None and len(_tiles(view)) > MAX_TILES:
        problems["bbox"] = _("bbox is too large for zoom %(zoom)s: ask for the part the map shows.", zoom=view.zoom)
    if problems:
        raise BadRequest(problems)
    return level, view


def _tile_zoom(zoom: int) -> int:
    return max(0, min(zoom, DETAIL_ZOOM) - TILE_STEP)


def _tiles(view: View) -> list[tuple[int, int]]:
    return tiles_covering(view.bbox, _tile_zoom(view.zoom))


def areas_version(level: str) -> tuple:
    """Cheap, and it moves when areas are added or their outlines change; the generation moves
    after every commit that changed an area (caching.py), for what this does not see (a rename)."""
    counts = db.session.execute(
        select(func.count(Area.id), func.max(Area.created_at),
               func.sum(Area.min_lon + Area.min_lat + Area.max_lon + Area.max_lat))
        .where(Area.level == level)).one()
    return (areas_generation(), *map(str, counts))


def areas(level: str, view: View) -> dict:
    """A GeoJSON FeatureCollection of the `level` areas in the view, each once, simplified for its zoom."""
    zoom = min(view.zoom, DETAIL_ZOOM)
    tile_zoom = _tile_zoom(view.zoom)
    version = areas_version(level)
    features: dict[str, dict] = {}
    for x, y in _tiles(view):
        key = f"map_areas:{level}:{zoom}:{tile_zoom}:{x}:{y}"
        for feature in cached(key, version, lambda: tile_features(level, zoom, tile_zoom, x, y)):
            features.setdefault(feature["properties"]["code"], feature)
    return {"type": "FeatureCollection", "features": list(features.values())}


def tile_features(level: str, zoom: int, tile_zoom: int, x: int, y: int) -> list[dict]:
    """The areas whose box touches tile (x, y) of `tile_zoom`, simplified for map zoom `zoom`."""
    min_lon, min_lat, max_lon, max_lat = tile_bounds(tile_zoom, x, y)
    rows = db.session.execute(
        select(Area.code, Area.name, Area.geometry)
        .where(Area.level == level, Area.min_lon <= max_lon, Area.max_lon >= min_lon,
               Area.min_lat <= max_lat, Area.max_lat >= min_lat)
        .order_by(Area.code)).all()
    return [{"type": "Feature", "properties": {"code": code, "name": name},
             "geometry": outline(geometry, zoom)} for code, name, geometry in rows]


def outline(geometry: str, zoom: int) -> dict:
    """A stored boundary (GeoJSON text) as GeoJSON simplified for `zoom`, coordinates rounded to its pixels."""
    simple, decimals = simplify_for_zoom(shape(json.loads(geometry)), zoom)
    rounded = shapely.transform(simple, lambda coords: coords.round(decimals))
    return mapping(rounded)
