"""Issue 10.2: a write costs a constant number of SQL queries, whatever the number of listings.

"Plan an activity" ran 221 queries on the demo because the choice lists loaded each listing's
places and areas one by one; here the form page and the POST are counted at the demo's size and
again after 5,000 more listings were imported, and the counts must be equal.
"""
from __future__ import annotations

import csv
import re
from contextlib import contextmanager

from sqlalchemy import event, select

from community.demo.activities import DEMO_PASSWORD
from community.extensions import db
from community.models import Initiative, MeetingPlace
from tests.community.workspace import fresh_request_client, post


@contextmanager
def counted(engine):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _add_listings(tmp_path, count: int) -> None:
    """`count` initiatives at count/10 places inside the demo's Brugse Poort (the worker's district)."""
    from community.importers.listings import import_listings
    path = tmp_path / "more.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "organisation", "place", "latitude", "longitude", "working_models"])
        for i in range(count):
            out.writerow([f"Extra {i}", f"Vereniging {i % 500}", f"Zaal {i % (count // 10)}",
                          f"{51.0570 + (i % 40) * 0.0001:.5f}", f"{3.7050 + (i % 25) * 0.0001:.5f}", "peer"])
    import_listings(path)
    db.session.commit()


def _plan_once(client, title: str) -> tuple[int, int]:
    """Queries of the plan page and of one successful plan POST."""
    db.session.remove()
    with counted(db.engine) as page_queries:
        html = client.get("/work/activities/new").get_data(as_text=True)
    place = re.search(r'<select[^>]*name="place"[^>]*>.*?<option[^>]*value="([0-9a-f-]{36})"', html, re.S).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    db.session.remove()
    with counted(db.engine) as post_queries:
        response = client.post("/work/activities/new", data={
            "csrf_token": token, "title": title, "day": "2030-07-10", "start": "14:00", "end": "16:00",
            "place": place, "room": "", "visibility": "public", "working_models": ["peer"],
            "target_groups": ["elderly"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return len(page_queries), len(post_queries)


def test_planning_costs_the_same_queries_with_80_and_with_5000_more_listings(demo_app, demo_db, tmp_path):
    client = fresh_request_client(demo_app)
    assert post(client, "/login", {"email": "worker@demo.buurtkracht.example",
                                   "password": DEMO_PASSWORD}).status_code == 302
    before = db.session.scalar(select(db.func.count()).select_from(Initiative))
    small = _plan_once(client, "Buurtsoep")
    _add_listings(tmp_path, 5_000)
    assert db.session.scalar(select(db.func.count()).select_from(Initiative)) == before + 5_000
    assert db.session.scalar(select(db.func.count()).select_from(MeetingPlace)) > 500
    large = _plan_once(client, "Buurtsoep bis")
    assert large == small, f"queries (page, POST): {small} with {before} listings, {large} with {before + 5000}"


WORKSPACE_PAGES = ("/work/", "/work/listings", "/work/listings?q=e", "/work/stale", "/work/reports",
                   "/work/activities/new", "/work/activities/new?place_search=zaal&search=Search",
                   "/work/choices/places?q=zaal", "/work/choices/initiatives?q=e",
                   "/work/choices/organisations?q=vereniging", "/work/initiatives/new", "/work/audit")


def _page_queries(client) -> dict:
    counts = {}
    for path in WORKSPACE_PAGES:
        db.session.remove()
        with counted(db.engine) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = len(queries)
    return counts


def test_workspace_pages_cost_the_same_queries_with_80_and_with_5000_more_listings(demo_app, demo_db, tmp_path):
    """Issue 11: the dashboard, the listings, the stale list, the forms' choice lists: counted
    and paged in SQL, so 5,000 more listings in the worker's district add no query."""
    client = fresh_request_client(demo_app)
    assert post(client, "/login", {"email": "worker@demo.buurtkracht.example",
                                   "password": DEMO_PASSWORD}).status_code == 302
    small = _page_queries(client)
    _add_listings(tmp_path, 5_000)
    large = _page_queries(client)
    assert large == small
    html = client.get("/work/listings").get_data(as_text=True)
    assert html.count('href="/work/initiatives/') <= 50 + 1 and "initiatives_page=2" in html  # + 'new'
    assert len(client.get("/work/stale").get_data(as_text=True)) < 60_000
