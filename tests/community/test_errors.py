"""Errors are answered in one place (community/errors.py): problem+json under /api/, HTML pages elsewhere."""
from __future__ import annotations

import uuid

import pytest

from community import errors

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def raising(app):
    """Routes that raise the hierarchy's errors, on the site and under /api/."""
    def invalid_field():
        raise errors.Invalid("Enter a postcode of four digits.", field="postcode", row=7)

    def invalid_form():
        raise errors.Invalid({"email": "Enter an e-mail address.", "role": "Choose a role."})

    def conflict():
        raise errors.Conflict("This change was already reviewed.")

    def forbidden():
        raise errors.Forbidden()

    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    for prefix in ("/_test", "/api/_test"):
        name = prefix.strip("/").replace("/", "_")
        app.add_url_rule(f"{prefix}/invalid-field", f"{name}_invalid_field", invalid_field)
        app.add_url_rule(f"{prefix}/invalid-form", f"{name}_invalid_form", invalid_form)
        app.add_url_rule(f"{prefix}/conflict", f"{name}_conflict", conflict)
        app.add_url_rule(f"{prefix}/forbidden", f"{name}_forbidden", forbidden)
        app.add_url_rule(f"{prefix}/crash", f"{name}_crash", crash)
    return app.test_client()


# ------------------------------------------------------------------ /api/: problem+json

@pytest.mark.parametrize("path", ["/api/hsds/no-such-route", "/api/nothing", "/api/hsds/services/not-a-uuid"])
def test_an_unknown_api_route_is_a_json_404(client, path):
    body = _problem(client.get(path, headers={"Accept-Language": "en"}), 404)
    assert body["title"] == "Not Found"
    assert "nothing at this address" in body["detail"]


@pytest.mark.parametrize("path, what", [("/api/hsds/services/", "service"),
                                        ("/api/hsds/organizations/", "organisation")])
def test_an_unknown_id_is_a_json_404_naming_the_id(client, path, what):
    unknown = uuid.UUID(int=0)
    body = _problem(client.get(f"{path}{unknown}?lang=en"), 404)
    assert what in body["detail"] and str(unknown) in body["detail"]


def test_a_wrong_method_is_a_json_405_that_keeps_the_allow_header(client):
    response = client.post("/api/hsds/services", headers={"Accept-Language": "en"})
    body = _problem(response, 405)
    assert "GET" in response.headers["Allow"]
    assert "POST" in body["detail"]


@pytest.mark.parametrize("query, fields", [
    ("page=abc", ["page"]), ("per_page=-1", ["per_page"]), ("page=0&per_page=501", ["page", "per_page"]),
    ("page=%D9%A3", ["page"]), ("per_page=1e3", ["per_page"]),
])
def test_a_bad_query_parameter_is_a_json_400_naming_each_parameter(client, query, fields):
    body = _problem(client.get(f"/api/hsds/services?{query}&lang=en"), 400)
    assert [e["field"] for e in body["errors"]] == fields
    assert all(e["detail"] for e in body["errors"])
    if len(fields) == 1:
        assert body["field"] == fields[0]


def test_good_parameters_still_answer_a_json_page(client):
    response = client.get("/api/hsds/services?page=1&per_page=5")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["page_number"] == 1


def test_problem_details_are_translated(client):
    nl = _problem(client.get("/api/nothing", headers={"Accept-Language": "nl"}), 404)
    fr = _problem(client.get("/api/nothing?lang=fr"), 404)
    en = _problem(client.get("/api/nothing?lang=en"), 404)
    assert nl["detail"] == "Op dit adres staat niets."
    body = _problem(client.get("/api/hsds/services?page=x&lang=fr"), 400)
    assert body["errors"][0]["detail"] == "page doit être un nombre entier à partir de 1."
    assert len({nl["detail"], fr["detail"], en["detail"]}) == 3
    assert nl["title"] == fr["title"] == "Not Found"  # RFC 9457: the status phrase for about:blank


