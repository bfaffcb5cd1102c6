"""The map by viewport (community/services/mapdata.py, mapareas.py): /map/markers and /map/areas,
and finder pages that carry their first view only."""
from __future__ import annotations

import csv
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import event

from community.scheduling import TZ
from tests import factories

GHENT = "3.60,50.98,3.85,51.12"
FLANDERS = "2.5,50.6,6.0,51.6"
HOSTILE = '</script><script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def offers(app, db):
    """60 offers: 40 in a 0.01-degree grid west of 3.72 E (Ghent), 20 in Antwerp (4.40 E);
    every third one free; those of even number on Wednesday 14:00, the others on Friday."""
    d1 = factories.area("G1", name="Gent West", box=(3.60, 51.00, 3.72, 51.10))
    factories.area("G2", name="Gent Oost", box=(3.72, 51.00, 3.85, 51.10))
    factories.area("A1", name="Antwerpen", box=(4.30, 51.15, 4.50, 51.30))
    org = factories.organisation(name="Buurtwerk")
    made = []
    for n in range(60):
        lon, lat = ((3.62 + (n % 8) * 0.01, 51.02 + (n // 8) * 0.01) if n < 40 else (4.40 + (n - 40) * 0.001, 51.21))
        place = factories.place(name=f"Plek {n}", latitude=lat, longitude=lon)
        init = factories.initiative(org, at=[place], name=f"Aanbod {n:02d}", cost="free" if n % 3 == 0 else "paid",
                                    working_models=["peer"])
        factories.schedule(init, weekdays=[2 if n % 2 == 0 else 4], start="14:00", end="16:00")
        made.append(init)
    db.session.commit()
    return {"district": d1, "offers": made}


def _markers(client, **args):
    response = client.get("/map/markers", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def _finder_total(app, args: dict) -> int:
    from werkzeug.datastructures import MultiDict
    from community.services.finder import find, parse_query
    with app.test_request_context("/"):
        return find(parse_query(MultiDict(args))).total


def _shown(answer) -> int:
    return len(answer["markers"]) + sum(c["count"] for c in answer["clusters"])


def test_a_city_view_gets_its_markers_with_the_popup_data(client, offers):
    answer = _markers(client, bbox=GHENT, zoom="13", lang="en")
    assert answer["total"] == 40 and answer["clusters"] == [] and len(answer["markers"]) == 40
    first = answer["markers"][0]
    assert first["name"] == "Aanbod 00" and first["models"] == ["peer"] and first["free"] is True
    assert answer["places"][first["place"]] == [51.02, 3.62, "Plek 0"]
    assert answer["texts"][first["next"]].startswith("Next: Wed")
    assert first["id"] == str(offers["offers"][0].id)


@pytest.mark.parametrize("zoom", ["6", "8", "11"])
def test_clusters_and_markers_add_up_to_the_matches_in_the_box(app, client, offers, zoom):
    app.config["BUURTKRACHT_MAP_MARKERS"] = 5
    answer = _markers(client, bbox=FLANDERS, zoom=zoom)
    assert answer["total"] == 60 == _shown(answer)
    assert answer["clusters"], "more than 5 in the box: clustered"
    for cluster in answer["clusters"]:
        assert cluster["count"] >= 2
        min_lon, min_lat, max_lon, max_lat = cluster["bbox"]
        assert min_lon <= cluster["lon"] <= max_lon and min_lat <= cluster["lat"] <= max_lat
    # Ghent and Antwerp are 55 km apart: never in one cluster, even at zoom 6 (64 px = 60 km).
    assert all(c["bbox"][2] < 4.0 or c["bbox"][0] > 4.0 for c in answer["clusters"])


def test_from_zoom_16_every_offer_is_its_own_marker(app, client, offers):
    app.config["BUURTKRACHT_MAP_MARKERS"] = 5
    answer = _markers(client, bbox="3.60,51.00,3.72,51.10", zoom="16")
    assert answer["clusters"] == [] and len(answer["markers"]) == answer["total"] == 40


def test_the_box_is_respected(client, offers):
    answer = _markers(client, bbox="3.60,51.00,3.655,51.035", zoom="14")
    # Columns 3.62..3.65 (4) of rows 51.02 and 51.03 (2).
    assert answer["total"] == 8
    for marker in answer["markers"]:
        lat, lon, _ = answer["places"][marker["place"]]
        assert 3.60 <= lon <= 3.655 and 51.00 <= lat <= 51.035
    assert _markers(client, bbox="5.0,50.7,5.1,50.8", zoom="14")["total"] == 0


@pytest.mark.parametrize("filters", [{"cost": "free"}, {"day": "2"}, {"day": "4", "cost": "free"},
                                     {"q": "aanbod 1"}, {"district": "G1"},
                                     {"near": "51.05,3.65", "radius": "2000"}, {"model": "buddy"}])
def test_the_finder_filters_apply(app, client, offers, filters):
    app.config["BUURTKRACHT_MAP_MARKERS"] = 5
    expected = _finder_total(app, filters)
    answer = _markers(client, bbox=FLANDERS, zoom="9", **filters)
    assert answer["total"] == expected == _shown(answer)
    if filters == {"cost": "free"}:
        assert expected == 20


def test_when_now_follows_the_clock(app, client, offers, monkeypatch):
    from community.services import mapdata
    from community.services.finder import FinderQuery
    from community.services.mapdata import View
    wednesday = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)
    with app.test_request_context("/"):
        answer = mapdata.markers(FinderQuery(when="now"), View((2.5, 50.6, 6.0, 51.6), 16), now=wednesday)
    assert answer["total"] == 30  # the even ones, on Wednesday 14:00-16:00


def test_a_hostile_name_is_inert_in_the_popup_data(client, db, offers):
    offers["offers"][0].name = HOSTILE
    offers["offers"][0].locations[0].place.name = HOSTILE
    db.session.commit()
    response = client.get("/map/markers", query_string={"bbox": GHENT, "zoom": "13"})
    body = response.get_data(as_text=True)
    assert "<" not in body and ">" not in body and "&" not in body
    answer = json.loads(body)
    assert HOSTILE in [m["name"] for m in answer["markers"]]
    assert [HOSTILE] == [p[2] for p in answer["places"] if p[2] == HOSTILE]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path, args, field", [
    ("/map/markers", {"zoom": "12"}, "bbox"),
    ("/map/markers", {"bbox": "3.6,51.0,3.8", "zoom": "12"}, "bbox"),
    ("/map/markers", {"bbox": "3.8,51.0,3.6,51.1", "zoom": "12"}, "bbox"),
    ("/map/markers", {"bbox": "nan,51.0,3.8,51.1", "zoom": "12"}, "bbox"),
    ("/map/markers", {"bbox": "3.6,51.0,3.8,91", "zoom": "12"}, "bbox"),
    ("/map/markers", {"bbox": GHENT, "zoom": "20"}, "zoom"),
    ("/map/markers", {"bbox": GHENT, "zoom": "1.5"}, "zoom"),
    ("/map/markers", {"bbox": GHENT}, "zoom"),
    ("/map/markers", {"bbox": GHENT, "zoom": "12", "radius": "-5", "near": "51.05,3.72"}, "radius"),
    ("/map/markers", {"bbox": GHENT, "zoom": "12", "near": "nergens te vinden"}, "near"),
    ("/map/areas", {"bbox": GHENT, "zoom": "12", "level": "planet"}, "level"),
    ("/map/areas", {"bbox": GHENT, "zoom": "12"}, "level"),
    ("/map/areas", {"bbox": "-180,-85,180,85", "zoom": "19", "level": "district"}, "bbox"),
])
def test_bad_input_is_a_problem_naming_the_parameter(client, offers, path, args, field):
    response = client.get(path, query_string=args)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in [e["field"] for e in problem["errors"]], problem


def test_areas_in_the_box_each_once_and_coarser_further_out(app, client, offers):
    from shapely.geometry import Point
    from community.extensions import db
    from community.models import Area
    # A round district of 1,025 points, so simplification shows.
    circle = Point(3.70, 51.05).buffer(0.03, quad_segs=256)
    factories.area("R1", name="Rond", geometry=json.dumps({"type": "Polygon",
                                                           "coordinates": [list(circle.exterior.coords)]}))
    db.session.commit()
    near = client.get("/map/areas", query_string={"level": "district", "bbox": GHENT, "zoom": "14"})
    assert near.status_code == 200 and near.mimetype == "application/geo+json"
    codes = [f["properties"]["code"] for f in near.get_json()["features"]]
    assert sorted(codes) == ["G1", "G2", "R1"]  # Antwerp is out of the box; each area once
    far = client.get("/map/areas", query_string={"level": "district", "bbox": FLANDERS, "zoom": "8"}).get_json()
    ring = lambda answer: next(f for f in answer["features"] if f["properties"]["code"] == "R1")[  # noqa: E731
        "geometry"]["coordinates"][0]
    assert 4 < len(ring(far)) < len(ring(near.get_json())) < 1025
    assert sorted(f["properties"]["code"] for f in far["features"]) == ["A1", "G1", "G2", "R1"]
    assert db.session.query(Area).count() == 4


def test_panning_reuses_the_cached_tiles(app, client, offers, monkeypatch):
    from community.services import mapareas
    built = []
    real = mapareas.tile_features
    monkeypatch.setattr(mapareas, "tile_features", lambda *tile: built.append(tile) or real(*tile))
    args = {"level": "district", "zoom": "13"}
    client.get("/map/areas", query_string={**args, "bbox": "3.66,51.02,3.79,51.09"})
    first = len(built)
    assert 1 <= first <= 6
    client.get("/map/areas", query_string={**args, "bbox": "3.67,51.025,3.80,51.095"})  # a small pan
    assert len(built) - first <= 2


def _island(html: str) -> dict:
    return json.loads(html.split('id="map-data">', 1)[1].split("</script>", 1)[0])


def _add_listings(tmp_path, count: int) -> None:
    from community.extensions import db
    from community.importers.listings import import_listings
    path = tmp_path / "more.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "organisation", "place", "latitude", "longitude", "working_models"])
        for i in range(count):
            out.writerow([f"Extra {i}", f"Vereniging {i % 50}", f"Zaal {i % 200}",
                          f"{51.03 + (i % 200) * 0.0002:.5f}", f"{3.70 + (i % 200) * 0.0002:.5f}", "peer"])
    import_listings(path)
    db.session.commit()


def test_the_home_page_carries_no_markers_nor_outlines_whatever_the_number_of_listings(
        demo_app, demo_db, tmp_path):
    client = demo_app.test_client()
    small_html = client.get("/").get_data(as_text=True)
    small = _island(small_html)
    _add_listings(tmp_path, 1_920)
    large_html = client.get("/").get_data(as_text=True)
    large = _island(large_html)
    shown = int(re.search(r'id="results-heading">\s*(\d+) ', small_html).group(1))  # the demo's offers not ended
    assert shown > 60 and f"{shown + 1920} " in large_html.replace(".", "").replace(",", "")
    for island in (small, large):
        assert "markers" not in island and "places" not in island and "areas" not in island
        assert island["markers_url"].startswith("/map/markers") and island["areas_url"] == "/map/areas"
    # The same island but for the first view's box.
    assert {k: v for k, v in small.items() if k != "extent"} == {k: v for k, v in large.items() if k != "extent"}
    assert len(large_html) - len(small_html) < 200


def test_the_list_page_builds_no_map_data(client, offers):
    response = client.get("/initiatives")
    assert response.status_code == 200 and "60 " in response.get_data(as_text=True)
    assert 'id="map-data"' not in response.get_data(as_text=True)


def test_the_first_view_fits_the_matches_or_the_circle_of_near(app, offers):
    from community.services.finder import FinderQuery
    from community.services.geocoding import Location
    from community.services.mapdata import first_view
    with app.test_request_context("/"):
        assert first_view(FinderQuery(), None) == pytest.approx([3.62, 51.02, 4.419, 51.21])
        assert first_view(FinderQuery(district="G1"), None) == pytest.approx([3.62, 51.02, 3.69, 51.06])
        # Nothing matches: the districts' box.
        assert first_view(FinderQuery(text="niets"), None) == pytest.approx([3.60, 51.00, 4.50, 51.30])
        box = first_view(FinderQuery(radius=1000), Location(51.05, 3.72, "", "coordinates"))
    assert box[0] < 3.72 - 0.0128 and box[2] > 3.72 + 0.0128 and box[1] < 51.041 and box[3] > 51.059


def test_the_markers_take_the_same_queries_for_60_and_for_600_offers(app, client, db, offers, tmp_path):
    app.config["BUURTKRACHT_MAP_MARKERS"] = 5

    def queries() -> int:
        statements = []
        listen = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            _markers(client, bbox=FLANDERS, zoom="8")
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements)

    small = queries()
    _add_listings(tmp_path, 540)
    assert queries() == small


def test_a_region_view_is_cached_until_a_listing_changes(app, client, db, offers, tmp_path):
    from community.services import mapdata
    app.config["BUURTKRACHT_MAP_MARKERS"] = 5
    made = []
    real = mapdata._markers
    mapdata._markers = lambda *a: made.append(a) or real(*a)
    try:
        assert _markers(client, bbox=FLANDERS, zoom="9")["total"] == 60
        assert _markers(client, bbox="2.6,50.7,6.0,51.5", zoom="9")["total"] == 60  # the same tiles
        assert len(made) == 1
        offers["offers"][0].archived_at = datetime.now(TZ)  # an edit in the workspace
        db.session.commit()
        assert _markers(client, bbox=FLANDERS, zoom="9")["total"] == 59
        _add_listings(tmp_path, 20)  # the importer's bulk inserts
        assert _markers(client, bbox=FLANDERS, zoom="9")["total"] == 79
        assert len(made) == 3
        assert _markers(client, bbox=FLANDERS, zoom="9", day="2")["total"] == 29  # never cached; 0 is archived
        assert len(made) == 4
    finally:
        mapdata._markers = real
