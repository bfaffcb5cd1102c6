"""Accounts: login and throttling, safe redirects, sessions that die on logout and password
change, one-time reset links, CSRF on the login form, cookie flags, and create-user."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.community.importing import output, run_cli
from tests import factories
from tests.community.workspace import PASSWORD, csrf_token, fresh_request_client, log_in, post, wclient  # noqa: F401


@pytest.fixture
def people(app, db):
    """Districts D1 and D2 of M1, organisation O1, and the accounts these tests log in with."""
    m = factories.area("M1", level="municipality", box=(3.70, 51.04, 3.74, 51.06))
    d1 = factories.area("D1", parent=m, box=(3.70, 51.04, 3.72, 51.06))
    d2 = factories.area("D2", parent=m, box=(3.72, 51.04, 3.74, 51.06))
    o1 = factories.organisation(name="Vzw West")
    users = {"worker_in": factories.user("in@test.example", "worker", [d1]),
             "worker_out": factories.user("out@test.example", "worker", [d2]),
             "coordinator": factories.user("coord@test.example", "coordinator", [m]),
             "admin": factories.user("admin@test.example", "admin")}
    db.session.commit()
    return SimpleNamespace(o1=o1, users=users)


def _login(client, email, password=PASSWORD, **extra):
    return post(client, "/login", {"email": email, "password": password, **extra})


def test_login_then_workspace_then_logout(app, db, people, wclient):
    response = _login(wclient, "in@test.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/work/")
    assert wclient.get("/work/").status_code == 200
    assert people.users["worker_in"].last_login_at is not None
    response = post(wclient, "/logout", token_from="/work/")
    assert response.status_code == 302
    assert wclient.get("/work/").status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_message(app, db, people, wclient):
    for email, password in (("in@test.example", "wrong password!"), ("nobody@test.example", PASSWORD)):
        response = _login(wclient, email, password)
        assert response.status_code == 200
        assert "The e-mail address or password is not correct." in response.get_data(as_text=True)
    assert wclient.get("/work/").status_code == 302


def test_email_is_case_insensitive(app, db, people, wclient):
    assert _login(wclient, "IN@Test.Example").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/work/calendar?week=2026-01-05", "/work/calendar?week=2026-01-05"),
    ("https://evil.example/", "/work/"),
    ("//evil.example/path", "/work/"),
    ("/\\evil.example", "/work/"),
    ("javascript:alert(1)", "/work/"),
    ("", "/work/"),
])
def test_next_only_goes_to_our_own_paths(app, db, people, wclient, target, expected):
    response = _login(wclient, "in@test.example", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_anonymous_is_sent_to_login_and_back_to_the_page(app, db, people, wclient):
    response = wclient.get("/work/calendar?week=2030-01-07")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    html = wclient.get(login_url).get_data(as_text=True)
    target = re.search(r'name="next" type="hidden" value="([^"]*)"', html).group(1).replace("&amp;", "&")
    response = _login(wclient, "in@test.example", next=target)
    assert response.headers["Location"] == "/work/calendar?week=2030-01-07"


def test_throttle_per_account_refuses_even_the_right_password(app, db, people, wclient):
    app.config["BUURTKRACHT_LOGIN_LIMIT_ACCOUNT"] = "3 per 15 minutes"
    for _attempt in range(3):
        assert _login(wclient, "in@test.example", "wrong password!").status_code == 200
    response = _login(wclient, "in@test.example")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert wclient.get("/work/").status_code == 302
    # Another account from the same address is not locked out by this account's failures.
    other = fresh_request_client(app)
    assert _login(other, "out@test.example").status_code == 302


def test_throttle_per_address_across_accounts(app, db, people, wclient):
    app.config["BUURTKRACHT_LOGIN_LIMIT_ADDRESS"] = "4 per 15 minutes"
    for n in range(4):
        _login(wclient, f"guess{n}@test.example", "wrong password!")
    assert _login(wclient, "out@test.example").status_code == 429
    # From another address the same account still logs in.
    other = fresh_request_client(app)
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert _login(other, "out@test.example").status_code == 302


def test_successful_logins_do_not_use_up_the_throttle(app, db, people):
    app.config["BUURTKRACHT_LOGIN_LIMIT_ACCOUNT"] = "2 per 15 minutes"
    for _n in range(4):
        client = fresh_request_client(app)
        assert _login(client, "in@test.example").status_code == 302


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_copied_session_cookie_stops_working_after_logout(app, db, people, wclient):
    log_in(wclient, people.users["worker_in"])
    stolen = fresh_request_client(app)
    stolen.set_cookie("session", _session_cookie(wclient))
    assert stolen.get("/work/").status_code == 200
    from community.services import sessions
    assert sessions.count_for(people.users["worker_in"]) == 1
    post(wclient, "/logout", token_from="/work/")
    db.session.expire_all()
    assert sessions.count_for(people.users["worker_in"]) == 0
    response = stolen.get("/work/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions_and_keeps_this_one(app, db, people, wclient):
    log_in(wclient, people.users["worker_in"])
    other_device = fresh_request_client(app)
    other_device.set_cookie("session", _session_cookie(wclient))
    response = post(wclient, "/account/password", {"current_password": PASSWORD, "new_password": "een nieuw lang wachtwoord",
                                                   "confirm": "een nieuw lang wachtwoord"}, token_from="/account/password")
    assert response.status_code == 302
    assert wclient.get("/work/").status_code == 200
    assert other_device.get("/work/").status_code == 302
    assert _login(fresh_request_client(app), "in@test.example").status_code == 200  # old password refused
    assert _login(fresh_request_client(app), "in@test.example", "een nieuw lang wachtwoord").status_code == 302


def test_password_change_errors_name_the_fields(app, db, people, wclient):
    log_in(wclient, people.users["worker_in"])
    response = post(wclient, "/account/password", {"current_password": "wrong", "new_password": "short",
                                                   "confirm": "short"}, token_from="/account/password")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#current_password"' in html and "The current password is not correct." in html
    assert 'href="#new_password"' in html and "at least 10 characters" in html


def test_reset_link_made_by_a_coordinator_works_once(app, db, people, wclient):
    from community.models import User
    log_in(wclient, people.users["coordinator"])
    target = people.users["worker_in"]
    response = post(wclient, f"/work/users/{target.id}/reset-link", token_from="/work/users")
    assert response.status_code == 200
    url = re.search(r'value="(http://[^"]+/reset/[^"]+)"', response.get_data(as_text=True)).group(1)
    token = url.rsplit("/", 1)[1]
    db.session.expire_all()
    stored = db.session.get(User, target.id)
    assert stored.reset_token_hash and token not in stored.reset_token_hash  # only a hash is kept
    visitor = fresh_request_client(app)
    path = "/reset/" + token
    assert visitor.get(path).status_code == 200
    response = post(visitor, path, {"password": "mijn nieuwe wachtwoord", "confirm": "mijn nieuwe wachtwoord"}, token_from=path)
    assert response.status_code == 302
    assert visitor.get(path).status_code == 404  # used up
    assert _login(fresh_request_client(app), target.email, "mijn nieuwe wachtwoord").status_code == 302


def test_expired_reset_link_is_refused(app, db, people):
    from community.models.types import utcnow
    from community.services import accounts
    token = accounts.create_reset_link(people.users["admin"], people.users["worker_in"])
    people.users["worker_in"].reset_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert fresh_request_client(app).get("/reset/" + token).status_code == 404


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; yields (port, received envelopes)."""
    import socket
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.envelopes = []

        async def handle_DATA(self, server, session, envelope):
            self.envelopes.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler.envelopes
    finally:
        controller.stop()