def test_a_nul_byte_under_api_is_a_json_400_with_the_guards_message(client):
    body = _problem(client.get("/api/hsds/services", query_string={"page": "1\x00"},
                               headers={"Accept-Language": "en"}), 400)
    assert "NUL" in body["detail"]


def test_a_raised_invalid_under_api_carries_field_and_row(raising):
    body = _problem(raising.get("/api/_test/invalid-field"), 422)
    assert body["detail"] == "Enter a postcode of four digits."
    assert body["field"] == "postcode" and body["row"] == 7
    assert body["errors"] == [{"field": "postcode", "detail": "Enter a postcode of four digits."}]


def test_several_fields_are_listed_in_errors(raising):
    body = _problem(raising.get("/api/_test/invalid-form"), 422)
    assert {e["field"] for e in body["errors"]} == {"email", "role"}
    assert "field" not in body


@pytest.mark.parametrize("path, status", [("/api/_test/conflict", 409), ("/api/_test/forbidden", 403)])
def test_each_class_answers_its_status(raising, path, status):
    _problem(raising.get(path), status)


def test_an_unexpected_error_under_api_is_a_json_500_without_internals(app, raising):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: tests re-raise by default
    response = raising.get("/api/_test/crash?lang=en")
    body = _problem(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"


# ------------------------------------------------------------------ the site: HTML pages

def test_an_unknown_site_page_is_the_html_404(client):
    response = client.get("/no-such-page?lang=en")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"Page not found" in response.data


def test_an_unknown_record_on_the_site_is_the_html_404(client):
    response = client.get(f"/initiatives/{uuid.UUID(int=0)}?lang=en")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert b"Page not found" in response.data


def test_a_raised_invalid_on_the_site_shows_its_field_and_row(raising):
    response = raising.get("/_test/invalid-field?lang=en")
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<code>postcode</code>" in page and "Enter a postcode of four digits." in page
    assert "Row 7" in page


def test_every_field_of_an_invalid_form_is_listed_on_the_site(raising):
    page = raising.get("/_test/invalid-form?lang=en").get_data(as_text=True)
    assert "<code>email</code>" in page and "<code>role</code>" in page


def test_forbidden_and_conflict_use_the_site_pages(raising):
    response = raising.get("/_test/forbidden?lang=en")
    assert response.status_code == 403 and b"You cannot do this" in response.data
    response = raising.get("/_test/conflict?lang=en")
    assert response.status_code == 409 and b"This change was already reviewed." in response.data


def test_user_text_in_a_message_is_escaped(app):
    def echo():
        raise errors.Invalid("<script>alert(1)</script>", field="<b>name</b>")
    app.add_url_rule("/_test/echo", "echo", echo)
    page = app.test_client().get("/_test/echo").get_data(as_text=True)
    assert "<script>" not in page and "<b>" not in page


# ------------------------------------------------------------------ the classes themselves

def test_invalid_keeps_the_form_shape_views_rely_on():
    several = errors.Invalid({"email": "Wrong.", "role": "Choose."})
    assert several.errors == {"email": "Wrong.", "role": "Choose."} and several.field is None
    assert str(several) == "email: Wrong.; role: Choose."
    one = errors.Invalid({"email": "Wrong."})
    assert one.field == "email" and one.code == 422
    assert errors.Invalid("Whole form.").errors == {}
    assert errors.BadRequest("x").code == 400 and errors.Invalid("x", status=400).code == 400


def test_the_scattered_errors_now_belong_to_the_hierarchy():
    from community.importers.common import ImportFailed
    from community.services.accounts import Throttled
    from community.services.activities import PersonalDetails, RoomClash
    from community.services.finder import BadQuery
    assert issubclass(BadQuery, errors.BadRequest) and issubclass(BadQuery, ValueError)
    assert issubclass(ImportFailed, errors.Invalid)
    assert issubclass(RoomClash, errors.Conflict) and issubclass(Throttled, errors.TooManyRequests)
    # Asks for a confirmation, so it must not be caught as a form error:
    assert not issubclass(PersonalDetails, errors.Invalid)
    assert str(ImportFailed(["row 2: no name", "row 3: no name"])) == "row 2: no name\nrow 3: no name"
