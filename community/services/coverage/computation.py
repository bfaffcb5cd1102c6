"""The review computed from the loaded frames: pure (no Flask, no database), the spatial work in ``geo/``.

``make_area_base`` and ``make_base`` prepare what does not depend on the parameters
(indicators per area, demand points; offers and their kinds, projected once); ``build`` computes the review for
one parameter set from it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from geo import coverage as geo_coverage
from geo import need as geo_need
from geo.areas import assign_points
from geo.crs import METRIC
from geo.distance import project_metric

from ... import taxonomy
from .blind_spots import GROUP_INDICATORS, area_blind_spots, models_in_reach
from .parameters import LEVELS, ReviewParams

# Counted indicators (summed when an area's figure is derived from the areas inside it);
# the others are rates or index values (population-weighted mean).
COUNT_INDICATORS = ("population", "population_65_plus", "children_0_11", "single_person_households")
AVERAGED_INDICATORS = ("deprivation_index", "median_income")
SHOWN_INDICATORS = ("population_65_plus", "children_0_11", "single_person_households", "deprivation_index",
                    "median_income", "bimd_decile")


@dataclass
class Coverage:
    params: ReviewParams
    version: tuple
    computed_at: datetime
    areas: pd.DataFrame  # one row per area (all levels), index code
    geometries: gpd.GeoDataFrame  # EPSG:4326, index code
    offers: pd.DataFrame  # one row per initiative at a place
    in_reach: dict  # level -> boolean (areas of the level, in order) x offers: within reach of the area
    reach: dict  # area code -> {kind: share of residents}
    activities_logged: bool
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)
    norms: list = field(default_factory=list)
    shapes: dict = field(default_factory=dict)  # code -> GeoJSON outline for the map

    def level(self, level: str) -> pd.DataFrame:
        return self.areas[self.areas["level"] == level]


@dataclass
class Base:
    """What does not depend on the parameters: areas, indicators, demand points and offers."""

    areas: pd.DataFrame
    geometries: gpd.GeoDataFrame
    indicators: pd.DataFrame
    points: gpd.GeoDataFrame
    offers: pd.DataFrame
    supply: gpd.GeoDataFrame
    flags: pd.DataFrame
    shapes: dict


class NoProgress:
    def start(self, total: int, label: str = "") -> None: ...
    def advance(self, steps: int = 1) -> None: ...
    def finish(self) -> None: ...


@dataclass
class AreaBase:
    """What only the areas, their figures and the addresses decide (kept while those do not change)."""

    areas: pd.DataFrame
    geometries: gpd.GeoDataFrame
    indicators: pd.DataFrame
    points: gpd.GeoDataFrame  # demand points, EPSG:31370
    shapes: dict  # code -> GeoJSON geometry for the map (``map_shapes``)


def make_area_base(areas: pd.DataFrame, geometries: gpd.GeoDataFrame, indicator_values: pd.DataFrame,
                   address_xy: np.ndarray | None) -> AreaBase:
    indicators = indicator_table(indicator_values, areas)
    return AreaBase(areas, geometries, indicators, demand_points(areas, geometries, indicators, address_xy),
                    map_shapes(geometries))


MAP_TOLERANCE, MAP_DECIMALS = 0.0001, 5  # degrees: about 10 m, and coordinates to about 1 m


def map_shapes(geometries: gpd.GeoDataFrame) -> dict:
    """code -> the area's outline for the review map: simplified, coordinates rounded; made once per areas."""
    simplified = shapely.simplify(geometries.geometry.values, MAP_TOLERANCE, preserve_topology=True)
    coordinates = shapely.get_coordinates(simplified)
    rounded = np.fromiter((round(v, MAP_DECIMALS) for v in coordinates.ravel().tolist()), dtype=float,
                          count=coordinates.size).reshape(coordinates.shape)
    simplified = shapely.set_coordinates(simplified.copy(), rounded)
    return {code: json.loads(shapely.to_geojson(geom)) if geom is not None else None
            for code, geom in zip(geometries.index, simplified)}


def make_base(area_base: AreaBase, offers: pd.DataFrame) -> Base:
    """The base of every review: the area part and the offers, projected once (EPSG:31370) for the pair search."""
    x, y = project_metric(offers["lon"].to_numpy(dtype=float), offers["lat"].to_numpy(dtype=float))
    supply = gpd.GeoDataFrame(offers.assign(capacity=1.0), geometry=gpd.points_from_xy(x, y), crs=METRIC)
    return Base(area_base.areas, area_base.geometries, area_base.indicators, area_base.points, offers, supply,
                offer_flags(offers), area_base.shapes)


