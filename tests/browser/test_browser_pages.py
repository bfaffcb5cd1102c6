"""Issue 13's pages in a real Chromium: detail pages (back to the results, route, phone and mail),
at 360 and 1280 px, with axe."""
from __future__ import annotations

import pytest

from axe import run_axe

SEARCH = "/initiatives?cost=free&day=2&lang=en"


@pytest.mark.parametrize("width", [360, 1280])
def test_a_detail_page_leads_back_to_the_same_results(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + SEARCH)
    heading = page.locator("#results-heading").inner_text()
    page.locator(".card-title a").first.click()
    page.wait_for_selector("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
    route = page.locator("a.route-link").first.get_attribute("href")
    assert route.startswith("geo:") and "?q=" in route
    assert page.locator("a[href^='tel:']").count() >= 1 and page.locator("a[href^='mailto:']").count() >= 1
    assert run_axe(page) == []
    page.locator(".back-link a").click()
    page.wait_for_selector("#results-heading")
    assert page.url == live_server.url + "/initiatives?cost=free&day=2"
    assert page.locator("#results-heading").inner_text() == heading
    assert page.external_requests == []


def test_an_ended_offer_says_so_on_its_page(page, live_server):
    """The demo's summer playgrounds ended in August: not among the results, their page says when."""
    from sqlalchemy import select
    from community.extensions import db
    from community.models import Initiative
    with live_server.app.app_context():
        ended = db.session.scalar(select(Initiative.id).where(Initiative.name.like("Speelplein De Vlieger%")))
    page.goto(f"{live_server.url}/initiatives?q=speelplein&lang=en")
    assert "Speelplein De Vlieger" not in page.locator(".results").inner_text()
    page.goto(f"{live_server.url}/initiatives/{ended}?lang=en")
    assert page.locator(".period-ended").inner_text().startswith("Ended on ")
    assert run_axe(page) == []
