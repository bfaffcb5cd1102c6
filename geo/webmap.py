"""Web map arithmetic: Web Mercator pixels and tiles of a zoom level, and outlines simplified for one.

A slippy map at zoom z is a square of 256 x 2**z pixels (EPSG:3857 scaled); tile (x, y) of zoom z
covers pixels [256x, 256(x+1)) x [256y, 256(y+1)), y growing southwards. Everything here works in
EPSG:4326 longitude and latitude at its edges, as the map does.
"""
from __future__ import annotations

import math

import numpy as np

TILE_PX = 256
MAX_LATITUDE = 85.0511287798  # where Web Mercator's square ends


def world_px(zoom: int) -> int:
    return TILE_PX * 2 ** zoom


def to_pixels(lons, lats, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """World pixel coordinates (x east, y south) of points at `zoom`."""
    size = world_px(zoom)
    lons = np.asarray(lons, dtype=float)
    lats = np.clip(np.asarray(lats, dtype=float), -MAX_LATITUDE, MAX_LATITUDE)
    x = (lons + 180.0) / 360.0 * size
    y = (1.0 - np.arcsinh(np.tan(np.radians(lats))) / math.pi) / 2.0 * size
    return x, y


def to_lonlat(x, y, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of to_pixels."""
    size = world_px(zoom)
    lons = np.asarray(x, dtype=float) / size * 360.0 - 180.0
    lats = np.degrees(np.arctan(np.sinh(math.pi * (1.0 - 2.0 * np.asarray(y, dtype=float) / size))))
    return lons, lats


def tile_bounds(zoom: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of tile (x, y) at `zoom`."""
    lons, lats = to_lonlat([x * TILE_PX, (x + 1) * TILE_PX], [(y + 1) * TILE_PX, y * TILE_PX], zoom)
    return float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1])


def tiles_covering(bbox: tuple[float, float, float, float], zoom: int) -> list[tuple[int, int]]:
    """The tiles (x, y) of `zoom` that a (min lon, min lat, max lon, max lat) box touches, west to east
    and north to south."""
    min_lon, min_lat, max_lon, max_lat = bbox
    last = 2 ** zoom - 1
    xs, ys = to_pixels([min_lon, max_lon], [max_lat, min_lat], zoom)
    x0, x1 = (min(last, max(0, int(v // TILE_PX))) for v in xs)
    y0, y1 = (min(last, max(0, int(v // TILE_PX))) for v in ys)
    return [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]


def degrees_per_pixel(zoom: int) -> float:
    """Degrees of longitude one pixel spans at `zoom` (a degree of latitude spans more pixels, so
    this is the larger of the two)."""
    return 360.0 / world_px(zoom)


def simplify_for_zoom(geometry, zoom: int, pixels: float = 0.5):
    """A shapely geometry simplified to `pixels` pixels at `zoom`, and the decimals its coordinates need.

    Douglas-Peucker with preserve_topology, so a polygon stays valid (no self-intersection, holes
    kept). Neighbours are simplified each on their own, so a shared border may part by at most
    the tolerance on each side: about a pixel at that zoom, under the width of the drawn line.
    """
    tolerance = pixels * degrees_per_pixel(zoom)
    decimals = max(3, min(6, math.ceil(-math.log10(tolerance))))  # rounding moves a point by at most half the tolerance
    return geometry.simplify(tolerance, preserve_topology=True), decimals