def indicator_table(long: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Latest value per area and indicator; missing figures derived from the areas inside, where complete."""
    if long.empty:
        table = pd.DataFrame(index=areas.index)
        table["__years"] = ""
        return table
    latest = long.sort_values("year").groupby(["code", "indicator"]).last()
    table = latest["value"].unstack("indicator").reindex(areas.index)
    years = latest["year"].groupby("code").agg(lambda y: "–".join(sorted({str(int(v)) for v in y})))
    table["__years"] = years.reindex(areas.index).fillna("")
    # Fill a missing figure from the children (sectors -> district -> municipality) only when
    # every child has it: a partial sum would look like a real, too small figure.
    for level, child_level in (("district", "sector"), ("municipality", "district")):
        children = areas[areas["level"] == child_level]
        for code in areas.index[areas["level"] == level]:
            kids = children.index[children["parent"] == code]
            if not len(kids):
                continue
            sub = table.loc[kids]
            pop = sub.get("population")
            for name in COUNT_INDICATORS:
                if name in table.columns and pd.isna(table.at[code, name]) and sub[name].notna().all():
                    table.at[code, name] = sub[name].sum()
            for name in AVERAGED_INDICATORS:
                if (name in table.columns and pd.isna(table.at[code, name]) and pop is not None
                        and sub[name].notna().all() and pop.notna().all() and pop.sum() > 0):
                    table.at[code, name] = float((sub[name] * pop).sum() / pop.sum())
    return table


def _chain(areas: pd.DataFrame, code) -> dict:
    """The area and every area it lies in, by level (None for a level it has no area of)."""
    codes = {lvl: None for lvl in LEVELS}
    while code is not None and code in areas.index:
        codes[areas.at[code, "level"]] = code
        code = areas.at[code, "parent"]
    return codes


def demand_points(areas: pd.DataFrame, geometries: gpd.GeoDataFrame, indicators: pd.DataFrame,
                  address_xy: np.ndarray | None) -> gpd.GeoDataFrame:
    """Demand points at the finest level with a population, with the area code of each level."""
    population = indicators.get("population", pd.Series(np.nan, index=areas.index))
    has_pop = population.notna() & (population > 0)
    base: list[str] = []
    covered: set[str] = set()
    for level in ("sector", "district", "municipality"):
        for code in areas.index[areas["level"] == level]:
            if code in covered or not has_pop.get(code, False):
                continue
            base.append(code)
            # An area with its own population covers its parents' population too.
            covered.update(c for c in _chain(areas, code).values() if c is not None)
    # A parent is covered when at least one child carries population; children without a
    # figure then have no residents in the picture (they show "no data").
    frame = gpd.GeoDataFrame({"code": base, "population": population.reindex(base).to_numpy()},
                             geometry=geometries.geometry.reindex(base).to_numpy(), crs="EPSG:4326")
    addresses = None
    if address_xy is not None:
        addresses = gpd.GeoDataFrame(geometry=gpd.points_from_xy(address_xy[:, 0], address_xy[:, 1]),
                                     crs="EPSG:4326")
    points = geo_coverage.demand_points(frame, addresses=addresses)
    chain = {code: _chain(areas, code) for code in base}
    for level in LEVELS:
        points[level] = points["area_code"].map({c: codes[level] for c, codes in chain.items()})
    return points


def offer_flags(offers: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per kind of offer whose reach is measured."""
    flags = pd.DataFrame(index=offers.index)
    flags["any"] = True
    flags["bonding"] = offers["tie_type"].isin(["bonding", "both"])
    flags["bridging"] = offers["tie_type"].isin(["bridging", "both"])
    flags["free_with_children"] = offers["free"] & offers["childcare"]
    flags["free"] = offers["free"]
    flags["evening"] = offers["evening"]
    flags["weekend"] = offers["weekend"]
    for code in taxonomy.WORKING_MODELS.codes:
        flags["model:" + code] = offers["models"].map(lambda ms, c=code: c in ms).astype(bool)
    for code in taxonomy.TARGET_GROUPS.codes:
        flags["group:" + code] = offers["groups"].map(lambda gs, c=code: c in gs).astype(bool)
    return flags.astype(bool)


def place_activities(frame: pd.DataFrame, areas: pd.DataFrame, geometries: gpd.GeoDataFrame) -> pd.DataFrame:
    """The loaded activities with the area of each level they took place in."""
    frame = frame.reset_index(drop=True)
    if frame.empty:
        for level in LEVELS:
            frame[level] = pd.Series(dtype=object)
        return frame
    known = frame["lon"].notna() & frame["lat"].notna()
    for level in LEVELS:
        codes = np.full(len(frame), None, dtype=object)
        shapes = geometries.loc[areas.index[areas["level"] == level]].reset_index()
        if known.any() and len(shapes):
            codes[known.to_numpy()] = assign_points(frame.loc[known, "lon"], frame.loc[known, "lat"],
                                                    shapes, code_col="code")
        frame[level] = codes
    # Without a location, the district stored on the activity still places it (and its municipality).
    for i in np.flatnonzero(~known.to_numpy()):
        for level, code in _chain(areas, frame.at[i, "area_code"]).items():
            if code is not None:
                frame.at[i, level] = code
    return frame


def build(params: ReviewParams, version: tuple, base: Base, activities: pd.DataFrame, logged: bool,
          norms: list, progress=None) -> Coverage:
    """The review for ``params`` from ``base`` and the placed activities of the period."""
    progress = progress or NoProgress()
    progress.start(5, "coverage")
    areas, indicators, points, offers = base.areas, base.indicators, base.points, base.offers
    progress.advance()
    pairs = geo_coverage.offer_pairs(points, base.supply, params.distance)  # one search for all below
    scores = geo_coverage.point_access(points, base.supply, method=params.method, max_distance=params.distance,
                                       pairs=pairs)
    progress.advance()
    reach_matrix = geo_coverage.reach_matrix(points, base.supply, params.distance, pairs=pairs)
    progress.advance()
    frames, in_reach, reach = [], {}, {}
    for level in LEVELS:
        codes = areas.index[areas["level"] == level]
        if not len(codes):
            continue
        groups = points[level]
        has = groups.notna().to_numpy()
        rows = np.flatnonzero(has)
        access = geo_coverage.area_access(points["population"][has], scores[has], groups[has],
                                          method=params.method)
        shares = geo_coverage.reach_shares(reach_matrix[rows], points["population"][has], groups[has], base.flags)
        for code, row in shares.iterrows():
            reach[code] = row.to_dict()
        in_reach[level] = geo_coverage.area_offers(reach_matrix[rows], groups[has].to_numpy(), codes)
        own = indicators.reindex(codes)
        need = geo_need.need_index(own, dict(params.weights))
        gap = geo_need.coverage_gap(need, access["supply_mass"])
        frame = pd.DataFrame(index=codes).join(need.drop(columns=["need_share"])).join(gap)
        frame = frame.join(access.drop(columns=["population"]))
        for name in SHOWN_INDICATORS:
            frame["ind_" + name] = own.get(name, pd.Series(np.nan, index=codes))
        frame["indicator_years"] = own["__years"]
        _add_offer_columns(frame, offers, in_reach[level], level)
        _add_activity_columns(frame, activities, level, logged)
        _add_norm_columns(frame, offers, level, norms)
        _add_group_columns(frame)
        frames.append(frame)
    progress.advance()
    table = areas.join(pd.concat(frames), how="left")
    table["models_in_reach"] = [models_in_reach(reach[c]) if c in reach else np.nan for c in table.index]
    table["blind_spots"] = [area_blind_spots(code, row, reach) for code, row in table.iterrows()]
    progress.advance()
    progress.finish()
    return Coverage(params=params, version=version, computed_at=datetime.now(timezone.utc), areas=table,
                    geometries=base.geometries, offers=offers, in_reach=in_reach, reach=reach,
                    activities_logged=logged, activities=activities, norms=list(norms), shapes=base.shapes)


# ---------------------------------------------------------------- columns


def _add_offer_columns(frame: pd.DataFrame, offers: pd.DataFrame, reached: sp.csr_matrix, level: str) -> None:
    """Counts in the area, and what the distinct initiatives within reach are like (``reached``: areas x offers)."""
    column = "in_" + level
    inside = offers[offers[column].notna()]
    for name, key in (("initiatives_in_area", "initiative_id"), ("organisations_in_area", "organisation_id")):
        counts = inside.groupby(column)[key].nunique() if len(inside) else pd.Series(dtype=int)
        frame[name] = counts.reindex(frame.index).fillna(0).astype(int).to_numpy()
    shares = ("free_share", "childcare_share", "verified_share", "accessibility_unknown_share")
    if not len(offers):
        frame["initiatives_in_reach"] = 0.0
        for name in shares + ("bonding_count", "bridging_count"):
            frame[name] = np.nan
        return
    # Each initiative once (its first offer, as drop_duplicates keeps it): areas x initiatives.
    ids, which = np.unique(offers["initiative_id"].to_numpy(), return_inverse=True)
    first = offers.drop_duplicates("initiative_id").set_index("initiative_id").reindex(ids)
    per_initiative = sp.csr_matrix((np.ones(len(offers)), (np.arange(len(offers)), which)),
                                   shape=(len(offers), len(ids)))
    reached = reached.astype(float)
    initiatives = reached @ per_initiative
    initiatives.data[:] = 1.0
    n = np.asarray(initiatives.sum(axis=1)).ravel()
    offers_n = np.asarray(reached.sum(axis=1)).ravel()
    some = n > 0

    def mean_of(values, over, count):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(some, over @ np.asarray(values, dtype=float) / count, np.nan)

    frame["initiatives_in_reach"] = n
    frame["free_share"] = mean_of(first["free"], initiatives, n)
    frame["childcare_share"] = mean_of(first["childcare"], initiatives, n)
    frame["verified_share"] = mean_of(first["verified"], initiatives, n)
    frame["accessibility_unknown_share"] = mean_of(offers["accessibility_unknown"], reached, offers_n)
    for name, kinds in (("bonding_count", ["bonding", "both"]), ("bridging_count", ["bridging", "both"])):
        frame[name] = np.where(some, initiatives @ first["tie_type"].isin(kinds).to_numpy(dtype=float), np.nan)


def _add_activity_columns(frame: pd.DataFrame, activities: pd.DataFrame, level: str, logged: bool) -> None:
    if not logged:
        frame["activities"] = np.nan
        frame["participants"] = np.nan
        frame["new_participants"] = np.nan
    else:
        placed = activities[activities[level].notna()] if len(activities) else activities
        if len(placed):
            summed = placed.groupby(level).agg(activities=("participants", "size"),
                                               participants=("participants", "sum"), new=("new", "sum"))
            summed = summed.reindex(frame.index).fillna(0).astype(int)
        else:
            summed = pd.DataFrame(0, index=frame.index, columns=["activities", "participants", "new"])
        frame["activities"] = summed["activities"].to_numpy()
        frame["participants"] = summed["participants"].to_numpy()
        frame["new_participants"] = summed["new"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pop = frame["population"].where(frame["population"] > 0)
        frame["activities_per_1000"] = frame["activities"] / pop * 1000
        frame["participants_per_1000"] = frame["participants"] / pop * 1000


def _add_norm_columns(frame: pd.DataFrame, offers: pd.DataFrame, level: str, norms) -> None:
    for norm in norms:
        code = norm["code"]
        if len(offers):
            fits = offers["place_kind"].isin(norm.get("place_kinds") or offers["place_kind"].unique())
            models = set(norm.get("working_models") or ())
            if models:
                fits &= offers["models"].map(lambda ms: bool(models & set(ms)))
            present = offers[fits].groupby("in_" + level)["place_id"].nunique()
        else:
            present = pd.Series(dtype=float)
        result = geo_need.planning_norm(frame["population"], present.reindex(frame.index).fillna(0),
                                        float(norm["per_inhabitants"]))
        frame["norm_" + code + "_required"] = result["required"]
        frame["norm_" + code + "_present"] = result["present"]
        frame["norm_" + code + "_shortfall"] = result["shortfall"]


def _add_group_columns(frame: pd.DataFrame) -> None:
    """Each group's share of the residents and its ratio to the level's average."""
    pop = frame["population"]
    for group, indicator in GROUP_INDICATORS.items():
        counts = frame["ind_" + indicator]
        ok = counts.notna() & pop.notna() & (pop > 0)
        share = (counts / pop).where(ok)
        average = counts[ok].sum() / pop[ok].sum() if ok.any() and pop[ok].sum() > 0 else np.nan
        frame["share_" + group] = share
        frame["ratio_" + group] = share / average if average and np.isfinite(average) else np.nan
