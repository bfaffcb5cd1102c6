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


def _rule_ids() -> list[tuple[str, str]]:
    """(endpoint, rule) of every workspace route, read from an app without a database, so that
    each route is its own test: `test_anonymous_visitors_go_to_the_login_page[anonymous-GET /work/me]`."""
    import tempfile
    from community import create_app
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t", "TESTING": True,
                          "INSTANCE_PATH": instance, "RATELIMIT_STORAGE_URI": "memory://"})
        return [(r.endpoint, r.rule) for r in _work_rules(app)], {r.endpoint: _method(r) for r in _work_rules(app)}


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


WORK_RULES, METHODS = _rule_ids()


def test_the_workspace_has_routes_to_guard(app):
    endpoints = {r.endpoint for r in _work_rules(app)}
    assert {"work.dashboard", "work.activity", "work.listing_edit", "work.users", "work.feeds"} <= endpoints
    assert "work.feed" not in endpoints  # the public feed moved out, to `feeds.feed`
    assert [(r.endpoint, r.rule) for r in _work_rules(app)] == WORK_RULES


@pytest.mark.parametrize("endpoint,path", [pytest.param(e, p, id=f"anonymous-{METHODS[e]} {p}") for e, p in WORK_RULES])
def test_anonymous_visitors_go_to_the_login_page(app, endpoint, path):
    rule = next(r for r in _work_rules(app) if (r.endpoint, r.rule) == (endpoint, path))
    client = fresh_request_client(app)
    url = _dummy_url(rule)
    if _method(rule) == "GET":
        response = client.get(url)
    else:
        # A real CSRF token, so a POST-only route reaches the guard instead of failing the CSRF check.
        response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302, f"{url}: {response.status_code}"
    assert response.headers["Location"].startswith("/login?next="), f"{url}: {response.headers['Location']}"


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
