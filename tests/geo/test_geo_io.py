"""Tests for geo.io.read_vector: formats, CRS handling, repairs and the errors a user sees."""

import json
import os
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo.crs import LAMBERT72
from geo.errors import GeoInputError
from geo.io import VectorRead, read_vector

# CRAB address 't Stuk 2, Ghent: lon 3.7344280 / lat 51.0500296. CRAB stores
# Lambert 72; the README says its own conversion agrees with pyproj within
# 3 cm, so its Lambert 72 position is x 105,520.75 / y 193,508.36.
STUK = (3.7344280, 51.0500296)
STUK_L72 = (105_520.75, 193_508.36)


def _geojson(path, features, crs_member=None):
    doc = {"type": "FeatureCollection", "features": features}
    if crs_member:
        doc["crs"] = {"type": "name", "properties": {"name": crs_member}}
    path.write_text(json.dumps(doc))
    return path


def _feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _square_l72(x, y, size):
    return box(x, y, x + size, y + size)


# --- formats -------------------------------------------------------------------


def test_reads_geojson_points(tmp_path):
    path = _geojson(
        tmp_path / "points.geojson",
        [_feature({"type": "Point", "coordinates": list(STUK)}, name="a"),
         _feature({"type": "Point", "coordinates": [3.7249, 51.0536]}, name="b")],
    )
    result = read_vector(path)
    assert isinstance(result, VectorRead)
    assert result.source_crs == "EPSG:4326"
    assert result.frame.crs.to_epsg() == 4326
    assert result.frame["name"].tolist() == ["a", "b"]
    assert (result.repaired, result.dropped_empty) == (0, 0)


def test_reads_real_geojson(data_dir):
    result = read_vector(data_dir / "ghent" / "districts.geojson")
    assert len(result.frame) == 25
    assert result.source_crs == "EPSG:4326"


def test_reads_geopackage_in_lambert72_and_converts_a_known_point(tmp_path):
    frame = gpd.GeoDataFrame({"name": ["t Stuk 2"]}, geometry=[Point(*STUK_L72)], crs=LAMBERT72)
    path = tmp_path / "stuk.gpkg"
    frame.to_file(path, layer="addresses", engine="pyogrio")
    result = read_vector(path)
    assert result.source_crs == LAMBERT72
    point = result.frame.geometry.iloc[0]
    # 1e-6 degrees is about 10 cm.
    assert point.x == pytest.approx(STUK[0], abs=1e-6)
    assert point.y == pytest.approx(STUK[1], abs=1e-6)
    assert any("converted from EPSG:31370" in n for n in result.notes)


def test_geopackage_layer_choice(tmp_path):
    path = tmp_path / "two.gpkg"
    a = gpd.GeoDataFrame({"v": [1]}, geometry=[Point(*STUK_L72)], crs=LAMBERT72)
    b = gpd.GeoDataFrame({"v": [2, 3]}, geometry=[Point(*STUK_L72)] * 2, crs=LAMBERT72)
    a.to_file(path, layer="first", engine="pyogrio")
    b.to_file(path, layer="second", engine="pyogrio")
    assert len(read_vector(path, layer="second").frame) == 2
    result = read_vector(path)
    assert len(result.frame) == 1 and "2 layers" in result.notes[0]
    with pytest.raises(GeoInputError, match="no layer 'third'"):
        read_vector(path, layer="third")


def test_reads_real_wijken_geopackage(data_dir):
    result = read_vector(data_dir / "flanders" / "wijken.gpkg")  # timed in bench/geo_real_data.py
    assert len(result.frame) == 2767
    assert result.frame.crs.to_epsg() == 4326
    assert result.source_crs == LAMBERT72
    np.testing.assert_allclose(result.frame.total_bounds, [2.5414, 50.6875, 5.9111, 51.5051], atol=1e-3)
    assert result.repaired == 0 and result.dropped_empty == 0


def _write_shapefile(folder, frame, stem="areas"):
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / f"{stem}.shp")
    return folder


def _zip_folder(folder, zip_path, subdir=""):
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, arcname=f"{subdir}{f.name}")
    return zip_path


