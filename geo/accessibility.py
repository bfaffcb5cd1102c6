"""Spatial accessibility of neighbourhood offers: 2SFCA / E2SFCA, cumulative opportunities, nearest offer.

Pure functions on GeoDataFrames (no Flask, no database). Every distance is a
straight-line distance in metres in Belgian Lambert 72 (EPSG:31370), unless a
walking ``network`` is given. Frames may be in any CRS (the database stores
EPSG:4326) but must have one; they are projected here. Non-point geometries are
represented by their centroid in EPSG:31370.

Two-step floating catchment area (Luo & Wang 2003), enhanced with a distance
decay ``w`` (E2SFCA, Luo & Qi 2009) when ``decay`` is given, else ``w = 1``::

    R_j = S_j / sum_{i: d_ij <= d0} P_i * w(d_ij)       (offer j: capacity per resident in reach)
    A_i = sum_{j: d_ij <= d0} R_j * w(d_ij)              (resident i: capacity per resident)

This is exactly what PySAL ``access.Access.two_stage_fca`` computes with
``max_cost=d0`` and ``normalize=False`` (inclusive ``<=``, the same weight in
both steps; checked against access 1.1.10 in the tests). Where ``access`` gives
no number we define one:

* a demand point with no offer in reach gets ``0`` (access: NaN);
* an offer whose weighted demand in reach is ``0`` (nobody in reach, only zero
  population, or only weight-0 pairs) has ``R_j = 0`` and adds nothing
  (access: inf or NaN, which then spreads to every demand point in its reach).

Values are raw (not normalised). To get access' ``normalize=True`` divide by
``(A * P).sum() / P.sum()``.

Speed: pairs within ``d0`` are found with a bucket grid of cell size ``d0 / 2``
(a KD-tree for degenerate extents), in chunks over up to ``MAX_THREADS`` threads
(demand points are projected chunk by chunk in the same threads), and the two
steps are two sparse matrix-vector products over those pairs. See
``bench/README.md`` for measurements against PySAL access.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import dijkstra
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


# ---------------------------------------------------------------- decay helpers


def gaussian(max_distance: float) -> Callable:
    """Gaussian decay that is 1 at 0 m and falls to 0 at ``max_distance`` (Dai 2010).

    ``w(d) = (exp(-d^2 / (2 d0^2)) - exp(-1/2)) / (1 - exp(-1/2))`` for ``d <= d0``,
    0 beyond. Works on arrays and on scalars (so PySAL access can use it too).
    """
    d0 = _check_distance(max_distance, positive=True)
    floor = np.exp(-0.5)

    def weight(distance):
        d = np.asarray(distance, dtype=np.float64) / d0
        w = np.maximum((np.exp(-0.5 * d * d) - floor) / (1.0 - floor), 0.0)
        return w if w.ndim else np.float64(w)

    weight.__name__ = f"gaussian_{d0:g}m"
    weight.max_distance = d0
    return weight


def linear(max_distance: float) -> Callable:
    """Linear decay ``w(d) = 1 - d / d0``, clipped to [0, 1] (so 0 at and beyond ``d0``)."""
    d0 = _check_distance(max_distance, positive=True)

    def weight(distance):
        w = np.clip(1.0 - np.asarray(distance, dtype=np.float64) / d0, 0.0, 1.0)
        return w if w.ndim else np.float64(w)

    weight.__name__ = f"linear_{d0:g}m"
    weight.max_distance = d0
    return weight


# ---------------------------------------------------------------- public measures


def two_step_fca(
    demand,
    supply,
    *,
    max_distance: float,
    demand_col: str = "population",
    supply_col: str = "capacity",
    decay: Callable | None = None,
    network=None,
) -> pd.Series:
    """2SFCA (E2SFCA with ``decay``) access score per demand row, indexed like ``demand``.

    See the module docstring for the formula and the 0 conventions. ``decay`` is
    a callable on a float array of distances in metres returning weights >= 0
    (e.g. ``gaussian(max_distance)``). ``network``: see ``network_pairs_within``.
    Raises ValueError for a frame without CRS, a missing column, or a value
    that is NaN, infinite or negative.
    """
    d0 = _check_distance(max_distance)
    population = _values(demand, demand_col, "demand")
    capacity = _values(supply, supply_col, "supply")
    dist = _pairs_for(demand, supply, d0, network, need_distance=decay is not None)
    w = _weight_matrix(decay, dist)  # w_ij on the pairs in reach (1 without decay)
    # Step 1: weighted demand in reach of each offer, R_j = S_j / that (0 when 0).
    reached = w.T @ population
    ratio = np.zeros(len(capacity))
    np.divide(capacity, reached, out=ratio, where=reached > 0)
    # Step 2: A_i = sum over offers in reach of R_j * w_ij.
    score = w @ ratio
    return pd.Series(score, index=demand.index.copy(), name="two_step_fca")


def cumulative_opportunities(
    demand,
    supply,
    *,
    max_distance: float,
    supply_col: str = "capacity",
    decay: Callable | None = None,
    network=None,
) -> pd.Series:
    """Sum of ``supply_col`` (times ``decay(d)`` if given) over offers within ``max_distance``.

    Indexed like ``demand``; 0 where nothing is in reach. Equals PySAL access
    ``weighted_catchment(max_cost=max_distance, weight_fn=decay)`` (which gives NaN
    instead of 0). Use a column of ones to count offers.
    """
    d0 = _check_distance(max_distance)
    capacity = _values(supply, supply_col, "supply")
    dist = _pairs_for(demand, supply, d0, network, need_distance=decay is not None)
    score = _weight_matrix(decay, dist) @ capacity
    return pd.Series(score, index=demand.index.copy(), name="cumulative_opportunities")


def nearest_distance(demand, supply) -> pd.Series:
    """Straight-line metres (EPSG:31370) from each demand row to the nearest supply row.

    Indexed like ``demand``. Every value is ``inf`` when ``supply`` is empty (never NaN).
    """
    dxy = _projected_xy(demand, "demand")
    sxy = _projected_xy(supply, "supply")
    if len(sxy) == 0 or len(dxy) == 0:
        out = np.full(len(dxy), np.inf)
    else:
        out, _ = cKDTree(sxy).query(dxy, k=1, workers=_threads(len(dxy)))
    return pd.Series(np.asarray(out, dtype=np.float64), index=demand.index.copy(), name="nearest_distance")


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


def network_pairs_within(demand_xy, supply_xy, network, max_distance: float) -> sp.csr_matrix:
    """Like ``pairs_within`` but along a walking network (shortest paths, Dijkstra).

    ``network`` is a mapping or an object with:

    * ``nodes``: (k, 2) node coordinates in metres, EPSG:31370 (or in ``crs``);
    * ``edges``: (e, 2) pairs of node positions (0-based), walkable both ways;
    * ``lengths`` (optional): (e,) edge lengths in metres, default the straight
      line between the two nodes; parallel edges keep the shortest;
    * ``crs`` (optional): CRS of ``nodes``, default EPSG:31370.

    Each point is snapped to its nearest node, and
    ``d_ij = |p_i - node(i)| + path(node(i), node(j)) + |s_j - node(j)|``
    (the straight walk to and from the network is counted). Pairs with
    ``d_ij <= max_distance`` are kept; unreachable pairs are absent.
    """
    d0 = _check_distance(max_distance)
    dxy = _as_xy(demand_xy, "demand_xy")
    sxy = _as_xy(supply_xy, "supply_xy")
    nodes, graph = _network_graph(network)
    n, m = len(dxy), len(sxy)
    if n == 0 or m == 0:
        return sp.csr_matrix((n, m), dtype=np.float64)
    tree = cKDTree(nodes)
    snap_d, node_d = tree.query(dxy, k=1)
    snap_s, node_s = tree.query(sxy, k=1)
    sources, source_of = np.unique(node_s, return_inverse=True)
    demand_at_node = _groups(node_d, len(nodes))  # demand rows per node
    supply_at_source = _groups(source_of, len(sources))  # supply rows per distinct source node
    rows, cols, vals = [], [], []
    # Dijkstra from the distinct supply nodes, in blocks to bound memory
    # (block x nodes distances at a time).
    block = max(1, (1 << 22) // len(nodes))
    limit = d0 * (1 + 1e-9) + 1e-9  # generous; the exact test is on the total
    for first in range(0, len(sources), block):
        path = dijkstra(graph, directed=False, indices=sources[first : first + block], limit=limit)
        src, node = np.nonzero(path <= limit)
        rep, i = _expand(node, demand_at_node)
        src, walked = src[rep] + first, path[src[rep], node[rep]] + snap_d[i]
        rep, j = _expand(src, supply_at_source)
        total = walked[rep] + snap_s[j]
        hit = total <= d0
        rows.append(i[rep][hit])
        cols.append(j[hit])
        vals.append(total[hit])
    return _csr_from_triplets(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), (n, m))


# ---------------------------------------------------------------- validation and inputs


def _check_distance(value, *, positive: bool = False) -> float:
    try:
        d0 = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"max_distance must be a number of metres, got {value!r}") from None
    if not np.isfinite(d0) or d0 < 0 or (positive and d0 == 0):
        sign = "> 0" if positive else ">= 0"
        raise ValueError(f"max_distance must be finite and {sign}, got {value!r}")
    return d0


def _values(frame, column: str, what: str) -> np.ndarray:
    if column not in getattr(frame, "columns", ()):
        raise ValueError(f"{what} frame has no column {column!r}")
    try:
        values = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{what} column {column!r} must be numeric") from None
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = frame.index[np.flatnonzero(bad)[0]]
        raise ValueError(
            f"{what} column {column!r} must be finite and >= 0; {int(bad.sum())} rows are not "
            f"(first: index {first!r}, value {frame[column].iloc[np.flatnonzero(bad)[0]]!r})"
        )
    return values


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


def _pairs_for(demand, supply, d0: float, network, need_distance: bool) -> sp.csr_matrix:
    sxy = _projected_xy(supply, "supply")
    if network is not None:
        return network_pairs_within(_projected_xy(demand, "demand"), sxy, network, d0)
    # Demand is projected chunk by chunk inside the pair search: pyproj runs
    # without the GIL, so it overlaps with the numpy work of the other thread.
    dxy, transformer = _source_xy(demand, "demand")
    return _pairs(dxy, sxy, d0, need_distance=need_distance, transformer=transformer)


def _weight_matrix(decay, dist: sp.csr_matrix) -> sp.csr_matrix:
    """Same structure as ``dist``; data ``decay(d)``, or 1 without decay."""
    if decay is None:
        weight = np.ones(dist.nnz)
    else:
        weight = np.asarray(decay(dist.data), dtype=np.float64)
        if weight.shape != dist.data.shape:
            raise ValueError(f"decay returned shape {weight.shape} for {dist.data.shape} distances")
        if not np.isfinite(weight).all() or (weight < 0).any():
            raise ValueError("decay must return finite weights >= 0")
    return sp.csr_matrix((weight, dist.indices, dist.indptr), shape=dist.shape)


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


# ---------------------------------------------------------------- walking network


def _field(network, name: str, default=None):
    if isinstance(network, Mapping):
        return network.get(name, default)
    return getattr(network, name, default)


def _groups(keys: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(pointer, members): the positions i with keys[i] == g are members[pointer[g]:pointer[g+1]]."""
    pointer = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_groups), out=pointer[1:])
    return pointer, np.argsort(keys, kind="stable")


