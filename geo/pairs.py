"""Pairs of points within a distance, fast: the search under geo.accessibility's measures.

Straight-line distances in metres in Belgian Lambert 72 (EPSG:31370). Pairs within ``d0``
are found with a bucket grid of cell size ``d0 / 2`` (a KD-tree for degenerate extents), in
chunks over up to ``MAX_THREADS`` threads; demand points may be projected chunk by chunk in
the same threads. Also here: the checks of distances and coordinates and the projection to
EPSG:31370 that every measure shares. See ``bench/README.md`` for measurements.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

METRIC_CRS = "EPSG:31370"

#: Upper bound on worker threads for projection and pair search.
MAX_THREADS = 4

# Bucket grid: cell side max_distance / _K, so the candidates of a point are the
# (2K+1) x (2K+1) cells around it, 6.25 d0^2 of area for K = 2 against pi d0^2
# really in reach. K = 2 was fastest on the region benchmark (K = 1: 9 d0^2 of
# candidates; K = 3: more, shorter runs).
_K = 2
# Demand points per work item (about 20 candidates each at K = 2).
_CHUNK = 16384
# Dense grids up to this many cells (8 bytes each); larger extents use a KD-tree.
_MAX_GRID_CELLS = 1 << 22
# Inputs smaller than this are handled in the calling thread (measured: two
# threads do not pay off below this, and the machine may be shared).
_THREAD_MIN_POINTS = 100_000


# ---------------------------------------------------------------- inputs


def _check_distance(value, *, positive: bool = False) -> float:
    try:
        d0 = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_distance must be a number of metres, got {value!r}") from None
    if not np.isfinite(d0) or d0 < 0 or (positive and d0 == 0):
        sign = "> 0" if positive else ">= 0"
        raise ValueError(f"max_distance must be finite and {sign}, got {value!r}")
    return d0


def _as_xy(xy, name: str) -> np.ndarray:
    arr = np.asarray(xy, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has NaN or infinite coordinates")
    return arr


@lru_cache(maxsize=16)
def _to_metric(crs: CRS) -> Transformer | None:
    """Cached transformer from ``crs`` to EPSG:31370, None when already there.

    pyproj (>= 3.1) transformers may be shared between threads.
    """
    if crs == CRS.from_epsg(31370):
        return None
    return Transformer.from_crs(crs, METRIC_CRS, always_xy=True)


def _projected_xy(frame, what: str) -> np.ndarray:
    """(n, 2) float64 coordinates of the frame's geometries in EPSG:31370."""
    xy, transformer = _source_xy(frame, what)
    return xy if transformer is None else _transform(transformer, xy, what)


def _source_xy(frame, what: str) -> tuple[np.ndarray, Transformer | None]:
    """(coordinates, transformer to EPSG:31370 or None when they are already in it)."""
    geoseries = getattr(frame, "geometry", None)
    if geoseries is None:
        raise ValueError(f"{what} must be a GeoDataFrame or GeoSeries")
    if frame.crs is None:
        raise ValueError(f"{what} has no CRS; set it (e.g. frame.set_crs('EPSG:4326')) first")
    geoms = geoseries.values
    n = len(geoms)
    kinds = shapely.get_type_id(geoms)
    if (kinds < 0).any():
        raise ValueError(f"{what} has missing geometries")
    if (kinds == 0).all():
        xy = shapely.get_coordinates(geoms)  # an empty point has no row: caught below
        transformer = _to_metric(CRS.from_user_input(frame.crs))
    else:
        xy = shapely.get_coordinates(geoseries.to_crs(METRIC_CRS).centroid.values)
        transformer = None
    if xy.shape != (n, 2) or not np.isfinite(xy).all():
        raise ValueError(f"{what} has empty or non-finite geometries")
    return xy, transformer


def _project(transformer: Transformer, x: np.ndarray, y: np.ndarray, what: str):
    px, py = transformer.transform(x, y)
    if not (np.isfinite(px).all() and np.isfinite(py).all()):
        raise ValueError(f"{what} has points that cannot be projected to {METRIC_CRS}")
    return px, py


def _transform(transformer: Transformer, xy: np.ndarray, what: str) -> np.ndarray:
    out = np.empty_like(xy)
    parts = np.array_split(np.arange(len(xy)), _threads(len(xy)))

    def run(idx):
        if len(idx):
            sl = slice(idx[0], idx[-1] + 1)
            out[sl, 0], out[sl, 1] = _project(transformer, xy[sl, 0], xy[sl, 1], what)

    _map(run, parts, len(parts))
    return out


# ---------------------------------------------------------------- threads


_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _threads(n_items: int) -> int:
    if n_items < _THREAD_MIN_POINTS:
        return 1
    return max(1, min(MAX_THREADS, _cpu_count()))


