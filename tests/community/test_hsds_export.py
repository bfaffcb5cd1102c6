"""The HSDS 3.0 export validates against Open Referral's own compiled schemas."""
from __future__ import annotations

import json

import pytest

from community.extensions import db
from jsonschema import Draft202012Validator


@pytest.fixture
def schemas(shared_data):
    folder = shared_data.parent / "hsds" / "schema" / "compiled"
    return {name: Draft202012Validator(json.loads((folder / f"{name}.json").read_text()))
            for name in ("service", "organization", "service_list")}


def _errors(validator, document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_every_demo_service_is_valid_hsds(demo_app, schemas):
    client = demo_app.test_client()
    page = client.get("/api/hsds/services?per_page=500").get_json()
    assert page["total_items"] >= 60 and page["size"] == page["total_items"] and page["last_page"]
    for item in page["contents"]:
        assert _errors(schemas["service"], item) == [], item["name"]
    one = page["contents"][0]
    detail = client.get(f"/api/hsds/services/{one['id']}").get_json()
    assert detail == one
    # Ids of nested objects are stable between exports.
    assert client.get(f"/api/hsds/services/{one['id']}").get_json() == detail
    org = client.get(f"/api/hsds/organizations/{one['organization_id']}").get_json()
    assert _errors(schemas["organization"], org) == []
    assert one["id"] in {s["id"] for s in org["services"]}


def test_schedules_and_attributes_carry_our_rules(demo_app):
    client = demo_app.test_client()
    items = client.get("/api/hsds/services?per_page=500").get_json()["contents"]
    schedules = [s for i in items for sal in i["service_at_locations"] for s in sal["schedules"]]
    assert {s["freq"] for s in schedules} == {"WEEKLY", "MONTHLY"}
    assert any(s.get("interval") == 2 for s in schedules)           # every two weeks
    assert any(s["byday"][0] in "1234-" for s in schedules if s["freq"] == "MONTHLY")  # nth weekday
    models = {a["value"] for i in items for a in i["attributes"] if a["taxonomy_term"]["taxonomy"] == "buurtkracht:working_model"}
    assert len(models) == 7


def test_bad_page_parameters(client):
    assert client.get("/api/hsds/services?page=0").status_code == 400
    assert client.get("/api/hsds/services?per_page=abc").status_code == 400
    assert client.get("/api/hsds/services/00000000-0000-0000-0000-000000000000").status_code == 404


@pytest.mark.parametrize("query, name", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"), ("page=", "page"),
    ("page=1_0", "page"), ("page=%D9%A3", "page"),  # Arabic-Indic three
    ("page=99999999999999999999", "page"), ("page=" + "9" * 5000, "page"),
    ("per_page=0", "per_page"), ("per_page=501", "per_page"), ("per_page=abc", "per_page"),
    ("page=2&per_page=-5", "per_page"),
])
def test_bad_page_parameters_get_a_clear_400_never_a_500(client, query, name):
    response = client.get("/api/hsds/services?" + query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["field"] == name and body["detail"].startswith(name + " must be a whole number from 1")


def test_the_last_page_a_database_can_offset_to_is_an_empty_page_not_a_500(client):
    page = client.get("/api/hsds/services?page=999999999&per_page=500").get_json()
    assert page["empty"] and page["page_number"] == 999999999 and page["contents"] == []


def test_pages_walk_every_service_once_in_the_hsds_envelope(demo_app):
    client = demo_app.test_client()
    total = client.get("/api/hsds/services?per_page=500").get_json()["total_items"]
    seen, number = [], 1
    while True:
        page = client.get(f"/api/hsds/services?page={number}&per_page=25").get_json()
        assert set(page) == {"total_items", "total_pages", "page_number", "size", "first_page", "last_page",
                             "empty", "contents"}
        assert (page["total_items"], page["total_pages"], page["page_number"]) == (total, -(-total // 25), number)
        assert page["first_page"] == (number == 1) and page["size"] == len(page["contents"]) > 0
        seen += [s["id"] for s in page["contents"]]
        if page["last_page"]:
            break
        number += 1
    assert len(seen) == len(set(seen)) == total and number == -(-total // 25)
    beyond = client.get(f"/api/hsds/services?page={number + 1}&per_page=25").get_json()
    assert beyond["empty"] and beyond["last_page"] and not beyond["first_page"]
    assert (beyond["size"], beyond["contents"], beyond["total_items"]) == (0, [], total)


def test_an_empty_directory_is_one_empty_page(client):
    page = client.get("/api/hsds/services").get_json()
    assert page == {"total_items": 0, "total_pages": 1, "page_number": 1, "size": 0, "first_page": True,
                    "last_page": True, "empty": True, "contents": []}
