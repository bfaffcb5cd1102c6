"""Coverage of neighbourhood offers per area: demand points, access per area, reach of offer kinds.

Pure functions on (Geo)DataFrames; no Flask, no database. Distances are metres in
Belgian Lambert 72 (EPSG:31370); frames may come in any CRS but must have one.

The picture is built from *demand points* (where people live: address points
carrying an equal part of their area's population, or points sampled evenly
inside the area when it has too few addresses) and *offers* (supply points:
initiatives at meeting places). Every area measure is a population-weighted
summary over the demand points that lie in the area, so districts and sectors
are measured the same way and an area's number does not depend on where its
boundary cuts an offer's walking circle.
"""

from __future__ import annotations

import math
import zlib

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from .accessibility import cumulative_opportunities, gaussian, nearest_distance, pairs_within, two_step_fca
from .areas import assign_points, sample_points_inside
from .crs import METRIC, WGS84, normalize_crs, to_wgs84
from .distance import project_metric

#: Access methods. ``2sfca``: two-step floating catchment (capacity per resident in
#: reach); ``e2sfca``: the same with Gaussian distance decay; ``cumulative``: number
#: of offers in reach; ``nearest``: straight-line metres to the nearest offer.
METHODS = ("2sfca", "e2sfca", "cumulative", "nearest")


# ---------------------------------------------------------------- demand points


