"""Coverage review on a tiny hand-made town: the service's numbers and rules, the pages, exports and CLI."""
from __future__ import annotations

import csv
import io
import json
import math
from datetime import date, datetime, time, timedelta, timezone

import pytest

from tests import factories
from tests.community.importing import output, run_cli
from tests.support import session_token

# Westwijk (D1) and Oostwijk (D2) are 0.02 degrees (about 1.4 km) wide and 2.2 km high; Geenwijk (D3)
# has no figures at all. Westwijk is split in two sectors. One meeting place sits in the middle of
# Westwijk: at 1,000 m about 83 % of Westwijk's residents reach it and only a few of Oostwijk's.
BOXES = {"M1": (3.70, 51.04, 3.76, 51.06), "D1": (3.70, 51.04, 3.72, 51.06), "D2": (3.72, 51.04, 3.74, 51.06),
         "D3": (3.74, 51.04, 3.76, 51.06), "S1a": (3.70, 51.04, 3.71, 51.06), "S1b": (3.71, 51.04, 3.72, 51.06)}


def build_town(db, *, groups=("elderly",), tie_type="bonding", d1_name="Westwijk", offer_name="Praatgroep West"):
    from community.models import IndicatorValue
    areas = {}
    spec = [("M1", "Testgemeente", "municipality", None), ("D1", d1_name, "district", "M1"),
            ("D2", "Oostwijk", "district", "M1"), ("D3", "Geenwijk", "district", "M1"),
            ("S1a", "Westwijk-Noord", "sector", "D1"), ("S1b", "Westwijk-Zuid", "sector", "D1")]
    for code, name, level, parent in spec:
        areas[code] = factories.area(code, name, level, BOXES[code], parent=areas.get(parent))
    # Westwijk: 30 % aged 65+, Oostwijk 10 %; Westwijk's residents are known per sector.
    figures = {"D1": {"population": 1000, "population_65_plus": 300},
               "D2": {"population": 1000, "population_65_plus": 100},
               "S1a": {"population": 500, "population_65_plus": 150},
               "S1b": {"population": 500, "population_65_plus": 150}}
    for code, values in figures.items():
        for indicator, value in values.items():
            db.session.add(IndicatorValue(area_id=areas[code].id, indicator=indicator, year=2024, value=value))
    org = factories.organisation(name="Vzw West")
    place = factories.place(name="Buurthuis West", latitude=51.05, longitude=3.71, street="", number="",
                            postcode="", municipality="")
    for name, models, cost in ((offer_name, ["peer"], "paid"), ("Ontmoeting West", ["organisation"], "free")):
        factories.initiative(org, at=[place], name=name, tie_type=tie_type, cost=cost, childcare="none",
                             last_verified=date.today(), working_models=models, target_groups=list(groups))
    factories.initiative(org, name="Gesloten in Oostwijk", status="inactive")
    user = factories.user("coordinator@example.org", "coordinator", [areas["M1"]])
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
    factories.activity(user, place, day=yesterday, start=10, end=12, title="Soep en praat", status="done",
                       participants=3, new_participants=1)
    db.session.commit()
    return areas, user


def login(client, user):
    token = session_token(user)
    with client.session_transaction() as s:
        s["_user_id"] = token
        s["_fresh"] = True


def make_user(db, role, email):
    from community.models import User
    user = User(email=email, password_hash="x", role=role)
    db.session.add(user)
    db.session.commit()
    return user


def compute(**params):
    from community.services.coverage import cache, parameters
    from flask import current_app
    with current_app.test_request_context("/?lang=en"):
        return cache.compute(parameters.ReviewParams(**params))


# ---------------------------------------------------------------- the service


def test_districts_ranked_by_gap_with_the_reasons(app, db):
    build_town(db)
    cov = compute(level="district", distance=1000, weights=(("population_65_plus", 1.0),))
    d = cov.level("district")
    # Need: 65+ shares 0.3 and 0.1 against 0.2 on average: index 1.5 and 0.5, need shares 0.75 and 0.25.
    assert d.loc["D1", "need_index"] == pytest.approx(1.5)
    assert d.loc["D2", "need_index"] == pytest.approx(0.5)
    assert d.loc["D1", "need_share"] == pytest.approx(0.75)
    # Oostwijk has almost nothing within reach: it ranks first although its need is smaller.
    assert d.loc["D2", "rank"] == 1 and d.loc["D1", "rank"] == 2
    assert d.loc["D2", "gap"] > 0 > d.loc["D1", "gap"]
    assert [c for c, _ in d.loc["D2", "blind_spots"]] == ["no_offer"]
    assert "only_bonding" in [c for c, _ in d.loc["D1", "blind_spots"]]
    # Only the two active initiatives count (the inactive one is left out).
    assert d.loc["D1", "initiatives_in_area"] == 2 and d.loc["D2", "initiatives_in_area"] == 0
    assert 0.7 < cov.reach["D1"]["any"] < 0.95 and cov.reach["D2"]["any"] < 0.2


