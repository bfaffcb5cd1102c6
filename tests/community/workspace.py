"""Helpers for workspace tests: a tiny world made with tests/factories.py (two districts, two
organisations, one account per role) and logging in with a real CSRF token."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from tests import factories
from tests.factories import PASSWORD, local  # noqa: F401  (tests import them from here)
from tests.support import session_token

@dataclass
class World:
    municipality: object
    d1: object
    d2: object
    p1: object
    p2: object
    r1: object
    r2: object
    o1: object
    o2: object
    i1: object
    i2: object
    a1: object
    a2: object
    users: dict
    report1: object
    cr1: object
    feed1: object


def two_districts() -> World:
    """Districts D1 (west) and D2 (east) in municipality M1; P1 in D1 with room R1, P2 in D2 with R2.

    O1 runs I1 at P1, O2 runs I2 at P2. Activity A1 in R1 (D1), A2 in R2 (D2), both tomorrow 14-16.
    One account per role: workers in D1 and D2, editors of O1 and O2, M1's coordinator, an admin.
    Made with tests/factories.py; committed.
    """
    from community.extensions import db
    m = factories.area("M1", "Testgemeente", "municipality", (3.70, 51.04, 3.74, 51.06))
    d1 = factories.area("D1", "Westwijk", "district", (3.70, 51.04, 3.72, 51.06), parent=m)
    d2 = factories.area("D2", "Oostwijk", "district", (3.72, 51.04, 3.74, 51.06), parent=m)
    p1 = factories.place(name="Buurthuis West", street="Weststraat", number="1", latitude=51.05, longitude=3.71,
                         rooms=["Grote zaal (40)"])
    p2 = factories.place(name="Buurthuis Oost", street="Ooststraat", number="2", latitude=51.05, longitude=3.73,
                         rooms=["Zaaltje (10)"])
    o1 = factories.organisation(name="Vzw West")
    o2 = factories.organisation(name="Vzw Oost")
    i1 = factories.initiative(o1, at=[p1], name="Soepcafé West", last_verified=date(2020, 1, 1))
    i2 = factories.initiative(o2, at=[p2], name="Taalcafé Oost", last_verified=None)
    users = {
        "worker_in": factories.user("in@test.example", "worker", [d1]),
        "worker_out": factories.user("out@test.example", "worker", [d2]),
        "editor_this": factories.user("editor1@test.example", "editor", organisation=o1),
        "editor_other": factories.user("editor2@test.example", "editor", organisation=o2),
        "coordinator": factories.user("coord@test.example", "coordinator", [m]),
        "admin": factories.user("admin@test.example", "admin"),
    }
    a1 = factories.activity(users["worker_in"], p1, room=p1.rooms[0], title="Soep en babbel", visibility="public")
    a2 = factories.activity(users["worker_out"], p2, room=p2.rooms[0], title="Oost overleg", visibility="internal")
    report1 = factories.report(i1, "De uren kloppen niet")
    cr1 = factories.change_request(i1, users["editor_this"], {"price": "1 euro"})
    feed1 = factories.feed_token(users["worker_in"])  # a stored hash, not a usable token
    db.session.commit()
    return World(m, d1, d2, p1, p2, p1.rooms[0], p2.rooms[0], o1, o2, i1, i2, a1, a2, users, report1, cr1, feed1)


@pytest.fixture
def world(app, db):
    return two_districts()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(client, url: str, data: dict | None = None, *, token_from: str = "/login", **kwargs):
    """POST a form the way a browser does: with the CSRF token from a page of ours."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(url, data=data, **kwargs)


def log_in(client, user) -> None:
    """Log in through the login form (real password check, real CSRF)."""
    response = post(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def as_user(client, user) -> None:
    """Skip the slow password check: put the user's session token in the session, as login does."""
    with client.session_transaction() as session:
        session["_user_id"] = session_token(user)
        session["_fresh"] = True


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def fresh_request_client(app):
    """A test client that reads the English messages (the msgids); Dutch is the default otherwise.
    Each of its requests runs in an application context of its own (tests/support.py)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def wclient(app):
    return fresh_request_client(app)


def begun(db, activity, hours_ago: int = 3):
    """Move a planned activity (the factories plan for tomorrow) to earlier today: held, so it may be logged."""
    from datetime import datetime, timedelta, timezone
    length = activity.ends_at - activity.starts_at
    activity.starts_at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=hours_ago)
    activity.ends_at = activity.starts_at + length
    db.session.commit()
    return {}
