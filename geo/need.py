"""Need per area from indicators, need and supply shares, the coverage gap, and planning norms.

Pure functions on DataFrames indexed by area code; no Flask, no database.

Need index (documented for the review pages and reports). For each component k
(an indicator) an area's value is put relative to the population-weighted
average of the areas compared (1 = average):

* ``share`` components are counts of a group of residents (people aged 65+,
  children 0-11, single-person households): ``z = (count / population) /
  (sum count / sum population)``;
* ``level`` components are already rates or index values (a deprivation or
  kansarmoede index): ``z = value / (sum population * value / sum population)``;
* ``inverse=True`` turns a "higher is better" value around (median income):
  ``z = average / value``;
* ``decile`` components are BIMD-style deciles where 1 is the most deprived:
  they are read as ``11 - decile`` and then treated as a level.

``need_index = sum_k w_k z_k / sum_k w_k`` over the components with a value for
that area (weights from the caller; a component without data for the area is
left out and listed in ``missing``). An area with residents but no component
value at all, or without a population, has no need index: status ``no_data``,
never zero need. ``need_mass = population * need_index`` and ``need_share`` is an
area's part of the total ``need_mass`` of the areas with data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class NeedComponent:
    indicator: str
    kind: str = "share"  # share | level | decile
    inverse: bool = False
    weight: float = 0.0  # default weight


#: Indicators the need index knows, with their default weights (0 = not used unless asked).
DEFAULT_COMPONENTS: tuple[NeedComponent, ...] = (
    NeedComponent("deprivation_index", "level", weight=0.4),
    NeedComponent("population_65_plus", "share", weight=0.2),
    NeedComponent("children_0_11", "share", weight=0.2),
    NeedComponent("single_person_households", "share", weight=0.2),
    NeedComponent("median_income", "level", inverse=True, weight=0.0),
    NeedComponent("bimd_decile", "decile", weight=0.0),
)

STATUS_OK, STATUS_NO_DATA, STATUS_NO_RESIDENTS = "ok", "no_data", "no_residents"


def default_weights(components=DEFAULT_COMPONENTS) -> dict[str, float]:
    return {c.indicator: c.weight for c in components}


def need_index(
    indicators: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    components=DEFAULT_COMPONENTS,
    population_col: str = "population",
) -> pd.DataFrame:
    """Need per area (rows of ``indicators``; one column per indicator, NaN = unknown).

    Returns ``population``, ``need_index``, ``need_mass``, ``need_share``,
    ``status`` (``ok``, ``no_data``, ``no_residents``), ``missing`` (indicators
    with a weight but no value for the area) and one ``z_<indicator>`` column per
    weighted component. Weights must be finite and >= 0; at least one must be > 0.
    """
    weights = dict(default_weights(components) if weights is None else weights)
    for name, w in weights.items():
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w >= 0):
            raise ValueError(f"weight for {name!r} must be a number >= 0, got {w!r}")
    used = [c for c in components if weights.get(c.indicator, 0) > 0]
    if not used:
        raise ValueError("at least one need weight must be above 0")
    index = indicators.index
    pop = _column(indicators, population_col)
    has_pop = np.isfinite(pop)
    out = pd.DataFrame(index=index)
    out["population"] = pop
    weighted = np.zeros(len(index))
    weight_sum = np.zeros(len(index))
    missing: list[list[str]] = [[] for _ in range(len(index))]
    for comp in used:
        raw = _column(indicators, comp.indicator)
        z = _relative(raw, pop, comp)
        out["z_" + comp.indicator] = z
        ok = np.isfinite(z)
        weighted[ok] += weights[comp.indicator] * z[ok]
        weight_sum[ok] += weights[comp.indicator]
        for i in np.flatnonzero(~ok):
            missing[i].append(comp.indicator)
    with np.errstate(invalid="ignore", divide="ignore"):
        index_values = np.where(weight_sum > 0, weighted / np.where(weight_sum > 0, weight_sum, 1), np.nan)
    status = np.where(~has_pop, STATUS_NO_DATA,
                      np.where(pop == 0, STATUS_NO_RESIDENTS,
                               np.where(np.isfinite(index_values), STATUS_OK, STATUS_NO_DATA)))
    index_values = np.where(status == STATUS_OK, index_values, np.nan)
    mass = np.where(status == STATUS_OK, pop * np.nan_to_num(index_values), np.nan)
    mass = np.where(status == STATUS_NO_RESIDENTS, 0.0, mass)
    total = np.nansum(mass)
    out["need_index"] = index_values
    out["need_mass"] = mass
    out["need_share"] = mass / total if total > 0 else np.where(np.isfinite(mass), 0.0, np.nan)
    out["status"] = status
    out["missing"] = missing
    return out


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _relative(raw: np.ndarray, pop: np.ndarray, comp: NeedComponent) -> np.ndarray:
    """The component relative to the population-weighted average of the areas with data (1 = average)."""
    values = 11.0 - raw if comp.kind == "decile" else raw.astype(float)
    ok = np.isfinite(values) & np.isfinite(pop) & (pop > 0)
    z = np.full(len(values), np.nan)
    if not ok.any():
        return z
    if comp.kind == "share":
        rate = np.full(len(values), np.nan)
        rate[ok] = values[ok] / pop[ok]
        average = values[ok].sum() / pop[ok].sum()
    else:
        rate = values
        average = (values[ok] * pop[ok]).sum() / pop[ok].sum()
    if not average > 0:
        return z
    if comp.inverse:
        good = ok & (rate > 0)
        z[good] = average / rate[good]
    else:
        z[ok] = rate[ok] / average
    return z


def coverage_gap(need: pd.DataFrame, supply_mass: pd.Series) -> pd.DataFrame:
    """Need share, supply share, gap (need share minus supply share), ratio and rank per area.

    ``need``: the output of ``need_index``; ``supply_mass``: an area's part of the
    offer (see ``geo.coverage.area_access``), missing areas count as 0. Only areas
    with status ``ok`` or ``no_residents`` share in the totals; the others get NaN.
    ``ratio = supply_share / need_share`` (1: the offer follows the need; below 1:
    less offer than need; NaN without need). Rank 1 is the largest gap; areas
    without data get no rank.
    """
    counted = need["status"].isin([STATUS_OK, STATUS_NO_RESIDENTS]).to_numpy()
    supply = supply_mass.reindex(need.index).fillna(0.0).to_numpy(dtype=float)
    supply = np.where(counted, supply, np.nan)
    total = np.nansum(supply)
    out = pd.DataFrame(index=need.index)
    out["need_share"] = need["need_share"]
    out["supply_share"] = supply / total if total > 0 else np.where(counted, 0.0, np.nan)
    out["gap"] = out["need_share"] - out["supply_share"]
    with np.errstate(invalid="ignore", divide="ignore"):
        ns = out["need_share"].to_numpy(dtype=float)
        out["ratio"] = np.where(ns > 0, out["supply_share"].to_numpy(dtype=float) / np.where(ns > 0, ns, 1), np.nan)
    out["rank"] = out["gap"].rank(ascending=False, method="min", na_option="keep")
    return out


def planning_norm(population, present, per_inhabitants: float) -> pd.DataFrame:
    """A norm "one per started N inhabitants": required, present and shortfall per area.

    ``required = ceil(population / N)`` (15,001 inhabitants with N = 15,000 need 2),
    ``shortfall = max(required - present, 0)``; NaN where the population is unknown.
    """
    if not per_inhabitants > 0:
        raise ValueError("per_inhabitants must be > 0")
    pop = pd.Series(population, dtype=float)
    present = pd.Series(present, index=pop.index, dtype=float).fillna(0.0)
    required = np.ceil(pop / float(per_inhabitants))
    out = pd.DataFrame({"required": required, "present": present}, index=pop.index)
    out["shortfall"] = (required - present).clip(lower=0)
    out.loc[pop.isna(), ["required", "shortfall"]] = np.nan
    return out
