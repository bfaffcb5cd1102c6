"""Issue 13, detail pages: tel: and mailto: links, the route in the resident's own map app (geo:),
and "back to the results" with the search as it was, to our own result pages only."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests import factories


@pytest.fixture
def offer(app, db):
    factories.area("D1", name="Wijk Een", box=(3.70, 51.04, 3.74, 51.06))
    org = factories.organisation(name="Buurtwerk (Gent)", phone="09 000 11 22", email="info@buurtwerk.example")
    place = factories.place(name="Buurthuis (Oost)", street="Sint-Baafsplein", number="2", postcode="9000",
                            municipality="Gent", latitude=51.0531, longitude=3.7262)
    soup = factories.initiative(org, at=[place], name="Soepcafé", cost="free", working_models=["location"],
                                contact="Bel Karim, +32 9 000 21 07, of mail karim@buurtwerk.example (niet op 01/02/2026)")
    factories.schedule(soup, weekdays=[2], start="14:00", end="16:00")
    db.session.commit()
    return {"initiative": soup, "place": place, "organisation": org}


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_phone_numbers_and_addresses_are_links(client, offer):
    html = client.get(f"/initiatives/{offer['initiative'].id}?lang=en").get_data(as_text=True)
    hrefs = _hrefs(html)
    assert "tel:+3290002107" in hrefs and "mailto:karim@buurtwerk.example" in hrefs
    assert "tel:090001122" in hrefs and "mailto:info@buurtwerk.example" in hrefs  # the organisation's
    assert not any(h.startswith("tel:") and "2026" in h for h in hrefs)  # a date is no phone number
    assert ">+32 9 000 21 07</a>" in html and "(niet op 01/02/2026)" in html
    org_page = client.get(f"/organisations/{offer['organisation'].id}").get_data(as_text=True)
    assert "tel:090001122" in _hrefs(org_page) and "mailto:info@buurtwerk.example" in _hrefs(org_page)


def test_contact_text_is_escaped_around_its_links(client, db, offer):
    offer["initiative"].contact = '<b>x</b> 0470 12 34 56 "><script>alert(1)</script>@x.example'
    db.session.commit()
    html = client.get(f"/initiatives/{offer['initiative'].id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert 'href="tel:0470123456"' in html


@pytest.mark.parametrize("url", ["/initiatives/{initiative}", "/places/{place}"])
def test_the_route_opens_in_the_residents_own_map_app(client, offer, url):
    html = client.get(url.format(initiative=offer["initiative"].id, place=offer["place"].id) + "?lang=en").get_data(as_text=True)
    routes = [h for h in _hrefs(html) if h.startswith("geo:")]
    assert len(routes) == 1
    uri = routes[0]
    assert uri.startswith("geo:51.053100,3.726200?q=51.053100,3.726200(")
    label = uri.split("(", 1)[1]
    assert label.endswith(")") and "(" not in label[:-1] and "Sint-Baafsplein%202%2C%209000%20Gent" in label
    assert "Sint-Baafsplein 2, 9000 Gent" in html  # the plain address beside it
    # no request to anyone else: no other host in the page's scripts, images or style sheets
    assert not re.search(r'src="(https?:)?//|<link[^>]+href="(https?:)?//', html)


def test_back_to_the_results_keeps_the_search(client, offer):
    listing = client.get("/initiatives?cost=free&day=2&near=51.0531,3.7262&radius=2000&lang=en").get_data(as_text=True)
    detail = next(h for h in _hrefs(listing) if h.startswith(f"/initiatives/{offer['initiative'].id}"))
    back = parse_qs(urlsplit(detail).query)["back"][0]
    assert urlsplit(back).path == "/initiatives"
    assert parse_qs(urlsplit(back).query) == {"cost": ["free"], "day": ["2"], "near": ["51.0531,3.7262"],
                                              "radius": ["2000"]}
    page = client.get(detail).get_data(as_text=True)
    link = re.search(r'class="back-link[^"]*"><a href="([^"]*)">Back to the results', page)
    assert link and unescape(link.group(1)) == back
    # the place's page keeps it too, and the initiative's link from there
    place_link = next(h for h in _hrefs(page) if h.startswith(f"/places/{offer['place'].id}"))
    place_page = client.get(place_link).get_data(as_text=True)
    assert 'class="back-link' in place_page
    # from the home page and an area page
    home = client.get("/?cost=free").get_data(as_text=True)
    assert any(h.startswith(f"/initiatives/{offer['initiative'].id}?back=/?cost") for h in _hrefs(home))
    area = client.get("/areas/D1").get_data(as_text=True)
    assert f"/initiatives/{offer['initiative'].id}?back=/areas/D1" in _hrefs(area)


@pytest.mark.parametrize("back", ["//evil.example/initiatives", "https://evil.example/", "/\\evil.example",
                                  "/work/users", "javascript:alert(1)", "/initiatives/../work/", "\t//evil.example",
                                  "/initiatives#top", "/%2F%2Fevil.example", "/login?next=//evil.example"])
def test_back_leads_only_to_our_result_pages(client, offer, back):
    response = client.get(f"/initiatives/{offer['initiative'].id}", query_string={"back": back})
    assert response.status_code == 200
    assert 'class="back-link' not in response.get_data(as_text=True)


def test_back_writes_the_query_again(client, offer):
    page = client.get(f"/initiatives/{offer['initiative'].id}",
                      query_string={"back": '/initiatives?q="><script>alert(1)</script>&day=2'}).get_data(as_text=True)
    link = re.search(r'class="back-link[^"]*"><a href="([^"]*)"', page).group(1)
    assert "<script>alert(1)" not in page
    assert unescape(link) == "/initiatives?" + urlencode([("q", '"><script>alert(1)</script>'), ("day", "2")])
