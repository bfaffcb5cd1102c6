"""Role x action matrix, reads: every workspace page, opened by every kind of user
(roles and refusals: tests/community/matrix.py; writes: test_work_matrix_writes.py).

Each (role, route) is its own test, e.g. `test_read[worker_out-GET /work/activities/<a1>]`.
Allowed -> 200. Refused -> exactly the route's status (403, or 404 where the record's existence
is private) and none of the record's data; anonymous -> the login page.
"""
from __future__ import annotations

import pytest

from tests.community.matrix import (ACCOUNT, ACTIVITY, IN, LISTING, MANAGERS, OUT, PAGE, PROPOSAL, ROLES, STAFF,
                                    WORKERS, route_id)
from tests.community.workspace import two_districts
from tests.support import make_app, session_token

# (path, roles that may read it, how it refuses the others)
READS = [
    ("/work/", STAFF, PAGE),
    ("/work/me", WORKERS, PAGE),
    ("/work/calendar", WORKERS, PAGE),
    ("/work/activities/new", WORKERS, PAGE),
    ("/work/activities/{a1}", IN, ACTIVITY),
    ("/work/activities/{a1}/edit", IN, ACTIVITY),
    ("/work/activities/{a1}/done", IN, ACTIVITY),
    ("/work/activities/{a2}", OUT, ACTIVITY),
    ("/work/listings", STAFF, PAGE),
    ("/work/initiatives/{i1}", IN | {"editor_this"}, LISTING),
    ("/work/organisations/{o1}", IN | {"editor_this"}, LISTING),
    ("/work/places/{p1}", IN, LISTING),
    ("/work/initiatives/new", WORKERS | {"editor_this", "editor_other"}, PAGE),
    ("/work/places/new", WORKERS, PAGE),
    ("/work/organisations/new", WORKERS, PAGE),
    ("/work/initiatives/{i1}/schedules/new", IN, LISTING),
    ("/work/stale", WORKERS, PAGE),
    ("/work/reports", WORKERS, PAGE),
    ("/work/review", WORKERS, PAGE),
    ("/work/review/{cr1}", IN, PROPOSAL),
    ("/work/proposals", STAFF, PAGE),
    ("/work/audit", WORKERS, PAGE),
    ("/work/export", WORKERS, PAGE),
    ("/work/feeds", WORKERS, PAGE),
    ("/work/users", MANAGERS, PAGE),
    ("/work/users/{worker_in}", MANAGERS, ACCOUNT),
    ("/work/users/{admin}", {"admin"}, ACCOUNT),  # a coordinator does not manage admins
    ("/work/addresses?q=Weststraat+1", STAFF, PAGE),
    ("/account/password", STAFF, PAGE),
]

SECRET = {"{a1}": "Soep en babbel", "{a2}": "Oost overleg", "{i1}": "Soepcafé West"}  # never on a refusal


@pytest.fixture(scope="module")
def shared_world(backend, tmp_path_factory):
    """One world for every read test of this module (reads change nothing): the app, the ids of
    the records by name, and each role's session token. No application context stays open."""
    from community.extensions import db
    app, url = make_app(backend, tmp_path_factory.mktemp("matrix"))
    with app.app_context():
        w = two_districts()
        ids = {"a1": w.a1.id, "a2": w.a2.id, "i1": w.i1.id, "o1": w.o1.id, "p1": w.p1.id, "cr1": w.cr1.id,
               "worker_in": w.users["worker_in"].id, "admin": w.users["admin"].id}
        tokens = {role: session_token(user) for role, user in w.users.items()}
        db.session.remove()
    yield app, ids, tokens
    with app.app_context():
        backend.reset(url, db.engine)


def _client(shared_world, role):
    app, _ids, tokens = shared_world
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if role != "anonymous":
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = tokens[role], True
    return client


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role,path,allowed,refusal", [
    pytest.param(role, path, allowed, refusal, id=f"{role}-{route_id('GET', path)}")
    for path, allowed, refusal in READS for role in ROLES])
def test_read(shared_world, role, path, allowed, refusal):
    response = _client(shared_world, role).get(path.format(**shared_world[1]))
    if role == "anonymous":
        assert _is_login_redirect(response), f"{response.status_code} {response.headers.get('Location')}"
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == refusal.status, f"refused: {refusal.reason}"
    if role not in allowed:
        html = response.get_data(as_text=True)
        for placeholder, secret in SECRET.items():
            assert placeholder not in path or secret not in html


@pytest.mark.parametrize("role", [pytest.param(r, id=f"{r}-GET /work/export?district=D1") for r in ROLES])
def test_export_of_a_district_only_for_its_workers(shared_world, role):
    response = _client(shared_world, role).get("/work/export?first_day=2000-01-01&last_day=2100-01-01&district=D1&format=csv-plain")
    is_csv = response.mimetype == "text/csv"
    assert is_csv == (role in IN), f"{role}: {response.status_code} {response.mimetype}"
    if not is_csv:
        assert "Soep en babbel" not in response.get_data(as_text=True)


def test_the_private_records_of_the_table_are_those_of_the_rules():
    from community.services.permissions import PRIVATE_RECORDS
    from tests.community import test_work_matrix_writes
    refusals = {r for *_x, r in READS} | {w[-1] for w in test_work_matrix_writes.WRITES}
    assert {r.record for r in refusals if r.status == 404} == set(PRIVATE_RECORDS)
    assert all(r.record is None for r in refusals if r.status == 403)
    assert ACTIVITY in refusals and ACCOUNT in refusals
