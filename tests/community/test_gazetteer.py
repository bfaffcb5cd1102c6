"""`near` as residents type it, on the demo: Ghent's 25 wijken and its 93,661 real address points.

The address points are the real CRAB extract (shared/data/ghent/addresses.csv, loaded by the demo);
the expected places were looked up by hand in that file (Sint-Baafsplein has numbers 2, 4, 5, 7,
8, ...; Kortrijksesteenweg runs through 9000, 9051 and 9052; Dampoortstraat lies in 9000).
"""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from community.errors import BadRequest
from community.services.gazetteer import NearChoices


@pytest.fixture(scope="module")
def demo(backend, tmp_path_factory):
    """One demo app for the module (building the look-up of 93,661 addresses takes a second a database);
    the test that writes takes its row out again."""
    from tests.conftest import _reset
    from tests.support import make_app
    application, url = make_app(backend, tmp_path_factory.mktemp("gazetteer"), demo=True)
    yield application
    _reset(application, backend, url)


@pytest.fixture
def resolve(demo):
    from community.services.geocoding import resolve_near
    with demo.test_request_context("/"):
        yield resolve_near


def test_a_neighbourhood_beats_the_street_named_after_it(resolve):
    found = resolve("dampoort")
    assert (found.kind, found.label, found.name) == ("area", "the Dampoort neighbourhood", "Dampoort")
    assert found.area is not None
    # The street is offered as "not what you meant?", with a text that finds the street itself.
    assert ("Dampoortstraat, 9000 Gent", "Dampoortstraat, 9000 Gent") in [(a.label, a.text) for a in found.alternatives]
    assert resolve("Dampoortstraat, 9000 Gent").label == "Dampoortstraat, 9000 Gent"


@pytest.mark.parametrize("text", ["Brugse Poort", "brugse poort", "Rooigem", "brugse poort - rooigem", "44021W04"])
def test_a_neighbourhood_by_a_part_of_its_name_or_its_code(resolve, text):
    assert resolve(text).label == "the Brugse Poort - Rooigem neighbourhood"


@pytest.mark.parametrize("text", ["st-baafsplein", "St. Baafsplein", "sint baafsplein", "SINT-BAAFSPLEIN",
                                  "sintbaafsplein", "Sint-Baafsplein, Gent"])
def test_sint_written_as_people_write_it(resolve, text):
    found = resolve(text)
    assert (found.kind, found.label) == ("street", "Sint-Baafsplein, 9000 Gent")


@pytest.mark.parametrize("text", ["sint baafsplein 2", "Sint-Baafsplein 2 9000 Gent", "Sint-Baafsplein 2, 9000 Gent",
                                  "9000 Gent, sint-baafsplein 2", "2 Sint-Baafsplein", "st-baafsplein 2 bus 3",
                                  "Sint-Baafsplein 2 Gent"])
def test_street_number_postcode_and_municipality_in_any_order(resolve, text):
    found = resolve(text)
    assert (found.kind, found.label) == ("address", "Sint-Baafsplein 2, 9000 Gent")
    assert (found.latitude, found.longitude) == pytest.approx((51.0534047, 3.7247035), abs=1e-5)


def test_a_street_written_in_two_words_and_without_accents(resolve):
    assert resolve("kortrijkse steenweg 1, 9000").label == resolve("Kortrijksesteenweg 1, 9000 Gent").label
    assert resolve("maisstraat").label.startswith("Maïsstraat, ")
    assert resolve("Charles de l'Epeeplein").label.startswith("Charles de l'Epéeplein, ")


def test_a_postcode_a_municipality_and_a_deelgemeente(resolve):
    postcode = resolve("9000")
    assert (postcode.kind, postcode.label) == ("area", "postcode 9000 (Gent)")
    assert resolve("9000 Gent").label == postcode.label
    municipality = resolve("gent")
    assert (municipality.kind, municipality.label) == ("area", "the municipality of Gent")
    assert resolve("Desteldonk").label == "Desteldonk (postcode 9042)"
    assert resolve("drongen").label == "the Drongen neighbourhood"  # the wijk of that name, not only its postcode


@pytest.mark.parametrize("typed, meant", [("sint baafsplien", "Sint-Baafsplein, 9000 Gent"),
                                          ("dampoorrt", "the Dampoort neighbourhood"),
                                          ("gentbruge", "the Gentbrugge neighbourhood"),
                                          ("korenmarkt 1", "Korenmarkt 1, 9000 Gent")])
def test_small_typos(resolve, typed, meant):
    assert resolve(typed).label == meant


def test_a_street_in_several_postcodes_is_a_choice(resolve):
    with pytest.raises(NearChoices) as caught:
        resolve("kortrijksesteenweg")
    choices = caught.value.choices
    assert [c.text for c in choices] == ["Kortrijksesteenweg, 9000 Gent", "Kortrijksesteenweg, 9051 Gent",
                                         "Kortrijksesteenweg, 9052 Gent"]
    assert "Zwijnaarde" in choices[2].label and "several postcodes" in caught.value.errors["near"]
    for choice in choices:  # each choice finds its own street
        assert resolve(choice.text).label == choice.text
    with pytest.raises(NearChoices):
        resolve("Kortrijksesteenweg 5")  # with a number too


def test_neighbourhoods_that_share_a_beginning_are_a_choice(resolve):
    with pytest.raises(NearChoices) as caught:
        resolve("stationsbuurt")
    assert [c.text for c in caught.value.choices] == ["Stationsbuurt-Noord", "Stationsbuurt-Zuid"]


