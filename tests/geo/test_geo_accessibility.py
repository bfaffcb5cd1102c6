"""Tests for geo.accessibility: hand-worked 2SFCA/E2SFCA, edge cases, pair search, network, and PySAL access parity."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo import accessibility as acc
from geo import pairs
from geo.accessibility import (
    cumulative_opportunities,
    gaussian,
    linear,
    nearest_distance,
    network_pairs_within,
    pairs_within,
    two_step_fca,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
L72 = "EPSG:31370"


def points(xy, crs=L72, **columns):
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)


@pytest.fixture
def tiny():
    """Two residents' points and two offers, Lambert 72 metres.

    A (0, 0) pop 100; B (1000, 0) pop 50; X (300, 0) capacity 10; Y (1000, 600) capacity 5.
    Distances: A-X 300, A-Y 1166.2 (out of 800), B-X 700, B-Y 600.
    """
    demand = points([(0, 0), (1000, 0)], population=[100.0, 50.0])
    demand.index = ["A", "B"]
    supply = points([(300, 0), (1000, 600)], capacity=[10.0, 5.0])
    supply.index = ["X", "Y"]
    return demand, supply


# ------------------------------------------------------------------ hand-worked


def test_two_step_fca_by_hand(tiny):
    demand, supply = tiny
    # R_X = 10 / (100 + 50) = 1/15 ; R_Y = 5 / 50 = 1/10 (A is 1166 m from Y: out)
    # A_A = R_X = 1/15 ; A_B = R_X + R_Y = 1/15 + 1/10 = 1/6
    got = two_step_fca(demand, supply, max_distance=800)
    assert list(got.index) == ["A", "B"]
    assert got.name == "two_step_fca"
    np.testing.assert_allclose(got.to_numpy(), [1 / 15, 1 / 6], rtol=1e-15)


def test_e2sfca_linear_decay_by_hand(tiny):
    demand, supply = tiny
    # w = 1 - d/800: w_AX = 0.625, w_BX = 0.125, w_BY = 0.25
    # R_X = 10 / (100*0.625 + 50*0.125) = 10 / 68.75 ; R_Y = 5 / (50*0.25) = 0.4
    # A_A = 0.625 * 10/68.75 = 1/11 ; A_B = 0.125 * 10/68.75 + 0.25 * 0.4 = 1/55 + 1/10 = 13/110
    got = two_step_fca(demand, supply, max_distance=800, decay=linear(800))
    np.testing.assert_allclose(got.to_numpy(), [1 / 11, 13 / 110], rtol=1e-14)


def test_e2sfca_gaussian_decay_by_hand(tiny):
    demand, supply = tiny
    w = gaussian(800)
    f = np.exp(-0.5)
    g = lambda d: (np.exp(-0.5 * (d / 800) ** 2) - f) / (1 - f)  # noqa: E731
    assert w(0) == 1.0 and w(800) == 0.0 and w(900) == 0.0
    np.testing.assert_allclose(w(np.array([300.0, 700.0])), [g(300), g(700)], rtol=1e-15)
    r_x = 10 / (100 * g(300) + 50 * g(700))
    r_y = 5 / (50 * g(600))
    expected = [g(300) * r_x, g(700) * r_x + g(600) * r_y]
    got = two_step_fca(demand, supply, max_distance=800, decay=w)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-14)


def test_cumulative_and_nearest_by_hand(tiny):
    demand, supply = tiny
    # A reaches X (10); B reaches X and Y (10 + 5)
    got = cumulative_opportunities(demand, supply, max_distance=800)
    assert got.to_dict() == {"A": 10.0, "B": 15.0}
    # with linear decay: A 10*0.625 ; B 10*0.125 + 5*0.25
    got = cumulative_opportunities(demand, supply, max_distance=800, decay=linear(800))
    np.testing.assert_allclose(got.to_numpy(), [6.25, 2.5], rtol=1e-15)
    near = nearest_distance(demand, supply)
    np.testing.assert_allclose(near.to_numpy(), [300.0, 600.0], rtol=1e-12)
    assert list(near.index) == ["A", "B"]


# ------------------------------------------------------------------ edge cases


def test_offer_with_nobody_in_reach_and_demand_with_nothing_in_reach(tiny):
    demand, supply = tiny
    demand = pd.concat([demand, points([(10_000, 0)], population=[30.0]).set_axis(["C"])])
    supply = pd.concat([supply, points([(5_000, 5_000)], capacity=[7.0]).set_axis(["Z"])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division-by-zero warnings either
        got = two_step_fca(demand, supply, max_distance=800)
    # Z reaches nobody: it adds nothing; C reaches nothing: 0, not NaN
    np.testing.assert_allclose(got.to_numpy(), [1 / 15, 1 / 6, 0.0], rtol=1e-15)
    assert cumulative_opportunities(demand, supply, max_distance=800)["C"] == 0.0
    assert nearest_distance(demand, supply)["C"] == pytest.approx(np.hypot(5000, 5000))


def test_zero_population():
    # Both residents' points have 0 people: every offer has 0 demand in reach, R = 0, all scores 0.
    demand = points([(0, 0), (100, 0)], population=[0, 0])
    supply = points([(50, 0)], capacity=[4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = two_step_fca(demand, supply, max_distance=800)
    assert got.tolist() == [0.0, 0.0]
    # One point with 0 people next to one with 20: R = 4 / 20 = 0.2 and both get 0.2
    demand = points([(0, 0), (100, 0)], population=[0, 20])
    assert two_step_fca(demand, supply, max_distance=800).tolist() == [0.2, 0.2]


def test_exactly_at_threshold_is_in_reach():
    demand = points([(0, 0)], population=[10])
    supply = points([(800, 0), (0, 800.0000001)], capacity=[3, 100])
    # 800 m exactly counts (access uses cost <= max_cost); 800.0000001 m does not
    assert two_step_fca(demand, supply, max_distance=800).tolist() == [0.3]
    assert cumulative_opportunities(demand, supply, max_distance=800).tolist() == [3.0]
    d = pairs_within([(0, 0)], [(800, 0), (0, 800.0000001)], 800)
    assert d.nnz == 1 and d[0, 0] == 800.0
    # A 3-4-5 triangle: exact distance 800 from a non-axis offset
    assert pairs_within([(100.0, 200.0)], [(580.0, 840.0)], 800).nnz == 1
    # With a decay that is 0 at the threshold the pair is in reach but weighs nothing
    got = two_step_fca(demand, supply, max_distance=800, decay=linear(800))
    assert got.tolist() == [0.0]


def test_zero_distance_pairs_are_kept():
    d = pairs_within([(5, 5), (9, 9)], [(5, 5), (100, 5)], 50)
    # (0, 0) is an explicitly stored 0: the pair exists although its distance is 0
    assert d.nnz == 2
    assert d.indptr.tolist() == [0, 1, 2]
    assert d.indices.tolist() == [0, 0]
    assert d.data[0] == 0.0
    demand = points([(5, 5)], population=[10])
    supply = points([(5, 5)], capacity=[2])
    assert two_step_fca(demand, supply, max_distance=50).tolist() == [0.2]
    assert two_step_fca(demand, supply, max_distance=0).tolist() == [0.2]
    assert nearest_distance(demand, supply).tolist() == [0.0]


def test_empty_inputs(tiny):
    demand, supply = tiny
    none = supply.iloc[:0]
    assert two_step_fca(demand, none, max_distance=800).tolist() == [0.0, 0.0]
    assert cumulative_opportunities(demand, none, max_distance=800).tolist() == [0.0, 0.0]
    assert nearest_distance(demand, none).tolist() == [np.inf, np.inf]
    assert len(two_step_fca(demand.iloc[:0], supply, max_distance=800)) == 0
    assert pairs_within(np.zeros((0, 2)), [(0, 0)], 5).shape == (0, 1)


def test_validation(tiny):
    demand, supply = tiny
    with pytest.raises(ValueError, match="CRS"):
        two_step_fca(demand.set_crs(None, allow_override=True), supply, max_distance=800)
    with pytest.raises(ValueError, match="CRS"):
        nearest_distance(demand, supply.set_crs(None, allow_override=True))
    with pytest.raises(ValueError, match="no column"):
        two_step_fca(demand, supply, max_distance=800, demand_col="people")
    bad = demand.assign(population=[np.nan, 1.0])
    with pytest.raises(ValueError, match="finite"):
        two_step_fca(bad, supply, max_distance=800)
    with pytest.raises(ValueError, match=">= 0"):
        two_step_fca(demand, supply.assign(capacity=[-1.0, 1.0]), max_distance=800)
    with pytest.raises(ValueError, match="max_distance"):
        two_step_fca(demand, supply, max_distance=-5)
    with pytest.raises(ValueError, match="max_distance"):
        gaussian(0)
    with pytest.raises(ValueError, match="decay"):
        two_step_fca(demand, supply, max_distance=800, decay=lambda d: -d)
    empty_point = points([(0, 0)], population=[1.0])
    empty_point.loc[0, "geometry"] = shapely.Point()
    with pytest.raises(ValueError, match="empty"):
        two_step_fca(empty_point, supply, max_distance=800)


def test_any_crs_is_projected_to_lambert72(tiny):
    demand, supply = (f.set_geometry(f.translate(104_000, 194_000)) for f in tiny)  # to Ghent
    expected = two_step_fca(demand, supply, max_distance=800)
    demand_wgs84 = demand.to_crs("EPSG:4326")
    got = two_step_fca(demand_wgs84, supply.to_crs("EPSG:3812"), max_distance=800)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12)
    near = nearest_distance(demand_wgs84, supply)
    # 31370 -> 4326 -> 31370 is not exact in 2D (the BD72 datum shift drops heights): ~0.3 mm
    np.testing.assert_allclose(near.to_numpy(), [300.0, 600.0], atol=1e-3)
    # polygons count by their centroid in Lambert 72
    squares = demand.assign(geometry=demand.buffer(10, cap_style="square"))
    np.testing.assert_allclose(two_step_fca(squares, supply, max_distance=800), expected, rtol=1e-12)


# ------------------------------------------------------------------ pair search


def brute_pairs(dxy, sxy, r):
    dx = sxy[None, :, 0] - dxy[:, None, 0]
    dy = sxy[None, :, 1] - dxy[:, None, 1]
    d = np.sqrt(dx * dx + dy * dy)
    return d, d <= r


@pytest.mark.parametrize("seed", range(6))
def test_pairs_within_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    extent = [300, 3000, 60_000][seed % 3]
    dxy = rng.uniform(0, extent, (700, 2)) + 150_000
    sxy = rng.uniform(0, extent, (90, 2)) + 150_000
    dxy[:30] = sxy[:30]  # coincident pairs
    dxy[30:40] = 150_000 + extent * 10  # far outside the offers' grid
    sxy[40:45] = sxy[45:50]  # duplicate offers
    r = [0.0, 1.5, 80.0, 800.0][seed % 4]
    got = pairs_within(dxy, sxy, r)
    d, inside = brute_pairs(dxy, sxy, r)
    assert got.shape == (700, 90) and got.has_canonical_format
    coo = got.tocoo()
    assert set(zip(coo.row.tolist(), coo.col.tolist())) == set(zip(*map(list, np.nonzero(inside))))
    np.testing.assert_array_equal(coo.data, d[coo.row, coo.col])
    kd = acc._kdtree_pairs(dxy, sxy, r)  # the fallback for extents a grid cannot cover
    kd.sort_indices()
    np.testing.assert_array_equal(kd.indptr, got.indptr)
    np.testing.assert_array_equal(kd.indices, got.indices)
    np.testing.assert_array_equal(kd.data, got.data)


def test_tiny_distance_over_wide_extent_uses_kdtree():
    rng = np.random.default_rng(7)
    sxy = rng.uniform(0, 200_000, (50, 2))
    dxy = np.vstack([sxy[:5] + 0.0004, rng.uniform(0, 200_000, (50, 2))])
    assert acc._Grid.build(sxy, 0.001) is None
    got = pairs_within(dxy, sxy, 0.001)
    assert got.nnz == 5 and got.indices.tolist() == [0, 1, 2, 3, 4]


def test_threaded_path_gives_the_same_result(monkeypatch):
    rng = np.random.default_rng(3)
    demand = points(rng.uniform(0, 5000, (3000, 2)) + 100_000, crs=L72, population=rng.integers(0, 9, 3000))
    supply = points(rng.uniform(0, 5000, (200, 2)) + 100_000, crs=L72, capacity=rng.integers(1, 6, 200))
    demand_wgs84 = demand.to_crs("EPSG:4326")
    single = two_step_fca(demand_wgs84, supply, max_distance=500, decay=gaussian(500))
    monkeypatch.setattr(pairs, "_THREAD_MIN_POINTS", 1)  # the pair search lives in geo.pairs
    monkeypatch.setattr(pairs, "_CHUNK", 257)
    threaded = two_step_fca(demand_wgs84, supply, max_distance=500, decay=gaussian(500))
    np.testing.assert_array_equal(threaded.to_numpy(), single.to_numpy())


# ------------------------------------------------------------------ walking network


@pytest.fixture
def network():
    #   3 (100,100)
    #   |
    #   0 ---- 1 ---- 2        4 (1000,1000): isolated
    # (0,0) (100,0) (200,0)
    return {
        "nodes": [(0, 0), (100, 0), (200, 0), (100, 100), (1000, 1000)],
        "edges": [(0, 1), (1, 2), (1, 3), (1, 0)],
        "lengths": [100.0, 100.0, 100.0, 500.0],  # (1, 0) again, longer: the shorter one counts
    }


def test_network_pairs_on_tiny_graph(network):
    demand = [(0, 10)]  # snaps to node 0, 10 m away
    supply = [(200, 5), (100, 100), (1000, 990), (10, 0)]
    # to (200,5): 10 + 200 + 5 = 215 ; to (100,100): 10 + 200 + 0 = 210 (straight line: 134.5)
    # to (1000,990): node 4 is not connected ; to (10,0): snaps to node 0: 10 + 0 + 10 = 20
    d = network_pairs_within(demand, supply, network, 215)
    assert d.indices.tolist() == [0, 1, 3]
    np.testing.assert_allclose(d.data, [215.0, 210.0, 20.0])
    assert network_pairs_within(demand, supply, network, 212).indices.tolist() == [1, 3]
    # lengths default to the straight line between nodes; object form works too
    plain = SimpleNamespace(nodes=network["nodes"], edges=network["edges"][:3])
    np.testing.assert_allclose(network_pairs_within(demand, supply, plain, 1000).data, [215.0, 210.0, 20.0])


def test_two_step_fca_on_network(network):
    demand = points([(0, 10), (200, 0)], population=[10, 30])
    supply = points([(100, 100)], capacity=[8])
    # network: (0,10)->node0 10 + 200 = 210 ; (200,0)->node2 0 + 200 = 200 ; both within 210
    got = two_step_fca(demand, supply, max_distance=210, network=network)
    assert got.tolist() == [0.2, 0.2]
    # 205 m: only (200,0) reaches it; straight lines (134 m, 141 m) would reach both
    assert two_step_fca(demand, supply, max_distance=205, network=network).tolist() == [0.0, 8 / 30]
    assert cumulative_opportunities(demand, supply, max_distance=205, network=network).tolist() == [0.0, 8.0]
    with pytest.raises(ValueError, match="nodes"):
        two_step_fca(demand, supply, max_distance=205, network={"edges": []})


# ------------------------------------------------------------------ PySAL access parity


@pytest.fixture(scope="module")
def ghent():
    """Ghent sector centroids (2022 population) and 300 address points (capacity 1..5), in EPSG:4326."""
    sectors = gpd.read_file(DATA / "ghent" / "sectors.geojson").to_crs(L72)
    pop = pd.read_csv(DATA / "ghent" / "sector_population.csv", dtype={"code": str})
    pop = pop[pop["year"] == 2022].set_index("code")["population"]
    demand = gpd.GeoDataFrame(
        {"population": sectors["code"].map(pop).fillna(0).to_numpy(dtype=float)},  # 44021H032: no row, 0
        geometry=sectors.centroid.to_crs("EPSG:4326").values,
        crs="EPSG:4326",
        index=pd.Index(sectors["code"], name="code"),
    )
    addresses = pd.read_csv(DATA / "ghent" / "addresses.csv", dtype=str)
    rng = np.random.default_rng(42)
    pick = addresses.iloc[np.sort(rng.choice(len(addresses), 300, replace=False))]
    supply = gpd.GeoDataFrame(
        {"capacity": rng.integers(1, 6, len(pick)).astype(float)},
        geometry=gpd.points_from_xy(pick["longitude"].astype(float), pick["latitude"].astype(float)),
        crs="EPSG:4326",
    )
    return demand, supply


def pysal_access(demand, supply, max_distance, weight_fn):
    """PySAL access on pairs from its own KD-tree search (not ours)."""
    from access import Access

    logging.getLogger("access").setLevel(logging.WARNING)
    tr = Transformer.from_crs("EPSG:4326", L72, always_xy=True)
    dxy = np.column_stack(tr.transform(*shapely.get_coordinates(demand.geometry.values).T))
    sxy = np.column_stack(tr.transform(*shapely.get_coordinates(supply.geometry.values).T))
    found = cKDTree(dxy).sparse_distance_matrix(cKDTree(sxy), max_distance * 1.01, output_type="ndarray")
    cost = pd.DataFrame({"origin": found["i"], "dest": found["j"], "cost": found["v"]})
    a = Access(
        demand_df=pd.DataFrame({"population": demand["population"].to_numpy()}).rename_axis("geoid"),
        demand_index=True,
        demand_value="population",
        supply_df=pd.DataFrame({"capacity": supply["capacity"].to_numpy()}).rename_axis("geoid"),
        supply_index=True,
        supply_value="capacity",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    fca = a.two_stage_fca(name="fca", max_cost=max_distance, weight_fn=weight_fn)["fca_capacity"]
    a.weighted_catchment(name="wc", max_cost=max_distance, weight_fn=weight_fn)
    wc = a.access_df["wc_capacity"]
    index = pd.RangeIndex(len(demand))
    return fca.reindex(index).to_numpy(float), wc.reindex(index).to_numpy(float)


def max_rel_diff(a, b):
    scale = np.maximum(np.abs(a), np.abs(b))
    return float(np.max(np.divide(np.abs(a - b), scale, out=np.zeros_like(a), where=scale > 0)))


@pytest.mark.parametrize("decay", [None, "gaussian", "linear"])
def test_matches_pysal_access_on_ghent(ghent, decay):
    demand, supply = ghent
    d0 = 800.0
    w = {None: None, "gaussian": gaussian(d0), "linear": linear(d0)}[decay]
    ours = two_step_fca(demand, supply, max_distance=d0, decay=w)
    ours_wc = cumulative_opportunities(demand, supply, max_distance=d0, decay=w)
    assert ours.index.equals(demand.index)
    theirs, theirs_wc = pysal_access(demand, supply, d0, w)

    # access leaves demand with no offer in reach out (NaN); we give 0. It gives inf
    # where an offer reaches only zero population; that does not happen here.
    none_in_reach = np.isnan(theirs)
    assert 0 < none_in_reach.sum() < len(demand) // 2
    assert not np.isinf(theirs).any()
    assert (ours.to_numpy()[none_in_reach] == 0).all()
    assert max_rel_diff(ours.to_numpy()[~none_in_reach], theirs[~none_in_reach]) <= 1e-9
    assert (ours.to_numpy()[~none_in_reach] > 0).any()

    assert np.array_equal(np.isnan(theirs_wc), none_in_reach)
    assert (ours_wc.to_numpy()[none_in_reach] == 0).all()
    assert max_rel_diff(ours_wc.to_numpy()[~none_in_reach], theirs_wc[~none_in_reach]) <= 1e-9
