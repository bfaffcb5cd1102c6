"""Under `script-src 'self'; style-src 'self'` the pages work in a real Chromium: no CSP violation, the maps are drawn
from their JSON islands, the list or table beside each map is still there, and hostile listing text
stays text in the map's popups."""
from __future__ import annotations

import uuid
from datetime import time

from test_browser_review import log_in
from test_browser_work import WORKER, log_in as work_log_in

# Registered before any page script (through the DevTools protocol, outside the page's CSP):
# every violation the page reports lands in window.__csp.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
window.__printed = 0;
window.print = () => { window.__printed += 1; };
"""


def _watch(page) -> list[str]:
    page.add_init_script(WATCH)
    console = []
    page.on("console", lambda m: console.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    return console


def _violations(page, console) -> list[str]:
    return page.evaluate("() => window.__csp") + [t for t in console if "Content Security Policy" in t]


def test_the_watch_sees_an_inline_script_refused(page, live_server):
    console = _watch(page)
    page.goto(live_server.url + "/initiatives")
    # A script element with inline text, added by hand: the policy must refuse it, and we must see it.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in v for v in _violations(page, console))


def test_pages_run_under_the_strict_policy_with_maps_and_their_alternatives(page, live_server):
    console = _watch(page)
    policy = page.goto(live_server.url + "/").headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.locator(".bk-map.leaflet-container").count() == 1
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert page.locator(".leaflet-overlay-pane path").count() > 0  # district boundaries
    assert page.locator(".bk-legend li").count() == 7
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator("#results-heading").count() == 1 and page.locator(".card").count() > 0
    assert _violations(page, console) == []

    page.goto(live_server.url + "/areas/44021W04")
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert page.locator(".leaflet-overlay-pane path").count() == 1
    assert _violations(page, console) == []

    page.goto(live_server.url + "/initiatives")
    page.wait_for_load_state("load")
    assert page.locator(".card").count() > 10
    assert _violations(page, console) == []

    # The print guide: its print button works without an inline handler.
    page.goto(live_server.url + "/areas/44021W04/guide")
    page.wait_for_load_state("load")
    assert page.locator(".guide-table tbody tr").count() >= 1
    page.locator("button[data-print]").click()
    assert page.evaluate("() => window.__printed") == 1
    page.goto(live_server.url + "/print?cost=free")
    page.locator("button[data-print]").click()
    assert page.evaluate("() => window.__printed") == 1
    assert _violations(page, console) == []

    # The coverage review, for a coordinator: the choropleth and the ranked table.
    log_in(page, live_server)
    page.goto(live_server.url + "/review/")
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.locator(".leaflet-overlay-pane path[role=link]").count() == 25
    assert page.locator(".review-map-legend li").count() >= 2
    assert page.locator("#ranked-table tbody tr").count() == 25
    assert page.locator("#review-legend svg.legend-swatch rect[fill^='#']").count() >= 2
    # The log-out button looks like a link through site.css, not through a style attribute.
    assert page.evaluate("getComputedStyle(document.querySelector('.nav-button')).borderStyle") == "none"
    assert _violations(page, console) == []
    assert [t for t in console if "Content Security Policy" not in t] == []
    assert page.external_requests == []


def test_workspace_figures_draw_their_bars_without_a_style_attribute(page, live_server):
    console = _watch(page)
    work_log_in(page, live_server, WORKER)
    page.goto(live_server.url + "/work/me")
    bars = page.locator("svg.bar rect")
    assert bars.count() >= 1
    widths = [int(w) for w in bars.evaluate_all("rects => rects.map(r => r.getAttribute('width'))")]
    assert max(widths) == 100 and min(widths) >= 0
    assert page.evaluate("document.querySelector('svg.bar').getBoundingClientRect().width") > 50
    assert _violations(page, console) == []


def test_the_workspace_point_picker_is_the_same_base_map(page, live_server):
    console = _watch(page)
    work_log_in(page, live_server, WORKER)
    page.goto(live_server.url + "/work/activities/new?lang=fr")
    page.click("details.point-picker summary")
    picker = page.locator("#map-picker")
    page.wait_for_selector("html.map-ready", state="attached")
    assert picker.get_attribute("aria-label") == "Carte : cliquez pour indiquer l'endroit"
    assert page.locator(".picker-search label").inner_text() == "Rechercher une adresse"
    assert "Modellicentie Gratis Hergebruik" in picker.locator(".leaflet-control-attribution").inner_text()
    box = picker.bounding_box()
    assert box["height"] > 200  # measured again when the <details> opened
    picker.click(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2})
    assert page.input_value("#latitude") and page.input_value("#longitude")
    assert picker.locator(".leaflet-marker-icon").count() == 1
    page.fill("#map-picker-q", "Sint-Baafsplein")
    page.keyboard.press("Enter")
    page.locator(".picker-results button").first.wait_for()
    page.locator(".picker-results button").first.click()
    assert page.input_value("#latitude").startswith("51.0")
    page.fill("#map-picker-q", "Zzyzxstraat")
    page.keyboard.press("Enter")
    page.locator(".picker-results li", has_text="Aucune adresse").wait_for()
    assert _violations(page, console) == []


def test_a_hostile_name_is_text_in_the_popup_and_opens_no_dialog(page, live_server):
    from community.extensions import db
    from community.models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, Schedule
    token = "t" + uuid.uuid4().hex[:6]
    name = f"<img src=x onerror=alert(1)> Praatcafé {token}"
    with live_server.app.app_context():
        org = Organisation(name="Buurtwerk Test", languages=[])
        place = MeetingPlace(name="<b>Zaal</b>", street="Kerkstraat", number="1", postcode="9000",
                             municipality="Gent", latitude=51.0601, longitude=3.7102)
        init = Initiative(name=name, description="", organisation=org, cost="free", terms=[])
        init.set_codes("working_model", ["peer"])
        init.locations.append(InitiativeAtPlace(place=place, schedules=[Schedule(
            frequency="weekly", weekdays="3", start_time=time(10), end_time=time(12))]))
        db.session.add(init)
        db.session.commit()
        ids = init.id, place.id, org.id
    console = _watch(page)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(live_server.url + "/?q=" + token)  # its own word (praatcafé finds the taalcafés too)
        page.wait_for_selector("html.map-ready", state="attached")
        page.evaluate("""() => { window.buurtkrachtMap.eachLayer(l => { if (l.getLayers && l._featureGroup)
            l.getLayers().forEach(m => { if (m.options.title.includes('onerror'))
                l.zoomToShowLayer(m, () => m.openPopup()); }); }); }""")
        title = page.locator(".bk-popup-title")
        title.wait_for()
        assert title.inner_text() == name
        assert page.locator(".bk-popup-place").inner_text() == "<b>Zaal</b>"
        assert page.locator(".leaflet-popup img").count() == 0
        assert page.locator(".leaflet-popup b").count() == 0
        assert page.locator(".card-title", has_text="<img src=x").count() == 1  # the list, as text too
        page.wait_for_timeout(300)
        assert dialogs == []
        assert _violations(page, console) == []
    finally:
        with live_server.app.app_context():
            db.session.delete(db.session.get(Initiative, ids[0]))
            db.session.delete(db.session.get(MeetingPlace, ids[1]))
            db.session.delete(db.session.get(Organisation, ids[2]))
            db.session.commit()