def test_a_number_we_do_not_know_gives_the_nearest_on_the_same_side(resolve):
    # Sint-Baafsplein has 2, 4, 5, 7: for 3 the nearest odd number, 5.
    found = resolve("sint-baafsplein 3")
    assert (found.kind, found.label) == ("address", "Sint-Baafsplein 5, 9000 Gent (the nearest number we know)")
    assert resolve("Sint-Baafsplein 62").label == "Sint-Baafsplein 62, 9000 Gent"


@pytest.mark.parametrize("text", ["zzzzqqq", "<script>alert(1)</script>", "9999", "%", "_", "' or 1=1 --", "99999999",
                                  "sint", "a b c d e f g h", "1e309", "Sint-Baafsplein 2, 9040 Gent"])
def test_nonsense_is_a_message_never_a_crash(resolve, text):
    try:
        resolve(text)
    except BadRequest as exc:
        assert "near" in exc.errors


def _links(page: str, css_class: str) -> list[tuple[str, str]]:
    block = re.search(rf'<(?:ul|p) class="[^"]*{css_class}[^"]*".*?</(?:ul|p)>', page, re.S).group(0)
    return [(unescape(href), unescape(text)) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)]


def test_the_page_says_what_it_understood_and_offers_the_other_meaning(demo):
    client = demo.test_client()
    page = client.get("/initiatives?near=dampoort&cost=free").get_data(as_text=True)
    assert "within 1\u00a0km of the Dampoort neighbourhood" in unescape(page)
    links = _links(page, "understood")
    street = next(href for href, text in links if text == "Dampoortstraat, 9000 Gent")
    assert parse_qs(urlsplit(street).query) == {"near": ["Dampoortstraat, 9000 Gent"], "cost": ["free"]}
    assert ("#near", "type the place differently") in links


def test_a_choice_on_the_page_keeps_the_other_filters(demo):
    client = demo.test_client()
    response = client.get("/initiatives?near=kortrijksesteenweg+12&cost=free&q=koffie")
    assert response.status_code == 400
    links = _links(response.get_data(as_text=True), "near-choices")
    # Numbers 1027 and up lie in 9051, 1025 alone in 9052: each choice says which number it would take.
    assert [text for _href, text in links] == [
        "Kortrijksesteenweg 12, 9000 Gent",
        "Kortrijksesteenweg 1027, 9051 Gent (Afsnee, Sint-Denijs-Westrem) (the nearest number we know)",
        "Kortrijksesteenweg 1025, 9052 Gent (Zwijnaarde) (the nearest number we know)"]
    query = parse_qs(urlsplit(links[1][0]).query)
    assert query == {"near": ["Kortrijksesteenweg 12, 9051 Gent"], "cost": ["free"], "q": ["koffie"]}
    assert client.get(links[1][0]).status_code == 200


def test_the_nearest_number_is_said_on_the_page(demo):
    page = demo.test_client().get("/initiatives?near=sint-baafsplein+3").get_data(as_text=True)
    assert "of Sint-Baafsplein 5, 9000 Gent (the nearest number we know)" in unescape(page)


def test_from_a_neighbourhood_what_lies_inside_comes_first_at_0_m(demo):
    from werkzeug.datastructures import MultiDict
    from community.models import Area, PlaceArea
    from community.services.finder import find, parse_query
    from sqlalchemy import select
    from community.extensions import db
    with demo.test_request_context("/"):
        result = find(parse_query(MultiDict({"near": "Dampoort", "radius": "500"})))
        inside = set(db.session.scalars(select(PlaceArea.place_id).join(Area, Area.id == PlaceArea.area_id)
                                        .where(Area.code == "44021W13")))
        assert inside and result.total > 0
        flags = [item.place.id in inside for item in result.listings]
        assert any(flags) and flags == sorted(flags, reverse=True)  # every one inside before any outside
        for item in result.listings:
            assert (item.distance_m == 0) == (item.place.id in inside)
            assert item.distance_m <= 500
        # Outside the wijk but within 500 m of its edge: found although far from its centre.
        assert not all(flags)


@pytest.mark.parametrize("near", ["dampoort", "st-baafsplein", "sint baafsplein 2", "Sint-Baafsplein 2 9000 Gent",
                                  "9000", "gent", "sint baafsplien", "kortrijksesteenweg", "sint-baafsplein 3",
                                  "<b>x</b>", "stationsbuurt", "9999", "\u0000", "a" * 200])
def test_every_page_answers(demo, near):
    client = demo.test_client()
    for path in ("/", "/initiatives", "/print", "/map/markers?bbox=3.6,51.0,3.8,51.1&zoom=13"):
        sep = "&" if "?" in path else "?"
        response = client.get(f"{path}{sep}near={near}")
        assert response.status_code in (200, 400), (path, near, response.status_code)


def test_new_addresses_are_found_after_an_import(demo):
    from community.extensions import db
    from community.models import AddressPoint
    from sqlalchemy import delete
    from community.services.geocoding import resolve_near
    with demo.test_request_context("/"):
        with pytest.raises(BadRequest):
            resolve_near("Nieuwbouwlaan 1")
        db.session.add(AddressPoint(street="Nieuwbouwlaan", street_key="nieuwbouwlaan", number="1", postcode="9000",
                                    municipality="Gent", latitude=51.05, longitude=3.72))
        db.session.commit()
        try:
            assert resolve_near("nieuwbouwlaan 1").label == "Nieuwbouwlaan 1, 9000 Gent"
        finally:
            db.session.execute(delete(AddressPoint).where(AddressPoint.street == "Nieuwbouwlaan"))
            db.session.commit()