def _expand(keys: np.ndarray, groups) -> tuple[np.ndarray, np.ndarray]:
    """For each key, every member of its group: (position in keys, member), key-major."""
    pointer, members = groups
    counts = pointer[keys + 1] - pointer[keys]
    rep = np.repeat(np.arange(len(keys)), counts)
    offset = np.cumsum(counts) - counts
    pos = np.repeat(pointer[keys] - offset, counts) + np.arange(int(counts.sum()))
    return rep, members[pos]


def _network_graph(network) -> tuple[np.ndarray, sp.csr_matrix]:
    nodes = _field(network, "nodes")
    edges = _field(network, "edges")
    if nodes is None or edges is None:
        raise ValueError("network needs 'nodes' (k, 2) and 'edges' (e, 2)")
    nodes = _as_xy(nodes, "network nodes")
    crs = _field(network, "crs")
    if crs is not None:
        transformer = _to_metric(CRS.from_user_input(crs))
        if transformer is not None:
            nodes = _transform(transformer, nodes, "network nodes")
    if len(nodes) == 0:
        raise ValueError("network has no nodes")
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) and (edges.min() < 0 or edges.max() >= len(nodes)):
        raise ValueError("network edges refer to nodes that do not exist")
    lengths = _field(network, "lengths")
    if lengths is None:
        lengths = np.hypot(*(nodes[edges[:, 0]] - nodes[edges[:, 1]]).T)
    else:
        lengths = np.asarray(lengths, dtype=np.float64)
        if lengths.shape != (len(edges),) or not np.isfinite(lengths).all() or (lengths < 0).any():
            raise ValueError("network lengths must be finite, >= 0 and one per edge")
    a = np.minimum(edges[:, 0], edges[:, 1])
    b = np.maximum(edges[:, 0], edges[:, 1])
    loop = a == b
    a, b, lengths = a[~loop], b[~loop], lengths[~loop]
    # Parallel edges: keep the shortest (a COO -> CSR conversion would add them up).
    order = np.lexsort((lengths, b, a))
    a, b, lengths = a[order], b[order], lengths[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    graph = _csr_from_triplets(a[first], b[first], lengths[first], (len(nodes), len(nodes)))
    return nodes, graph
