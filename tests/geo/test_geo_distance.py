"""Tests for geo.distance: projection, distances, radius search, PointIndex, walking time."""

import time

import numpy as np
import pytest
from pyproj import Geod

from geo.crs import to_wgs84
from geo.distance import PointIndex, distances_m, project_metric, walking_minutes, within_radius

GHENT = (3.7249, 51.0536)
BRUSSELS = (4.3517, 50.8466)


def test_project_metric_round_trip():
    x, y = project_metric(np.array([GHENT[0]]), np.array([GHENT[1]]))
    assert 104_000 < x[0] < 106_000 and 193_000 < y[0] < 195_000
    lon, lat = to_wgs84(x, y, "EPSG:31370")
    # The BD72 datum shift is not exactly invertible: about 0.3 mm (1e-8 degrees) drift.
    assert lon[0] == pytest.approx(GHENT[0], abs=1e-7)
    assert lat[0] == pytest.approx(GHENT[1], abs=1e-7)


def test_distances_match_geodesic_within_a_tenth_of_a_percent():
    d = distances_m(*GHENT, np.array([BRUSSELS[0], GHENT[0]]), np.array([BRUSSELS[1], GHENT[1]]))
    geodesic = Geod(ellps="WGS84").inv(*GHENT, *BRUSSELS)[2]  # about 49.7 km
    assert d[0] == pytest.approx(geodesic, rel=1e-3)
    assert d[1] == pytest.approx(0.0, abs=1e-6)


def _ring_of_points(distances):
    # Points due east of Ghent at the given Lambert 72 distances: exact by construction.
    x0, y0 = project_metric(*GHENT)
    return to_wgs84(x0 + np.asarray(distances, float), np.full(len(distances), float(y0)), "EPSG:31370")


def test_within_radius_sorted_and_skips_nan():
    lons, lats = _ring_of_points([900.0, 100.0, 1500.0, 400.0])
    lons = np.append(lons, np.nan)
    lats = np.append(lats, np.nan)
    idx, d = within_radius(*GHENT, lons, lats, 1000.0)
    # 100 m (index 1), 400 m (3), 900 m (0); 1500 m and the NaN point are out.
    assert idx.tolist() == [1, 3, 0]
    # Within 1 mm: the Lambert -> WGS 84 -> Lambert round trip drifts ~0.3 mm.
    np.testing.assert_allclose(d, [100.0, 400.0, 900.0], atol=1e-3)


@pytest.fixture(scope="module")
def random_points():
    rng = np.random.default_rng(42)
    # 50,000 points in a box around Ghent (about 20 x 20 km).
    return rng.uniform(3.58, 3.86, 50_000), rng.uniform(50.98, 51.18, 50_000)


def test_point_index_matches_brute_force(random_points):
    lons, lats = random_points
    index = PointIndex(lons, lats)
    assert len(index) == 50_000
    rng = np.random.default_rng(7)
    for _ in range(20):
        lon, lat = rng.uniform(3.6, 3.84), rng.uniform(51.0, 51.16)
        radius = rng.uniform(50, 1500)
        got_idx, got_d = index.nearby(lon, lat, radius)
        want_idx, want_d = within_radius(lon, lat, lons, lats, radius)
        assert got_idx.tolist() == want_idx.tolist()
        np.testing.assert_allclose(got_d, want_d, rtol=1e-9, atol=1e-6)

        k_idx, k_d = index.nearest(lon, lat, k=5)
        brute = distances_m(lon, lat, lons, lats)
        assert k_idx.tolist() == np.argsort(brute, kind="stable")[:5].tolist()
        np.testing.assert_allclose(k_d, np.sort(brute)[:5], rtol=1e-9)
