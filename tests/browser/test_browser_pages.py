"""Issue 13's pages in a real Chromium: detail pages (back to the results, route, phone and mail) and
printed guides (A4, page numbers, QR code, no word cut), at 360 and 1280 px, with axe."""
from __future__ import annotations

import re

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


# Words of five letters or more that a line break cuts in two (not hyphenated by the browser).
BROKEN_WORDS = r"""() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || !el.offsetParent || el.closest('svg, script, style')) continue;
    const cs = getComputedStyle(el);
    if (cs.hyphens === 'auto' && cs.overflowWrap !== 'anywhere' && cs.wordBreak !== 'break-all') continue;
    const re = /[\p{L}\p{N}]{5,}/gu;
    let m;
    while ((m = re.exec(n.data))) {
      const r = document.createRange();
      r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      if (new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top))).size > 1) out.push(m[0]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("path", ["/print?lang=nl", "/print?cost=free&day=2&lang=fr", "/areas/44021W04/guide?lang=en"])
def test_printed_guides_fit_a4_with_page_numbers(page, live_server, path):
    page.goto(live_server.url + path)
    assert run_axe(page) == []
    page.emulate_media(media="print")
    # A4's width within the 15 mm margins is 180 mm, 680 CSS px: nothing wider, no word cut.
    page.set_viewport_size({"width": 680, "height": 1000})
    assert page.evaluate("document.documentElement.scrollWidth") <= 680
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.locator(".guide-qr svg").is_visible()
    assert page.locator(".guide-filters").count() == (1 if path.startswith("/print") else 0)
    # page numbers in the page's margin: "2 / 5"
    page_rules = page.evaluate("""() => [...document.styleSheets].filter(s => s.media.mediaText === 'print')
        .flatMap(s => [...s.cssRules]).filter(r => r instanceof CSSPageRule).map(r => r.cssText)""")
    assert any("counter(page)" in rule and "counter(pages)" in rule for rule in page_rules), page_rules
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2
    assert page.external_requests == []


@pytest.mark.parametrize("width", [360, 1280])
def test_printed_guides_on_screen(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 800})
    for path in ("/print?cost=free&lang=nl", "/areas/44021W04/guide?lang=fr"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 2
        assert run_axe(page) == []