def _map(fn, items, threads: int) -> list:
    """``[fn(x) for x in items]``, on the shared thread pool when ``threads > 1``."""
    items = list(items)
    if len(items) <= 1 or threads <= 1:
        return [fn(x) for x in items]
    global _executor, _executor_pid
    with _executor_lock:
        # A pool made before a fork (e.g. gunicorn preload) has no threads in the child.
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(
                max_workers=min(MAX_THREADS, _cpu_count()), thread_name_prefix="geo-accessibility"
            )
            _executor_pid = os.getpid()
        pool = _executor
    return list(pool.map(fn, items))


# ---------------------------------------------------------------- pair search


def pairs_within(demand_xy, supply_xy, max_distance: float) -> sp.csr_matrix:
    """Distances (m) of all (demand, supply) pairs with ``d <= max_distance``.

    ``demand_xy`` (n, 2) and ``supply_xy`` (m, 2) are projected coordinates in
    metres. Returns an (n, m) CSR matrix in canonical form (sorted indices).
    Membership is the sparsity *structure*: a pair at distance 0 is stored as
    an explicit 0 (counted in ``nnz``). Do not call ``eliminate_zeros()`` or use
    operations that drop explicit zeros. ``d`` is ``sqrt(dx*dx + dy*dy)`` in
    float64, and exactly the pairs whose stored ``d`` is ``<= max_distance`` are
    included.
    """
    d0 = _check_distance(max_distance)
    dxy = _as_xy(demand_xy, "demand_xy")
    sxy = _as_xy(supply_xy, "supply_xy")
    out = _pairs(dxy, sxy, d0, need_distance=True)
    out.sort_indices()
    return out


def _max_squared(d0: float) -> float:
    """Largest double t with float sqrt(t) <= d0: d2 <= t  <=>  sqrt(d2) <= d0 exactly."""
    t = d0 * d0
    while np.sqrt(np.nextafter(t, np.inf)) <= d0:
        t = np.nextafter(t, np.inf)
    while np.sqrt(t) > d0:
        t = np.nextafter(t, -np.inf)
    return float(t)