def demand_points(
    areas: gpd.GeoDataFrame,
    *,
    code_col: str = "code",
    population_col: str = "population",
    addresses: gpd.GeoDataFrame | None = None,
    min_addresses: int = 10,
    residents_per_point: float = 25.0,
    max_points_per_area: int = 2000,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Points where the residents of each area live, each carrying part of its population.

    ``areas``: polygons with a code and a population (NaN: unknown, no points;
    0: nobody lives there, no points). When ``addresses`` (points) are given and an
    area holds at least ``min_addresses`` of them, its population is split evenly
    over its addresses. Otherwise ``ceil(population / residents_per_point)`` points
    (at most ``max_points_per_area``) are drawn uniformly inside the area with a
    generator seeded by the area code and ``seed``, so the result is the same on
    every run. Returns columns ``area_code``, ``population`` and ``source``
    (``address`` or ``sampled``) in EPSG:31370; the populations of an area's points
    add up to its population.
    """
    _need_crs(areas, "areas")
    for col in (code_col, population_col):
        if col not in areas.columns:
            raise ValueError(f"areas has no column {col!r}")
    if residents_per_point <= 0:
        raise ValueError("residents_per_point must be > 0")
    metric = areas.to_crs(METRIC)
    counts_by_area: dict = {}
    address_xy: dict = {}
    if addresses is not None and len(addresses):
        _need_crs(addresses, "addresses")
        # Coordinates are transformed as arrays: building 100,000 new point objects
        # (GeoDataFrame.to_crs) costs more than the rest together.
        lonlat = shapely.get_coordinates(addresses.geometry.values)
        if normalize_crs(addresses.crs) != WGS84:
            lonlat = np.column_stack(to_wgs84(lonlat[:, 0], lonlat[:, 1], addresses.crs))
        codes = assign_points(lonlat[:, 0], lonlat[:, 1], areas.to_crs(WGS84), code_col=code_col)
        x, y = project_metric(lonlat[:, 0], lonlat[:, 1])
        frame = pd.DataFrame({"area": codes, "x": x, "y": y}).dropna(subset=["area"])
        for code, group in frame.groupby("area", sort=False):
            address_xy[code] = group[["x", "y"]].to_numpy()
            counts_by_area[code] = len(group)
    parts_area, parts_pop, parts_xy, parts_source = [], [], [], []
    for code, population, geom in zip(metric[code_col], metric[population_col], metric.geometry):
        population = float(population) if population is not None else math.nan
        if not np.isfinite(population) or population <= 0 or geom is None or geom.is_empty:
            continue
        if counts_by_area.get(code, 0) >= min_addresses:
            xy = address_xy[code]
            source = "address"
        else:
            n = int(min(max_points_per_area, max(1, math.ceil(population / residents_per_point))))
            rng = np.random.default_rng([zlib.crc32(str(code).encode("utf-8")), int(seed)])
            xy = sample_points_inside(geom, n, rng)
            source = "sampled"
        parts_area.append(np.full(len(xy), code, dtype=object))
        parts_pop.append(np.full(len(xy), population / len(xy)))
        parts_xy.append(xy)
        parts_source.append(np.full(len(xy), source, dtype=object))
    if not parts_xy:
        return gpd.GeoDataFrame({"area_code": [], "population": [], "source": []},
                                geometry=gpd.GeoSeries([], crs=METRIC), crs=METRIC)
    xy = np.concatenate(parts_xy)
    return gpd.GeoDataFrame(
        {"area_code": np.concatenate(parts_area), "population": np.concatenate(parts_pop),
         "source": np.concatenate(parts_source)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=METRIC)


# ---------------------------------------------------------------- access per point and per area


def point_access(
    points: gpd.GeoDataFrame,
    supply: gpd.GeoDataFrame,
    *,
    method: str,
    max_distance: float,
    population_col: str = "population",
    capacity_col: str = "capacity",
    pairs: sp.csr_matrix | None = None,
) -> pd.DataFrame:
    """Per demand point: ``score`` of ``method``, ``nearest_m`` and ``within`` (an offer within reach).

    ``score`` is the 2SFCA / E2SFCA value (capacity per resident), the number of
    offers in reach (``cumulative``, weighted by capacity), or the distance to
    the nearest offer (``nearest``; ``inf`` without any offer). ``pairs``: the
    result of ``offer_pairs`` for the same frames and distance, to search once.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    nearest = nearest_distance(points, supply)
    within = nearest.to_numpy() <= float(max_distance)
    if method == "2sfca":
        score = two_step_fca(points, supply, max_distance=max_distance, demand_col=population_col,
                             supply_col=capacity_col, pairs=pairs)
    elif method == "e2sfca":
        score = two_step_fca(points, supply, max_distance=max_distance, demand_col=population_col,
                             supply_col=capacity_col, decay=gaussian(max_distance), pairs=pairs)
    elif method == "cumulative":
        score = cumulative_opportunities(points, supply, max_distance=max_distance,
                                         supply_col=capacity_col, pairs=pairs)
    else:
        score = nearest
    return pd.DataFrame({"score": score.to_numpy(dtype=float), "nearest_m": nearest.to_numpy(),
                         "within": within}, index=points.index)


def area_access(population: pd.Series, scores: pd.DataFrame, groups: pd.Series, *, method: str) -> pd.DataFrame:
    """Population-weighted summary of ``point_access`` per area (``groups``: area code per point).

    Columns: ``population`` (of the points), ``access`` (weighted mean score),
    ``share_within`` (share of residents with an offer within reach),
    ``nearest_m`` (weighted mean distance to the nearest offer; NaN without offers)
    and ``supply_mass``, the area's part of the offer used to compare with its
    part of the need: ``sum P_i * A_i`` for 2SFCA/E2SFCA (for 2SFCA these add up,
    over all areas, to the capacity that anyone can reach), ``sum P_i * offers_i``
    for cumulative, and the residents within reach for nearest.
    """
    pop = population.to_numpy(dtype=float)
    score = scores["score"].to_numpy(dtype=float)
    nearest = scores["nearest_m"].to_numpy(dtype=float)
    within = scores["within"].to_numpy(dtype=bool)
    finite = np.isfinite(nearest)
    frame = pd.DataFrame({
        "area": groups.to_numpy(),
        "population": pop,
        "pop_within": pop * within,
        "pop_score": pop * np.where(np.isfinite(score), score, 0.0),
        "pop_nearest": pop * np.where(finite, nearest, 0.0),
        "pop_finite": pop * finite,
    })
    summed = frame.groupby("area", sort=True).sum()
    out = pd.DataFrame(index=summed.index)
    out["population"] = summed["population"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_within"] = summed["pop_within"] / summed["population"]
        out["nearest_m"] = np.where(summed["pop_finite"] > 0, summed["pop_nearest"] / summed["pop_finite"], np.nan)
        if method == "nearest":
            out["access"] = out["nearest_m"]
            out["supply_mass"] = summed["pop_within"]
        else:
            out["access"] = summed["pop_score"] / summed["population"]
            out["supply_mass"] = summed["pop_score"]
    out.index.name = "area"
    return out


# ---------------------------------------------------------------- what kinds of offer people reach


def offer_pairs(points: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, max_distance: float) -> sp.csr_matrix:
    """Distances (m) of the (points x offers) pairs within ``max_distance`` (``pairs_within``).

    One search that ``point_access`` and ``reach_matrix`` can share (``pairs=``).
    Frames already in EPSG:31370 are not projected again.
    """
    _need_crs(points, "points")
    _need_crs(supply, "supply")
    return pairs_within(_metric_xy(points), _metric_xy(supply), max_distance)


def _metric_xy(frame: gpd.GeoDataFrame) -> np.ndarray:
    metric = frame if normalize_crs(frame.crs) == METRIC else frame.to_crs(METRIC)
    return shapely.get_coordinates(metric.geometry.values).reshape(-1, 2)


def reach_matrix(points: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, max_distance: float,
                 pairs: sp.csr_matrix | None = None) -> sp.csr_matrix:
    """Boolean (points x offers) matrix: offer j is within ``max_distance`` of point i."""
    if pairs is None:
        pairs = offer_pairs(points, supply, max_distance)
    # The pair structure is the membership (a pair at 0 m is an explicit zero): keep it.
    return sp.csr_matrix((np.ones(pairs.nnz, dtype=bool), pairs.indices, pairs.indptr), shape=pairs.shape)


def reach_shares(reach: sp.csr_matrix, population, groups, flags: pd.DataFrame) -> pd.DataFrame:
    """Per area and per flag: the share of residents with at least one flagged offer in reach.

    ``flags``: one boolean column per kind of offer (e.g. ``model:peer``,
    ``free_with_children``), one row per offer in the order of ``reach``'s columns.
    Areas whose points carry no population get NaN.
    """
    pop = np.asarray(population, dtype=float)
    flag_values = flags.to_numpy(dtype=float) if len(flags.columns) else np.zeros((reach.shape[1], 0))
    if flag_values.size:
        hits = (reach.astype(float) @ flag_values) > 0
    else:  # no offers (or no kinds): nobody reaches any kind
        hits = np.zeros((reach.shape[0], flag_values.shape[1]), dtype=bool)
    frame = pd.DataFrame(hits * pop[:, None], columns=flags.columns)
    frame["__population"] = pop
    frame["__area"] = np.asarray(groups)
    summed = frame.groupby("__area", sort=True).sum()
    total = summed.pop("__population")
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = summed.div(total.where(total > 0), axis=0)
    shares.index.name = "area"
    return shares


def area_offers(reach: sp.csr_matrix, groups, areas) -> sp.csr_matrix:
    """Boolean (areas x offers): offer j is within reach of at least one point of ``areas[i]``.

    ``groups``: the area of each row (point) of ``reach``; points of an area not in
    ``areas`` are left out. One sparse product, however many areas.
    """
    position = pd.Index(areas).get_indexer(np.asarray(groups, dtype=object))
    keep = np.flatnonzero(position >= 0)
    member = sp.csr_matrix((np.ones(len(keep)), (position[keep], keep)), shape=(len(areas), reach.shape[0]))
    counts = (member @ reach.astype(float)).tocsr()
    counts.eliminate_zeros()
    return sp.csr_matrix((np.ones(counts.nnz, dtype=bool), counts.indices, counts.indptr), shape=counts.shape)


def offers_in_reach(reach: sp.csr_matrix, groups) -> dict:
    """Per area: the sorted offer positions (columns of ``reach``) within reach of any of its points."""
    groups = np.asarray(groups, dtype=object)
    areas = sorted(set(groups.tolist()))
    matrix = area_offers(reach, groups, areas)
    matrix.sort_indices()
    return {area: matrix.indices[matrix.indptr[i]:matrix.indptr[i + 1]].tolist()
            for i, area in enumerate(areas) if matrix.indptr[i + 1] > matrix.indptr[i]}


# ---------------------------------------------------------------- classes for the map


def quantile_classes(values, k: int = 5) -> tuple[list[float], np.ndarray]:
    """Quantile class breaks and the class (0..) of each value; -1 for NaN ("no data").

    Breaks are the upper bounds of the classes (the last is the maximum); equal
    quantiles are merged, so fewer than ``k`` classes come back when values tie.
    A value belongs to the first class whose upper bound it does not exceed.
    """
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values)
    classes = np.full(values.shape, -1, dtype=int)
    if not ok.any():
        return [], classes
    qs = np.quantile(values[ok], np.linspace(0, 1, k + 1)[1:])
    breaks = sorted(set(float(q) for q in qs))
    classes[ok] = np.searchsorted(np.asarray(breaks), values[ok], side="left")
    return breaks, classes


def _need_crs(frame, what: str) -> None:
    if getattr(frame, "crs", None) is None:
        raise ValueError(f"{what} has no CRS; set it (e.g. frame.set_crs('EPSG:4326')) first")


__all__ = [
    "METHODS", "area_access", "area_offers", "demand_points", "offer_pairs", "offers_in_reach", "point_access", "quantile_classes", "reach_matrix",
    "reach_shares",
]