def test_reads_zipped_shapefile(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[_square_l72(105_000, 193_000, 500), _square_l72(105_500, 193_000, 500)],
        crs=LAMBERT72,
    )
    folder = _write_shapefile(tmp_path / "shp", frame)
    # A nested folder inside the zip, as a zip made of a folder gives.
    result = read_vector(_zip_folder(folder, tmp_path / "areas.zip", subdir="export/"))
    assert result.source_crs == LAMBERT72
    assert result.frame["code"].tolist() == ["A", "B"]
    # Back in Lambert 72 each square is 500 x 500 = 250,000 m2.
    np.testing.assert_allclose(result.frame.to_crs(LAMBERT72).area, 250_000, rtol=1e-6)
    # The plain .shp reads the same.
    assert len(read_vector(folder / "areas.shp").frame) == 2


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj_asks_for_crs(tmp_path):
    frame = gpd.GeoDataFrame(
        {"code": ["A"]}, geometry=[_square_l72(105_000, 193_000, 500)], crs=None
    )
    folder = _write_shapefile(tmp_path / "shp", frame)
    assert not (folder / "areas.prj").exists()
    for path in (folder / "areas.shp", _zip_folder(folder, tmp_path / "noprj.zip")):
        with pytest.raises(GeoInputError) as info:
            read_vector(path)
        message = str(info.value)
        assert "no coordinate reference system" in message
        assert "--crs EPSG:31370" in message
        assert "look like EPSG:31370 (Belgian Lambert 72)" in message
    # Given explicitly, it reads.
    assert read_vector(folder / "areas.shp", crs="EPSG:31370").source_crs == LAMBERT72


def test_shp_without_shx(tmp_path):
    frame = gpd.GeoDataFrame({"code": ["A"]}, geometry=[Point(*STUK_L72)], crs=LAMBERT72)
    folder = _write_shapefile(tmp_path / "shp", frame)
    (folder / "areas.shx").unlink()
    with pytest.raises(GeoInputError, match=r"areas\.shx"):
        read_vector(folder / "areas.shp")


