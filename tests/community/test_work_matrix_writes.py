"""Role x action matrix, writes: every workspace form, posted by every kind of user
(roles and refusals: tests/community/matrix.py; reads: test_work_matrix.py).

Each (role, route) is its own test, e.g. `test_write[worker_out-POST /work/activities/<a1>/edit]`.
Allowed -> the database changed. Refused -> the route's status (403, or 404 where the record's
existence is private; a few roles get the form again with a message, when the refusal is about
the chosen place) and the database exactly as before; anonymous -> the login page.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.community.matrix import (ACCOUNT, ACTIVITY, FEED, IN, LISTING, MANAGERS, PAGE, PROPOSAL, ROLES, WORKERS,
                                    route_id)
from tests.community.workspace import as_user, begun, fresh_request_client, post, two_districts


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _initiative_form(initiative, **changes):
    data = {"name": initiative.name, "description": initiative.description, "status": initiative.status,
            "tie_type": initiative.tie_type, "cost": initiative.cost, "price": initiative.price,
            "childcare": initiative.childcare, "wheelchair": initiative.wheelchair, "contact": "", "url": ""}
    data.update(changes)
    return data


def _place_form(place, **changes):
    data = {"name": place.name, "kind": place.kind, "street": place.street, "number": place.number,
            "postcode": place.postcode, "municipality": place.municipality, "latitude": place.latitude,
            "longitude": place.longitude, "wheelchair": place.wheelchair, "accessibility": "",
            "rooms": "Grote zaal (40)"}
    data.update(changes)
    return data


def _plan_form(world, **changes):
    data = {"title": "Nieuwe activiteit", "day": "2030-05-15", "start": "10:00", "end": "12:00",
            "place": str(world.p1.id), "room": "", "visibility": "internal", "working_models": ["location"]}
    data.update(changes)
    return data


def _db():
    from community.extensions import db
    return db


def _models():
    from community import models
    return models


def _ids(w) -> dict:
    return {"a1": w.a1.id, "i1": w.i1.id, "o1": w.o1.id, "p1": w.p1.id, "cr1": w.cr1.id, "report1": w.report1.id,
            "worker_in": w.users["worker_in"].id, "feed1": w.feed1.token}


# The place is a form choice: an outside worker gets the form again, with a message (no 403).
FORM_AGAIN = 200

# (path, form data(world), roles that may write, state(db, world), how it refuses, {role: other refusal})
WRITES = [
    ("/work/activities/new", lambda w: _plan_form(w), IN,
     lambda db, w: _count(db, _models().Activity), {"worker_out": FORM_AGAIN}, PAGE),
    ("/work/activities/{a1}/edit",
     lambda w: _plan_form(w, title="Soep en babbel (verplaatst)", day=w.a1.starts_at.date().isoformat(),
                          start="18:00", end="19:00"), IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).title, {}, ACTIVITY),
    ("/work/activities/{a1}/done",  # held three hours ago: it may be logged (a future one may not)
     lambda w: begun(_db(), w.a1) | {"participants": "12", "new_participants": "2", "volunteers": "1"}, IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).status, {}, ACTIVITY),
    ("/work/activities/{a1}/cancel", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).status, {}, ACTIVITY),
    # an editor's change is a proposal (a change request), a worker's is applied
    ("/work/initiatives/{i1}",
     lambda w: _initiative_form(w.i1, name="Soepcafé West vernieuwd"), IN | {"editor_this"},
     lambda db, w: (db.session.get(_models().Initiative, w.i1.id).name, _count(db, _models().ChangeRequest)), {},
     LISTING),
    ("/work/initiatives/{i1}/archive", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Initiative, w.i1.id).archived_at, {}, LISTING),
    ("/work/initiatives/{i1}/verify", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Initiative, w.i1.id).last_verified, {}, LISTING),
    ("/work/initiatives/{i1}/schedules/new",
     lambda w: {"place": str(w.p1.id), "frequency": "weekly", "weekdays": ["2"], "start": "14:00", "end": "16:00"},
     IN, lambda db, w: _count(db, _models().Schedule), {}, LISTING),
    ("/work/places/{p1}", lambda w: _place_form(w.p1, name="Buurthuis West-Centrum"),
     IN, lambda db, w: db.session.get(_models().MeetingPlace, w.p1.id).name, {}, LISTING),
    ("/work/organisations/{o1}",
     lambda w: {"name": "Vzw West en Centrum"}, IN | {"editor_this"},
     lambda db, w: (db.session.get(_models().Organisation, w.o1.id).name, _count(db, _models().ChangeRequest)), {},
     LISTING),
    ("/work/organisations/new", lambda w: {"name": "Nieuwe vzw"}, WORKERS,
     lambda db, w: _count(db, _models().Organisation), {}, PAGE),
    ("/work/initiatives/new",
     lambda w: {"organisation": str(w.o1.id), "place": str(w.p1.id), "name": "Nieuw initiatief", "status": "active",
                "tie_type": "both", "cost": "free", "childcare": "unknown", "wheelchair": "unknown"},
     IN | {"editor_this"},
     lambda db, w: (_count(db, _models().Initiative), _count(db, _models().ChangeRequest)), {}, PAGE),
    ("/work/reports/{report1}/resolve",
     lambda w: {"note": "Uren aangepast"}, IN,
     lambda db, w: db.session.get(_models().OutdatedReport, w.report1.id).status, {}, PROPOSAL),
    ("/work/review/{cr1}", lambda w: {"decision": "approve", "note": ""}, IN,
     lambda db, w: db.session.get(_models().ChangeRequest, w.cr1.id).status, {}, PROPOSAL),
    ("/work/users/new",
     lambda w: {"email": "nieuw@test.example", "role": "worker", "areas": ["D1"], "password": "een lang wachtwoord",
                "is_enabled": "y"}, MANAGERS,
     lambda db, w: _count(db, _models().User), {}, PAGE),
    ("/work/users/{worker_in}",  # disables the account (is_enabled left out)
     lambda w: {"email": "in@test.example", "role": "worker", "areas": ["D1"]}, MANAGERS,
     lambda db, w: db.session.get(_models().User, w.users["worker_in"].id).is_enabled, {}, ACCOUNT),
    ("/work/users/{worker_in}/reset-link", lambda w: {},
     MANAGERS, lambda db, w: db.session.get(_models().User, w.users["worker_in"].id).reset_token_hash, {}, ACCOUNT),
    ("/work/feeds", lambda w: {"area": ""}, WORKERS,
     lambda db, w: _count(db, _models().FeedToken), {}, PAGE),
    ("/work/feeds/{feed1}/revoke",  # only its owner
     lambda w: {}, {"worker_in"}, lambda db, w: _count(db, _models().FeedToken), {}, FEED),
]


@pytest.mark.parametrize("role,path,form,allowed,state,exceptions,refusal", [
    pytest.param(role, *write, id=f"{role}-{route_id('POST', write[0])}") for write in WRITES for role in ROLES])
def test_write(app, db, role, path, form, allowed, state, exceptions, refusal):
    world = two_districts()
    client = fresh_request_client(app)
    if role != "anonymous":
        as_user(client, world.users[role])
    # The CSRF token comes from a page every visitor can open, so refusals are about rights only.
    data = form(world)
    before = state(db, world)
    response = post(client, path.format(**_ids(world)), data)
    db.session.expire_all()
    after = state(db, world)
    if role in allowed:
        assert response.status_code in (200, 302), response.status_code
        assert after != before, f"allowed but nothing changed ({response.status_code}): " \
                                f"{response.get_data(as_text=True)[:3000]}"
        return
    assert after == before, "refused, yet it changed"
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    elif role in exceptions:
        assert response.status_code == exceptions[role]
        assert "There is a problem" in response.get_data(as_text=True)
    else:
        assert response.status_code == refusal.status, f"refused: {refusal.reason}"
