"""Coverage review: loads areas, indicators, offers and activities, calls geo/, and builds the tables.

How the numbers are made (shown on the review pages as "How this is calculated"):

* Demand: where people live. Each area's population (the finest level with a
  population figure: sectors, else the district) is spread evenly over its
  address points, or over points drawn evenly inside the area when it has fewer
  than 10 addresses (seeded by the area code: the same on every run).
* Supply: every active initiative at each meeting place where it is held
  (initiatives temporarily closed, inactive or archived do not count), each with
  capacity 1. Room capacities describe a room, not how many people an offer can
  take in, so they are not used.
* Access per area: the population-weighted mean over its demand points of the
  chosen method (see ``geo.coverage.METHODS``), with the share of residents
  having an offer within the distance and the mean distance to the nearest.
* Need per area: ``geo.need.need_index`` with the weights from the URL.
* Gap: need share minus supply share over the areas of one level, ranked.
* Offer profile and blind spots: for every kind of offer (working model, target
  group, bonding/bridging, free with children welcome, evening, weekend), the
  share of residents with such an offer within the distance; a kind counts as
  within reach when at least half of the residents have one.

Results are cached in the process per parameter set and data version.
"""
from __future__ import annotations

import csv
import io
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
from flask import current_app
from flask_babel import gettext, ngettext
from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from geo import coverage as geo_coverage
from geo import need as geo_need
from geo.areas import assign_points

from .. import taxonomy
from ..extensions import db
from ..models import (Activity, AddressPoint, Area, IndicatorValue, Initiative, InitiativeAtPlace,
                      InitiativeTerm, MeetingPlace, Organisation, Schedule)
from ..scheduling import TZ, matches_slot
from .spreadsheet import csv_safe
from .disclosure import THRESHOLD, is_small, protected_count, protected_value

LEVELS = ("municipality", "district", "sector")
METHODS = geo_coverage.METHODS
COUNTED_STATUSES = ("active",)
DISTANCE_RANGE = (100, 5000)
PERIOD_RANGE = (7, 730)
WEIGHT_RANGE = (0.0, 10.0)
MIN_REACH = 0.5
# Counted indicators (summed when an area's figure is derived from the areas inside it);
# the others are rates or index values (population-weighted mean).
COUNT_INDICATORS = ("population", "population_65_plus", "children_0_11", "single_person_households")
AVERAGED_INDICATORS = ("deprivation_index", "median_income")

#: Planning norms. ``per_inhabitants``: one per started N inhabitants. What counts:
#: meeting places of one of ``place_kinds`` hosting an active initiative with one of
#: ``working_models``. The default approximates a local service centre (lokaal
#: dienstencentrum): a community centre with an organisation-based offer. Override
#: with the BUURTKRACHT_COVERAGE_NORMS setting (a list of such dicts).
DEFAULT_NORMS = (
    {"code": "local_service_centre", "per_inhabitants": 15000, "place_kinds": ["community_centre"],
     "working_models": ["organisation"]},
)


def _norm_label(code: str) -> str:
    labels = {"local_service_centre": gettext("Local service centres (lokaal dienstencentrum), one per started %(n)s inhabitants")}
    return labels.get(code, code)


# ---------------------------------------------------------------- parameters


def weight_fields() -> list[tuple[str, str]]:
    """(indicator, label) of the need components that can be weighted, in order."""
    labels = {
        "deprivation_index": gettext("Deprivation index"),
        "population_65_plus": gettext("Residents aged 65 or over"),
        "children_0_11": gettext("Children aged 0 to 11"),
        "single_person_households": gettext("Single-person households"),
        "median_income": gettext("Median income (lower income, more need)"),
        "bimd_decile": gettext("BIMD decile (1 is the most deprived)"),
    }
    return [(c.indicator, labels[c.indicator]) for c in geo_need.DEFAULT_COMPONENTS]


DEFAULT_WEIGHTS = tuple(sorted(geo_need.default_weights().items()))


@dataclass(frozen=True)
class ReviewParams:
    """Everything that decides what the review shows; all of it lives in the URL."""

    level: str = "district"
    method: str = "2sfca"
    distance: int = 800
    period: int = 90
    weights: tuple[tuple[str, float], ...] = DEFAULT_WEIGHTS
    measure: str = "gap"
    sort: str = "rank"
    order: str = "asc"

    @property
    def compute_key(self) -> tuple:
        return (self.method, self.distance, self.period, self.weights)

    def query(self, **changes) -> dict:
        """Query parameters for a URL to this view (with some changed)."""
        p = replace(self, **changes)
        args = {"level": p.level, "method": p.method, "distance": p.distance, "period": p.period,
                "measure": p.measure}
        if p.sort != "rank" or p.order != "asc":
            args.update(sort=p.sort, order=p.order)
        if p.weights != DEFAULT_WEIGHTS:
            args.update({"w_" + k: _num(v) for k, v in p.weights})
        return args

    @property
    def shared_query(self) -> dict:
        """The parameters that change the numbers (for links to details, exports and reports)."""
        args = {"method": self.method, "distance": self.distance, "period": self.period}
        if self.weights != DEFAULT_WEIGHTS:
            args.update({"w_" + k: _num(v) for k, v in self.weights})
        return args


