"""geo.coverage and geo.need on tiny hand-made inputs, with the expected numbers worked out in comments."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.coverage import (
    area_access,
    demand_points,
    offers_in_reach,
    point_access,
    quantile_classes,
    reach_matrix,
    reach_shares,
)
from geo.need import coverage_gap, need_index, planning_norm

L72 = "EPSG:31370"


def pts(xy, **columns):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=L72)


@pytest.fixture
def town():
    """Residents A (0,0) 100 and C (-3000,0) 50 in 'west', B (1000,0) 300 in 'east'.

    Offers S1 (0,300), S2 (1000,400) and S3 (5000,5000), capacity 1 each; reach 500 m.
    Distances: A-S1 300, A-S2 1077, B-S1 1044, B-S2 400, C-S1 3015: A reaches only S1,
    B only S2, C nothing; nobody reaches S3.
    """
    demand = pts([(0, 0), (1000, 0), (-3000, 0)], population=[100.0, 300.0, 50.0], area=["west", "east", "west"])
    supply = pts([(0, 300), (1000, 400), (5000, 5000)], capacity=[1.0, 1.0, 1.0])
    return demand, supply


def test_point_access_two_step_by_hand(town):
    demand, supply = town
    out = point_access(demand, supply, method="2sfca", max_distance=500)
    # R1 = 1/100 (only A in reach), R2 = 1/300 (only B), R3 = 0 (nobody): A = 0.01, B = 1/300, C = 0.
    assert out["score"].tolist() == pytest.approx([0.01, 1 / 300, 0.0])
    assert out["within"].tolist() == [True, True, False]
    assert out["nearest_m"].tolist() == pytest.approx([300.0, 400.0, math.hypot(3000, 300)])


def test_area_access_population_weighted(town):
    demand, supply = town
    scores = point_access(demand, supply, method="2sfca", max_distance=500)
    out = area_access(demand["population"], scores, demand["area"], method="2sfca")
    # west: (100 * 0.01 + 50 * 0) / 150 = 0.006667; 100 of 150 residents within reach;
    # nearest (100 * 300 + 50 * 3014.96) / 150 = 1204.99; supply mass 100 * 0.01 = 1.
    # east: 1/300, all within reach, nearest 400, mass 300 * 1/300 = 1.
    assert out.loc["west", "access"] == pytest.approx(1 / 150)
    assert out.loc["west", "share_within"] == pytest.approx(2 / 3)
    assert out.loc["west", "nearest_m"] == pytest.approx((100 * 300 + 50 * math.hypot(3000, 300)) / 150)
    assert out.loc["west", "supply_mass"] == pytest.approx(1.0)
    assert out.loc["east", "access"] == pytest.approx(1 / 300)
    assert out.loc["east", "supply_mass"] == pytest.approx(1.0)


def test_area_access_nearest_and_cumulative(town):
    demand, supply = town
    near = area_access(demand["population"], point_access(demand, supply, method="nearest", max_distance=500),
                       demand["area"], method="nearest")
    # nearest: access is the mean distance; the supply mass is the residents within reach (100 and 300).
    assert near.loc["east", "access"] == pytest.approx(400.0)
    assert near["supply_mass"].to_dict() == {"east": 300.0, "west": 100.0}
    cum = area_access(demand["population"], point_access(demand, supply, method="cumulative", max_distance=1100),
                      demand["area"], method="cumulative")
    # 1100 m: A reaches S1 and S2 (2 offers), B both (1044 and 400), C none: west (100*2)/150.
    assert cum.loc["west", "access"] == pytest.approx(200 / 150)
    assert cum.loc["east", "access"] == pytest.approx(2.0)


def test_no_supply_at_all_gives_zero_access_and_no_distance(town):
    demand, _ = town
    empty = pts(np.empty((0, 2)), capacity=[])
    scores = point_access(demand, empty, method="2sfca", max_distance=500)
    out = area_access(demand["population"], scores, demand["area"], method="2sfca")
    assert out["access"].tolist() == [0.0, 0.0]
    assert out["share_within"].tolist() == [0.0, 0.0]
    assert out["nearest_m"].isna().all()  # "no offer", never a distance of 0


def test_unknown_method_is_refused(town):
    demand, supply = town
    with pytest.raises(ValueError, match="method must be one of"):
        point_access(demand, supply, method="gravity", max_distance=500)


def test_reach_shares_and_offers_in_reach(town):
    demand, supply = town
    reach = reach_matrix(demand, supply, 500)
    flags = pd.DataFrame({"any": [True, True, True], "bonding": [True, False, True], "bridging": [False, True, False]})
    shares = reach_shares(reach, demand["population"], demand["area"], flags)
    # west: A (100) reaches S1 (bonding), C (50) nothing: bonding 100/150, bridging 0.
    # east: B (300) reaches S2 (bridging) only.
    assert shares.loc["west"].to_dict() == pytest.approx({"any": 2 / 3, "bonding": 2 / 3, "bridging": 0.0})
    assert shares.loc["east"].to_dict() == pytest.approx({"any": 1.0, "bonding": 0.0, "bridging": 1.0})
    assert offers_in_reach(reach, demand["area"].to_numpy()) == {"east": [1], "west": [0]}


def test_reach_counts_a_pair_at_zero_metres(town):
    demand, _ = town
    on_top = pts([(0, 0)], capacity=[1.0])
    assert reach_matrix(demand, on_top, 0).toarray()[:, 0].tolist() == [True, False, False]


def test_demand_points_sampled_in_proportion_and_repeatable():
    areas = gpd.GeoDataFrame({"code": ["a", "b", "c", "d"], "population": [100.0, 10.0, 0.0, np.nan]},
                             geometry=[box(0, 0, 1000, 1000), box(2000, 0, 2100, 100), box(0, 2000, 10, 2010),
                                       box(5000, 0, 6000, 1000)], crs=L72)
    first = demand_points(areas, residents_per_point=25)
    again = demand_points(areas, residents_per_point=25)
    # a: ceil(100 / 25) = 4 points of 25; b: ceil(10 / 25) = 1 point of 10; c (nobody) and d (unknown): none.
    assert first["area_code"].value_counts().to_dict() == {"a": 4, "b": 1}
    assert first.groupby("area_code")["population"].sum().to_dict() == {"a": 100.0, "b": 10.0}
    assert (first["source"] == "sampled").all()
    assert first.geometry.equals(again.geometry)
    assert all(areas.geometry[0].contains(p) for p in first[first["area_code"] == "a"].geometry)


def test_demand_points_use_addresses_when_there_are_enough():
    areas = gpd.GeoDataFrame({"code": ["a", "b"], "population": [120.0, 30.0]},
                             geometry=[box(0, 0, 1000, 1000), box(2000, 0, 3000, 1000)], crs=L72)
    # 12 addresses in a (enough: 120 / 12 = 10 residents each), 2 in b (too few: sampled instead).
    xy = [(50 + 70 * i, 500) for i in range(12)] + [(2500, 500), (2600, 500)]
    addresses = pts(xy).to_crs("EPSG:4326")
    out = demand_points(areas, addresses=addresses, min_addresses=10, residents_per_point=10)
    a = out[out["area_code"] == "a"]
    assert len(a) == 12 and (a["source"] == "address").all()
    assert a["population"].tolist() == pytest.approx([10.0] * 12)
    b = out[out["area_code"] == "b"]
    assert len(b) == 3 and (b["source"] == "sampled").all()  # ceil(30 / 10)


def indicators():
    # west: 150 residents, 45 aged 65+ (30 %); east: 300 residents, 30 aged 65+ (10 %);
    # empty: nobody lives there; unknown: no indicators at all.
    return pd.DataFrame({"population": [150.0, 300.0, 0.0, np.nan],
                         "population_65_plus": [45.0, 30.0, 0.0, np.nan]},
                        index=["west", "east", "empty", "unknown"])


def test_need_index_share_component_by_hand():
    out = need_index(indicators(), {"population_65_plus": 1.0})
    # Average share 75 / 450 = 1/6: west 0.3 / (1/6) = 1.8, east 0.1 / (1/6) = 0.6.
    # Need mass 150 * 1.8 = 270 and 300 * 0.6 = 180: shares 0.6 and 0.4.
    assert out.loc["west", "need_index"] == pytest.approx(1.8)
    assert out.loc["east", "need_index"] == pytest.approx(0.6)
    assert out.loc["west", "need_share"] == pytest.approx(0.6)
    assert out.loc["east", "need_share"] == pytest.approx(0.4)
    assert out.loc["empty", "status"] == "no_residents" and out.loc["empty", "need_share"] == 0.0
    # No indicators: "no data", never zero need.
    assert out.loc["unknown", "status"] == "no_data"
    assert np.isnan(out.loc["unknown", "need_index"]) and np.isnan(out.loc["unknown", "need_share"])


def test_need_index_level_inverse_and_decile_components():
    frame = pd.DataFrame({"population": [100.0, 300.0], "deprivation_index": [20.0, 10.0],
                          "median_income": [20000.0, 30000.0], "bimd_decile": [1.0, 10.0]}, index=["p", "q"])
    dep = need_index(frame, {"deprivation_index": 1})
    # Population-weighted mean (100*20 + 300*10) / 400 = 12.5: 20 / 12.5 = 1.6, 10 / 12.5 = 0.8.
    assert dep["need_index"].tolist() == pytest.approx([1.6, 0.8])
    income = need_index(frame, {"median_income": 1})
    # Mean income (2e6 + 9e6) / 400 = 27500; lower income, more need: 27500/20000, 27500/30000.
    assert income["need_index"].tolist() == pytest.approx([1.375, 27500 / 30000])
    decile = need_index(frame, {"bimd_decile": 1})
    # Deciles read as 11 - decile (10 and 1); mean (1000 + 300) / 400 = 3.25.
    assert decile["need_index"].tolist() == pytest.approx([10 / 3.25, 1 / 3.25])
    mixed = need_index(frame, {"deprivation_index": 3, "median_income": 1})
    # (3 * 1.6 + 1 * 1.375) / 4 = 1.54375
    assert mixed.loc["p", "need_index"] == pytest.approx(1.54375)


def test_need_index_uses_the_components_an_area_has():
    frame = pd.DataFrame({"population": [100.0, 100.0], "deprivation_index": [10.0, np.nan],
                          "children_0_11": [20.0, 10.0]}, index=["p", "q"])
    out = need_index(frame, {"deprivation_index": 1, "children_0_11": 1})
    # q has no deprivation figure: its index is the children component alone, 0.1 / 0.15.
    assert out.loc["q", "need_index"] == pytest.approx(0.1 / 0.15)
    assert out.loc["q", "missing"] == ["deprivation_index"]
    # p: (10 / 10 + 0.2 / 0.15) / 2
    assert out.loc["p", "need_index"] == pytest.approx((1 + 0.2 / 0.15) / 2)


@pytest.mark.parametrize("weights", [{}, {"population_65_plus": 0}, {"population_65_plus": -1},
                                     {"population_65_plus": float("nan")}])
def test_need_index_refuses_unusable_weights(weights):
    with pytest.raises(ValueError):
        need_index(indicators(), weights)


def test_coverage_gap_shares_ratio_and_rank():
    need = need_index(indicators(), {"population_65_plus": 1.0})
    out = coverage_gap(need, pd.Series({"west": 1.0, "east": 1.0, "unknown": 5.0}))
    # Supply shares over the areas with data (west, east, empty): 0.5, 0.5, 0 (unknown left out).
    # Gap west 0.6 - 0.5 = +0.1, east 0.4 - 0.5 = -0.1; ratio 0.5/0.6 and 0.5/0.4.
    assert out.loc["west", "gap"] == pytest.approx(0.1)
    assert out.loc["east", "gap"] == pytest.approx(-0.1)
    assert out.loc["west", "ratio"] == pytest.approx(0.5 / 0.6)
    assert out.loc["east", "ratio"] == pytest.approx(1.25)
    assert out.loc["west", "rank"] == 1 and out.loc["empty", "rank"] == 2 and out.loc["east", "rank"] == 3
    assert np.isnan(out.loc["unknown", "gap"]) and np.isnan(out.loc["unknown", "rank"])
    assert np.isnan(out.loc["empty", "ratio"])  # no need: no ratio


def test_planning_norm_per_started_inhabitants():
    out = planning_norm([15000, 15001, 0, np.nan], [1, 0, 0, 0], 15000)
    # ceil(15000/15000) = 1, ceil(15001/15000) = 2 ("per started 15,000").
    assert out["required"].tolist()[:3] == [1, 2, 0]
    assert out["shortfall"].tolist()[:3] == [0, 2, 0]
    assert np.isnan(out["required"].iloc[3]) and np.isnan(out["shortfall"].iloc[3])
    with pytest.raises(ValueError):
        planning_norm([1], [0], 0)


def test_quantile_classes():
    breaks, classes = quantile_classes([1, 2, 3, 4, np.nan], k=2)
    # Median 2.5 and maximum 4: 1 and 2 in class 0, 3 and 4 in class 1, NaN "no data" (-1).
    assert breaks == [2.5, 4.0]
    assert classes.tolist() == [0, 0, 1, 1, -1]
    ties, tied = quantile_classes([5, 5, 5], k=5)
    assert ties == [5.0] and tied.tolist() == [0, 0, 0]
    assert quantile_classes([np.nan], k=3)[1].tolist() == [-1]

