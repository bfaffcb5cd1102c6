"""The workspace in a real Chromium: a worker plans an activity in a room that is already booked,
sees the clash, moves it, logs it done with counts and finds it on the dashboard and in the ICS
feed; an organisation editor's change waits in the review queue until a worker approves it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from axe import run_axe

WORKER = "worker@demo.buurtkracht.example"
EDITOR = "editor@demo.buurtkracht.example"
DEMO_PASSWORD = "buurtkracht-demo"


def log_in(page, live_server, email):
    page.goto(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/work/$"))


def booked_room(live_server):
    """The latest demo booking before today in one of the demo worker's districts (as a person
    would find on the calendar): its room id, local day and times."""
    from sqlalchemy import select
    from community.extensions import db
    from community.models import Activity, User
    from community.scheduling import TZ
    with live_server.app.app_context():
        worker = db.session.scalar(select(User).where(User.email == WORKER))
        today = datetime.now(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        activity = db.session.scalars(select(Activity).where(
            Activity.area_id.in_(worker.area_ids), Activity.room_id.is_not(None), Activity.starts_at < today)
            .order_by(Activity.starts_at.desc()).limit(1)).one()
        start, end = activity.starts_at.astimezone(TZ), activity.ends_at.astimezone(TZ)
        return str(activity.room_id), activity.title, start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


def test_worker_plans_sees_the_clash_moves_logs_and_finds_it_back(page, live_server):
    room_id, booked_title, day, start, end = booked_room(live_server)
    log_in(page, live_server, WORKER)
    assert run_axe(page) == []

    page.click("nav.work-nav a[href='/work/activities/new']")
    page.fill("#title", "Browsertest: buurtsoep")
    page.fill("#day", day)
    page.fill("#start", start)
    page.fill("#end", end)
    page.select_option("#room", room_id)
    page.check("input[name=working_models][value=location]")
    page.check("input[name=target_groups][value=elderly]")
    page.click("main form button[type=submit]")

    warning = page.locator("#clash-warning")
    assert warning.is_visible()
    assert booked_title in warning.inner_text()
    assert run_axe(page) == []

    # Move it to the evening: the demo never books rooms after 21:30.
    page.fill("#start", "22:00")
    page.fill("#end", "23:00")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/work/activities/[0-9a-f-]{36}$"))
    assert "Browsertest: buurtsoep" in page.locator("h1").inner_text()
    assert page.locator(".warning-box").count() == 0  # no clash any more

    page.click("main a[href$='/done']")
    # Pre-filled from the plan: the planned target group is already ticked.
    assert page.locator("input[name=target_groups_reached][value=elderly]").is_checked()
    assert run_axe(page) == []
    page.fill("#participants", "12")
    page.fill("#new_participants", "3")
    page.fill("#volunteers", "2")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/work/$"))

    recent = page.locator("#recent").locator("xpath=..")
    row = recent.locator("tr", has_text="Browsertest: buurtsoep")
    assert row.count() == 1
    assert row.locator("td").nth(1).inner_text().strip() == "12"
    assert row.locator("td").nth(2).inner_text().strip() == "3"

    page.click("nav.work-nav a[href='/work/feeds']")
    page.select_option("#area", "")
    page.click("main form button[type=submit]")
    feed_url = page.input_value("#new-feed-url")
    feed = page.request.get(feed_url)
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    body = feed.text()
    assert "SUMMARY:Browsertest: buurtsoep" in body
    assert page.external_requests == []


def test_editor_change_waits_for_review_until_a_worker_approves(browser, live_server):
    editor_context = browser.new_context(viewport={"width": 360, "height": 800}, locale="nl-BE")
    editor = editor_context.new_page()
    log_in(editor, live_server, EDITOR)
    editor.click("nav.work-nav a[href='/work/listings']")
    editor.click("text=Open inloop Het Torenhuis")
    initiative_url = editor.url
    assert run_axe(editor) == []
    # Works at 360 px: nothing sticks out sideways.
    assert editor.evaluate("document.documentElement.scrollWidth") <= 360
    editor.fill("#price", "Soep 1 euro (browsertest)")
    editor.click("main form.stack button[type=submit]")
    editor.wait_for_url(re.compile(r".*/work/proposals$"))
    assert editor.locator(".flashes").is_visible()
    assert editor.locator("main tr", has_text="Open inloop Het Torenhuis").count() >= 1
    public_url = live_server.url + "/initiatives/" + initiative_url.rstrip("/").rsplit("/", 1)[1]
    editor.goto(public_url)
    assert "browsertest" not in editor.content()

    worker_context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nl-BE")
    worker = worker_context.new_page()
    log_in(worker, live_server, WORKER)
    worker.click("nav.work-nav a[href='/work/review']")
    worker.locator("main li", has_text="Open inloop Het Torenhuis").last.locator("a").click()
    diff = worker.locator("table.diff")
    assert "Soep 1 euro (browsertest)" in diff.inner_text()
    assert run_axe(worker) == []
    worker.click("button[name=decision][value=approve]")
    worker.wait_for_url(re.compile(r".*/work/review$"))

    editor.goto(public_url)
    assert "Soep 1 euro (browsertest)" in editor.content()
    editor_context.close()
    worker_context.close()


def test_forms_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    log_in(page, live_server, WORKER)
    page.goto(live_server.url + "/work/activities/new")
    page.fill("#title", "Zonder JavaScript")
    page.fill("#day", (datetime.now() + timedelta(days=30)).date().isoformat())
    page.fill("#start", "23:00")
    page.fill("#end", "23:30")
    page.click("details.point-picker summary")
    page.fill("#latitude", "51.0478")
    page.fill("#longitude", "3.7339")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/work/activities/[0-9a-f-]{36}$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


def test_axe_finds_nothing_serious_on_workspace_pages(page, live_server):
    log_in(page, live_server, "coordinator@demo.buurtkracht.example")
    report = {}
    for path in ("/work/calendar", "/work/listings", "/work/stale", "/work/reports", "/work/review", "/work/me",
                 "/work/export", "/work/feeds", "/work/users", "/work/users/new", "/work/places/new",
                 "/work/initiatives/new", "/account/password"):
        page.goto(live_server.url + path)
        report[path] = [(v["id"], len(v["nodes"])) for v in run_axe(page)]
    assert report == {path: [] for path in report}


@pytest.mark.parametrize("width", [360, 1280])
def test_header_links_are_big_enough_to_tap_and_in_one_line(browser, live_server, width):
    """Issue 15 / WCAG 2.2 (2.5.8): header links were 19 px tall, and 'Log out' sat 12 px lower."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, live_server, WORKER)
    boxes = page.eval_on_selector_all(".site-header li > a, .site-header .nav-button",
                                      "els => els.map(e => { const r = e.getBoundingClientRect();"
                                      " return [e.textContent.trim(), r.height, r.top + r.height / 2]; })")
    assert len(boxes) >= 6
    assert all(height >= 24 for _text, height, _mid in boxes), boxes
    workspace = next(mid for text, _h, mid in boxes if text == "Workspace")
    log_out = next(mid for text, _h, mid in boxes if text == "Log out")
    assert abs(workspace - log_out) < 2, boxes
    context.close()
