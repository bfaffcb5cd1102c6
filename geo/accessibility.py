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

Speed: pairs within ``d0`` are found by ``geo.pairs`` (a bucket grid of cell size
``d0 / 2``, in chunks over up to ``geo.pairs.MAX_THREADS`` threads; along a walking
network by ``geo.network``), and the two steps are two sparse matrix-vector products
over those pairs. See ``bench/README.md`` for measurements against PySAL access.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from .network import network_pairs_within
from .pairs import (  # noqa: F401  (pairs_within and the search's parts are used from here too)
    METRIC_CRS,
    _Grid,
    _check_distance,
    _kdtree_pairs,
    _pairs,
    _projected_xy,
    _source_xy,
    _threads,
    _transform,
    pairs_within,
)

__all__ = ["METRIC_CRS", "cumulative_opportunities", "gaussian", "linear", "nearest_distance",
           "network_pairs_within", "pairs_within", "two_step_fca"]


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
    pairs: sp.csr_matrix | None = None,
) -> pd.Series:
    """2SFCA (E2SFCA with ``decay``) access score per demand row, indexed like ``demand``.

    See the module docstring for the formula and the 0 conventions. ``decay`` is
    a callable on a float array of distances in metres returning weights >= 0
    (e.g. ``gaussian(max_distance)``). ``network``: see ``network_pairs_within``.
    ``pairs``: the (demand x supply) pairs within ``max_distance`` from
    ``pairs_within``, when the caller has them already (no second search).
    Raises ValueError for a frame without CRS, a missing column, or a value
    that is NaN, infinite or negative.
    """
    d0 = _check_distance(max_distance)
    population = _values(demand, demand_col, "demand")
    capacity = _values(supply, supply_col, "supply")
    dist = _given(pairs, demand, supply) if pairs is not None else _pairs_for(
        demand, supply, d0, network, need_distance=decay is not None)
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
    pairs: sp.csr_matrix | None = None,
) -> pd.Series:
    """Sum of ``supply_col`` (times ``decay(d)`` if given) over offers within ``max_distance``.

    Indexed like ``demand``; 0 where nothing is in reach. Equals PySAL access
    ``weighted_catchment(max_cost=max_distance, weight_fn=decay)`` (which gives NaN
    instead of 0). Use a column of ones to count offers. ``pairs``: as in ``two_step_fca``.
    """
    d0 = _check_distance(max_distance)
    capacity = _values(supply, supply_col, "supply")
    dist = _given(pairs, demand, supply) if pairs is not None else _pairs_for(
        demand, supply, d0, network, need_distance=decay is not None)
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


# ---------------------------------------------------------------- inputs and weights


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


def _given(pairs, demand, supply) -> sp.csr_matrix:
    shape = (len(demand), len(supply))
    if not sp.issparse(pairs) or pairs.shape != shape:
        raise ValueError(f"pairs must be a sparse matrix of shape {shape} (demand x supply)")
    return sp.csr_matrix(pairs)


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
