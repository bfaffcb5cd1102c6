"""Role x action matrix: every workspace route and form, visited by every kind of user.

Roles: anonymous, a worker inside district D1 and one outside it (D2), the editor of O1 (this
organisation) and of O2 (another), the municipality's coordinator, an admin. The target records
(A1, I1, P1, O1, report, change request) all lie in D1 / belong to O1.

Reads: allowed -> 200; refused -> 403/404 (anonymous: redirect to the login page).
Writes: allowed -> the database changed; refused -> 403 (or the form shown again with a message
when the refusal is about the chosen place), and the database is exactly as before.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.community.workspace import as_user, build_world, fresh_request_client, post

ROLES = ("anonymous", "worker_in", "worker_out", "editor_this", "editor_other", "coordinator", "admin")
STAFF = frozenset(ROLES) - {"anonymous"}
WORKERS = frozenset({"worker_in", "worker_out", "coordinator", "admin"})
IN = frozenset({"worker_in", "coordinator", "admin"})
MANAGERS = frozenset({"coordinator", "admin"})

# (name, url(world), roles that may read)
READS = [
    ("dashboard", lambda w: "/work/", STAFF),
    ("my figures", lambda w: "/work/me", WORKERS),
    ("calendar", lambda w: "/work/calendar", WORKERS),
    ("plan form", lambda w: "/work/activities/new", WORKERS),
    ("activity A1", lambda w: f"/work/activities/{w.a1.id}", IN),
    ("activity A1 edit form", lambda w: f"/work/activities/{w.a1.id}/edit", IN),
    ("activity A1 done form", lambda w: f"/work/activities/{w.a1.id}/done", IN),
    ("listings", lambda w: "/work/listings", STAFF),
    ("initiative I1 form", lambda w: f"/work/initiatives/{w.i1.id}", IN | {"editor_this"}),
    ("organisation O1 form", lambda w: f"/work/organisations/{w.o1.id}", IN | {"editor_this"}),
    ("place P1 form", lambda w: f"/work/places/{w.p1.id}", IN),
    ("new initiative form", lambda w: "/work/initiatives/new", WORKERS | {"editor_this", "editor_other"}),
    ("new place form", lambda w: "/work/places/new", WORKERS),
    ("new organisation form", lambda w: "/work/organisations/new", WORKERS),
    ("schedule form I1", lambda w: f"/work/initiatives/{w.i1.id}/schedules/new", IN),
    ("stale listings", lambda w: "/work/stale", WORKERS),
    ("reports", lambda w: "/work/reports", WORKERS),
    ("review queue", lambda w: "/work/review", WORKERS),
    ("review of CR1", lambda w: f"/work/review/{w.cr1.id}", IN),
    ("my proposals", lambda w: "/work/proposals", STAFF),
    ("audit log", lambda w: "/work/audit", WORKERS),
    ("export form", lambda w: "/work/export", WORKERS),
    ("calendar links", lambda w: "/work/feeds", WORKERS),
    ("users", lambda w: "/work/users", MANAGERS),
    ("user worker_in", lambda w: f"/work/users/{w.users['worker_in'].id}", MANAGERS),
    ("address lookup", lambda w: "/work/addresses?q=Weststraat+1", STAFF),
    ("password form", lambda w: "/account/password", STAFF),
]


def _client_as(app, world, role):
    client = fresh_request_client(app)
    if role != "anonymous":
        as_user(client, world.users[role])
    return client


def _refused(response, role):
    if role == "anonymous":
        return response.status_code == 302 and "/login" in response.headers["Location"]
    return response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_what(app, db, role):
    world = build_world(db)
    client = _client_as(app, world, role)
    for name, url, allowed in READS:
        response = client.get(url(world))
        if role in allowed:
            assert response.status_code == 200, f"{role} should read {name}, got {response.status_code}"
        else:
            assert _refused(response, role), f"{role} should not read {name}, got {response.status_code}"
            assert "Soep en babbel" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_export_of_a_district_only_for_its_workers(app, db, role):
    world = build_world(db)
    client = _client_as(app, world, role)
    response = client.get("/work/export?first_day=2000-01-01&last_day=2100-01-01&district=D1")
    is_csv = response.mimetype == "text/csv"
    assert is_csv == (role in IN), f"{role}: {response.status_code} {response.mimetype}"
    if not is_csv:
        assert "Soep en babbel" not in response.get_data(as_text=True)


# ------------------------------------------------------------------ writes

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


def _models():
    from community import models
    return models


# (name, url(world), form data(world), roles that may write, state(db, world), {role: refusal status})
WRITES = [
    ("plan an activity at P1", lambda w: "/work/activities/new", lambda w: _plan_form(w), IN,
     lambda db, w: _count(db, _models().Activity), {"worker_out": 200}),
    ("change A1", lambda w: f"/work/activities/{w.a1.id}/edit",
     lambda w: _plan_form(w, title="Soep en babbel (verplaatst)", day=w.a1.starts_at.date().isoformat(),
                          start="18:00", end="19:00"), IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).title, {}),
    ("mark A1 done", lambda w: f"/work/activities/{w.a1.id}/done",
     lambda w: {"participants": "12", "new_participants": "2", "volunteers": "1"}, IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).status, {}),
    ("cancel A1", lambda w: f"/work/activities/{w.a1.id}/cancel", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Activity, w.a1.id).status, {}),
    ("change I1 (editor: proposal)", lambda w: f"/work/initiatives/{w.i1.id}",
     lambda w: _initiative_form(w.i1, name="Soepcafé West vernieuwd"), IN | {"editor_this"},
     lambda db, w: (db.session.get(_models().Initiative, w.i1.id).name, _count(db, _models().ChangeRequest)), {}),
    ("archive I1", lambda w: f"/work/initiatives/{w.i1.id}/archive", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Initiative, w.i1.id).archived_at, {}),
    ("verify I1 today", lambda w: f"/work/initiatives/{w.i1.id}/verify", lambda w: {}, IN,
     lambda db, w: db.session.get(_models().Initiative, w.i1.id).last_verified, {}),
    ("add a schedule to I1", lambda w: f"/work/initiatives/{w.i1.id}/schedules/new",
     lambda w: {"place": str(w.p1.id), "frequency": "weekly", "weekdays": ["2"], "start": "14:00", "end": "16:00"},
     IN, lambda db, w: _count(db, _models().Schedule), {}),
    ("change P1", lambda w: f"/work/places/{w.p1.id}", lambda w: _place_form(w.p1, name="Buurthuis West-Centrum"),
     IN, lambda db, w: db.session.get(_models().MeetingPlace, w.p1.id).name, {}),
    ("change O1 (editor: proposal)", lambda w: f"/work/organisations/{w.o1.id}",
     lambda w: {"name": "Vzw West en Centrum"}, IN | {"editor_this"},
     lambda db, w: (db.session.get(_models().Organisation, w.o1.id).name, _count(db, _models().ChangeRequest)), {}),
    ("new organisation", lambda w: "/work/organisations/new", lambda w: {"name": "Nieuwe vzw"}, WORKERS,
     lambda db, w: _count(db, _models().Organisation), {}),
    ("new initiative of O1 at P1", lambda w: "/work/initiatives/new",
     lambda w: {"organisation": str(w.o1.id), "place": str(w.p1.id), "name": "Nieuw initiatief", "status": "active",
                "tie_type": "both", "cost": "free", "childcare": "unknown", "wheelchair": "unknown"},
     IN | {"editor_this"},
     lambda db, w: (_count(db, _models().Initiative), _count(db, _models().ChangeRequest)), {}),
    ("resolve the report on I1", lambda w: f"/work/reports/{w.report1.id}/resolve",
     lambda w: {"note": "Uren aangepast"}, IN,
     lambda db, w: db.session.get(_models().OutdatedReport, w.report1.id).status, {}),
    ("approve CR1", lambda w: f"/work/review/{w.cr1.id}", lambda w: {"decision": "approve", "note": ""}, IN,
     lambda db, w: db.session.get(_models().ChangeRequest, w.cr1.id).status, {}),
    ("create a worker account in D1", lambda w: "/work/users/new",
     lambda w: {"email": "nieuw@test.example", "role": "worker", "areas": ["D1"], "password": "een lang wachtwoord",
                "is_enabled": "y"}, MANAGERS,
     lambda db, w: _count(db, _models().User), {}),
    ("disable worker_in", lambda w: f"/work/users/{w.users['worker_in'].id}",
     lambda w: {"email": "in@test.example", "role": "worker", "areas": ["D1"]}, MANAGERS,
     lambda db, w: db.session.get(_models().User, w.users["worker_in"].id).is_enabled, {}),
    ("password link for worker_in", lambda w: f"/work/users/{w.users['worker_in'].id}/reset-link", lambda w: {},
     MANAGERS, lambda db, w: db.session.get(_models().User, w.users["worker_in"].id).reset_token_hash, {}),
    ("make a calendar link", lambda w: "/work/feeds", lambda w: {"area": ""}, WORKERS,
     lambda db, w: _count(db, _models().FeedToken), {}),
    ("revoke worker_in's calendar link (only its owner)", lambda w: f"/work/feeds/{w.feed1.token}/revoke",
     lambda w: {}, {"worker_in"}, lambda db, w: _count(db, _models().FeedToken), {}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,url,form,allowed,state,refusal", WRITES, ids=[w[0] for w in WRITES])
def test_who_may_write_what(app, db, role, name, url, form, allowed, state, refusal):
    world = build_world(db)
    client = _client_as(app, world, role)
    # The CSRF token comes from a page every visitor can open, so refusals are about rights only.
    data = form(world)
    before = state(db, world)
    response = post(client, url(world), data)
    db.session.expire_all()
    after = state(db, world)
    if role in allowed:
        assert response.status_code in (200, 302), f"{role} {name}: {response.status_code}"
        assert after != before, f"{role} may {name} but nothing changed ({response.status_code}): " \
                                f"{response.get_data(as_text=True)[:3000]}"
    else:
        assert after == before, f"{role} may not {name}, yet it changed"
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            expected = refusal.get(role, 403)
            assert response.status_code in ((expected,) if expected != 403 else (403, 404)), \
                f"{role} {name}: {response.status_code}"
            if expected == 200:
                assert "There is a problem" in response.get_data(as_text=True)
