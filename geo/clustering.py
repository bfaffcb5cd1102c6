"""Grid clustering of points for a web map: the points in one cell of a fixed pixel grid become one cluster.

The grid is fixed to the world at each zoom (cells of `cell_px` Web Mercator pixels from the
map's origin), not to the box asked for, so a cluster stays where it is while the map pans and a
cell's cluster is the same whatever part of it a box holds. Each cluster knows its count, its
centre (the mean of its points) and the box of its points, so a click can zoom to exactly that
box, where the cell splits into smaller ones.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .webmap import to_pixels

CELL_PX = 64


@dataclass(frozen=True)
class Clusters:
    """Per cell (arrays of one length, cells in grid order: north to south, then west to east):
    `count`, centre `lon`/`lat`, and the points' box `min_lon`, `min_lat`, `max_lon`, `max_lat`.
    `cell` gives, per input point, the index of its cell."""

    cell: np.ndarray
    count: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    min_lon: np.ndarray
    min_lat: np.ndarray
    max_lon: np.ndarray
    max_lat: np.ndarray

    def __len__(self) -> int:
        return len(self.count)

    def members(self, index: int) -> np.ndarray:
        """Indices (into the input points) of the points in cell `index`."""
        return np.flatnonzero(self.cell == index)


def grid_clusters(lons, lats, zoom: int, cell_px: int = CELL_PX) -> Clusters:
    """Cluster points (EPSG:4326) on a grid of `cell_px`-pixel cells at map zoom `zoom`."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    if lons.shape != lats.shape or lons.ndim != 1:
        raise ValueError("lons and lats must be one-dimensional arrays of the same length")
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise ValueError("every coordinate must be a finite number")
    x, y = to_pixels(lons, lats, zoom)
    columns = max(1, int(np.ceil(256 * 2 ** zoom / cell_px)))
    # Rows and columns of the cells, then one number per cell (row-major): an int64 holds it up
    # to zoom 30 with 1-pixel cells.
    col = np.clip((x // cell_px).astype(np.int64), 0, columns - 1)
    row = np.clip((y // cell_px).astype(np.int64), 0, columns - 1)
    keys, cell = np.unique(row * columns + col, return_inverse=True)
    cell = cell.reshape(-1)
    count = np.bincount(cell, minlength=len(keys))
    if not len(keys):
        empty = np.empty(0)
        return Clusters(cell, count, empty, empty, empty, empty, empty, empty)
    order = np.argsort(cell, kind="stable")
    starts = np.concatenate(([0], np.cumsum(count)[:-1]))
    sorted_lons, sorted_lats = lons[order], lats[order]
    return Clusters(
        cell=cell, count=count,
        lon=np.bincount(cell, weights=lons) / count, lat=np.bincount(cell, weights=lats) / count,
        min_lon=np.minimum.reduceat(sorted_lons, starts), min_lat=np.minimum.reduceat(sorted_lats, starts),
        max_lon=np.maximum.reduceat(sorted_lons, starts), max_lat=np.maximum.reduceat(sorted_lats, starts))
