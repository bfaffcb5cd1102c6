"""The residents' finder on a small hand-made neighbourhood, with expected results worked out by hand.

Places (all on longitude 3.7270; one degree of latitude is about 111 km):
  P1 51.0530 (district D1), P2 51.0600 (D1, about 780 m north of P1), P3 51.0700 (D2, about 1.9 km north of P1)
Offers:
  A Taalcafé        P1 free, children welcome, weekly Wed 14:00-16:00, nl+ar, competence, newcomers, no registration
  B Breicafé        P2 social tariff, no children, weekly Wed 09:30-11:30, location, elderly, registration needed
  C Huiswerkklas    P3 free, childcare, every 2 weeks Wed 15:00-17:00 from Mon 2 March 2026, context, families+youth,
                    wheelchair yes, no registration
  D Avondwandeling  P1 paid, children welcome, first Thursday of the month 19:00-21:00, peer, everyone
  E Oud project     P1 free, Wed afternoon, but inactive: never shown
'Now' is Wednesday 4 March 2026 15:00 in Brussels.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from shapely.geometry import box, mapping
from werkzeug.datastructures import MultiDict

from community.scheduling import TZ
from tests import factories

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)


@pytest.fixture
def neighbourhood(app, db):
    factories.area("D1", "Zuidkant", geometry=json.dumps(mapping(box(3.70, 51.04, 3.75, 51.065))))
    factories.area("D2", "Noordkant", geometry=json.dumps(mapping(box(3.70, 51.065, 3.75, 51.09))))
    org = factories.organisation(name="Buurtwerk Test")
    places = {n: factories.place(name=f"Plek {n}", latitude=lat, longitude=3.7270, street="Teststraat",
                                 number=n[-1], wheelchair="yes" if n == "P3" else "unknown")
              for n, lat in (("P1", 51.0530), ("P2", 51.0600), ("P3", 51.0700))}

    def offer(name, place, *, cost, childcare, frequency, weekdays, start, end, models, groups,
              languages=("nl",), nth=None, valid_from=None, status="active", wheelchair="unknown",
              registration=False):
        init = factories.initiative(org, at=[places[place]], name=name, cost=cost, childcare=childcare,
                                    status=status, wheelchair=wheelchair, registration_required=registration,
                                    working_models=models, target_groups=groups, languages=list(languages))
        factories.schedule(init, places[place], frequency=frequency, weekdays=weekdays, start=start, end=end,
                           nth=nth, valid_from=valid_from)
        return init
    offer("Taalcafé", "P1", cost="free", childcare="children_welcome", frequency="weekly", weekdays=[2],
          start=time(14), end=time(16), models=["competence"], groups=["newcomers"], languages=["nl", "ar"])
    offer("Breicafé", "P2", cost="social_tariff", childcare="none", frequency="weekly", weekdays=[2],
          start=time(9, 30), end=time(11, 30), models=["location"], groups=["elderly"], registration=True)
    offer("Huiswerkklas", "P3", cost="free", childcare="childcare_provided", frequency="biweekly",
          weekdays=[2], start=time(15), end=time(17), models=["context"], groups=["families", "youth"],
          valid_from=date(2026, 3, 2), wheelchair="yes")
    offer("Avondwandeling", "P1", cost="paid", childcare="children_welcome", frequency="monthly",
          weekdays=[3], nth=1, start=time(19), end=time(21), models=["peer"], groups=["everyone"])
    offer("Oud project", "P1", cost="free", childcare="children_welcome", frequency="weekly", weekdays=[2],
          start=time(14), end=time(16), models=["location"], groups=["everyone"], status="inactive")
    db.session.commit()
    with app.test_request_context("/"):
        yield


def names(**params):
    from community.services.finder import find, parse_query
    args = MultiDict([(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])])
    return [item.initiative.name for item in find(parse_query(args), now=NOW).listings]


def test_no_filter_shows_every_visible_offer_by_next_session(neighbourhood):
    # Next sessions after Wed 15:00: Taalcafé (since 14:00) and Huiswerkklas (since 15:00) are on
    # now (an ongoing session counts, by its start), Avondwandeling Thu 5 March 19:00, Breicafé Wed 11 March 09:30.
    assert names() == ["Taalcafé", "Huiswerkklas", "Avondwandeling", "Breicafé"]


@pytest.mark.parametrize("params, expected", [
    ({"cost": "free"}, ["Taalcafé", "Huiswerkklas"]),
    ({"cost": "low"}, ["Taalcafé", "Huiswerkklas", "Breicafé"]),
    ({"childcare": "1"}, ["Taalcafé", "Huiswerkklas", "Avondwandeling"]),
    ({"language": "ar"}, ["Taalcafé"]),
    ({"group": "elderly"}, ["Breicafé"]),
    ({"group": ["elderly", "youth"]}, ["Huiswerkklas", "Breicafé"]),
    ({"model": "peer"}, ["Avondwandeling"]),
    ({"wheelchair": "1"}, ["Huiswerkklas"]),
    ({"noreg": "1"}, ["Taalcafé", "Huiswerkklas", "Avondwandeling"]),
    ({"district": "D2"}, ["Huiswerkklas"]),
    ({"q": "huiswerk"}, ["Huiswerkklas"]),
    ({"day": "2", "part": "morning"}, ["Breicafé"]),
    ({"day": "3"}, ["Avondwandeling"]),
    ({"part": "evening"}, ["Avondwandeling"]),
    ({"when": "now"}, ["Taalcafé", "Huiswerkklas"]),
    ({"when": "week"}, ["Taalcafé", "Huiswerkklas", "Avondwandeling"]),
    ({"cost": "free", "childcare": "1", "day": "woensdag", "part": "afternoon"}, ["Taalcafé", "Huiswerkklas"]),
])
def test_filters_alone_and_combined(neighbourhood, params, expected):
    assert names(**params) == expected


def test_free_wednesday_afternoon_with_childcare_near_an_address(neighbourhood, db):
    from community.models import AddressPoint
    db.session.add(AddressPoint(street="Teststraat", street_key="teststraat", number="1", postcode="9000",
                                municipality="Gent", latitude=51.0531, longitude=3.7271))
    db.session.commit()
    base = {"cost": "free", "childcare": "1", "day": "2", "part": "afternoon"}
    assert names(**base, near="Teststraat 1") == ["Taalcafé"]          # Huiswerkklas is 1.9 km away
    assert names(**base, near="teststraat 1", radius="2500") == ["Taalcafé", "Huiswerkklas"]  # by distance
    assert names(**base, near="51.0530,3.7270", radius="500") == ["Taalcafé"]


def test_distance_and_walking_time(neighbourhood):
    from community.services.finder import find, parse_query
    result = find(parse_query(MultiDict({"near": "51.0530,3.7270", "radius": "1000"})), now=NOW)
    by_name = {i.initiative.name: i for i in result.listings}
    assert set(by_name) == {"Taalcafé", "Avondwandeling", "Breicafé"}
    assert by_name["Taalcafé"].distance_m == pytest.approx(0, abs=1)
    # 0.007 degrees of latitude is about 778 m; at 4.5 km/h that is 10.4 -> 11 minutes.
    assert by_name["Breicafé"].distance_m == pytest.approx(778, abs=5)
    assert by_name["Breicafé"].extra["walk_min"] == 11


def test_empty_result_says_which_filter_to_drop(neighbourhood):
    from community.services.finder import find, parse_query
    result = find(parse_query(MultiDict({"group": "elderly", "childcare": "1"})), now=NOW)
    assert result.total == 0
    # Without the group: 3 offers welcome children; without childcare: 1 offer for elderly.
    assert dict(result.relax) == {"group": 3, "childcare": 1}


@pytest.mark.parametrize("params, field", [
    ({"radius": "-5"}, "radius"), ({"radius": "abc"}, "radius"), ({"near": "abc"}, "near"),
    ({"model": "unknown"}, "model"), ({"day": "9"}, "day"), ({"part": "night"}, "part"),
    ({"cost": "cheap"}, "cost"), ({"district": "NOPE"}, "district"), ({"near": "3.72,51.05"}, "near"),
    ({"near": "95,200"}, "near"), ({"childcare": "maybe"}, "childcare"), ({"when": "later"}, "when"),
    ({"radius": "1e309"}, "radius"), ({"radius": "-inf"}, "radius"), ({"radius": "nan"}, "radius"),
    ({"radius": "inf"}, "radius"), ({"day": "²"}, "day"), ({"day": "٣"}, "day"),
    ({"page": "9" * 5000}, "page"),
])
def test_wrong_parameters_are_refused_with_a_message(neighbourhood, client, params, field):
    from community.services.finder import BadQuery, find, parse_query
    with pytest.raises(BadQuery) as caught:
        find(parse_query(MultiDict(params)), now=NOW)
    assert field in caught.value.problems
    for path in ("/", "/initiatives", "/print"):
        response = client.get(path, query_string=params)
        assert response.status_code == 400
        assert caught.value.problems[field].encode()[:20] in response.data.replace(b"&#39;", b"'")


def test_swapped_coordinates_are_explained(neighbourhood):
    from community.services.finder import BadQuery, find, parse_query
    with pytest.raises(BadQuery) as caught:
        find(parse_query(MultiDict({"near": "3.7270,51.0530"})), now=NOW)
    assert "swapped" in caught.value.problems["near"]


def test_pages_show_the_same_result_set_on_map_and_list(neighbourhood, client):
    response = client.get("/", query_string={"cost": "free"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = json.loads(html.split('id="map-data">', 1)[1].split("</script>", 1)[0])
    # The page's map asks for its markers with the page's filters, for the box it shows.
    assert "markers" not in data
    min_lon, min_lat, max_lon, max_lat = data["extent"]
    box = f"{min_lon - 0.01},{min_lat - 0.01},{max_lon + 0.01},{max_lat + 0.01}"
    answer = client.get(data["markers_url"] + f"&bbox={box}&zoom=14").get_json()
    assert "markers" in answer, answer
    markers = answer["markers"]
    assert sorted(m["name"] for m in markers) == ["Huiswerkklas", "Taalcafé"]
    listed = client.get("/initiatives", query_string={"cost": "free"}).get_data(as_text=True)
    assert "Huiswerkklas" in listed and "Taalcafé" in listed and "Breicafé" not in listed