def _num(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    code: str
    worse: str  # "high": a high value asks for attention; "low": a low one does
    kind: str  # share | number | metres | index | count

    @property
    def label(self) -> str:
        return measure_labels()[self.code]


MEASURES = {m.code: m for m in (
    Measure("gap", "high", "signed_share"),
    Measure("need_index", "high", "index"),
    Measure("need_share", "high", "share"),
    Measure("supply_share", "low", "share"),
    Measure("ratio", "low", "index"),
    Measure("access", "low", "access"),
    Measure("share_within", "low", "share"),
    Measure("nearest_m", "high", "metres"),
    Measure("initiatives_in_area", "low", "count"),
    Measure("models_in_reach", "low", "count"),
    Measure("activities_per_1000", "low", "rate"),
)}
SORTS = ("rank", "name", "population") + tuple(MEASURES)


def measure_labels() -> dict[str, str]:
    return {
        "gap": gettext("Gap (need share minus offer share)"),
        "need_index": gettext("Need index (1 is the average)"),
        "need_share": gettext("Share of the need"),
        "supply_share": gettext("Share of the offer"),
        "ratio": gettext("Offer share per need share"),
        "access": gettext("Access score"),
        "share_within": gettext("Residents with an offer within walking distance"),
        "nearest_m": gettext("Mean distance to the nearest offer"),
        "initiatives_in_area": gettext("Initiatives held in the area"),
        "models_in_reach": gettext("Working models within reach"),
        "activities_per_1000": gettext("Activities per 1,000 residents"),
    }


def method_labels() -> dict[str, str]:
    return {
        "2sfca": gettext("Two-step floating catchment (offers per resident within the distance)"),
        "e2sfca": gettext("Two-step floating catchment with distance decay (nearer counts more)"),
        "cumulative": gettext("Number of offers within the distance"),
        "nearest": gettext("Distance to the nearest offer"),
    }


# ---------------------------------------------------------------- the computed review


@dataclass
class Coverage:
    params: ReviewParams
    version: tuple
    computed_at: datetime
    areas: pd.DataFrame  # one row per area (all levels), index code
    geometries: gpd.GeoDataFrame  # EPSG:4326, index code
    offers: pd.DataFrame  # one row per initiative at a place
    in_reach: dict  # level -> {area code: [offer positions]}
    reach: dict  # area code -> {kind: share of residents}
    activities_logged: bool
    activities: pd.DataFrame = field(default_factory=pd.DataFrame)
    norms: list = field(default_factory=list)

    def level(self, level: str) -> pd.DataFrame:
        return self.areas[self.areas["level"] == level]


_cache_lock = threading.Lock()
CACHE_SIZE = 16


def data_version() -> tuple:
    """Changes whenever anything the review reads changes (and every day: periods move)."""
    def one(*columns):
        return tuple(db.session.execute(select(*columns)).one())
    return (
        datetime.now(TZ).date().isoformat(),
        one(func.count(Initiative.id), func.max(Initiative.updated_at)),
        one(func.count(MeetingPlace.id), func.max(MeetingPlace.updated_at)),
        one(func.count(InitiativeAtPlace.id)), one(func.count(Schedule.id)),
        one(func.count(InitiativeTerm.code)),
        one(func.count(Area.id), func.max(Area.created_at)),
        one(func.count(IndicatorValue.id), func.sum(IndicatorValue.value)),
        one(func.count(Activity.id), func.max(Activity.updated_at)),
        one(func.count(AddressPoint.id), func.max(AddressPoint.id)),
    )


def compute(params: ReviewParams, progress=None) -> Coverage:
    """The review for ``params`` (cached per data version and parameter set)."""
    version = data_version()
    key = (version, params.compute_key)
    cache = current_app.extensions.setdefault("buurtkracht_coverage", OrderedDict())
    with _cache_lock:
        if key in cache:
            cache.move_to_end(key)
            return replace(cache[key], params=params)
    result = _compute(params, version, progress or _NoProgress())
    with _cache_lock:
        cache[key] = result
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return replace(result, params=params)


class _NoProgress:
    def start(self, total: int, label: str = "") -> None: ...
    def advance(self, steps: int = 1) -> None: ...
    def finish(self) -> None: ...


@dataclass
class _Base:
    """What does not depend on the parameters: areas, indicators, demand points and offers."""

    areas: pd.DataFrame
    geometries: gpd.GeoDataFrame
    indicators: pd.DataFrame
    points: gpd.GeoDataFrame
    offers: pd.DataFrame
    supply: gpd.GeoDataFrame
    flags: pd.DataFrame


def _base(version: tuple) -> _Base:
    cache = current_app.extensions.setdefault("buurtkracht_coverage_base", OrderedDict())
    with _cache_lock:
        if version in cache:
            return cache[version]
    areas, geometries = _load_areas()
    indicators = _load_indicators(areas)
    points = _demand_points(areas, geometries, indicators)
    offers = _load_offers(areas)
    supply = gpd.GeoDataFrame(offers.assign(capacity=1.0),
                              geometry=gpd.points_from_xy(offers["lon"], offers["lat"]), crs="EPSG:4326")
    base = _Base(areas, geometries, indicators, points, offers, supply, _offer_flags(offers))
    with _cache_lock:
        cache[version] = base
        while len(cache) > 2:
            cache.popitem(last=False)
    return base


def _compute(params: ReviewParams, version: tuple, progress) -> Coverage:
    progress.start(5, "coverage")
    base = _base(version)
    areas, indicators, points, offers = base.areas, base.indicators, base.points, base.offers
    progress.advance()
    scores = geo_coverage.point_access(points, base.supply, method=params.method, max_distance=params.distance)
    progress.advance()
    reach_matrix = geo_coverage.reach_matrix(points, base.supply, params.distance)
    flags = base.flags
    progress.advance()
    activities, logged = _activities(areas, base.geometries, params.period)
    norms = current_app.config.get("BUURTKRACHT_COVERAGE_NORMS") or DEFAULT_NORMS
    frames, in_reach, reach = [], {}, {}
    for level in LEVELS:
        codes = areas.index[areas["level"] == level]
        if not len(codes):
            continue
        groups = points[level]
        has = groups.notna().to_numpy()
        access = geo_coverage.area_access(points["population"][has], scores[has], groups[has],
                                          method=params.method)
        shares = geo_coverage.reach_shares(reach_matrix[np.flatnonzero(has)], points["population"][has],
                                           groups[has], flags)
        for code, row in shares.iterrows():
            reach[code] = row.to_dict()
        in_reach[level] = geo_coverage.offers_in_reach(reach_matrix[np.flatnonzero(has)], groups[has].to_numpy())
        need = geo_need.need_index(indicators.reindex(codes), dict(params.weights))
        gap = geo_need.coverage_gap(need, access["supply_mass"])
        frame = pd.DataFrame(index=codes)
        frame = frame.join(need.drop(columns=["need_share"])).join(gap)
        frame = frame.join(access.drop(columns=["population"]))
        for name in ("population_65_plus", "children_0_11", "single_person_households", "deprivation_index",
                     "median_income", "bimd_decile"):
            frame["ind_" + name] = indicators.reindex(codes).get(name, pd.Series(np.nan, index=codes))
        frame["indicator_years"] = indicators.reindex(codes)["__years"]
        _add_offer_columns(frame, offers, in_reach[level], level)
        _add_activity_columns(frame, activities, level, logged)
        _add_norm_columns(frame, offers, level, norms)
        _add_group_columns(frame)
        frames.append(frame)
    progress.advance()
    table = areas.join(pd.concat(frames), how="left")
    table["models_in_reach"] = [
        sum(1 for m in taxonomy.WORKING_MODELS.codes if reach.get(c, {}).get("model:" + m, 0) >= MIN_REACH)
        if c in reach else np.nan for c in table.index]
    table["blind_spots"] = [_blind_spots_for(code, row, reach) for code, row in table.iterrows()]
    progress.advance()
    progress.finish()
    return Coverage(params=params, version=version, computed_at=datetime.now(timezone.utc), areas=table,
                    geometries=base.geometries, offers=offers, in_reach=in_reach, reach=reach,
                    activities_logged=logged, activities=activities, norms=list(norms))


# ---------------------------------------------------------------- loading


def _load_areas() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    rows = db.session.execute(select(Area.id, Area.code, Area.name, Area.level, Area.parent_id,
                                     Area.geometry, Area.is_generated).order_by(Area.code)).all()
    code_of = {r.id: r.code for r in rows}
    areas = pd.DataFrame({
        "code": [r.code for r in rows], "name": [r.name for r in rows], "level": [r.level for r in rows],
        "parent": [code_of.get(r.parent_id) for r in rows], "generated": [r.is_generated for r in rows],
    }).set_index("code")
    geometries = gpd.GeoDataFrame({"code": [r.code for r in rows]},
                                  geometry=[shape(json.loads(r.geometry)) for r in rows],
                                  crs="EPSG:4326").set_index("code")
    return areas, geometries


def _load_indicators(areas: pd.DataFrame) -> pd.DataFrame:
    """Latest value per area and indicator; missing figures derived from the areas inside, where complete."""
    rows = db.session.execute(select(Area.code, IndicatorValue.indicator, IndicatorValue.year,
                                     IndicatorValue.value).join(Area, IndicatorValue.area_id == Area.id)).all()
    long = pd.DataFrame(rows, columns=["code", "indicator", "year", "value"])
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


def _demand_points(areas: pd.DataFrame, geometries: gpd.GeoDataFrame, indicators: pd.DataFrame) -> gpd.GeoDataFrame:
    """Demand points at the finest level with a population, with the area code of each level."""
    population = indicators.get("population", pd.Series(np.nan, index=areas.index))
    has_pop = population.notna() & (population > 0)
    base: list[str] = []
    covered: set[str] = set()
    for level, parent_level in (("sector", "district"), ("district", "municipality"), ("municipality", None)):
        for code in areas.index[areas["level"] == level]:
            if code in covered:
                continue
            if has_pop.get(code, False):
                base.append(code)
                covered.add(code)
                # An area with its own population covers its parents' population too.
                parent = areas.at[code, "parent"]
                while parent is not None and parent in areas.index:
                    covered.add(parent)
                    parent = areas.at[parent, "parent"]
    # A parent is covered when at least one child carries population; children without a
    # figure then have no residents in the picture (they show "no data").
    frame = gpd.GeoDataFrame({"code": base, "population": population.reindex(base).to_numpy()},
                             geometry=geometries.geometry.reindex(base).to_numpy(), crs="EPSG:4326")
    rows = db.session.execute(select(AddressPoint.longitude, AddressPoint.latitude)).all()
    addresses = None
    if rows:
        # Column-wise: numpy reading 100,000 Row objects one by one takes about a second.
        lon, lat = zip(*rows)
        xy = np.column_stack([np.array(lon, dtype=float), np.array(lat, dtype=float)])
        addresses = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326")
    points = geo_coverage.demand_points(frame, addresses=addresses)
    chain = {}
    for code in base:
        codes = {lvl: None for lvl in LEVELS}
        current = code
        while current is not None and current in areas.index:
            codes[areas.at[current, "level"]] = current
            current = areas.at[current, "parent"]
        chain[code] = codes
    for level in LEVELS:
        points[level] = points["area_code"].map({c: codes[level] for c, codes in chain.items()})
    return points


def _load_offers(areas: pd.DataFrame) -> pd.DataFrame:
    stale_months = int(current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))
    fresh_from = datetime.now(TZ).date() - timedelta(days=round(stale_months * 30.44))
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.archived_at.is_(None), Initiative.status.in_(COUNTED_STATUSES))
        .options(selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules),
                 selectinload(Initiative.organisation)).order_by(Initiative.name)).all()
    rows = []
    for init in initiatives:
        for loc in init.locations:
            place = loc.place
            if place.archived_at is not None:
                continue
            rules = [s.recurrence() for s in loc.schedules]
            row = {
                "initiative_id": str(init.id), "name": init.name, "organisation": init.organisation.name,
                "organisation_id": str(init.organisation_id), "place": place.name, "place_id": str(place.id),
                "place_kind": place.kind, "lon": place.longitude, "lat": place.latitude,
                "models": init.working_models, "groups": init.target_groups, "tie_type": init.tie_type,
                "free": init.cost == "free",
                "childcare": init.childcare in ("children_welcome", "childcare_provided"),
                "evening": any(_safe_slot(r, None, "evening") for r in rules),
                "weekend": any(_safe_slot(r, 5, None) or _safe_slot(r, 6, None) for r in rules),
                "verified": init.last_verified is not None and init.last_verified >= fresh_from,
                "accessibility_unknown": init.wheelchair == "unknown" and place.wheelchair == "unknown",
            }
            for level in LEVELS:
                row["in_" + level] = place.area_code(level)
            rows.append(row)
    columns = ["initiative_id", "name", "organisation", "organisation_id", "place", "place_id", "place_kind",
               "lon", "lat", "models", "groups", "tie_type", "free", "childcare", "evening", "weekend",
               "verified", "accessibility_unknown"] + ["in_" + lvl for lvl in LEVELS]
    return pd.DataFrame(rows, columns=columns)