def test_area_without_indicators_is_no_data_never_zero_need(app, db):
    build_town(db)
    cov = compute(level="district", distance=1000)
    d3 = cov.level("district").loc["D3"]
    assert d3["status"] == "no_data"
    assert math.isnan(d3["need_index"]) and math.isnan(d3["gap"]) and math.isnan(d3["rank"])


def test_municipality_figures_are_derived_from_its_districts_only_when_complete(app, db):
    build_town(db)
    cov = compute(level="municipality", distance=1000, weights=(("population_65_plus", 1.0),))
    m = cov.level("municipality").loc["M1"]
    # Geenwijk has no figures, so the municipality's population is not a (too small) partial sum.
    assert m["status"] == "no_data" and math.isnan(m["population"])


def test_many_older_residents_without_an_offer_for_them(app, db):
    build_town(db, groups=("youth",), tie_type="both")
    cov = compute(level="district", distance=1000, weights=(("population_65_plus", 1.0),))
    spots = dict(cov.level("district").loc["D1", "blind_spots"])
    # Westwijk's 65+ share is 1.5 times the average and no offer is for older people.
    assert spots["group_without_offer"]["group"] == "elderly"
    assert spots["group_without_offer"]["ratio"] == pytest.approx(1.5)
    assert "only_bonding" not in spots and "only_bridging" not in spots  # "both" counts for both


def test_methods_give_their_own_access_measure(app, db):
    build_town(db)
    near = compute(level="sector", method="nearest", distance=1000).level("sector")
    # Sector centres lie 350 m west and east of the place: mean distances are a few hundred metres.
    assert 200 < near.loc["S1a", "access"] < 1000
    cumulative = compute(level="district", method="cumulative", distance=5000).level("district")
    # At 5 km everybody reaches both initiatives at the one place.
    assert cumulative.loc["D1", "access"] == pytest.approx(2.0)
    assert cumulative.loc["D2", "access"] == pytest.approx(2.0)


def test_results_are_cached_until_the_data_changes(app, db):
    from community.models import Initiative
    build_town(db)
    first = compute(level="district", distance=1000)
    assert compute(level="district", distance=1000).areas is first.areas
    initiative = db.session.query(Initiative).filter_by(name="Gesloten in Oostwijk").one()
    initiative.status = "active"
    db.session.commit()
    assert compute(level="district", distance=1000).areas is not first.areas


# ---------------------------------------------------------------- pages and authorisation


def test_review_needs_a_worker_or_coordinator(app, client, db):
    build_town(db)
    anonymous = app.test_client().get("/review/")
    assert anonymous.status_code in (302, 401)
    editor = make_user(db, "editor", "editor@example.org")
    login(client, editor)
    assert client.get("/review/").status_code == 403
    assert client.get("/review/export.csv").status_code == 403
    worker = make_user(db, "worker", "worker@example.org")
    login(client, worker)
    assert client.get("/review/").status_code == 200


def test_review_can_be_made_public_by_configuration(app, client, db):
    build_town(db)
    app.config["BUURTKRACHT_REVIEW_PUBLIC"] = True
    response = client.get("/review/")
    assert response.status_code == 200
    assert b'href="/review/"' in response.data  # the navigation link is shown


def test_navigation_link_only_for_those_who_may_see_the_review(app, client, db):
    _, user = build_town(db)
    assert b'href="/review/"' not in app.test_client().get("/").data
    login(client, user)
    assert b'href="/review/"' in client.get("/").data


def test_index_shows_the_ranked_table_and_the_map_data(app, client, db):
    _, user = build_town(db)
    login(client, user)
    page = client.get("/review/?distance=1000&w_deprivation_index=0&w_children_0_11=0"
                      "&w_single_person_households=0&lang=en").get_data(as_text=True)
    table = page[page.index('id="ranked-table"'):]
    assert table.index("Oostwijk") < table.index("Westwijk") < table.index("Geenwijk")
    assert "No offer within walking distance" in table and "Only bonding" in table
    assert "(no data)" in table
    data = json.loads(page.split('id="review-map-data">')[1].split("</script>")[0])
    assert {f["properties"]["code"] for f in data["features"]} == {"D1", "D2", "D3"}
    assert [f for f in data["features"] if f["properties"]["code"] == "D3"][0]["properties"]["cls"] == -1


def test_sector_level_and_sorting_by_name(app, client, db):
    _, user = build_town(db)
    login(client, user)
    page = client.get("/review/?level=sector&sort=name&order=desc").get_data(as_text=True)
    assert page.index("Westwijk-Zuid") < page.index("Westwijk-Noord")
    assert 'aria-sort="descending"' in page


