"""Input every request is checked for before any view runs: characters no field may hold.

A NUL byte in a query string, a form field or the path reached PostgreSQL, which refuses it
with a server error, while SQLite stored it; refusing it here answers 400 on both, for every
page at once (forms and the one writer also refuse other control characters per field).
"""
from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _


def _has_nul(values) -> bool:
    return any("\x00" in value for _key, value in values)


def register_guards(app: Flask) -> None:
    def refuse_nul_bytes():
        if ("\x00" in request.path or _has_nul(request.args.items(multi=True))
                or (request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                    "application/x-www-form-urlencoded", "multipart/form-data")
                    and _has_nul(request.form.items(multi=True)))):
            abort(400, description=_("The request holds a NUL character, which no field may contain."))

    # First of all before-request functions: CSRF checks and login read the form too.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nul_bytes)
