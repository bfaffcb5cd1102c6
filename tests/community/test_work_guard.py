"""The workspace's one guard: every `work.` route sends an anonymous visitor to the login page,
and the secret ICS feeds (blueprint `feeds`) still answer calendar apps without a login."""
from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import AnyConverter, UUIDConverter

from tests.community.workspace import csrf_token, fresh_request_client, world  # noqa: F401


def _dummy_url(rule) -> str:
    """The rule's path with made-up values: the guard must refuse before any record is looked up."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, UUIDConverter):
            values[name] = str(uuid.uuid4())
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _work_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith("work.")), key=lambda r: r.rule)


def test_the_workspace_has_routes_to_guard(app):
    endpoints = {r.endpoint for r in _work_rules(app)}
    assert {"work.dashboard", "work.activity", "work.listing_edit", "work.users", "work.feeds"} <= endpoints
    assert "work.feed" not in endpoints  # the public feed moved out, to `feeds.feed`


def test_every_workspace_route_sends_anonymous_visitors_to_the_login_page(app):
    client = fresh_request_client(app)
    # A real CSRF token, so a POST-only route reaches the guard instead of failing the CSRF check.
    token = csrf_token(client, "/login")
    for rule in _work_rules(app):
        url = _dummy_url(rule)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        where = f"{rule.endpoint} ({sorted(rule.methods - {'HEAD', 'OPTIONS'})} {url})"
        assert response.status_code == 302, f"{where}: {response.status_code}"
        location = response.headers["Location"]
        assert location.startswith("/login?next="), f"{where}: {location}"


@pytest.mark.parametrize("path", ["/work/", "/work/activities/new", "/work/users"])
def test_after_logging_in_the_visitor_comes_back(app, path):
    response = fresh_request_client(app).get(path)
    assert response.status_code == 302
    assert "next=" + path.replace("/", "%2F") in response.headers["Location"]


def test_the_feed_answers_a_calendar_app_without_a_login(app, db, world):  # noqa: F811
    from flask import url_for
    from icalendar import Calendar
    from community.services import calendar_feeds
    token = calendar_feeds.create_feed(world.users["worker_in"])
    db.session.commit()
    with app.test_request_context():
        url = url_for("feeds.feed", token=token)
    assert url == f"/work/calendar/{token}.ics"  # the path subscribed calendars already use
    response = fresh_request_client(app).get(url)  # no cookies, no session
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert [str(e["summary"]) for e in Calendar.from_ical(response.data).walk("VEVENT")] == ["Soep en babbel"]
    assert fresh_request_client(app).get("/work/calendar/not-a-token.ics").status_code == 404


def test_the_feeds_blueprint_holds_only_the_anonymous_feed(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("feeds.")]
    assert [(r.endpoint, r.rule) for r in rules] == [("feeds.feed", "/work/calendar/<token>.ics")]