def test_reset_link_is_mailed_through_a_real_smtp_server(app, db, people, wclient, smtp_server):
    import email
    from email import policy
    from community.services import accounts
    port, received = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="buurtwerk@test.example")
    log_in(wclient, people.users["coordinator"])
    response = post(wclient, f"/work/users/{people.users['worker_in'].id}/reset-link", token_from="/work/users")
    assert response.status_code == 200
    assert "/reset/" not in response.get_data(as_text=True)  # not shown: it went by mail
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["in@test.example"] and envelope.mail_from == "buurtwerk@test.example"
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Choose a new password for Buurtkracht"
    assert message["To"] == "in@test.example"
    links = re.findall(r"http://localhost/reset/([\w-]+)", message.get_content())
    assert len(links) == 1
    assert accounts.user_for_reset(links[0]) == people.users["worker_in"]
    assert fresh_request_client(app).get("/reset/" + links[0]).status_code == 200


def test_reset_link_is_shown_when_the_smtp_server_refuses_or_mail_is_not_configured(app, db, people, wclient):
    import socket
    log_in(wclient, people.users["coordinator"])
    url = f"/work/users/{people.users['worker_in'].id}/reset-link"
    response = post(wclient, url, token_from="/work/users")  # no MAIL_SERVER: shown, as before
    assert "/reset/" in response.get_data(as_text=True)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed)
    response = post(wclient, url, token_from="/work/users")
    assert response.status_code == 200 and "/reset/" in response.get_data(as_text=True)


