"""Every error a person may see, in one place: the classes services raise, and the one handler.

A `Problem` carries a message for people (translated where it is raised), an HTTP status and,
where known, the form field and the file row it concerns. Services raise the subclasses below;
views catch the ones they turn into form messages (`Invalid`) and let the rest through.
`register_error_handlers` answers every error once: the site's HTML error pages, and for every
path under /api/ and /map/ an `application/problem+json` body (RFC 9457) with the members type, title,
status and detail, plus the extension members field, row and errors where they are known.
The werkzeug/Flask errors (unknown route 404, 405, 400, unexpected 500) go the same way.

The classes are werkzeug HTTPExceptions, so Flask routes them to the handler by status and a
raise anywhere in a request gives the right answer even where nothing catches it.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

PROBLEM_JSON = "application/problem+json"
# Site pages per status; a status without its own page keeps werkzeug's plain page.
PAGES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html",
         409: "errors/400.html", 422: "errors/400.html"}


class Problem(HTTPException):
    """Base of the hierarchy: `message` for people, `code` the HTTP status, `field` and `row`."""

    code = 500

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 row: int | None = None, status: int | None = None):
        super().__init__(description=message)
        self.field = field
        self.row = row
        if status is not None:
            self.code = status

    @property
    def message(self) -> str:
        return str(self.description) if self.description else default_detail(self.code)

    @property
    def field_errors(self) -> dict[str, str]:
        """Messages per field name (empty when the problem names no field)."""
        return {self.field: self.message} if self.field else {}

    def __str__(self) -> str:
        return self.message


class Invalid(Problem):
    """What a person entered cannot be used (422). Views put the messages on the form fields.

    Either one message for the form as a whole or one field (`Invalid(msg, field="email")`),
    or several fields at once (`Invalid({"email": msg, "role": msg2})`).
    """

    code = 422

    def __init__(self, errors: Mapping[str, str] | str | None = None, *, field: str | None = None,
                 row: int | None = None, status: int | None = None):
        if isinstance(errors, Mapping):
            self.errors = {name: str(text) for name, text in errors.items()}
            if field is None and len(self.errors) == 1:
                field = next(iter(self.errors))
            message = "; ".join(self.errors.values())
        else:
            message = errors
            self.errors = {field: str(message)} if field and message is not None else {}
        super().__init__(message, field=field, row=row, status=status)

    @property
    def field_errors(self) -> dict[str, str]:
        return dict(self.errors)

    def __str__(self) -> str:
        if self.errors:
            return "; ".join(f"{name}: {text}" for name, text in self.errors.items())
        return self.message


class BadRequest(Invalid):
    """A request that is not well formed (400): a query parameter out of range, an expired form."""

    code = 400


class Forbidden(Problem):
    """The user may not do this (403)."""

    code = 403


class NotFound(Problem):
    """No such record, or one whose existence the user may not learn (404)."""

    code = 404


class Conflict(Problem):
    """The request clashes with what is already there (409): a booked room, a reviewed change."""

    code = 409


class TooManyRequests(Problem):
    """Too many attempts in a short time (429)."""

    code = 429


# ------------------------------------------------------------------ answering

# Paths answered in JSON, errors included: the open data API and the map's data.
JSON_PATHS = ("/api/", "/map/")


def is_api_request() -> bool:
    return request.path == "/api" or request.path.startswith(JSON_PATHS)


def default_detail(code: int | None) -> str:
    """Our own sentence for the usual statuses (werkzeug's are English and speak of servers)."""
    details = {
        400: lambda: _("The request could not be understood. Check its parameters."),
        403: lambda: _("You have no rights for this."),
        404: lambda: _("There is nothing at this address."),
        405: lambda: _("This address does not accept the %(method)s method.", method=request.method),
        409: lambda: _("This clashes with what is already recorded."),
        422: lambda: _("Some of what was entered cannot be used."),
        429: lambda: _("Too many requests. Wait a little and try again."),
        500: lambda: _("Something went wrong on our side. Please try again later."),
    }
    found = details.get(code or 500)
    return found() if found else HTTP_STATUS_CODES.get(code or 500, "")


def detail_of(error: HTTPException) -> str:
    """The sentence to show: the raiser's own message, else ours for the status.

    An unexpected error (500) never shows its description: it may hold internals.
    """
    if isinstance(error, Problem):
        return error.message
    if error.code == 500 or not error.description or error.description == type(error).description:
        return default_detail(error.code)
    return str(error.description)


def problem_body(error: HTTPException) -> dict:
    """The RFC 9457 members for an error, with field, row and errors where the error knows them."""
    code = error.code or 500
    body: dict = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(code, "Unknown Error"),
                  "status": code, "detail": detail_of(error)}
    if isinstance(error, Problem):
        if error.field:
            body["field"] = error.field
        if error.row is not None:
            body["row"] = error.row
        fields = error.field_errors
        if fields:
            body["errors"] = [{"field": name, "detail": text} for name, text in fields.items()]
    return body


def problem_response(error: HTTPException):
    response = current_app.response_class(current_app.json.dumps(problem_body(error)),
                                          status=error.code or 500, mimetype=PROBLEM_JSON)
    for name, value in error.get_headers():  # keeps Allow on 405, Retry-After and the like
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_http_error(error: HTTPException):
    """The one handler: every HTTP error of the app, whoever raised it."""
    if error.response is not None:  # abort(Response(...)): a page made on purpose, or a redirect
        return error
    if is_api_request():
        return problem_response(error)
    template = PAGES.get(error.code or 500)
    if template is None:
        return error
    return render_template(template, error=error, detail=detail_of(error),
                           problem=error if isinstance(error, Problem) else None), error.code


def register_error_handlers(app: Flask) -> None:
    # Registered for HTTPException: Flask also brings unexpected exceptions here, as a 500
    # (when PROPAGATE_EXCEPTIONS is off, i.e. outside tests and debugging).
    app.register_error_handler(HTTPException, handle_http_error)
