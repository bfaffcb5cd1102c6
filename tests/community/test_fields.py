"""One description per field (community/fields.py): the workspace form, the importer, the CSV
export and the HSDS export all follow it, so a field described once works in all four.

The tests walk the description itself: a field added there is covered without editing them.
"""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from community import fields
from tests.community.workspace import as_user, post, wclient, world  # noqa: F401

INITIATIVE = fields.INITIATIVE


def sample(f: fields.Field):
    """A valid value for the field that differs from its default."""
    if f.kind == "codes":
        return list(f.vocabulary.codes[:2])
    if f.kind == "choice":
        return next(c for c in reversed(f.vocabulary.codes) if c != f.default)
    if f.kind == "bool":
        return True
    if f.kind == "date":
        return date(2026, 1, 5)
    if f.kind == "url":
        return f"https://example.org/{f.name}"
    if f.kind == "email":
        return f"{f.name}@example.org"
    if f.kind == "float":
        return 51.05
    return f"{f.name} sample"[:f.max_length]


def as_cell(value) -> str:
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def stored(obj, f: fields.Field):
    if f.kind == "codes" and f.scheme:
        return obj.codes(f.scheme)
    return getattr(obj, f.name)


def expected(f: fields.Field):
    value = sample(f)
    return sorted(value) if isinstance(value, list) else value


def test_every_entity_field_has_a_label_kind_and_vocabulary_where_it_needs_one():
    for entity in fields.ENTITIES.values():
        assert len(set(entity.names)) == len(entity.names), entity.name
        for f in entity.fields:
            assert f.kind in ("text", "longtext", "url", "email", "choice", "codes", "bool", "date", "float",
                              "rooms", "datetime", "ref", "count"), f
            assert str(f.label), f
            assert (f.vocabulary is not None) == (f.kind in ("choice", "codes")), f


def test_the_form_accepts_every_described_field(app, db, world, wclient):
    from community.models import Initiative
    as_user(wclient, world.users["coordinator"])
    data = {}
    for f in INITIATIVE.form_fields:
        value = sample(f)
        if f.kind == "bool":
            if value:
                data[f.name] = "y"
        else:
            data[f.name] = value if isinstance(value, list) else str(value)
    response = post(wclient, f"/work/initiatives/{world.i1.id}", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    initiative = db.session.get(Initiative, world.i1.id)
    for f in INITIATIVE.form_fields:
        assert stored(initiative, f) == expected(f), f.name


def _listing_file(tmp_path, extra: dict) -> str:
    header = ["name", "organisation", "place", "latitude", "longitude", *extra]
    row = ["name sample", "Organisatie Test", "Buurthuis Test", "51.0500", "3.7200", *extra.values()]
    path = tmp_path / "listings.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([header, row])
    return str(path)


def _import(path):
    from community.extensions import db
    from community.importers.listings import import_listings
    summary = import_listings(path)
    db.session.commit()
    return summary


def test_the_importer_accepts_every_described_field_under_its_own_name(app, db, tmp_path):
    from community.models import Initiative, MeetingPlace, Organisation
    initiative_cells = {f.name: as_cell(sample(f)) for f in INITIATIVE.fields if f.name != "name"}
    # Organisation and place fields: the importer's first column name for each (prefixed where needed).
    from community.importers.listings import COLUMNS
    other = {}
    for prefix, entity in (("organisation", fields.ORGANISATION), ("place", fields.MEETING_PLACE)):
        for f in entity.fields[1:]:
            if f.name in ("latitude", "longitude"):
                continue
            other[COLUMNS[f"{prefix}.{f.name}"][0]] = as_cell(sample(f))
    _import(_listing_file(tmp_path, {**initiative_cells, **other}))
    initiative = db.session.scalars(select(Initiative)).one()
    for f in INITIATIVE.fields:
        want = "name sample" if f.name == "name" else expected(f)
        assert stored(initiative, f) == want, f.name
    organisation = db.session.scalars(select(Organisation)).one()
    place = db.session.scalars(select(MeetingPlace)).one()
    for record, entity in ((organisation, fields.ORGANISATION), (place, fields.MEETING_PLACE)):
        for f in entity.fields[1:]:
            if f.name in ("latitude", "longitude"):
                continue
            value = [r.name for r in record.rooms] if f.kind == "rooms" else stored(record, f)
            want = [as_cell(sample(f))] if f.kind == "rooms" else expected(f)
            assert value == want, (entity.name, f.name)


def test_the_csv_export_has_every_field_and_imports_again_unchanged(app, db, tmp_path):
    from community.services.listing_export import HEADER, export_csv
    cells = {f.name: as_cell(sample(f)) for f in INITIATIVE.fields if f.name != "name"}
    _import(_listing_file(tmp_path, cells))
    exported = export_csv()
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))
    assert tuple(rows[0]) == HEADER
    assert {f.name for f in INITIATIVE.fields} <= set(rows[0])
    row = dict(zip(rows[0], rows[1]))
    for f in INITIATIVE.fields:
        if f.name == "name":
            continue
        value = expected(f)
        text = ("yes" if value else "no") if isinstance(value, bool) else as_cell(value)
        assert row[f.name] == text, f.name
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    summary = _import(str(again))
    assert summary.created == 0 and summary.updated == 0, summary.notes
    assert export_csv() == exported


def test_the_hsds_export_carries_every_field_described_for_it(app, db, tmp_path):
    from community.models import Initiative
    from community.services import hsds
    cells = {f.name: as_cell(sample(f)) for f in INITIATIVE.fields if f.name != "name"}
    cells["status"] = "active"  # only visible offers are published
    _import(_listing_file(tmp_path, cells))
    initiative = db.session.scalars(select(Initiative)).one()
    record = hsds.service_by_id(initiative.id)
    attributes = {(a["taxonomy_term"]["taxonomy"], a["value"]) for a in record["attributes"]}
    for f in INITIATIVE.fields:
        if f.hsds == "attribute":
            codes = expected(f) if f.kind == "codes" else [expected(f)]
            for code in codes:
                assert (f"buurtkracht:{f.vocabulary.name}", code) in attributes, f.name
        elif f.hsds in ("name", "description", "url"):
            assert record[f.hsds] == ("name sample" if f.name == "name" else expected(f)), f.name
    assert record["assured_date"] == expected(INITIATIVE["last_verified"]).isoformat()
    assert [lang["code"] for lang in record["languages"]] == expected(INITIATIVE["languages"])


@pytest.mark.parametrize("entity, name, value, message", [
    ("initiative", "name", "soep\x00", "control character"), ("initiative", "name", "x" * 301, "at most 300"),
    ("meeting_place", "rooms", "Zaal " + "x" * 300, "at most 200"),
    ("meeting_place", "rooms", "\n".join(f"Zaal {n}" for n in range(2000)), "at most 200 per meeting place"),
    ("meeting_place", "latitude", "1e309", "not a number"), ("meeting_place", "latitude", "512.3", "between"),
    ("initiative", "cost", "expensive", "is not one of"), ("initiative", "low_literacy", "misschien", "yes or no"),
    ("initiative", "working_models", ["knitting"], "not a known working model"),
])
def test_the_one_writer_refuses_what_no_database_should_store(app, db, entity, name, value, message):
    from community.services import writer
    from community.errors import Invalid
    with pytest.raises(Invalid) as caught:
        writer.clean(entity, {name: value})
    assert message in caught.value.errors[name]


def test_a_room_capacity_of_twenty_digits_is_part_of_the_name_not_a_number(app):
    assert fields.parse_rooms("Zaal (" + "9" * 20 + ")") == [("Zaal (" + "9" * 20 + ")", None)]