def test_login_without_or_with_a_wrong_csrf_token_is_refused(app, db, people, wclient):
    response = wclient.post("/login", data={"email": "in@test.example", "password": PASSWORD})
    assert response.status_code == 400
    csrf_token(wclient)
    response = wclient.post("/login", data={"email": "in@test.example", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert wclient.get("/work/").status_code == 302
    assert people.users["worker_in"].last_login_at is None


def test_session_cookie_is_httponly_and_samesite(app, db, people, wclient):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = _login(wclient, "in@test.example")
    header = "; ".join(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" in header


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(app, db, people, wclient):
    log_in(wclient, people.users["worker_in"])
    admin = fresh_request_client(app)
    log_in(admin, people.users["admin"])
    post(admin, f"/work/users/{people.users['worker_in'].id}", {"email": "in@test.example", "role": "worker",
                                                                "areas": ["D1"]}, token_from="/work/users")
    assert wclient.get("/work/").status_code == 302
    assert _login(fresh_request_client(app), "in@test.example").status_code == 200


# ------------------------------------------------------------------ command line

def test_create_user_with_password_from_the_environment(app, db, people, monkeypatch):
    from community.models import User
    monkeypatch.setenv("BUURTKRACHT_USER_PASSWORD", "een lang genoeg wachtwoord")
    result = run_cli(app, "create-user", "Nieuw@Test.example", "--role", "worker", "--area", "D1", "--area", "D2")
    assert result.exit_code == 0, output(result)
    user = db.session.scalar(select(User).where(User.email == "nieuw@test.example"))
    assert user.role == "worker" and {ua.area.code for ua in user.areas} == {"D1", "D2"}
    assert user.password_hash.startswith("scrypt:")


def test_create_user_asks_for_the_password(app, db, people, monkeypatch):
    monkeypatch.delenv("BUURTKRACHT_USER_PASSWORD", raising=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "red@test.example", "--role", "editor", "--organisation", str(people.o1.id)],
                           input="een lang genoeg wachtwoord\neen lang genoeg wachtwoord\n")
    assert result.exit_code == 0, result.output
    assert "Created editor red@test.example" in result.output


@pytest.mark.parametrize("args,message", [
    (["x@test.example", "--role", "worker"], "areas: A worker or coordinator needs at least one area"),
    (["x@test.example", "--role", "worker", "--area", "NOPE"], "Unknown area code: NOPE"),
    (["x@test.example", "--role", "editor"], "organisation: An organisation editor needs an organisation"),
    (["x@test.example", "--role", "editor", "--organisation", "no-such-org"], "no organisation with id"),
    (["in@test.example", "--role", "admin"], "There is already an account with this e-mail address"),
])
def test_create_user_refuses_bad_input_and_writes_nothing(app, db, people, monkeypatch, args, message):
    from sqlalchemy import func
    from community.models import User
    monkeypatch.setenv("BUURTKRACHT_USER_PASSWORD", "een lang genoeg wachtwoord")
    before = db.session.scalar(select(func.count()).select_from(User))
    result = run_cli(app, "create-user", *args)
    assert result.exit_code == 1
    assert message in output(result)
    assert db.session.scalar(select(func.count()).select_from(User)) == before
