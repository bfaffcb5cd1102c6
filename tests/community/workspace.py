"""Helpers for workspace tests: a tiny hand-made world (two districts, two organisations, one
account per role) and logging in with a real CSRF token."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

import pytest

PASSWORD = "correct horse battery"
TZ_NAME = "Europe/Brussels"


@lru_cache(maxsize=1)
def password_hash() -> str:
    # scrypt is slow on purpose; hashing once keeps the matrix of tests quick.
    from werkzeug.security import generate_password_hash
    return generate_password_hash(PASSWORD, method="scrypt")


def square(lon0, lat0, lon1, lat1) -> str:
    return json.dumps({"type": "MultiPolygon", "coordinates": [[[[lon0, lat0], [lon1, lat0], [lon1, lat1],
                                                                   [lon0, lat1], [lon0, lat0]]]]})


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


def local(day: date, hh: int, mm: int = 0) -> datetime:
    from community.scheduling import TZ
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(timezone.utc)


def build_world(db) -> World:
    """Districts D1 (west) and D2 (east) in municipality M; P1 in D1 with room R1, P2 in D2 with R2.

    O1 runs I1 at P1, O2 runs I2 at P2. Activity A1 in R1 (D1), A2 in R2 (D2), both tomorrow 14-16.
    """
    from community.models import (Activity, Area, ChangeRequest, FeedToken, Initiative, InitiativeAtPlace, MeetingPlace,
                                  Organisation, OutdatedReport, Room, User, UserArea)
    from community.services.areas import assign_places

    def area(code, name, level, box, parent=None):
        a = Area(code=code, name=name, level=level, parent_id=parent.id if parent else None, geometry=square(*box),
                 min_lon=box[0], min_lat=box[1], max_lon=box[2], max_lat=box[3])
        db.session.add(a)
        db.session.flush()
        return a

    m = area("M1", "Testgemeente", "municipality", (3.70, 51.04, 3.74, 51.06))
    d1 = area("D1", "Westwijk", "district", (3.70, 51.04, 3.72, 51.06), m)
    d2 = area("D2", "Oostwijk", "district", (3.72, 51.04, 3.74, 51.06), m)
    p1 = MeetingPlace(name="Buurthuis West", street="Weststraat", number="1", postcode="9000", municipality="Gent",
                      latitude=51.05, longitude=3.71, rooms=[Room(name="Grote zaal", capacity=40)], areas=[])
    p2 = MeetingPlace(name="Buurthuis Oost", street="Ooststraat", number="2", postcode="9000", municipality="Gent",
                      latitude=51.05, longitude=3.73, rooms=[Room(name="Zaaltje", capacity=10)], areas=[])
    db.session.add_all([p1, p2])
    db.session.flush()
    assign_places([p1, p2])
    o1 = Organisation(name="Vzw West", languages=[])
    o2 = Organisation(name="Vzw Oost", languages=[])
    i1 = Initiative(name="Soepcafé West", organisation=o1, terms=[], last_verified=date(2020, 1, 1),
                    locations=[InitiativeAtPlace(place=p1, schedules=[])])
    i2 = Initiative(name="Taalcafé Oost", organisation=o2, terms=[], last_verified=None,
                    locations=[InitiativeAtPlace(place=p2, schedules=[])])
    db.session.add_all([o1, o2, i1, i2])
    db.session.flush()

    def user(email, role, areas=(), organisation=None):
        u = User(email=email, role=role, password_hash=password_hash(), organisation_id=organisation.id if organisation else None,
                 areas=[UserArea(area_id=a.id) for a in areas])
        db.session.add(u)
        return u

    users = {
        "worker_in": user("in@test.example", "worker", [d1]),
        "worker_out": user("out@test.example", "worker", [d2]),
        "editor_this": user("editor1@test.example", "editor", organisation=o1),
        "editor_other": user("editor2@test.example", "editor", organisation=o2),
        "coordinator": user("coord@test.example", "coordinator", [m]),
        "admin": user("admin@test.example", "admin"),
    }
    db.session.flush()
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    a1 = Activity(title="Soep en babbel", worker_id=users["worker_in"].id, place_id=p1.id, room_id=p1.rooms[0].id,
                  area_id=d1.id, starts_at=local(tomorrow, 14), ends_at=local(tomorrow, 16), visibility="public",
                  terms=[], partners=[])
    a2 = Activity(title="Oost overleg", worker_id=users["worker_out"].id, place_id=p2.id, room_id=p2.rooms[0].id,
                  area_id=d2.id, starts_at=local(tomorrow, 14), ends_at=local(tomorrow, 16), visibility="internal",
                  terms=[], partners=[])
    report1 = OutdatedReport(initiative=i1, message="De uren kloppen niet")
    db.session.add_all([a1, a2, report1])
    db.session.flush()
    cr1 = ChangeRequest(entity_type="initiative", entity_id=i1.id, organisation_id=o1.id,
                        proposed={"price": "1 euro"}, original={"price": ""}, submitted_by_id=users["editor_this"].id)
    feed1 = FeedToken(token="0" * 64, user_id=users["worker_in"].id)  # a stored hash, not a usable token
    db.session.add_all([cr1, feed1])
    db.session.commit()
    return World(m, d1, d2, p1, p2, p1.rooms[0], p2.rooms[0], o1, o2, i1, i2, a1, a2, users, report1, cr1, feed1)


@pytest.fixture
def world(app, db):
    return build_world(db)


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
        session["_user_id"] = user.session_token
        session["_fresh"] = True


def text_of(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def fresh_request_client(app):
    """A test client whose requests start with an empty flask.g, as real requests do.

    The app fixture keeps one app context open for the whole test and Flask reuses it for test
    requests, so without this Flask-Login's per-request user cache (g._login_user) would carry
    a logged-in user over into the next request and hide a logout (and Flask-WTF would hand out
    the previous client's CSRF token).
    """
    from flask import g
    from flask.testing import FlaskClient

    class FreshGClient(FlaskClient):
        def open(self, *args, **kwargs):
            for name in list(vars(g)):  # the login cache, the CSRF token, our memos
                g.pop(name, None)
            return super().open(*args, **kwargs)

    client = FreshGClient(app, app.response_class, use_cookies=True)
    # The assertions read the English messages (the msgids); Dutch is the default otherwise.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def wclient(app):
    return fresh_request_client(app)