def _safe_slot(rule, weekday, part) -> bool:
    try:
        return matches_slot(rule, weekday, part)
    except ValueError:  # an invalid stored rule says nothing about evenings
        return False


def _offer_flags(offers: pd.DataFrame) -> pd.DataFrame:
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


def _activities(areas: pd.DataFrame, geometries: gpd.GeoDataFrame, period: int) -> tuple[pd.DataFrame, bool]:
    """Activities done in the last ``period`` days with the area of each level they took place in."""
    logged = db.session.scalar(select(func.count(Activity.id))) > 0
    since = datetime.now(timezone.utc) - timedelta(days=period)
    rows = db.session.scalars(select(Activity).where(Activity.status == "done", Activity.starts_at >= since,
                                                     Activity.starts_at <= datetime.now(timezone.utc))
                              .options(selectinload(Activity.place))).all()
    records = []
    for act in rows:
        rec = {"participants": act.participants or 0, "new": act.new_participants or 0,
               "partners": tuple(sorted(p.organisation.name for p in act.partners))}
        lon, lat = act.longitude, act.latitude
        if act.place is not None:
            lon, lat = act.place.longitude, act.place.latitude
        rec["lon"], rec["lat"] = lon, lat
        rec["area_id"] = act.area_id
        records.append(rec)
    frame = pd.DataFrame(records, columns=["participants", "new", "partners", "lon", "lat", "area_id"])
    if frame.empty:
        for level in LEVELS:
            frame[level] = pd.Series(dtype=object)
        return frame, logged
    geoms = {level: geometries.loc[areas.index[areas["level"] == level]].reset_index() for level in LEVELS}
    known = frame["lon"].notna() & frame["lat"].notna()
    for level in LEVELS:
        codes = np.full(len(frame), None, dtype=object)
        if known.any() and len(geoms[level]):
            codes[known.to_numpy()] = assign_points(frame.loc[known, "lon"], frame.loc[known, "lat"],
                                                    geoms[level], code_col="code")
        frame[level] = codes
    # Without a location, the district stored on the activity still places it (and its municipality).
    code_of = dict(db.session.execute(select(Area.id, Area.code)).all())
    for i in np.flatnonzero(~known.to_numpy()):
        code = code_of.get(frame.at[i, "area_id"])
        while code is not None and code in areas.index:
            frame.at[i, areas.at[code, "level"]] = code
            code = areas.at[code, "parent"]
    return frame, logged


