"""Straight-line distances between WGS 84 points, measured in metres in Belgian Lambert 72."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from .crs import METRIC, from_wgs84


def project_metric(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) arrays in EPSG:31370 metres for (lon, lat) in EPSG:4326."""
    return from_wgs84(lon, lat, METRIC)


def distances_m(origin_lon: float, origin_lat: float, lons, lats) -> np.ndarray:
    """Euclidean distance in metres (EPSG:31370) from one origin to each point; NaN for missing points."""
    ox, oy = project_metric(origin_lon, origin_lat)
    x, y = project_metric(lons, lats)
    return np.hypot(x - ox, y - oy)


def within_radius(
    origin_lon: float, origin_lat: float, lons, lats, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the points within ``radius_m`` of the origin, nearest first, and their distances."""
    d = distances_m(origin_lon, origin_lat, lons, lats)
    # NaN compares False, so points without coordinates never match.
    idx = np.flatnonzero(d <= radius_m)
    order = np.argsort(d[idx], kind="stable")
    return idx[order], d[idx][order]


class PointIndex:
    """Radius and nearest-neighbour queries over a fixed set of WGS 84 points.

    Build it once (projection plus k-d tree, about 20 ms for 50,000 points) and
    query it many times; indices returned refer to the arrays given here.
    Points with a missing coordinate are left out of the index.
    """

    def __init__(self, lons, lats):
        lons = np.asarray(lons, dtype=float).ravel()
        lats = np.asarray(lats, dtype=float).ravel()
        if lons.shape != lats.shape:
            raise ValueError(f"lons and lats differ in length ({lons.size} and {lats.size})")
        x, y = project_metric(lons, lats)
        finite = np.isfinite(x) & np.isfinite(y)
        self._ids = np.flatnonzero(finite)
        self._size = lons.size
        self._tree = cKDTree(np.column_stack([x[finite], y[finite]])) if self._ids.size else None

    def __len__(self) -> int:
        return self._size

    @staticmethod
    def _origin(lon: float, lat: float) -> np.ndarray:
        x, y = project_metric(lon, lat)
        return np.array([float(x), float(y)])

    def nearby(self, lon: float, lat: float, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the points within ``radius_m`` metres, nearest first, and their distances."""
        if self._tree is None or not radius_m >= 0:
            return np.empty(0, dtype=np.intp), np.empty(0)
        origin = self._origin(lon, lat)
        if not np.all(np.isfinite(origin)):
            return np.empty(0, dtype=np.intp), np.empty(0)
        hits = np.asarray(self._tree.query_ball_point(origin, radius_m), dtype=np.intp)
        if hits.size == 0:
            return hits, np.empty(0)
        d = np.hypot(*(self._tree.data[hits] - origin).T)
        # Sort by distance, then by index so ties come back in a stable order.
        order = np.lexsort((self._ids[hits], d))
        return self._ids[hits[order]], d[order]

    def nearest(self, lon: float, lat: float, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the ``k`` nearest points (fewer if the index is smaller), nearest first, and distances."""
        if k < 1:
            raise ValueError("k must be at least 1")
        if self._tree is None:
            return np.empty(0, dtype=np.intp), np.empty(0)
        origin = self._origin(lon, lat)
        if not np.all(np.isfinite(origin)):
            return np.empty(0, dtype=np.intp), np.empty(0)
        k = min(k, self._ids.size)
        d, hits = self._tree.query(origin, k=[*range(1, k + 1)])
        d = np.atleast_1d(d)
        hits = np.atleast_1d(hits)
        return self._ids[hits], d


def walking_minutes(metres: float, speed_kmh: float = 4.5) -> int:
    """Walking time in whole minutes, rounded up, at least 1."""
    metres = float(metres)
    if not math.isfinite(metres) or metres < 0:
        raise ValueError(f"distance must be a finite number of metres >= 0, got {metres}")
    if not speed_kmh > 0:
        raise ValueError(f"speed must be positive, got {speed_kmh}")
    minutes = metres / (speed_kmh * 1000.0 / 60.0)
    # The small tolerance stops 2.0000000000000004 minutes from becoming 3.
    return max(1, math.ceil(minutes - 1e-9))
