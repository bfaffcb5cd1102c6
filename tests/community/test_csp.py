"""The Content-Security-Policy allows our own script and style files only, and no page needs more:
no inline script, no inline event handler, no style attribute or element, data for the maps in
JSON islands."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I)


def _inline_scripts(html: str) -> list[str]:
    """Script elements a browser would run from the page itself (not a src, not a JSON island)."""
    found = []
    for attrs, body in SCRIPT_TAG.findall(html):
        if "src=" in attrs or 'type="application/json"' in attrs:
            continue
        found.append(body.strip()[:80] or attrs)
    return found


def test_script_src_is_self_only(client):
    policy = client.get("/healthz").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["default-src"] == "'self'"


@pytest.mark.parametrize("template", sorted(str(p.relative_to(ROOT / "templates"))
                                            for p in (ROOT / "templates").rglob("*.html")))
def test_no_template_holds_an_inline_script_or_handler(template):
    source = (ROOT / "templates" / template).read_text(encoding="utf-8")
    assert _inline_scripts(source) == [], template
    assert not HANDLER.search(source), template
    assert not STYLE.search(source), template
    assert "javascript:" not in source, template


def test_pages_with_maps_carry_their_data_as_json_islands(demo_app):
    client = demo_app.test_client()
    for path in ("/", "/initiatives", "/areas/44021W04", "/areas/44021W04/guide", "/print"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert _inline_scripts(html) == [], path
        assert not HANDLER.search(html), path
        assert not STYLE.search(html), path
    html = client.get("/").get_data(as_text=True)
    config = json.loads(html.split('id="map-config">', 1)[1].split("</script>", 1)[0])
    assert config["zoom"] == 12 and len(config["center"]) == 2
    assert config["tiles"]["url"].startswith("https://")
    # The boundaries' attribution is escaped before Leaflet shows it as HTML.
    assert any("Data &amp; Analyse" in text for text in config["attributions"])
    assert 'class="bk-map" id="bk-map" data-config="map-config" data-layers="map-data"' in html
    assert "js/mapkit.js" in html and "js/map.js" in html


def test_review_page_has_no_inline_script(demo_app, demo_db):
    from sqlalchemy import select
    from community.models import User
    coordinator = demo_db.session.scalars(select(User).where(User.email == "coordinator@demo.buurtkracht.example")).one()
    from tests.support import session_token
    token = session_token(coordinator)
    client = demo_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    response = client.get("/review/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _inline_scripts(html) == [] and not STYLE.search(html)
    assert 'data-layers="review-map-data"' in html and "js/mapkit.js" in html
