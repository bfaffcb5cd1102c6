"""Tests for geo.areas: point-in-area, code checks, parent areas and splitting areas into sectors."""


import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.areas import assign_parents, assign_points, check_area_codes, split_area, split_areas
from geo.crs import LAMBERT72, to_wgs84
from geo.errors import GeoInputError

# A 2 x 2 grid of 1 km squares in Lambert 72 just south-west of central Ghent,
# plus a 200 m "PARK" square inside SW, and one feature without geometry.
GRID = gpd.GeoDataFrame(
    {"code": ["NW", "NE", "SW", "SE", "PARK", "EMPTY"]},
    geometry=[
        box(104_000, 194_000, 105_000, 195_000),
        box(105_000, 194_000, 106_000, 195_000),
        box(104_000, 193_000, 105_000, 194_000),
        box(105_000, 193_000, 106_000, 194_000),
        box(104_200, 193_200, 104_400, 193_400),
        None,
    ],
    crs=LAMBERT72,
)
# Lambert 72 test points and the area each is in, worked out from the boxes above:
POINTS_L72 = [
    ((104_500, 194_500), "NW"),
    ((105_500, 194_500), "NE"),
    ((104_700, 193_500), "SW"),
    ((105_500, 193_500), "SE"),
    ((104_300, 193_300), "PARK"),  # in SW (1,000,000 m2) and PARK (40,000 m2): smallest wins
    ((107_000, 193_500), None),  # east of the grid
]


def _points_wgs84():
    x = np.array([p[0][0] for p in POINTS_L72], dtype=float)
    y = np.array([p[0][1] for p in POINTS_L72], dtype=float)
    lon, lat = to_wgs84(x, y, LAMBERT72)
    # A point without coordinates gets None too.
    return np.append(lon, np.nan), np.append(lat, np.nan), [p[1] for p in POINTS_L72] + [None]


@pytest.mark.parametrize("areas_crs", [LAMBERT72, "EPSG:4326"])
def test_assign_points_on_hand_made_grid(areas_crs):
    lon, lat, expected = _points_wgs84()
    codes = assign_points(lon, lat, GRID.to_crs(areas_crs))
    assert codes.dtype == object
    assert codes.tolist() == expected


def test_assign_points_needs_crs_and_column():
    lon, lat, _ = _points_wgs84()
    with pytest.raises(GeoInputError, match="no CRS"):
        assign_points(lon, lat, GRID.set_crs(None, allow_override=True))
    with pytest.raises(GeoInputError, match="no column 'nis'"):
        assign_points(lon, lat, GRID, code_col="nis")
    assert assign_points(np.array([]), np.array([]), GRID).tolist() == []


def test_check_area_codes():
    codes = [f"44021W{i:02d}" for i in range(1, 18)]
    codes[16] = "44021W03"  # feature 17 repeats feature 3
    codes[4] = None  # feature 5
    codes[7] = "  "  # feature 8
    frame = gpd.GeoDataFrame({"code": codes}, geometry=[None] * 17, crs=LAMBERT72)
    assert check_area_codes(frame, "code") == [
        "feature 5: area code (code) is missing",
        "feature 8: area code (code) is empty",
        "duplicate area code 44021W03 on features 3 and 17",
    ]
    assert "no column 'nis'" in check_area_codes(frame, "nis")[0]
    assert check_area_codes(GRID, "code") == []


def test_assign_parents_by_largest_overlap():
    parents = gpd.GeoDataFrame(
        {"code": ["L", "R"]},
        geometry=[box(104_000, 193_000, 105_000, 194_000), box(105_000, 193_000, 106_000, 194_000)],
        crs=LAMBERT72,
    )
    children = gpd.GeoDataFrame(
        geometry=[
            box(104_100, 193_100, 104_300, 193_300),  # inside L
            box(104_800, 193_000, 105_300, 193_100),  # L: 200 x 100 = 20,000 m2; R: 300 x 100 = 30,000 m2
            box(107_000, 193_000, 107_100, 193_100),  # no overlap
            box(106_000, 193_000, 106_100, 193_100),  # only touches R's edge: zero area
            None,
        ],
        index=["a", "b", "c", "d", "e"],
        crs=LAMBERT72,
    )
    parent = assign_parents(children, parents)
    assert parent.index.tolist() == ["a", "b", "c", "d", "e"]
    assert parent.tolist() == ["L", "R", None, None, None]
    # Same answer with the children in degrees.
    assert assign_parents(children.iloc[:3].to_crs("EPSG:4326"), parents).tolist() == ["L", "R", None]


@pytest.fixture(scope="module")
def wijken(data_dir):
    return gpd.read_file(data_dir / "flanders" / "wijken.geojson", engine="pyogrio")


@pytest.fixture(scope="module")
def ghent_wijken(wijken):
    # Take the municipality from municipality_code, never from the code prefix.
    return wijken[wijken["municipality_code"] == "44021"].sort_values("code").reset_index(drop=True)


