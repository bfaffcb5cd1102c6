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