# ---------------------------------------------------------------- columns


def _add_offer_columns(frame: pd.DataFrame, offers: pd.DataFrame, in_reach: dict, level: str) -> None:
    inside = offers[offers["in_" + level].notna()] if len(offers) else offers
    per_area = inside.groupby("in_" + level) if len(inside) else None
    frame["initiatives_in_area"] = [
        per_area.get_group(c)["initiative_id"].nunique() if per_area is not None and c in per_area.groups else 0
        for c in frame.index]
    frame["organisations_in_area"] = [
        per_area.get_group(c)["organisation_id"].nunique() if per_area is not None and c in per_area.groups else 0
        for c in frame.index]
    for name in ("initiatives_in_reach", "free_share", "childcare_share", "verified_share",
                 "accessibility_unknown_share", "bonding_count", "bridging_count"):
        frame[name] = np.nan
    for code in frame.index:
        positions = in_reach.get(code, [])
        sub = offers.iloc[positions] if positions else offers.iloc[0:0]
        unique = sub.drop_duplicates("initiative_id")
        n = len(unique)
        frame.at[code, "initiatives_in_reach"] = n
        if n:
            frame.at[code, "free_share"] = unique["free"].mean()
            frame.at[code, "childcare_share"] = unique["childcare"].mean()
            frame.at[code, "verified_share"] = unique["verified"].mean()
            frame.at[code, "accessibility_unknown_share"] = sub["accessibility_unknown"].mean()
            frame.at[code, "bonding_count"] = int(unique["tie_type"].isin(["bonding", "both"]).sum())
            frame.at[code, "bridging_count"] = int(unique["tie_type"].isin(["bridging", "both"]).sum())


