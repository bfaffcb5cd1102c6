"""The finder's neighbourhood field: a name typed as residents type it, matched on the server.

At Flanders scale a choice list of every district was 192 KB (2,768 options); the field takes a
code, a name in any case with or without accents, or a municipality, whose districts it offers.
"""
from __future__ import annotations

import html
import re

import pytest

from tests import factories


@pytest.fixture
def districts(app, db):
    gent = factories.area("44021", "Gent", level="municipality", box=(3.60, 51.00, 3.80, 51.10))
    brugge = factories.area("31005", "Brugge", level="municipality", box=(3.10, 51.15, 3.30, 51.25))
    factories.area("44021A", "Brugse Poort", parent=gent, box=(3.70, 51.04, 3.72, 51.06))
    factories.area("44021B", "Sint-Amandsberg", parent=gent, box=(3.74, 51.05, 3.76, 51.07))
    factories.area("44021C", "Centrum", parent=gent, box=(3.72, 51.05, 3.73, 51.06))
    factories.area("31005C", "Centrum", parent=brugge, box=(3.22, 51.20, 3.23, 51.21))
    factories.area("31005D", "Sint-Andries", parent=brugge, box=(3.17, 51.19, 3.20, 51.21))
    place = factories.place(name="Buurthuis", latitude=51.05, longitude=3.71)
    factories.initiative(at=[place], name="Soepcafé")
    db.session.commit()


@pytest.mark.parametrize("typed", ["Brugse Poort", "brugse poort", "BRUGSE-POORT", "44021A", "44021a",
                                   "Brugse Poort (Gent)", "brugse"])
def test_a_district_is_found_as_residents_type_it(client, districts, typed):
    page = client.get("/initiatives", query_string={"district": typed})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Soepcafé" in text
    assert 'value="Brugse Poort (Gent)"' in text  # the field shows the chosen district by name
    assert '<select id="district"' not in text


def test_accents_need_not_be_typed(client, districts, db):
    factories.area("44021D", "Ledeberg-Élysée", parent=None, box=(3.73, 51.03, 3.74, 51.04))
    db.session.commit()
    assert client.get("/initiatives?district=ledeberg elysee").status_code == 200


def _choices(text: str) -> list[tuple[str, str]]:
    found = re.search(r'<ul class="district-choices"[^>]*>(.*?)</ul>', text, re.S)
    return [(html.unescape(label), html.unescape(href))
            for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', found.group(1))] if found else []


def test_several_matches_ask_which_one_and_keep_the_other_filters(client, districts):
    page = client.get("/initiatives?q=soep&district=centrum&cost=free&page=2")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Several neighbourhoods match" in text
    assert _choices(text) == [("Centrum (Brugge)", "/initiatives?q=soep&cost=free&district=31005C"),
                              ("Centrum (Gent)", "/initiatives?q=soep&cost=free&district=44021C")]
    assert client.get(_choices(text)[1][1]).status_code == 200


def test_a_municipality_lists_its_districts(client, districts):
    page = client.get("/?district=gent")
    assert page.status_code == 400
    assert [label for label, _href in _choices(page.get_data(as_text=True))] == [
        "Brugse Poort (Gent)", "Centrum (Gent)", "Sint-Amandsberg (Gent)"]
    words = client.get("/initiatives?district=sint")
    assert [label for label, _href in _choices(words.get_data(as_text=True))] == [
        "Sint-Amandsberg (Gent)", "Sint-Andries (Brugge)"]


def test_no_match_names_the_field(client, districts):
    page = client.get("/initiatives?district=nergens")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "No neighbourhood is called “nergens”." in html.unescape(text)
    assert 'aria-invalid="true"' in text and _choices(text) == []
