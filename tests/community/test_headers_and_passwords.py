"""Issue 10.10: private pages are never cached, HSTS with HTTPS-only cookies, a Permissions-Policy,
and passwords and e-mail addresses checked as ASVS 5 (L2) asks, in the one place forms and the
command line share (services/accounts.py)."""
from __future__ import annotations

import pytest

from community.demo.activities import DEMO_PASSWORD
from community.errors import Invalid
from community.services import accounts
from tests.community.workspace import fresh_request_client, post
from tests.support import make_app


def _logged_in(app):
    client = fresh_request_client(app)
    assert post(client, "/login", {"email": "coordinator@demo.buurtkracht.example",
                                   "password": DEMO_PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("path", ["/work/", "/work/export", "/review/", "/review/export.csv", "/work/calendar"])
def test_private_pages_and_exports_are_not_stored(demo_app, path):
    response = _logged_in(demo_app).get(path)
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == "no-store"


def test_the_login_page_is_not_stored_but_public_pages_and_static_files_may_be(demo_app):
    client = demo_app.test_client()
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/initiatives").headers.get("Cache-Control", "")
    static = _logged_in(demo_app).get("/static/css/site.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_permissions_policy_allows_only_location(client):
    policy = client.get("/").headers["Permissions-Policy"]
    assert "geolocation=(self)" in policy and "camera=()" in policy and "microphone=()" in policy


def test_hsts_only_with_https_only_cookies(backend, tmp_path, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure, _url = make_app(backend, tmp_path / "secure", SESSION_COOKIE_SECURE=True)
    header = secure.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000"


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "1234567890", "Iloveyou12",
                                      "          ", "aaaaaaaaaaaa", "............"])
def test_weak_passwords_are_refused(app, password):
    with app.test_request_context("/?lang=en"):
        assert accounts.password_problem(password) is not None, password


def test_a_long_unusual_password_is_accepted(app):
    with app.test_request_context("/?lang=en"):
        assert accounts.password_problem("soep op woensdag in de Brugse Poort") is None


@pytest.mark.parametrize("email", ["jan", "jan@", "@gent.be", "jan@gent", "jan @gent.be", "jan@gent..be",
                                   "jan@@gent.be", "<script>@gent.be"])
def test_malformed_email_addresses_are_refused_for_new_accounts(app, db, email):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(Invalid) as refused:
            accounts.create_user(email, "admin", "soep op woensdag in de Brugse Poort")
    assert "email" in refused.value.errors
    db.session.rollback()
