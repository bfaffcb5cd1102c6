"""import-areas: real files, parents, and bad input that must leave the database as it was."""
from __future__ import annotations

import json
import os
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import select

from importing import assert_refused, counts, output, run_cli

GHENT_BOX = box(3.70, 51.03, 3.74, 51.06)
# Writing test Shapefiles: their 10-character field names and missing .prj are the point.
pytestmark = pytest.mark.filterwarnings("ignore:Column names longer:UserWarning",
                                        "ignore:Normalized/laundered field name:RuntimeWarning",
                                        "ignore:'crs' was not provided:UserWarning")


def _write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(code, name, geom, **props):
    from shapely.geometry import mapping
    return {"type": "Feature", "properties": {"code": code, "name": name, **props},
            "geometry": mapping(geom)}


def test_import_flemish_wijken_geopackage(app, db, shared_data):
    result = run_cli(app, "import-areas", str(shared_data / "flanders" / "wijken.gpkg"),
                     "--level", "district", "--source", "provinciesincijfers")
    assert result.exit_code == 0, output(result)
    assert "2767 created" in result.output
    from community.models import Area
    area = db.session.scalar(select(Area).where(Area.code == "44021W01"))
    assert area.name == "Binnenstad"
    # Lambert 72 was converted: Ghent's centre lies in the Binnenstad's bounding box.
    assert area.min_lon < 3.725 < area.max_lon and area.min_lat < 51.054 < area.max_lat
    again = run_cli(app, "import-areas", str(shared_data / "flanders" / "wijken.gpkg"),
                    "--level", "district", "--source", "provinciesincijfers")
    assert again.exit_code == 0 and "2767 unchanged" in again.output


def test_parents_by_location_and_by_code(app, db, tmp_path):
    city = _write_geojson(tmp_path / "city.geojson", [_feature("44021", "Gent", GHENT_BOX)])
    left, right = box(3.70, 51.03, 3.72, 51.06), box(3.72, 51.03, 3.74, 51.06)
    districts = _write_geojson(tmp_path / "d.geojson", [_feature("D1", "West", left), _feature("D2", "Oost", right)])
    sectors = _write_geojson(tmp_path / "s.geojson", [
        _feature("S1", "a", box(3.70, 51.03, 3.71, 51.06), parent="D1"),
        _feature("S2", "b", box(3.73, 51.03, 3.74, 51.06), parent="D2")])
    assert run_cli(app, "import-areas", str(city), "--level", "municipality").exit_code == 0
    result = run_cli(app, "import-areas", str(districts), "--level", "district", "--parent-level", "municipality")
    assert result.exit_code == 0, output(result)
    result = run_cli(app, "import-areas", str(sectors), "--level", "sector", "--parent-field", "parent")
    assert result.exit_code == 0, output(result)
    from community.models import Area
    by_code = {a.code: a for a in db.session.scalars(select(Area))}
    assert by_code["D1"].parent.code == "44021" and by_code["S2"].parent.code == "D2"


_assert_refused = assert_refused


def test_empty_file(app, db, tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    _assert_refused(app, db, ["import-areas", str(path), "--level", "district"], "empty")


def test_random_bytes(app, db, tmp_path):
    path = tmp_path / "noise.geojson"
    path.write_bytes(os.urandom(4096))
    _assert_refused(app, db, ["import-areas", str(path), "--level", "district"], "noise.geojson")


def test_polygon_file_without_crs_asks_for_crs(app, db, tmp_path, shared_data):
    frame = gpd.read_file(shared_data / "flanders" / "wijken.gpkg").head(5)
    shp = tmp_path / "nocrs.shp"
    frame.set_crs(None, allow_override=True).to_file(shp)
    for extra in ("nocrs.prj",):
        (tmp_path / extra).unlink(missing_ok=True)
    text = _assert_refused(app, db, ["import-areas", str(shp), "--level", "district"], "--crs")
    assert "31370" in text  # it says which CRS looks likely, without guessing silently
    ok = run_cli(app, "import-areas", str(shp), "--level", "district", "--crs", "EPSG:31370")
    assert ok.exit_code == 0, output(ok)


def test_zipped_shapefile(app, db, tmp_path, shared_data):
    frame = gpd.read_file(shared_data / "flanders" / "wijken.gpkg").head(3)
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "wijken.shp")
    archive = tmp_path / "wijken.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    result = run_cli(app, "import-areas", str(archive), "--level", "district")
    assert result.exit_code == 0, output(result)
    assert "3 created" in result.output


def test_duplicate_area_codes(app, db, tmp_path):
    path = _write_geojson(tmp_path / "dup.geojson", [
        _feature("W1", "a", box(3.70, 51.03, 3.71, 51.04)), _feature("W1", "b", box(3.71, 51.03, 3.72, 51.04))])
    _assert_refused(app, db, ["import-areas", str(path), "--level", "district"], "W1")


def test_parent_codes_missing_from_parent_level(app, db, tmp_path):
    city = _write_geojson(tmp_path / "city.geojson", [_feature("44021", "Gent", GHENT_BOX)])
    assert run_cli(app, "import-areas", str(city), "--level", "district").exit_code == 0
    sectors = _write_geojson(tmp_path / "s.geojson", [
        _feature("S1", "a", box(3.70, 51.03, 3.71, 51.06), parent="44021"),
        _feature("S2", "b", box(3.73, 51.03, 3.74, 51.06), parent="99999")])
    _assert_refused(app, db, ["import-areas", str(sectors), "--level", "sector", "--parent-field", "parent"],
                    "feature 2", "99999")


def test_invalid_polygon_is_repaired_and_counted(app, db, tmp_path):
    bowtie = Polygon([(3.70, 51.03), (3.72, 51.05), (3.72, 51.03), (3.70, 51.05)])
    path = _write_geojson(tmp_path / "bowtie.geojson", [_feature("B1", "bow", bowtie)])
    result = run_cli(app, "import-areas", str(path), "--level", "district")
    assert result.exit_code == 0, output(result)
    assert "repaired 1 invalid geometry" in result.output


def test_dry_run_writes_nothing(app, db, tmp_path):
    path = _write_geojson(tmp_path / "a.geojson", [_feature("A1", "a", GHENT_BOX)])
    before = counts(db)
    result = run_cli(app, "import-areas", str(path), "--level", "district", "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.output
    assert counts(db) == before


def test_missing_code_column_names_the_choices(app, db, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"label_x": "a"}, "geometry": json.loads(json.dumps(
            __import__("shapely.geometry", fromlist=["mapping"]).mapping(GHENT_BOX)))}]}))
    _assert_refused(app, db, ["import-areas", str(path), "--level", "district"], "--code-field")