def test_assign_ghent_addresses_to_wijken(data_dir, ghent_wijken, wijken):
    assert ghent_wijken["code"].tolist() == [f"44021W{i:02d}" for i in range(1, 26)]
    addresses = pd.read_csv(data_dir / "ghent" / "addresses.csv", usecols=["latitude", "longitude"])
    assert len(addresses) == 93_661
    lon, lat = addresses["longitude"].to_numpy(), addresses["latitude"].to_numpy()

    codes = assign_points(lon, lat, ghent_wijken)  # timed in bench/geo_real_data.py
    missing = int(sum(c is None for c in codes))
    # The wijk outlines are simplified; a handful of addresses on the city
    # edge may fall just outside. Every wijk has addresses.
    assert missing <= 5
    assert set(c for c in codes if c is not None) == set(ghent_wijken["code"])

    all_codes = assign_points(lon, lat, wijken)
    outside = int(sum(c is None or not c.startswith("44021W") for c in all_codes))
    assert outside <= 5


def test_assign_parents_of_real_wijken(data_dir, wijken):
    municipalities = gpd.read_file(data_dir / "flanders" / "municipalities.geojson", engine="pyogrio")
    parent = assign_parents(wijken, municipalities)  # timed in bench/geo_real_data.py
    assert (parent == wijken["municipality_code"]).all()


# --- split_area -------------------------------------------------------------------

# A U shape in metres: 300 x 300 minus a 100 x 200 notch = 90,000 - 20,000 = 70,000 m2.
U_SHAPE = Polygon([(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)])


def _check_partition(geometry, pieces, parts):
    assert len(pieces) == parts
    areas = np.array([p.area for p in pieces])
    union = shapely.union_all(pieces)
    # Pieces cover the polygon: union area within 0.1 %, nothing outside it.
    assert union.area == pytest.approx(geometry.area, rel=1e-3)
    assert union.difference(geometry).area < 1e-6 * geometry.area
    # And do not overlap: areas add up to the union, pairwise overlaps are ~0.
    assert areas.sum() == pytest.approx(union.area, rel=1e-6)
    for i in range(parts):
        for j in range(i + 1, parts):
            assert pieces[i].intersection(pieces[j]).area < 1e-6 * geometry.area
    return areas


@pytest.mark.parametrize("parts", [2, 3, 5, 7])
def test_split_area_u_shape(parts):
    pieces = split_area(U_SHAPE, parts, seed=0)
    areas = _check_partition(U_SHAPE, pieces, parts)
    # Contiguous pieces of roughly equal area.
    assert all(p.geom_type == "Polygon" for p in pieces)
    assert areas.max() / areas.min() < 1.5


def test_split_area_is_deterministic():
    a = split_area(U_SHAPE, 4, seed=11)
    b = split_area(U_SHAPE, 4, seed=11)
    c = split_area(U_SHAPE, 4, seed=12)
    assert [p.wkb for p in a] == [p.wkb for p in b]
    assert [p.wkb for p in a] != [p.wkb for p in c]


def test_split_area_edge_cases():
    assert split_area(U_SHAPE, 1) == [U_SHAPE]
    with pytest.raises(ValueError):
        split_area(U_SHAPE, 0)
    with pytest.raises(ValueError):
        split_area(Polygon(), 3)


def test_split_real_ghent_wijk(ghent_wijken):
    binnenstad = ghent_wijken.to_crs(LAMBERT72).geometry.iloc[0]  # 44021W01
    pieces = split_area(binnenstad, 8, seed=0)
    areas = _check_partition(binnenstad, pieces, 8)
    assert areas.max() / areas.min() < 1.6


def test_split_areas_codes_and_parents(ghent_wijken):
    some = ghent_wijken.iloc[:3]

    def parts(row):
        # Called with the row in Lambert 72: one piece per started km2, at least 2.
        return max(2, int(np.ceil(row.geometry.area / 1e6)))

    sectors = split_areas(some, "code", parts)
    assert list(sectors.columns) == ["code", "parent_code", "geometry"]
    assert sectors.crs.to_epsg() == 4326
    expected_counts = some.to_crs(LAMBERT72).apply(parts, axis=1).tolist()
    assert sectors.groupby("parent_code").size().tolist() == expected_counts
    assert sectors["code"].iloc[0] == "44021W01S1"
    assert all(c.startswith(p + "S") for c, p in zip(sectors["code"], sectors["parent_code"]))
    assert check_area_codes(sectors, "code") == []
    # Each sector lies in its own wijk.
    assert (assign_parents(sectors, some) == sectors["parent_code"]).all()
    # An area splits the same way whatever else is in the frame.
    alone = split_areas(some.iloc[[1]], "code", parts)
    first = sectors[sectors["parent_code"] == some["code"].iloc[1]]
    assert [g.wkb for g in alone.geometry] == [g.wkb for g in first.geometry]
