"""The finder's work at scale: the near box, listings loaded only when shown, shared map data."""
from __future__ import annotations

from datetime import datetime, time

import numpy as np
import pytest

from community.scheduling import TZ
from tests import factories

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)  # a Wednesday


@pytest.mark.parametrize("lat, lon", [(51.054, 3.725), (50.70, 5.90), (51.35, 2.55)])
@pytest.mark.parametrize("radius", [50, 1000, 50_000])
def test_near_box_holds_every_point_of_the_circle(lat, lon, radius):
    from community.services.finder import _near_box
    from community.services.geocoding import Location
    from geo.crs import METRIC, to_wgs84
    from geo.distance import project_metric
    min_lon, min_lat, max_lon, max_lat = _near_box(Location(lat, lon, "", "coordinates"), radius)
    ox, oy = project_metric(lon, lat)
    angles = np.linspace(0, 2 * np.pi, 3600, endpoint=False)
    lons, lats = to_wgs84(ox + radius * np.cos(angles), oy + radius * np.sin(angles), METRIC)
    assert lons.min() > min_lon and lons.max() < max_lon
    assert lats.min() > min_lat and lats.max() < max_lat


@pytest.fixture
def forty_offers(app, db):
    """40 offers at 2 places, all on Wednesday 16:00 (so ordered by name), one working model each."""
    org = factories.organisation(name="Buurtwerk")
    places = [factories.place(name=f"Plek {n}", latitude=51.05 + n / 100, longitude=3.72, street="", number="",
                              postcode="", municipality="") for n in range(2)]
    for n in range(40):
        init = factories.initiative(org, at=[places[n % 2]], name=f"Aanbod {n:02d}", cost="free" if n % 2 else "paid",
                                    childcare="children_welcome",
                                    working_models=["peer", "buddy"] if n == 0 else ["location"])
        factories.schedule(init, weekdays=[2], start="16:00", end="18:00")
    db.session.commit()


def test_listings_are_loaded_only_for_the_items_shown(forty_offers):
    from community.services.finder import FinderQuery, find
    result = find(FinderQuery(), now=NOW)
    assert result.total == 40 and len(result.listings) == 40
    assert result.listings._loaded == {}
    first = result.listings[:12]
    assert [item.initiative.name for item in first] == [f"Aanbod {n:02d}" for n in range(12)]
    assert len(result.listings._loaded) == 12
    assert first[0].next_start == datetime(2026, 3, 4, 16, 0, tzinfo=TZ)
    assert first[0].place.name == "Plek 0" and first[0].location.schedules[0].start_time == time(16)
    assert [item.initiative.name for item in result.listings] == [m.name for m in result.matches]
    assert result.listings[-1].initiative.name == "Aanbod 39"


def test_near_results_carry_distance_and_walking_time_to_the_listing(app, forty_offers):
    from community.services.finder import FinderQuery, find
    with app.test_request_context("/"):
        assert {m.place.name for m in find(FinderQuery(near="51.05,3.72", radius=500), now=NOW).listings} == {
            "Plek 0"}
        result = find(FinderQuery(near="51.05,3.72", radius=2000), now=NOW)
        item = result.listings[-1]
    assert item.place.name == "Plek 1"  # 0.01 degree of latitude north: about 1,113 m
    assert item.distance_m == pytest.approx(1113, abs=5) and item.extra["walk_min"] == 15


def test_map_data_sends_each_place_and_text_once(app, forty_offers):
    from community.services.finder import FinderQuery, find
    from community.services.public import map_data
    with app.test_request_context("/?lang=en"):
        result = find(FinderQuery(), now=NOW)
        data = map_data(result.matches)
        from_listings = map_data(list(result.listings))
    assert data == from_listings
    assert len(data["markers"]) == 40 and len(data["places"]) == 2 and data["texts"] == ["Next: Wed 4 Mar, 16:00"]
    first = data["markers"][0]
    assert first["name"] == "Aanbod 00" and first["models"] == ["buddy"] and first["next"] == 0
    assert data["places"][first["place"]] == [51.05, 3.72, "Plek 0"]
    assert [m["free"] for m in data["markers"][:2]] == [False, True] and first["childcare"] is True