def _add_activity_columns(frame: pd.DataFrame, activities: pd.DataFrame, level: str, logged: bool) -> None:
    if not logged:
        frame["activities"] = np.nan
        frame["participants"] = np.nan
        frame["new_participants"] = np.nan
    else:
        grouped = activities.groupby(level) if len(activities) else None
        frame["activities"] = [len(grouped.get_group(c)) if grouped is not None and c in grouped.groups else 0
                               for c in frame.index]
        frame["participants"] = [int(grouped.get_group(c)["participants"].sum())
                                 if grouped is not None and c in grouped.groups else 0 for c in frame.index]
        frame["new_participants"] = [int(grouped.get_group(c)["new"].sum())
                                     if grouped is not None and c in grouped.groups else 0 for c in frame.index]
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
    for group, indicator in geo_coverage.GROUP_INDICATORS.items():
        counts = frame["ind_" + indicator]
        ok = counts.notna() & pop.notna() & (pop > 0)
        share = (counts / pop).where(ok)
        average = counts[ok].sum() / pop[ok].sum() if ok.any() and pop[ok].sum() > 0 else np.nan
        frame["share_" + group] = share
        frame["ratio_" + group] = share / average if average and np.isfinite(average) else np.nan


def _blind_spots_for(code: str, row: pd.Series, reach: dict) -> list:
    if code not in reach:
        return []
    profile = {
        "reach": reach[code],
        "group_ratio": {g: row.get("ratio_" + g) for g in geo_coverage.GROUP_INDICATORS},
        "group_share": {g: row.get("share_" + g) for g in geo_coverage.GROUP_INDICATORS},
        "children": row.get("ind_children_0_11"),
        "verified_share": row.get("verified_share"),
        "offers_in_reach": row.get("initiatives_in_reach") or 0,
    }
    return geo_coverage.blind_spots(profile, min_reach=MIN_REACH)


# ---------------------------------------------------------------- text for people


def percent(value) -> str:
    if value is None or not np.isfinite(value):
        return gettext("no data")
    return gettext("%(n)s%%", n=int(round(value * 100)))