def _pairs(
    dxy: np.ndarray, sxy: np.ndarray, d0: float, *, need_distance: bool, transformer: Transformer | None = None
) -> sp.csr_matrix:
    """CSR (n, m) of pairs with d <= d0; data are distances (or 0 when not needed).

    ``dxy`` is projected with ``transformer`` first when one is given. Column
    order within a row is not sorted (``pairs_within`` sorts).
    """
    n, m = len(dxy), len(sxy)
    grid = _Grid.build(sxy, d0) if n and m else None
    if grid is None:
        if transformer is not None:
            dxy = _transform(transformer, dxy, "demand")
        if n == 0 or m == 0:
            return sp.csr_matrix((n, m), dtype=np.float64)
        return _kdtree_pairs(dxy, sxy, d0)
    r2 = _max_squared(d0)
    x = np.ascontiguousarray(dxy[:, 0])
    y = np.ascontiguousarray(dxy[:, 1])
    threads = _threads(n)
    step = min(_CHUNK, -(-n // (2 * threads))) if threads > 1 else _CHUNK

    def work(a):
        cx, cy = x[a : a + step], y[a : a + step]
        if transformer is not None:
            cx, cy = _project(transformer, cx, cy, "demand")
        return grid.query(cx, cy, r2, need_distance)

    parts = _map(work, range(0, n, step), threads)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.concatenate([p[0] for p in parts]), out=indptr[1:])
    cols = np.concatenate([p[1] for p in parts])
    if need_distance:
        data = np.sqrt(np.concatenate([p[2] for p in parts]))
    else:
        data = np.zeros(len(cols))
    index_dtype = np.int32 if max(indptr[-1], m) < np.iinfo(np.int32).max else np.int64
    return sp.csr_matrix(
        (data, cols.astype(index_dtype, copy=False), indptr.astype(index_dtype, copy=False)), shape=(n, m)
    )


class _Grid:
    """Supply points bucketed in square cells of side d0 / _K, sorted by cell (row-major)."""

    __slots__ = ("x0", "y0", "h", "ncols", "nrows", "start", "sx", "sy", "order")

    @classmethod
    def build(cls, sxy: np.ndarray, d0: float) -> _Grid | None:
        # Slightly wider cells so a pair at exactly d0 is never lost to rounding
        # in the cell index; the exact test is done on coordinates anyway.
        h = d0 * (1 + 1e-9) / _K
        x0, y0 = sxy.min(axis=0)
        x1, y1 = sxy.max(axis=0)
        if h <= 0 or (x1 - x0) / h + 1 > 1e9 or (y1 - y0) / h + 1 > 1e9:
            return None
        ncols = int((x1 - x0) // h) + 1
        nrows = int((y1 - y0) // h) + 1
        if ncols * nrows > max(_MAX_GRID_CELLS, 8 * len(sxy)):
            return None
        cx = np.minimum(((sxy[:, 0] - x0) // h).astype(np.int64), ncols - 1)
        cy = np.minimum(((sxy[:, 1] - y0) // h).astype(np.int64), nrows - 1)
        key = cy * ncols + cx
        g = cls()
        g.x0, g.y0, g.h, g.ncols, g.nrows = x0, y0, h, ncols, nrows
        g.start = np.zeros(ncols * nrows + 1, dtype=np.int64)
        np.cumsum(np.bincount(key, minlength=ncols * nrows), out=g.start[1:])
        g.order = np.argsort(key, kind="stable").astype(np.int32 if len(sxy) < 2**31 else np.int64)
        g.sx = sxy[g.order, 0].copy()
        g.sy = sxy[g.order, 1].copy()
        return g

    def query(self, x: np.ndarray, y: np.ndarray, r2: float, need_distance: bool):
        """(pairs per point, supply positions, squared distances or None) for one chunk."""
        n, k = len(x), _K
        # Cell of each point, clamped so far-away points index safely (they get no runs).
        cx = np.clip((x - self.x0) // self.h, -k - 1, self.ncols + k).astype(np.int64)
        cy = np.clip((y - self.y0) // self.h, -k - 1, self.nrows + k).astype(np.int64)
        col_ok = (cx >= -k) & (cx < self.ncols + k)
        lo_col = np.clip(cx - k, 0, self.ncols - 1)
        hi_col = np.clip(cx + k, 0, self.ncols - 1) + 1
        # One run of consecutive sorted supply per row of cells: 2K+1 runs per point.
        run_start = np.empty((n, 2 * k + 1), dtype=np.int64)
        run_len = np.empty((n, 2 * k + 1), dtype=np.int64)
        for t in range(2 * k + 1):
            row = cy + (t - k)
            ok = col_ok & (row >= 0) & (row < self.nrows)
            base = np.clip(row, 0, self.nrows - 1) * self.ncols
            lo = self.start.take(base + lo_col)
            run_start[:, t] = lo
            run_len[:, t] = np.where(ok, self.start.take(base + hi_col) - lo, 0)
        lengths = run_len.ravel()
        per_point = run_len.sum(axis=1)
        total = int(per_point.sum())
        if total == 0:
            empty = np.zeros(0)
            return np.zeros(n, dtype=np.int64), np.zeros(0, dtype=self.order.dtype), empty
        # Candidate j's position in the sorted supply: run start + offset in its run.
        offset = np.cumsum(lengths)
        offset -= lengths
        cand = np.repeat(run_start.ravel() - offset, lengths)
        cand += np.arange(total)
        dx = self.sx.take(cand)
        dx -= np.repeat(x, per_point)
        dy = self.sy.take(cand)
        dy -= np.repeat(y, per_point)
        dx *= dx
        dy *= dy
        dx += dy  # squared distance, same expression as pairs_within's distance
        keep = np.flatnonzero(dx <= r2)
        point_end = np.cumsum(per_point)
        kept = np.diff(np.searchsorted(keep, point_end), prepend=0)
        cols = self.order.take(cand.take(keep))
        return kept, cols, (dx.take(keep) if need_distance else None)


def _kdtree_pairs(dxy: np.ndarray, sxy: np.ndarray, d0: float) -> sp.csr_matrix:
    """Fallback for extents a dense grid cannot cover (tiny d0 over a wide area)."""
    radius = d0 * (1 + 1e-9) + 1e-9  # generous; the exact test follows
    found = cKDTree(dxy).sparse_distance_matrix(cKDTree(sxy), radius, output_type="ndarray")
    rows = found["i"].astype(np.int64)
    cols = found["j"].astype(np.int64)
    dx = sxy[cols, 0] - dxy[rows, 0]
    dy = sxy[cols, 1] - dxy[rows, 1]
    d2 = dx * dx + dy * dy
    keep = d2 <= _max_squared(d0)
    return _csr_from_triplets(rows[keep], cols[keep], np.sqrt(d2[keep]), (len(dxy), len(sxy)))


def _csr_from_triplets(rows, cols, vals, shape) -> sp.csr_matrix:
    """CSR keeping explicit zeros (no duplicate pairs expected)."""
    order = np.lexsort((cols, rows))
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix(
        (np.asarray(vals, dtype=np.float64)[order], np.asarray(cols)[order], indptr), shape=shape
    )


