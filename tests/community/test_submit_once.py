"""Issue 10.4: a form posted twice acts once (a double tap, a re-sent page, two posts at once).

Before, the same plan posted twice stored two activities and logging twice wrote two audit
entries. The plan and log forms now carry a one-time key; a repeat leads to the first result.
"""
from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from community.demo.activities import DEMO_PASSWORD
from community.extensions import db
from community.models import Activity, AuditEntry
from tests.community.workspace import fresh_request_client, post

KEY = re.compile(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"')
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _worker(app):
    client = fresh_request_client(app)
    assert post(client, "/login", {"email": "worker@demo.buurtkracht.example",
                                   "password": DEMO_PASSWORD}).status_code == 302
    return client


def _plan_form(client) -> dict:
    html = client.get("/work/activities/new").get_data(as_text=True)
    place = re.search(r'<select[^>]*name="place"[^>]*>.*?<option[^>]*value="([0-9a-f-]{36})"', html, re.S).group(1)
    return {"csrf_token": TOKEN.search(html).group(1), "submission_key": KEY.search(html).group(1),
            "title": "Soep op woensdag", "day": "2030-07-10", "start": "14:00", "end": "16:00",
            "place": place, "room": "", "visibility": "public", "working_models": ["peer"],
            "target_groups": ["elderly"]}


def _titled(title: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Activity).where(Activity.title == title))


def test_the_same_plan_posted_twice_is_stored_once(demo_app, demo_db):
    client = _worker(demo_app)
    data = _plan_form(client)
    first = client.post("/work/activities/new", data=data)
    again = client.post("/work/activities/new", data=data)
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    db.session.remove()
    assert _titled("Soep op woensdag") == 1
    # A new form (a new key) plans a second one on purpose.
    data2 = _plan_form(client) | {"title": "Soep op woensdag"}
    assert client.post("/work/activities/new", data=data2).status_code == 302
    db.session.remove()
    assert _titled("Soep op woensdag") == 2


def test_two_simultaneous_posts_of_one_form_store_one(demo_app, demo_db, monkeypatch):
    """The second post checked for the key before the first committed: the key's primary key
    refuses its insert, and it answers with the first post's page."""
    from community.work import helpers
    client = _worker(demo_app)
    data = _plan_form(client)
    first = client.post("/work/activities/new", data=data)
    real, calls = helpers.first_result, []

    def not_yet_committed(form):
        calls.append(1)
        return None if len(calls) == 1 else real(form)

    monkeypatch.setattr(helpers, "first_result", not_yet_committed)
    again = client.post("/work/activities/new", data=data)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    db.session.remove()
    assert _titled("Soep op woensdag") == 1


def _done_form(client, activity_id) -> dict:
    html = client.get(f"/work/activities/{activity_id}/done").get_data(as_text=True)
    return {"csrf_token": TOKEN.search(html).group(1), "submission_key": KEY.search(html).group(1),
            "participants": "12", "new_participants": "3", "volunteers": "2",
            "target_groups_reached": ["elderly"], "reflection": "Goed verlopen."}


def test_logging_twice_writes_one_audit_entry(demo_app, demo_db):
    client = _worker(demo_app)
    location = client.post("/work/activities/new", data=_plan_form(client) | {"day": "2020-07-08"}).headers["Location"]
    activity_id = uuid.UUID(location.rstrip("/").rsplit("/", 1)[1])
    data = _done_form(client, activity_id)
    assert client.post(f"/work/activities/{activity_id}/done", data=data).status_code == 302
    assert client.post(f"/work/activities/{activity_id}/done", data=data).status_code == 302
    # The same counts sent from a fresh form are not a new entry either.
    assert client.post(f"/work/activities/{activity_id}/done", data=_done_form(client, activity_id)).status_code == 302
    db.session.remove()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_id == activity_id, AuditEntry.action == "done"))
    assert entries == 1
    # Changed counts are logged as a change.
    changed = _done_form(client, activity_id) | {"participants": "14"}
    assert client.post(f"/work/activities/{activity_id}/done", data=changed).status_code == 302
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_id == activity_id, AuditEntry.action == "done")) == 2


def test_a_tampered_key_is_no_error(demo_app, demo_db):
    client = _worker(demo_app)
    data = _plan_form(client) | {"submission_key": "<script>", "title": "Zonder sleutel"}
    assert client.post("/work/activities/new", data=data).status_code == 302
    db.session.remove()
    assert _titled("Zonder sleutel") == 1
