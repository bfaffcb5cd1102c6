"""The residents' finder in a real Chromium: markers, filters on map and list, print, small screens, axe."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from axe import run_axe

FILTERED = "/?cost=free&childcare=1&day=2&part=afternoon&near=Sint-Baafsplein%201&radius=1000"


def _marker_count(page) -> int:
    """Markers on the map, counting those inside clusters."""
    return page.evaluate("""() => {
        let n = 0;
        window.buurtkrachtMap.eachLayer(layer => {
            if (layer.getAllChildMarkers) { /* cluster group */ }
            if (layer instanceof L.Marker && !layer.getAllChildMarkers) { n += 0; }
        });
        const groups = [];
        window.buurtkrachtMap.eachLayer(l => { if (l.getLayers && l._featureGroup) groups.push(l); });
        return groups.reduce((sum, g) => sum + g.getLayers().length, 0);
    }""")


def test_markers_appear_and_a_filter_narrows_map_and_list_alike(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("html.map-ready", state="attached")
    all_markers = _marker_count(page)
    heading = page.locator("#results-heading").inner_text()
    total = int(re.search(r"\d+", heading).group())
    assert all_markers == total > 60
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert "Modellicentie Gratis Hergebruik" in page.locator(".leaflet-control-attribution").inner_text()
    page.goto(live_server.url + "/?cost=free&childcare=1")
    page.wait_for_selector("html.map-ready", state="attached")
    narrowed = int(re.search(r"\d+", page.locator("#results-heading").inner_text()).group())
    assert 0 < narrowed < total
    assert _marker_count(page) == narrowed
    assert page.external_requests == []


def test_resident_finds_free_wednesday_afternoon_with_childcare_near_a_street(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    page.fill("#near", "Sint-Baafsplein 1")
    page.locator("summary").click()
    page.check("input[name=cost][value=free]")
    page.check("input[name=childcare]")
    page.select_option("#day", "2")
    page.select_option("#part", "afternoon")
    page.locator("#finder-form button[type=submit]").click()
    page.wait_for_selector("#results-heading")
    assert re.search(r"binnen 1\s+km van Sint-Baafsplein 5, 9000 Gent \(het dichtstbijzijnde nummer dat we kennen\)",
                     page.locator("#results-heading").inner_text())
    cards = page.locator(".card")
    assert cards.count() >= 1
    assert "min" in cards.first.inner_text()
    # No horizontal scrolling on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    page.click("a[href^=\"/print?\"]")
    page.wait_for_selector(".guide-table")
    assert page.locator(".guide-table tbody tr").count() >= 1


def test_resident_types_a_neighbourhood_or_a_street_in_several_postcodes(page, live_server):
    # In Dutch, the site's default language.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/")
    page.fill("#near", "dampoort")
    page.locator("#finder-form button[type=submit]").click()
    page.wait_for_selector("#results-heading")
    assert re.search(r"binnen 1\s+km van de wijk Dampoort", page.locator("#results-heading").inner_text())
    assert "in Dampoort" in page.locator(".card").first.inner_text()  # what lies inside comes first
    page.get_by_role("link", name="Dampoortstraat, 9000 Gent").click()  # "not what you meant?"
    page.wait_for_selector("#results-heading")
    assert "van Dampoortstraat, 9000 Gent" in page.locator("#results-heading").inner_text()
    # After a search the form folds into one line on a phone: the first result is on the first screen.
    assert not page.locator("#near").is_visible()
    first = page.locator(".card").first.bounding_box()
    assert first is not None and first["y"] < 740, first
    page.locator("#search-box > summary").click()  # "Change the search"
    page.fill("#near", "kortrijkse steenweg 12")
    page.locator("#finder-form button[type=submit]").click()
    choices = page.locator(".near-choices a")
    assert choices.count() == 3
    page.get_by_role("link", name="Kortrijksesteenweg 12, 9000 Gent").click()
    page.wait_for_selector("#results-heading")
    assert "van Kortrijksesteenweg 12, 9000 Gent" in page.locator("#results-heading").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 362
    assert page.external_requests == []


def test_search_forgives_accents_vocabulary_and_typos_on_a_phone(page, live_server):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/initiatives?lang=nl")

    def search(text):
        if not page.locator("#q").is_visible():  # after a search the filters fold on a phone
            page.locator("details:has(#q) > summary").first.click()
        page.fill("#q", text)
        page.locator("#finder-form button[type=submit]").click()
        page.wait_for_selector("#results-heading")
        return [t.strip() for t in page.locator(".card-title").all_inner_texts()]
    found = search("taalcafe")
    assert found and all("taalcafé" in name.lower() for name in found)
    assert "Wandelclub Stapvast" in search("ouderen")  # tagged for older people; its text does not say so
    assert search("taalcaffe") == []
    link = page.locator(".did-you-mean a")
    assert link.inner_text() == "taalcafe"
    link.click()
    page.wait_for_selector("#results-heading")
    assert page.locator("#q").input_value() == "taalcafe" and page.locator(".card").count() >= 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 362


def test_print_view_renders_to_pdf_without_map_tiles(page, live_server, tmp_path):
    page.goto(live_server.url + "/areas/44021W04/guide")
    page.emulate_media(media="print")
    assert page.locator(".site-header nav").first.is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert page.external_requests == []


def test_readable_at_200_percent_zoom(browser, live_server):
    # 200% zoom on a 1280 px wide window is a 640 CSS px viewport at device scale 2.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server.url + FILTERED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 642
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    context.close()


def test_map_is_keyboard_usable_and_no_trap(page, live_server):
    page.goto(live_server.url + "/?district=44021W18")
    page.wait_for_selector("html.map-ready", state="attached")
    seen = []
    for _ in range(150):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.closest('.bk-map') ? 'map' : document.activeElement.tagName"))
        if "map" in seen and seen[-1] != "map":
            break
    assert "map" in seen, "the map's controls and markers are reachable with Tab"
    assert seen[-1] != "map", "Tab leaves the map again (no keyboard trap)"


PAGES = ["/", "/initiatives", "/initiatives?cost=free&near=Sint-Baafsplein%201", "/areas/44021W04",
         "/areas/44021W04/guide", "/?near=dampoort", "/initiatives?near=kortrijksesteenweg",
         "/initiatives?q=taalcaffe"]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_axe_finds_no_serious_violations(page, live_server, lang):
    detail = None
    page.goto(f"{live_server.url}/?lang={lang}")
    detail = page.locator(".card-title a").first.get_attribute("href")
    place = page.locator(".card-place a").first.get_attribute("href")
    report = {}
    for path in PAGES + [detail, place]:
        sep = "&" if "?" in path else "?"
        page.goto(f"{live_server.url}{path}{sep}lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        report[path] = [(v["id"], v["impact"], len(v["nodes"])) for v in run_axe(page)]
    bad = {p: v for p, v in report.items() if v}
    print(json.dumps(report, indent=1))
    assert bad == {}, bad


def test_hostile_listing_fires_no_dialog(browser, live_server):
    from community.extensions import db
    from community.models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, Schedule
    from datetime import time
    hostile = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "${alert(3)}", "`alert(4)`",
               "\" onmouseover=\"alert(5)\" x=\"", "</script><script>alert(7)</script>", "W" * 250,
               "\u202eنص من اليمين إلى اليسار"]
    with live_server.app.app_context():
        org = Organisation(name=hostile[0], languages=[])
        place = MeetingPlace(name=hostile[5], street=hostile[4], number="1", postcode="9000", municipality="Gent",
                             latitude=51.0545, longitude=3.7250)
        init = Initiative(name=hostile[1] + hostile[6], description="\n".join(hostile), organisation=org,
                          price=hostile[2], contact=hostile[3], cost="social_tariff", terms=[])
        init.set_codes("working_model", ["location"])
        init.locations.append(InitiativeAtPlace(place=place, schedules=[Schedule(
            frequency="weekly", weekdays="2", start_time=time(14), end_time=time(16), note=hostile[7])]))
        db.session.add(init)
        db.session.commit()
        init_id, place_id = init.id, place.id
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for path in ("/", "/?cost=low", "/initiatives?cost=low", f"/initiatives/{init_id}", f"/places/{place_id}",
                     "/print?cost=low"):
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
        page.goto(live_server.url + "/?q=alert")
        page.wait_for_selector("html.map-ready", state="attached")
        page.evaluate("""() => { window.buurtkrachtMap.eachLayer(l => { if (l.getLayers && l._featureGroup)
            l.getLayers().forEach(m => { m.openPopup && (l.zoomToShowLayer ? l.zoomToShowLayer(m, () => m.openPopup()) : m.openPopup()); }); }); }""")
        page.wait_for_timeout(800)
        page.hover(".leaflet-marker-icon >> nth=0")
        assert page.locator(".bk-popup-title").count() >= 1
        assert "<img" in page.locator(".bk-popup-title").first.inner_text()
        assert dialogs == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 362
    finally:
        context.close()
        with live_server.app.app_context():
            db.session.delete(db.session.get(Initiative, init_id))
            db.session.delete(db.session.get(MeetingPlace, place_id))
            db.session.commit()
