"""Issue 10.5 and 10.6: login throttling that holds with several workers and cannot lock a user
out, and sessions that end on the server.

Before: counts lived in each process (memory://), 40 simultaneous attempts got 8 password
checks (check, then count), 5 requests locked any account for 15 minutes, and a copied session
cookie lived until logout, also after the user logged in again elsewhere.
"""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from community.models import UserSession
from community.models.types import utcnow
from community.services import accounts, sessions
from tests import factories
from tests.community.workspace import PASSWORD, fresh_request_client, post
from tests.support import make_app


@pytest.fixture
def people(app, db):
    d1 = factories.area("D1", level="district", box=(3.70, 51.04, 3.72, 51.06))
    users = {"worker": factories.user("in@test.example", "worker", [d1])}
    db.session.commit()
    return SimpleNamespace(users=users)


def _login(client, email="in@test.example", password=PASSWORD, address=None):
    if address:
        client.environ_base["REMOTE_ADDR"] = address
    return post(client, "/login", {"email": email, "password": password})


def test_forty_simultaneous_attempts_get_exactly_the_limit_of_password_checks(app, db, people, monkeypatch):
    app.config["BUURTKRACHT_LOGIN_LIMIT_PAIR"] = "5 per 15 minutes"
    checks, lock = [], threading.Lock()
    real = accounts.check_password_hash

    def counting(hash_, password):
        with lock:
            checks.append(1)
        return real(hash_, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    barrier = threading.Barrier(40)
    outcomes: list[str] = []

    def attempt():
        with app.app_context():
            barrier.wait()
            try:
                result = accounts.authenticate("in@test.example", "wrong password!", "10.0.0.9")
                outcomes.append("checked" if result is None else "in")
            except accounts.Throttled:
                outcomes.append("throttled")
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 40
    assert outcomes.count("checked") == 5 and outcomes.count("throttled") == 35
    assert len(checks) == 5


def test_the_counts_are_shared_by_every_worker(app, db, people, backend, tmp_path):
    """Two app instances on one database stand for two worker processes."""
    app.config["BUURTKRACHT_LOGIN_LIMIT_PAIR"] = "4 per 15 minutes"
    other, _url = make_app(backend, tmp_path / "other", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                           BUURTKRACHT_LOGIN_LIMIT_PAIR="4 per 15 minutes")
    one, two = fresh_request_client(app), fresh_request_client(other)
    for client in (one, two, one, two):
        assert _login(client, password="wrong password!").status_code == 200
    assert _login(one).status_code == 429 and _login(two).status_code == 429


def test_strangers_cannot_lock_the_owner_out_of_a_known_device(app, db, people):
    app.config["BUURTKRACHT_LOGIN_LIMIT_ACCOUNT"] = "6 per hour"
    owner = fresh_request_client(app)
    assert _login(owner, address="192.0.2.10").status_code == 302  # the owner's device, remembered
    assert owner.get_cookie(sessions.DEVICE_COOKIE) is not None
    post(owner, "/logout", token_from="/work/")
    for n in range(8):  # an attack from many addresses
        _login(fresh_request_client(app), password="wrong password!", address=f"198.51.100.{n}")
    stranger = fresh_request_client(app)
    assert _login(stranger, address="203.0.113.5").status_code == 429  # a new device: the account is locked
    assert _login(owner, address="192.0.2.10").status_code == 302  # the owner's known device is not


def test_a_forged_device_cookie_is_worthless(app, db, people):
    app.config["BUURTKRACHT_LOGIN_LIMIT_ACCOUNT"] = "3 per hour"
    for n in range(4):
        _login(fresh_request_client(app), password="wrong password!", address=f"198.51.100.{n}")
    forger = fresh_request_client(app)
    forger.set_cookie(sessions.DEVICE_COOKIE, "eyJmb3JnZWQiOnRydWV9.forged.signature")
    assert _login(forger, address="203.0.113.7").status_code == 429


def test_failures_from_one_address_do_not_block_the_account_elsewhere(app, db, people):
    app.config["BUURTKRACHT_LOGIN_LIMIT_PAIR"] = "3 per 15 minutes"
    for _n in range(4):
        _login(fresh_request_client(app), password="wrong password!", address="198.51.100.1")
    assert _login(fresh_request_client(app), address="198.51.100.1").status_code == 429
    assert _login(fresh_request_client(app), address="192.0.2.44").status_code == 302


def test_every_login_is_a_new_session_and_renews_the_csrf_token(app, db, people):
    first, second = fresh_request_client(app), fresh_request_client(app)
    before = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                       first.get("/login").get_data(as_text=True)).group(1)
    assert _login(first).status_code == 302 and _login(second).status_code == 302
    with first.session_transaction() as a, second.session_transaction() as b:
        assert a["_user_id"] != b["_user_id"]
        assert a.get("csrf_token") is None or a.get("csrf_token") != before
    assert sessions.count_for(people.users["worker"]) == 2
    page = first.get("/account/sessions").get_data(as_text=True)
    assert page.count("<tr>") == 3 and "this device" in page  # header + two sessions


def test_log_out_everywhere_ends_a_copied_cookie(app, db, people):
    mine, thief = fresh_request_client(app), fresh_request_client(app)
    assert _login(mine).status_code == 302
    thief.set_cookie("session", mine.get_cookie("session").value)
    assert thief.get("/work/").status_code == 200
    response = post(mine, "/account/sessions", token_from="/account/sessions")
    assert response.status_code == 302
    assert thief.get("/work/").status_code == 302 and mine.get("/work/").status_code == 302
    assert sessions.count_for(people.users["worker"]) == 0


@pytest.mark.parametrize("column, age", [("last_seen_at", timedelta(minutes=121)),
                                         ("created_at", timedelta(hours=13))])
def test_sessions_expire_on_the_server_when_idle_or_too_old(app, db, people, column, age):
    client = fresh_request_client(app)
    assert _login(client).status_code == 302
    assert client.get("/work/").status_code == 200
    db.session.execute(update(UserSession).values({column: utcnow() - age}))
    db.session.commit()
    response = client.get("/work/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_use_keeps_a_session_alive_without_making_reads_write_in_the_request(app, db, people):
    client = fresh_request_client(app)
    assert _login(client).status_code == 302
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=90)))
    db.session.commit()
    assert client.get("/work/").status_code == 200
    db.session.expire_all()
    seen = db.session.scalar(select(UserSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)


def test_a_disabled_account_is_logged_out_everywhere(app, db, people):
    client = fresh_request_client(app)
    assert _login(client).status_code == 302
    people.users["worker"].is_enabled = False
    db.session.commit()
    assert client.get("/work/").status_code == 302


def test_a_write_after_a_pause_records_use_with_the_request(app, db, people):
    """On SQLite a POST holds the write lock from its first query; recording the session's use on
    a second connection waited 30 s for that lock and answered 500."""
    client = fresh_request_client(app)
    assert _login(client).status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/work/").get_data(as_text=True)).group(1)
    db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=90)))
    db.session.commit()
    response = client.post("/logout", data={"csrf_token": token})  # the first request after the pause
    assert response.status_code == 302
    assert sessions.count_for(people.users["worker"]) == 0