def blind_spot_text(code: str, numbers: dict, distance: int) -> str:
    """One plain-language sentence: what is missing and why."""
    group_labels = {"elderly": gettext("older residents"), "families": gettext("children")}
    group_offer = {"elderly": gettext("an offer for older people"),
                   "families": gettext("an offer for children and families")}
    if code == "no_offer":
        if not numbers["share"]:
            return gettext("No resident has any offer within %(d)s m.", d=distance)
        return gettext("Only %(p)s of the residents have any offer within %(d)s m.",
                       p=percent(numbers["share"]), d=distance)
    if code == "only_bonding":
        return gettext("One-sided: most residents only reach offers within their own group (bonding); "
                       "only %(p)s have an offer that brings different neighbours together (bridging) "
                       "within %(d)s m.", p=percent(numbers["share"]), d=distance)
    if code == "only_bridging":
        return gettext("One-sided: most residents only reach offers that mix neighbours (bridging); "
                       "only %(p)s have a peer or own-group offer (bonding) within %(d)s m.",
                       p=percent(numbers["share"]), d=distance)
    if code == "no_free_with_children":
        if not numbers["share"]:
            return gettext("Children live here, but no resident has a free offer where children are welcome "
                           "within %(d)s m.", d=distance)
        return gettext("Children live here, but only %(p)s of the residents have a free offer where "
                       "children are welcome within %(d)s m.", p=percent(numbers["share"]), d=distance)
    if code == "group_without_offer":
        if not numbers["share"]:
            return gettext("Many %(group)s live here (%(share)s of the residents, %(ratio)s times the average), "
                           "but no resident has %(offer)s within %(d)s m.",
                           group=group_labels[numbers["group"]], share=percent(numbers["group_share"]),
                           ratio=f"{numbers['ratio']:.1f}", offer=group_offer[numbers["group"]], d=distance)
        return gettext("Many %(group)s live here (%(share)s of the residents, %(ratio)s times the average), "
                       "but only %(p)s of the residents have %(offer)s within %(d)s m.",
                       group=group_labels[numbers["group"]], share=percent(numbers["group_share"]),
                       ratio=f"{numbers['ratio']:.1f}", p=percent(numbers["share"]),
                       offer=group_offer[numbers["group"]], d=distance)
    if code == "few_models":
        return ngettext("Little variety: only %(num)s of the 7 working models is within reach of most residents.",
                        "Little variety: only %(num)s of the 7 working models are within reach of most residents.",
                        numbers["count"])
    if code == "no_evening_weekend":
        return gettext("Nothing in the evening (%(e)s) or at the weekend (%(w)s) within reach of most residents.",
                       e=percent(numbers["evening"]), w=percent(numbers["weekend"]))
    if code == "stale":
        return gettext("Only %(p)s of the offers within reach were checked in the last 12 months: "
                       "the picture may be out of date.", p=percent(numbers["share"]))
    return code


def blind_spot_short(code: str, numbers: dict) -> str:
    """A few words for the table."""
    group_short = {"elderly": gettext("Many older residents, no offer for older people"),
                   "families": gettext("Many children, no offer for families")}
    short = {
        "no_offer": gettext("No offer within walking distance"),
        "only_bonding": gettext("Only bonding"),
        "only_bridging": gettext("Only bridging"),
        "no_free_with_children": gettext("No free offer with children welcome"),
        "few_models": gettext("Little variety"),
        "no_evening_weekend": gettext("No evenings or weekends"),
        "stale": gettext("Listings out of date"),
    }
    if code == "group_without_offer":
        return group_short[numbers["group"]]
    return short.get(code, code)


def status_text(status) -> str:
    return {"no_data": gettext("no data"), "no_residents": gettext("no residents")}.get(status, "")


def format_value(measure: str, value) -> str:
    kind = MEASURES[measure].kind if measure in MEASURES else "number"
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        if kind == "metres" and value == math.inf:
            return gettext("no offer")
        return gettext("no data")
    if kind == "signed_share":
        return gettext("%(n)s points", n=f"{value * 100:+.1f}")
    if kind == "share":
        return gettext("%(n)s%%", n=f"{value * 100:.1f}")
    if kind == "index":
        return f"{value:.2f}"
    if kind == "metres":
        return gettext("%(n)s m", n=f"{value:,.0f}".replace(",", " "))
    if kind == "count":
        return f"{int(value)}"
    if kind == "rate":
        return f"{value:.1f}"
    if kind == "access":
        return f"{value * 1000:.2f}" if measure == "access" else f"{value:.3g}"
    return f"{value:.3g}"


def access_unit(method: str) -> str:
    return {
        "2sfca": gettext("offers per 1,000 residents within reach"),
        "e2sfca": gettext("offers per 1,000 residents within reach, nearer counts more"),
        "cumulative": gettext("offers within reach, times 1,000"),
        "nearest": gettext("metres to the nearest offer"),
    }[method]


def format_access(method: str, value) -> str:
    if value is None or not np.isfinite(value):
        return gettext("no offer") if value == math.inf else gettext("no data")
    if method == "nearest":
        return format_value("nearest_m", value)
    if method == "cumulative":
        return f"{value:.1f}"
    return f"{value * 1000:.2f}"


# ---------------------------------------------------------------- views of the result


