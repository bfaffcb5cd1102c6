"""Browser tests: a live server on a free local port and Playwright driving Debian's Chromium."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("BUURTKRACHT_CHROMIUM", "/usr/bin/chromium")
# Flags that keep Chromium from calling home on a machine without internet.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(backend, tmp_path_factory):
    from tests.support import make_app
    from community.extensions import db
    tmp = tmp_path_factory.mktemp("live")
    # The live server lives for the whole session: on PostgreSQL it gets a database of its own,
    # or every test after the first browser test would read the demo instead of its own records.
    own = type(backend)() if backend.name == "postgresql" else backend
    if own is not backend:
        own.prepare()
    app, url = make_app(own, tmp, demo=True, TESTING=False, BUURTKRACHT_TILE_URL="")
    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield type("Live", (), {"url": f"http://127.0.0.1:{port}", "app": app})
    server.shutdown()
    with app.app_context():
        own.reset(url, db.engine)
    if own is not backend:
        own.finish()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(15000)
    external = []
    page.on("request", lambda r: external.append(r.url)
            if not r.url.startswith((live_server.url, "data:", "blob:", "about:")) else None)
    page.external_requests = external
    yield page
    context.close()

