"""Grid clustering and web map tiles (geo/clustering.py, geo/webmap.py) on tiny hand-made points."""
from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point

from geo.clustering import grid_clusters
from geo.webmap import simplify_for_zoom, tile_bounds, tiles_covering, to_lonlat, to_pixels

# At zoom 0 the world is 256 x 256 pixels; 64-pixel cells make a 4 x 4 grid.
#   (-170, 80): x = 10/360 * 256 = 7.1, y = 28.7 -> column 0, row 0
#   (-160, 70): x = 14.2, y = 57.3                -> column 0, row 0
#   (10, -10):  x = 135.1, y = 135.1              -> column 2, row 2
#   (0, 0):     x = 128, y = 128                  -> column 2, row 2
#   (179, -80): x = 255.3, y = 227.3              -> column 3, row 3
LONS = [-170, -160, 10, 0, 179]
LATS = [80, 70, -10, 0, -80]


def test_points_in_one_cell_are_one_cluster_with_its_count_centre_and_box():
    clusters = grid_clusters(LONS, LATS, zoom=0)
    assert len(clusters) == 3
    assert clusters.count.tolist() == [2, 2, 1] and clusters.count.sum() == 5
    assert clusters.cell.tolist() == [0, 0, 1, 1, 2]
    assert clusters.lon.tolist() == [-165, 5, 179] and clusters.lat.tolist() == [75, -5, -80]
    assert (clusters.min_lon.tolist(), clusters.min_lat.tolist()) == ([-170, 0, 179], [70, -10, -80])
    assert (clusters.max_lon.tolist(), clusters.max_lat.tolist()) == ([-160, 10, 179], [80, 0, -80])
    assert clusters.members(1).tolist() == [2, 3]


def test_one_zoom_further_the_cells_split():
    # At zoom 2 the world is 1,024 pixels: (10, -10) is at 540, (0, 0) at 512, both in column 8
    # (512..575), rows 8 (y 540) and 8 (y 512): still together; (-170, 80) and (-160, 70) part
    # (rows 1 and 3).
    clusters = grid_clusters(LONS, LATS, zoom=2)
    assert clusters.count.tolist() == [1, 1, 2, 1]


def test_a_cell_is_fixed_to_the_world_not_to_the_points_asked_for():
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(3.0, 4.5, 2000), rng.uniform(50.7, 51.4, 2000)
    full = grid_clusters(lons, lats, zoom=11)
    part = np.flatnonzero(lons < 3.8)  # a box that cuts through cells
    subset = grid_clusters(lons[part], lats[part], zoom=11)
    # Two points share a cell in the subset exactly when they share one in the whole set.
    pairs = rng.integers(0, len(part), size=(5000, 2))
    same_full = full.cell[part][pairs[:, 0]] == full.cell[part][pairs[:, 1]]
    same_subset = subset.cell[pairs[:, 0]] == subset.cell[pairs[:, 1]]
    assert (same_full == same_subset).all() and same_full.any()


@pytest.mark.parametrize("zoom", [5, 9, 13])
def test_cells_nest_from_one_zoom_to_the_next(zoom):
    rng = np.random.default_rng(zoom)
    lons, lats = rng.uniform(2.5, 6.0, 3000), rng.uniform(50.6, 51.5, 3000)
    coarse, fine = grid_clusters(lons, lats, zoom), grid_clusters(lons, lats, zoom + 1)
    for index in range(len(fine)):
        assert len(set(coarse.cell[fine.members(index)])) == 1
    assert fine.count.sum() == coarse.count.sum() == 3000
    # Every point lies in its cluster's box.
    for c in (coarse, fine):
        assert (c.min_lon[c.cell] <= lons).all() and (lons <= c.max_lon[c.cell]).all()
        assert (c.min_lat[c.cell] <= lats).all() and (lats <= c.max_lat[c.cell]).all()


def test_no_points_no_clusters_and_bad_points_refused():
    assert len(grid_clusters([], [], zoom=8)) == 0
    with pytest.raises(ValueError):
        grid_clusters([1.0, 2.0], [1.0], zoom=8)
    with pytest.raises(ValueError):
        grid_clusters([1.0, float("nan")], [1.0, 2.0], zoom=8)


def test_pixels_and_tiles():
    x, y = to_pixels([3.725], [51.054], 11)
    lons, lats = to_lonlat(x, y, 11)
    assert lons[0] == pytest.approx(3.725) and lats[0] == pytest.approx(51.054)
    # Tile 1045 of 2,048 at zoom 11 starts at 1045/2048 * 360 - 180 = 3.691 degrees east.
    min_lon, min_lat, max_lon, max_lat = tile_bounds(11, 1045, 685)
    assert min_lon == pytest.approx(3.69140625) and max_lon == pytest.approx(3.8671875)
    assert min_lat < 51.054 < max_lat
    assert tile_bounds(0, 0, 0) == pytest.approx((-180, -85.0511287798, 180, 85.0511287798))
    # Ghent's centre (3.66..3.79 E) straddles the tiles 1044 and 1045.
    assert tiles_covering((3.66, 51.02, 3.79, 51.09), 11) == [(1044, 684), (1045, 684), (1044, 685), (1045, 685)]
    # Off the world's edge, the edge tiles.
    assert tiles_covering((-200, -89, 200, 89), 1) == [(0, 0), (1, 0), (0, 1), (1, 1)]


def test_an_outline_simplified_for_a_far_zoom_keeps_fewer_points_and_stays_valid():
    circle = Point(3.72, 51.05).buffer(0.02, quad_segs=256)  # 1,025 points, about 2 km across
    far, far_decimals = simplify_for_zoom(circle, 8)
    near, near_decimals = simplify_for_zoom(circle, 14)
    points = lambda g: len(g.exterior.coords)  # noqa: E731
    assert points(far) < points(near) < points(circle)
    assert far.is_valid and near.is_valid
    # A pixel at zoom 8 is 360 / 65,536 = 0.0055 degrees, half of it 0.0027: 3 decimals (rounding
    # moves a point 0.0005 at most); at zoom 14 half a pixel is 0.000043: 5 decimals.
    assert (far_decimals, near_decimals) == (3, 5)