def _value(row, measure):
    value = row.get(measure)
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def table_rows(cov: Coverage, level: str | None = None, sort: str | None = None, order: str | None = None) -> list[dict]:
    """Rows of the ranked table, sorted; each holds raw and formatted values."""
    level = level or cov.params.level
    sort = sort or cov.params.sort
    order = order or cov.params.order
    frame = cov.level(level)
    rows = []
    for code, row in frame.iterrows():
        spots = row["blind_spots"] if isinstance(row["blind_spots"], list) else []
        rows.append({
            "code": code, "name": row["name"], "status": row.get("status"),
            "status_text": status_text(row.get("status")),
            "rank": row.get("rank"), "population": row.get("population"),
            "values": {m: _value(row, m) for m in MEASURES},
            "text": {m: (format_access(cov.params.method, _value(row, m)) if m == "access"
                         else format_value(m, _value(row, m))) for m in MEASURES},
            "reasons": [blind_spot_short(c, n) for c, n in spots],
            "parent": row.get("parent"),
        })

    def key(r):
        if sort == "name":
            return (0, r["name"].casefold())
        if sort == "population":
            v = r["population"]
        elif sort == "rank":
            v = r["rank"]
        else:
            v = r["values"].get(sort, math.nan)
        missing = v is None or not np.isfinite(v)
        return (1 if missing else 0, 0 if missing else (v if order == "asc" else -v))

    rows.sort(key=lambda r: (key(r), r["name"].casefold()))
    if sort == "name" and order == "desc":
        rows.reverse()
    return rows


PALETTE_WORSE_HIGH = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
NO_DATA_COLOUR = "#bdbdbd"


def choropleth(cov: Coverage, level: str, measure: str) -> dict:
    """GeoJSON of the level's areas with the measure, its class and colour, plus the legend."""
    frame = cov.level(level)
    values = np.array([_value(row, measure) for _, row in frame.iterrows()], dtype=float)
    spec = MEASURES[measure]
    # Colour by "how much attention": darker = worse, whichever direction that is.
    attention = values if spec.worse == "high" else -values
    breaks, classes = geo_coverage.quantile_classes(attention, k=5)
    n = len(breaks)
    palette = PALETTE_WORSE_HIGH[-n:] if n else ()
    legend, lower = [], None
    for i, upper in enumerate(breaks):
        lo_v, hi_v = (lower, upper) if spec.worse == "high" else (-upper, None if lower is None else -lower)
        legend.append({"colour": palette[i], "label": _range_label(measure, cov.params.method, lo_v, hi_v, spec.worse)})
        lower = upper
    if (classes < 0).any():
        legend.append({"colour": NO_DATA_COLOUR, "label": gettext("no data"), "no_data": True})
    simplified = cov.geometries.loc[frame.index].geometry.simplify(0.0001, preserve_topology=True)
    features = []
    for (code, row), geom, value, cls in zip(frame.iterrows(), simplified, values, classes):
        geometry = json.loads(json.dumps(mapping(geom)), parse_float=lambda x: round(float(x), 5))
        text = (format_access(cov.params.method, value) if measure == "access" else format_value(measure, value))
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "code": code, "name": row["name"], "value": None if not np.isfinite(value) else value,
            "text": text, "colour": palette[cls] if cls >= 0 else NO_DATA_COLOUR, "cls": int(cls)}})
    return {"type": "FeatureCollection", "features": features, "legend": legend,
            "title": measure_labels()[measure]}


def _range_label(measure, method, low, high, worse) -> str:
    fmt = (lambda v: format_access(method, v)) if measure == "access" else (lambda v: format_value(measure, v))
    if worse == "high":
        return gettext("up to %(v)s", v=fmt(high)) if low is None else gettext("%(a)s to %(b)s", a=fmt(low), b=fmt(high))
    return gettext("%(v)s or more", v=fmt(low)) if high is None else gettext("%(a)s to %(b)s", a=fmt(low), b=fmt(high))


def area_profile(cov: Coverage, code: str) -> dict | None:
    """Everything the detail page and the district report show about one area."""
    if code not in cov.areas.index:
        return None
    row = cov.areas.loc[code]
    level = row["level"]
    reach = cov.reach.get(code, {})
    spots = row["blind_spots"] if isinstance(row["blind_spots"], list) else []
    inside = cov.offers[cov.offers["in_" + level] == code] if len(cov.offers) else cov.offers
    models = []
    for term in taxonomy.WORKING_MODELS.terms:
        count = int(inside["models"].map(lambda ms, c=term.code: c in ms).sum()) if len(inside) else 0
        models.append({"code": term.code, "count_in_area": count, "reach": reach.get("model:" + term.code)})
    groups = [{"code": t.code, "reach": reach.get("group:" + t.code)} for t in taxonomy.TARGET_GROUPS.terms]
    partners = set(inside["organisation"]) if len(inside) else set()
    if len(cov.activities) and level in cov.activities.columns:
        for names in cov.activities.loc[cov.activities[level] == code, "partners"]:
            partners.update(names)
    partners = sorted(partners, key=str.casefold)
    offers_here = (inside.drop_duplicates("initiative_id")[["initiative_id", "name", "organisation", "place", "models",
                                                            "free", "childcare"]].to_dict("records")
                   if len(inside) else [])
    children = cov.areas[cov.areas["parent"] == code]
    norms = []
    for norm in cov.norms:
        c = norm["code"]
        norms.append({"label": _norm_label(c) % {"n": f"{norm['per_inhabitants']:,}".replace(",", " ")},
                      "required": row.get(f"norm_{c}_required"), "present": row.get(f"norm_{c}_present"),
                      "shortfall": row.get(f"norm_{c}_shortfall")})
    activities = row.get("activities")
    return {
        "code": code, "name": row["name"], "level": level, "parent": row.get("parent"),
        "parent_name": cov.areas.at[row["parent"], "name"] if row.get("parent") in cov.areas.index else None,
        "status": row.get("status"), "status_text": status_text(row.get("status")),
        "generated": bool(row.get("generated")),
        "row": row, "rank": row.get("rank"), "of": int(cov.level(level)["rank"].notna().sum()),
        "reach": reach, "models": models, "groups": groups,
        "tie": {"bonding": reach.get("bonding"), "bridging": reach.get("bridging"),
                "bonding_count": row.get("bonding_count"), "bridging_count": row.get("bridging_count")},
        "blind_spots": [blind_spot_text(c, n, cov.params.distance) for c, n in spots],
        "blind_spot_codes": [c for c, _ in spots],
        "partners": partners, "offers_here": offers_here,
        "activities_text": protected_count(None if activities is None or not np.isfinite(activities) else int(activities)),
        "participants_text": protected_count(None if not np.isfinite(row.get("participants", np.nan))
                                             else int(row["participants"])),
        "activities_small": activities is not None and np.isfinite(activities) and is_small(int(activities)),
        "participants_small": np.isfinite(row.get("participants", np.nan)) and is_small(int(row["participants"])),
        "norms": norms,
        "children": [(c, r["name"]) for c, r in children.iterrows()],
    }


