"""What every request is checked for and marked with before any view runs.

Characters no field may hold:

A NUL byte in a query string, a form field or the path reached PostgreSQL, which refuses it
with a server error, while SQLite stored it; refusing it here answers 400 on both, for every
page at once (forms and the one writer also refuse other control characters per field).

Headers every answer gets: no caching of anything private (the workspace, the review pages,
their exports, any page for a logged-in user), HSTS when cookies are HTTPS-only, and a
Permissions-Policy that allows only what our pages use (location, for "near me").

Form secrets out of addresses: a workspace form's no-JavaScript search submits the whole form
by GET, its CSRF token and one-time key included. Such a GET is answered with a redirect to the
same address without them, so they never stay in the address bar, the history or a Referer.

Requests that only read (GET, HEAD, OPTIONS) are marked as such, so that on SQLite their
transactions begin DEFERRED and never wait for a writer such as a long import.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, redirect, request
from flask_login import current_user
from flask_babel import gettext as _

from .errors import BadRequest
from .extensions import begin_read_only, end_read_only

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECRET_FORM_FIELDS = ("csrf_token", "submission_key")
PRIVATE_BLUEPRINTS = frozenset({"work", "review", "auth"})
PERMISSIONS_POLICY = ("geolocation=(self), camera=(), microphone=(), payment=(), usb=(), "
                      "accelerometer=(), gyroscope=(), magnetometer=(), interest-cohort=()")


def _has_nul(values) -> bool:
    return any("\x00" in value for _key, value in values)


def register_guards(app: Flask) -> None:
    def refuse_nul_bytes():
        if ("\x00" in request.path or _has_nul(request.args.items(multi=True))
                or (request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                    "application/x-www-form-urlencoded", "multipart/form-data")
                    and _has_nul(request.form.items(multi=True)))):
            raise BadRequest(_("The request holds a NUL character, which no field may contain."))

    # First of all before-request functions: CSRF checks and login read the form too.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)

    def secrets_out_of_the_address():
        if request.method == "GET" and any(name in request.args for name in SECRET_FORM_FIELDS):
            kept = [(k, v) for k, v in request.args.items(multi=True) if k not in SECRET_FORM_FIELDS]
            query = urlencode(kept)
            return redirect(request.path + ("?" + query if query else ""), code=303)
        return None

    app.before_request_funcs[None].insert(1, secrets_out_of_the_address)

    def mark_read_only():
        if request.method in READ_ONLY_METHODS:
            g._read_only_token = begin_read_only()

    def unmark_read_only(_exc=None):
        token = g.pop("_read_only_token", None)
        if token is not None:
            end_read_only(token)

    app.before_request_funcs[None].insert(0, mark_read_only)
    app.teardown_request(unmark_read_only)

    def private_and_policy_headers(response):
        if request.endpoint != "static" and (request.blueprint in PRIVATE_BLUEPRINTS
                                              or current_user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE") and app.config.get("BUURTKRACHT_HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={int(app.config['BUURTKRACHT_HSTS_SECONDS'])}")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    app.after_request(private_and_policy_headers)
