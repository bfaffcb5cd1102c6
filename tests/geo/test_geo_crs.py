"""Tests for geo.crs and geo.errors: CRS guessing, conversion and point checks."""

import numpy as np
import pytest

from geo.crs import (
    BELGIUM_BOUNDS_WGS84,
    LAMBERT72,
    LAMBERT2008,
    METRIC,
    WGS84,
    check_wgs84_points,
    guess_point_crs,
    to_wgs84,
)
from geo.errors import GeoInputError

# Two Ghent points: the belfry (lon 3.7249 / lat 51.0536) and the CRAB address
# 't Stuk 2 (3.734428 / 51.0500296). In Lambert 72 they are near x 104,856 /
# y 193,911 and x 105,521 / y 193,508; Lambert 2008 shifts the false origin by
# about 500 km in both axes (x 604,853 / y 693,906 for the belfry).
GHENT_WGS84 = (np.array([3.7249, 3.734428]), np.array([51.0536, 51.0500296]))
GHENT_L72 = (np.array([104_856.0, 105_521.0]), np.array([193_911.0, 193_508.0]))
GHENT_L08 = (np.array([604_853.0, 605_518.0]), np.array([693_906.0, 693_503.0]))


def test_constants():
    assert (WGS84, LAMBERT72, LAMBERT2008, METRIC) == ("EPSG:4326", "EPSG:31370", "EPSG:3812", "EPSG:31370")
    assert BELGIUM_BOUNDS_WGS84 == (2.38, 49.45, 6.53, 51.56)


@pytest.mark.parametrize(
    "xy, expected",
    [(GHENT_WGS84, WGS84), (GHENT_L72, LAMBERT72), (GHENT_L08, LAMBERT2008)],
)
def test_guess_point_crs_ghent_in_each_crs(xy, expected):
    assert guess_point_crs(*xy) == expected


def test_guess_point_crs_ignores_nan_and_refuses_mixtures():
    x = np.array([104_856.0, np.nan])
    y = np.array([193_911.0, np.nan])
    assert guess_point_crs(x, y) == LAMBERT72
    assert guess_point_crs(np.array([np.nan]), np.array([np.nan])) is None
    # One point in Lambert 72, one in degrees: no single CRS fits.
    assert guess_point_crs(np.array([104_856.0, 3.72]), np.array([193_911.0, 51.05])) is None
    # Paris (2.35, 48.86) is outside Belgium in every CRS.
    assert guess_point_crs(np.array([2.35]), np.array([48.86])) is None
    # Swapped lat/lon is not silently "fixed".
    assert guess_point_crs(GHENT_WGS84[1], GHENT_WGS84[0]) is None


def test_to_wgs84_from_both_lamberts_agree():
    lon72, lat72 = to_wgs84(*GHENT_L72, LAMBERT72)
    lon08, lat08 = to_wgs84(*GHENT_L08, LAMBERT2008)
    # Inputs are rounded to 1 m, so allow ~2 m (2e-5 degrees).
    np.testing.assert_allclose(lon72, GHENT_WGS84[0], atol=2e-5)
    np.testing.assert_allclose(lat72, GHENT_WGS84[1], atol=2e-5)
    np.testing.assert_allclose(lon08, lon72, atol=2e-5)
    np.testing.assert_allclose(lat08, lat72, atol=2e-5)
    lon, lat = to_wgs84(*GHENT_WGS84, WGS84)
    np.testing.assert_array_equal(lon, GHENT_WGS84[0])


def test_check_wgs84_points_messages():
    lon = np.array([3.72, 3.72, 51.05, 2.35, np.nan, 200.0])
    lat = np.array([51.05, 512.3, 3.72, 48.86, 51.0, 95.0])
    problems = check_wgs84_points(lon, lat, row_numbers=[2, 14, 7, 9, 11, 12])
    assert problems == [
        "row 14: latitude 512.3 is not between -90 and 90",
        "row 7: latitude 3.72 / longitude 51.05 lies outside Belgium; latitude and longitude look swapped",
        "row 9: latitude 48.86 / longitude 2.35 lies outside Belgium",
        "row 11: longitude missing",
        "row 12: latitude 95 is not between -90 and 90; longitude 200 is not between -180 and 180",
    ]


def test_check_wgs84_points_source_default_rows_and_limit():
    lon = np.full(30, 2.35)
    lat = np.full(30, 48.86)
    problems = check_wgs84_points(lon, lat, source="points.csv", limit=3)
    assert problems[0] == "points.csv, row 1: latitude 48.86 / longitude 2.35 lies outside Belgium"
    assert len(problems) == 4
    assert "27 more" in problems[-1]
    assert check_wgs84_points(*GHENT_WGS84) == []


def test_geo_input_error_joins_problems():
    err = GeoInputError(["row 1: a", "row 2: b"])
    assert isinstance(err, ValueError)
    assert err.problems == ["row 1: a", "row 2: b"]
    assert str(err) == "row 1: a\nrow 2: b"
    assert GeoInputError("one").problems == ["one"]