# ---------------------------------------------------------------- exports


EXPORT_COLUMNS = (
    "code", "name", "level", "parent", "status", "rank", "population", "need_index", "need_share", "supply_share",
    "gap", "ratio", "access", "share_within", "nearest_m", "initiatives_in_area", "organisations_in_area",
    "initiatives_in_reach", "models_in_reach", "bonding_count", "bridging_count", "free_share",
    "childcare_share", "verified_share", "accessibility_unknown_share", "activities", "participants",
    "activities_per_1000", "participants_per_1000", "share_elderly", "share_families",
    "ind_population_65_plus", "ind_children_0_11", "ind_single_person_households", "ind_deprivation_index",
    "indicator_years",
)
REACH_COLUMNS = ("any", "bonding", "bridging", "free_with_children", "evening", "weekend")


def export_records(cov: Coverage, level: str) -> list[dict]:
    """Every measure per area as plain values; small activity counts as '<5'."""
    frame = cov.level(level)
    records = []
    for code, row in frame.iterrows():
        rec = {}
        for col in EXPORT_COLUMNS:
            value = code if col == "code" else row.get(col)
            rec[col] = _plain(value)
        for col in ("activities", "participants"):
            if rec[col] is not None:
                rec[col] = protected_value(int(rec[col]))
                if isinstance(rec[col], str):  # a rate would give the small number away
                    rec[col + "_per_1000"] = None
        for col in ("activities_per_1000", "participants_per_1000"):
            if rec.get(col) is not None and rec.get(col.replace("_per_1000", "")) is None:
                rec[col] = None
        for norm in cov.norms:
            for part in ("required", "present", "shortfall"):
                rec[f"norm_{norm['code']}_{part}"] = _plain(row.get(f"norm_{norm['code']}_{part}"))
        reach = cov.reach.get(code, {})
        for kind in REACH_COLUMNS + tuple("model:" + m for m in taxonomy.WORKING_MODELS.codes) + tuple(
                "group:" + g for g in taxonomy.TARGET_GROUPS.codes):
            rec["reach_" + kind.replace(":", "_")] = _plain(reach.get(kind)) if code in cov.reach else None
        spots = row["blind_spots"] if isinstance(row["blind_spots"], list) else []
        rec["blind_spot_codes"] = " ".join(c for c, _ in spots)
        rec["blind_spots"] = " | ".join(blind_spot_text(c, n, cov.params.distance) for c, n in spots)
        rec["method"] = cov.params.method
        rec["distance_m"] = cov.params.distance
        rec["period_days"] = cov.params.period
        records.append(rec)
    return records


def _plain(value):
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value if isinstance(value, (str, int)) else str(value)


def export_csv(cov: Coverage, level: str) -> str:
    records = export_records(cov, level)
    buffer = io.StringIO()
    if records:
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        for rec in records:
            writer.writerow({k: ("" if v is None else csv_safe(v)) for k, v in rec.items()})
    return buffer.getvalue()


def export_geojson(cov: Coverage, level: str) -> dict:
    records = export_records(cov, level)
    features = []
    for rec in records:
        geom = cov.geometries.at[rec["code"], "geometry"]
        features.append({"type": "Feature", "properties": rec,
                         "geometry": json.loads(json.dumps(mapping(geom)),
                                                parse_float=lambda x: round(float(x), 6))})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"method": cov.params.method, "distance_m": cov.params.distance,
                           "period_days": cov.params.period, "crs": "EPSG:4326",
                           "small_counts": f"counts below {THRESHOLD} are given as '<{THRESHOLD}'"}}