def test_reads_csv_with_lat_lon(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("name,postcode,latitude,longitude\nStuk,09000,51.0500296,3.7344280\nBelfort,9000,51.0536,3.7249\n")
    result = read_vector(path)
    assert result.source_crs == "EPSG:4326"
    assert result.frame.geometry.iloc[0].x == pytest.approx(3.734428)
    # Text columns stay text (leading zero kept), coordinates become numbers.
    assert result.frame["postcode"].tolist() == ["09000", "9000"]
    assert result.frame["latitude"].dtype == float


def test_reads_csv_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("naam;Breedtegraad;Lengtegraad\nKouter;51,0508;3,7236\n;;\n".encode("cp1252"))
    result = read_vector(path)
    assert len(result.frame) == 1
    assert result.frame.geometry.iloc[0].y == pytest.approx(51.0508)
    assert result.dropped_empty == 1


def test_reads_csv_with_lambert_xy(tmp_path):
    path = tmp_path / "lambert.csv"
    path.write_text(f"id,x_lambert,y_lambert\n1,{STUK_L72[0]},{STUK_L72[1]}\n")
    with pytest.raises(GeoInputError) as info:
        read_vector(path)
    assert "--crs EPSG:31370" in str(info.value) and "look like EPSG:31370" in str(info.value)
    result = read_vector(path, crs="EPSG:31370")
    point = result.frame.geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx(STUK, abs=1e-6)
    # Named columns work too.
    path2 = tmp_path / "named.csv"
    path2.write_text(f"E,N\n{STUK_L72[0]},{STUK_L72[1]}\n")
    assert len(read_vector(path2, crs="EPSG:31370", x_field="E", y_field="N").frame) == 1


def test_geojson_with_metric_coordinates_is_questioned(tmp_path):
    path = _geojson(
        tmp_path / "metric.geojson",
        [_feature({"type": "Point", "coordinates": list(STUK_L72)})],
    )
    with pytest.raises(GeoInputError) as info:
        read_vector(path)
    message = str(info.value)
    assert "RFC 7946" in message and "--crs EPSG:31370" in message
    assert "look like EPSG:31370" in message
    point = read_vector(path, crs="EPSG:31370").frame.geometry.iloc[0]
    assert point.x == pytest.approx(STUK[0], abs=1e-6)


# --- repairs -------------------------------------------------------------------


def test_bow_tie_is_repaired_and_empty_geometry_dropped(tmp_path):
    x, y = STUK_L72
    # Bow tie over a 100 m square: edges (0,0)-(100,100) and (100,0)-(0,100)
    # cross at (50,50), leaving two triangles of 100 * 50 / 2 = 2,500 m2 each.
    bow_tie = Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    assert not bow_tie.is_valid
    frame = gpd.GeoDataFrame(
        {"code": ["bow", "ok", "none"]},
        geometry=[bow_tie, _square_l72(x + 200, y, 100), None],
        crs=LAMBERT72,
    )
    path = tmp_path / "bowtie.gpkg"
    frame.to_file(path, engine="pyogrio")
    result = read_vector(path)
    assert result.repaired == 1
    assert result.dropped_empty == 1
    assert result.frame["code"].tolist() == ["bow", "ok"]
    fixed = result.frame.geometry.iloc[0]
    assert isinstance(fixed, MultiPolygon) and len(fixed.geoms) == 2
    assert fixed.is_valid
    area = result.frame.to_crs(LAMBERT72).area.iloc[0]
    assert area == pytest.approx(5_000, rel=1e-3)
    assert any("repaired 1" in n for n in result.notes)


# --- errors --------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(GeoInputError, match="nothere.geojson: file not found"):
        read_vector(tmp_path / "nothere.geojson")


@pytest.mark.parametrize("name", ["empty.geojson", "empty.csv", "empty.zip", "empty.gpkg"])
def test_zero_byte_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(GeoInputError, match=r"is empty \(0 bytes\)"):
        read_vector(path)


def test_zero_features(tmp_path):
    with pytest.raises(GeoInputError, match="contains no features"):
        read_vector(_geojson(tmp_path / "none.geojson", []))
    path = tmp_path / "header.csv"
    path.write_text("latitude,longitude\n")
    with pytest.raises(GeoInputError, match="no data rows"):
        read_vector(path)


@pytest.mark.parametrize("name", ["junk.geojson", "junk.gpkg", "junk.shp", "junk.zip", "junk.csv", "junk.dat"])
def test_random_bytes(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(os.urandom(2048) + b"\x00")
    if name == "junk.shp":
        (tmp_path / "junk.shx").write_bytes(os.urandom(200))
    with pytest.raises(GeoInputError, match="is not a vector file GeoJSON/GeoPackage/Shapefile/CSV"):
        read_vector(path)


def test_csv_without_coordinate_columns(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("name,city\na,Gent\n")
    with pytest.raises(GeoInputError, match="has no coordinate columns"):
        read_vector(path)


def test_points_outside_belgium(tmp_path):
    features = [_feature({"type": "Point", "coordinates": list(STUK)})]
    # Features 2..8: Paris.
    features += [_feature({"type": "Point", "coordinates": [2.35, 48.86]}) for _ in range(7)]
    with pytest.raises(GeoInputError) as info:
        read_vector(_geojson(tmp_path / "paris.geojson", features))
    message = str(info.value)
    assert "7 of 8 features lie outside Belgium" in message
    assert "features 2, 3, 4, 5, 6, ..." in message


def test_lambert2008_read_as_lambert72_gets_a_hint(tmp_path):
    path = tmp_path / "l2008.csv"
    path.write_text("x,y\n605518,693503\n")
    with pytest.raises(GeoInputError) as info:
        read_vector(path, crs="EPSG:31370")
    assert "look like EPSG:3812" in str(info.value)
    assert read_vector(path, crs="EPSG:3812").source_crs == "EPSG:3812"


def test_csv_row_problems(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "name,lat,lon\n"
        "ok,51.05,3.72\n"  # row 2
        "swapped,3.72,51.05\n"  # row 3
        "typo,512.3,3.72\n"  # row 4
    )
    with pytest.raises(GeoInputError) as info:
        read_vector(path)
    assert info.value.problems == [
        "bad.csv, row 3: latitude 3.72 / longitude 51.05 lies outside Belgium; latitude and longitude look swapped",
        "bad.csv, row 4: latitude 512.3 is not between -90 and 90",
    ]
    path.write_text("lat,lon\n51.05,abc\n51.05,\n")
    with pytest.raises(GeoInputError) as info:
        read_vector(path)
    assert info.value.problems == ["bad.csv, row 2: lon 'abc' is not a number", "bad.csv, row 3: lon is empty"]


def test_unknown_crs_argument(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("lat,lon\n51.05,3.72\n")
    with pytest.raises(GeoInputError, match="not a coordinate reference system"):
        read_vector(path, crs="EPSG:999999")


def test_geojson_crs_member_is_honoured(tmp_path):
    # Old-style (pre-RFC 7946) GeoJSON may name its CRS; then no --crs is needed.
    path = _geojson(
        tmp_path / "l72.geojson",
        [_feature({"type": "Point", "coordinates": list(STUK_L72)})],
        crs_member="urn:ogc:def:crs:EPSG::31370",
    )
    result = read_vector(path)
    assert result.source_crs == LAMBERT72
    assert result.frame.geometry.iloc[0].x == pytest.approx(STUK[0], abs=1e-6)
    # CRS84 is plain longitude/latitude: reported as EPSG:4326, nothing converted.
    path = _geojson(
        tmp_path / "crs84.geojson",
        [_feature({"type": "Point", "coordinates": list(STUK)})],
        crs_member="urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    result = read_vector(path)
    assert result.source_crs == "EPSG:4326" and result.notes == []
