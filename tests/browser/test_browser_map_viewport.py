"""The finder's map by viewport in a real Chromium: markers and boundaries asked for by box and zoom,
and a server cluster that zooms in when clicked."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

MARKERS_IN_GROUPS = """() => {
    let n = 0;
    window.buurtkrachtMap.eachLayer(l => { if (l._featureGroup) n += l.getLayers().length; });
    return n;
}"""


@contextmanager
def marker_limit(live_server, limit: int):
    config = live_server.app.config
    before = config.get("BUURTKRACHT_MAP_MARKERS")
    config["BUURTKRACHT_MAP_MARKERS"] = limit
    try:
        yield
    finally:
        if before is None:
            config.pop("BUURTKRACHT_MAP_MARKERS", None)
        else:
            config["BUURTKRACHT_MAP_MARKERS"] = before


def test_the_page_carries_the_first_view_and_the_map_asks_for_the_rest(page, live_server):
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/map/" in r.url else None)
    page.goto(live_server.url + "/")
    page.wait_for_selector("html.map-ready", state="attached")
    island = json.loads(page.locator("#map-data").text_content())
    assert "markers" not in island and "areas" not in island
    assert any(re.search(r"/map/markers\?bbox=[-0-9.,]+&zoom=\d+$", url) for url in asked), asked
    assert any("/map/areas?level=district&bbox=" in url for url in asked), asked
    total = int(re.search(r"\d+", page.locator("#results-heading").inner_text()).group())
    assert page.evaluate(MARKERS_IN_GROUPS) == total > 60
    assert page.locator("path.leaflet-interactive").count() == 25  # Ghent's wijken
    assert page.external_requests == []


def test_a_cluster_from_the_server_zooms_in_when_clicked(page, live_server):
    with marker_limit(live_server, 10):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(live_server.url + "/")
        page.wait_for_selector("html.map-ready", state="attached")
        clusters = page.locator(".bk-cluster")
        assert clusters.count() >= 2
        label = clusters.first.get_attribute("aria-label")
        assert re.fullmatch(r"Hier \d+ resultaten: zoom in", label), label
        counts = [int(n) for n in clusters.locator("span").all_inner_texts()]
        singles = page.evaluate(MARKERS_IN_GROUPS)
        total = int(re.search(r"\d+", page.locator("#results-heading").inner_text()).group())
        assert sum(counts) + singles == total
        zoom = page.evaluate("window.buurtkrachtMap.getZoom()")
        # A cluster that no map control covers (where the demo's offers lie moves them about).
        control = page.locator(".leaflet-control-zoom").bounding_box()

        def free(box):
            return box["y"] > control["y"] + control["height"] or box["x"] > control["x"] + control["width"]
        target = next(c for c in clusters.all() if free(c.bounding_box()))
        with page.expect_response(lambda r: "/map/markers" in r.url and f"zoom={zoom}" not in r.url):
            target.click()
        page.wait_for_function("z => window.buurtkrachtMap.getZoom() > z", arg=zoom)
        page.wait_for_function("() => !document.documentElement.classList.contains('map-loading')")
        assert page.evaluate("window.buurtkrachtMap.getZoom()") > zoom
        # Closer in, the offers of that cluster show as markers or as smaller clusters.
        after = [int(n) for n in page.locator(".bk-cluster span").all_inner_texts()]
        assert page.evaluate(MARKERS_IN_GROUPS) > 0 or (after and max(after) < max(counts))


CIRCLES = """() => {
    const out = [];
    window.buurtkrachtMap.eachLayer(l => { if (l instanceof L.Circle) out.push(Math.round(l.getRadius())); });
    return out;
}"""


def test_a_search_from_an_address_shows_where_it_counts_from_and_its_radius(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/?near=sint+baafsplein+2&radius=500")
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.evaluate(CIRCLES) == [500]  # the radius, round the address searched from
    assert page.locator("path.bk-center").count() == 1  # "you are here"
    # From a neighbourhood distances count from its edge: a circle round its centre would mislead.
    page.goto(live_server.url + "/?near=dampoort")
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.evaluate(CIRCLES) == []
    assert page.locator("path.bk-center").count() == 1
    assert page.external_requests == []