@pytest.mark.parametrize("query, message", [
    ("distance=abc", "The walking distance must be a whole number of metres."),
    ("distance=50", "The walking distance must be a whole number of metres from 100 to 5000."),
    ("distance=", "The walking distance must be a whole number of metres."),
    ("period=0", "The period must be a whole number of days from 7 to 730."),
    ("level=country", "Choose one of the offered values"),
    ("method=gravity", "Choose one of the offered values"),
    ("measure=__class__", "Choose one of the offered values"),
    ("w_population_65_plus=-1", "must be a number from 0 to 10"),
    ("w_population_65_plus=nan", "must be a number from 0 to 10"),
    ("w_deprivation_index=0&w_population_65_plus=0&w_children_0_11=0&w_single_person_households=0",
     "At least one need weight must be above 0."),
])
def test_wrong_parameters_give_a_clear_400(app, client, db, query, message):
    _, user = build_town(db)
    login(client, user)
    for path in ("/review/", "/review/areas/D1", "/review/export.csv", "/review/reports/D1"):
        response = client.get(f"{path}?{query}&lang=en")
        assert response.status_code == 400, path
        assert message in response.get_data(as_text=True)


def test_area_profile_page(app, client, db):
    _, user = build_town(db)
    login(client, user)
    page = client.get("/review/areas/D1?distance=1000&lang=en").get_data(as_text=True)
    assert "What is missing, and why" in page
    assert "One-sided: most residents only reach offers within their own group (bonding)" in page
    assert "Praatgroep West" in page and "Vzw West" in page
    # One activity with 3 participants: both counts are small.
    assert page.count("fewer than 5") >= 2
    assert client.get("/review/areas/NOPE").status_code == 404


def test_hostile_names_are_escaped(app, client, db):
    _, user = build_town(db, d1_name="<script>alert(1)</script>", offer_name="<img src=x onerror=alert(2)>")
    login(client, user)
    for url in ("/review/?distance=1000", "/review/areas/D1", "/review/reports/D1", "/review/reports/M1"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in page and "<img src=x" not in page, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/review/").get_data(as_text=True)


# ---------------------------------------------------------------- exports and reports


def test_csv_export_has_every_measure_and_protects_small_counts(app, client, db):
    _, user = build_town(db)
    login(client, user)
    response = client.get("/review/export.csv?level=district&distance=1000")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert set(rows) == {"D1", "D2", "D3"}
    for column in ("need_index", "need_share", "supply_share", "gap", "ratio", "access", "share_within",
                   "nearest_m", "models_in_reach", "verified_share", "reach_group_elderly", "blind_spot_codes",
                   "norm_local_service_centre_required"):
        assert column in rows["D1"], column
    assert rows["D1"]["activities"] == "<5" and rows["D1"]["participants"] == "<5"
    assert rows["D1"]["participants_per_1000"] == ""  # a rate would give the small number away
    assert rows["D2"]["activities"] == "0"
    assert rows["D3"]["need_index"] == "" and rows["D3"]["status"] == "no_data"
    assert "no_offer" in rows["D2"]["blind_spot_codes"]


def test_geojson_export(app, client, db):
    _, user = build_town(db)
    login(client, user)
    response = client.get("/review/export.geojson?level=sector")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    doc = json.loads(response.data)
    assert {f["properties"]["code"] for f in doc["features"]} == {"S1a", "S1b"}
    assert doc["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert client.get("/review/export.xlsx").status_code == 404


def test_reports_for_district_and_municipality_with_a_static_map(app, client, db):
    _, user = build_town(db)
    login(client, user)
    district = client.get("/review/reports/D1?distance=1000&lang=en").get_data(as_text=True)
    assert "Neighbourhood profile (buurtprofiel): Westwijk" in district
    assert "Westwijk-Noord" in district  # the ranked table of its sectors
    assert "/review/reports/D1/map.png" in district
    assert "Coverage report: Testgemeente" in client.get("/review/reports/M1?lang=en").get_data(as_text=True)
    image = client.get("/review/reports/D1/map.png")
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/review/reports/S1a").status_code == 404  # reports are per municipality or district
    assert client.get("/review/reports/S1a/map.png").status_code == 404


def test_cli_writes_csv_and_geojson(app, db, tmp_path):
    build_town(db)
    out = tmp_path / "sectors.csv"
    result = run_cli(app, "coverage", "--level", "sector", "--method", "2sfca", "--distance", "800",
                     "--out", str(out))
    assert result.exit_code == 0, output(result)
    assert "2 sector areas written" in output(result)
    assert {r["code"] for r in csv.DictReader(out.open(encoding="utf-8"))} == {"S1a", "S1b"}
    geo = tmp_path / "districts.geojson"
    assert run_cli(app, "coverage", "--level", "district", "--out", str(geo)).exit_code == 0
    assert len(json.loads(geo.read_text(encoding="utf-8"))["features"]) == 3
    bad = run_cli(app, "coverage", "--out", str(tmp_path / "x.txt"))
    assert bad.exit_code != 0 and "csv or .geojson" in output(bad)
    assert run_cli(app, "coverage", "--distance", "50", "--out", str(out)).exit_code != 0
