"""The coverage review in a real Chromium: a coordinator logs in, reads the ranked districts, switches to
sectors, downloads the CSV and opens the printable district report; axe finds nothing serious."""
from __future__ import annotations

import csv
import io

from axe import run_axe

COORDINATOR = "coordinator@demo.buurtkracht.example"
DEMO_PASSWORD = "buurtkracht-demo"


def log_in(page, live_server):
    page.goto(live_server.url + "/login")
    page.fill("input[name=email]", COORDINATOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")


def test_coordinator_reviews_coverage_from_map_to_printed_report(page, live_server, tmp_path):
    page.goto(live_server.url + "/lang/en?next=/")  # the texts below are the English ones
    page.goto(live_server.url + "/review/")
    assert "/login" in page.url  # not public by default
    log_in(page, live_server)
    page.goto(live_server.url + "/review/")
    page.wait_for_selector("html.map-ready", state="attached")

    rows = page.locator("#ranked-table tbody tr")
    assert rows.count() == 25
    first = rows.nth(0)
    assert first.locator("td").nth(0).inner_text().strip() == "1"
    assert first.locator(".reasons li").count() >= 1
    amandsberg = page.locator("#ranked-table tbody tr[data-code='44021W14']")
    assert "older" in amandsberg.inner_text()
    # The map draws every district as a keyboard-reachable link, with the legend beside it.
    assert page.locator("path[role=link][tabindex='0']").count() == 25
    assert page.locator(".review-map-legend li").count() >= 2
    assert page.external_requests == []
    assert run_axe(page) == []

    # Sort by name through the column heading, then switch to sectors.
    page.locator("#ranked-table thead a[href*='sort=name']").click()
    page.wait_for_selector("html.map-ready", state="attached")
    names = page.locator("#ranked-table tbody th a").all_inner_texts()
    assert names == sorted(names, key=str.casefold)
    page.locator(".level-switch a[href*='level=sector']").click()
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.locator("#ranked-table tbody tr").count() == 69
    assert run_axe(page) == []

    with page.expect_download() as info:
        page.locator("a[href*='/review/export.csv']").click()
    path = tmp_path / "coverage.csv"
    info.value.save_as(path)
    table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(table) == 69 and {"code", "gap", "need_index", "blind_spots"} <= set(table[0])

    # The district report (buurtprofiel) with its static map, ready to print.
    page.goto(live_server.url + "/review/areas/44021W09")
    page.locator("a[href*='/review/reports/44021W09']").click()
    page.wait_for_load_state("load")
    assert "Bloemekenswijk" in page.locator("h1").inner_text()
    assert page.evaluate("() => document.querySelector('.report-map img').naturalWidth") > 0
    assert "free offer where children are welcome" in page.locator(".blind-spots").inner_text()
    assert run_axe(page) == []
    page.emulate_media(media="print")
    assert not page.locator(".breadcrumb").is_visible()
    assert page.locator(".report-map img").is_visible()
