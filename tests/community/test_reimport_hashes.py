"""Re-import by content hash (issue 11): an unchanged file writes nothing and loads no records;
a changed row writes only its records; the hash follows every described field.
"""
from __future__ import annotations

import csv
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from community import fields
from community.extensions import db as _db
from community.importers.listings import COLUMNS
from community.models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, Room, Schedule

HEADER = ["id", "name", "organisation", "organisation_id", "place", "place_id", "street", "number", "postcode",
          "latitude", "longitude", "working_models", "weekdays", "start", "end", "description"]


def _rows(count: int = 3) -> list[list[str]]:
    return [[f"r-{i}", f"Activiteit {i}", f"Organisatie {i % 2}", f"o-{i % 2}", f"Plek {i % 2}", f"p-{i % 2}",
             "Kouter", str(i % 2 + 1), "9000", f"{51.05 + (i % 2) * 0.001:.4f}", "3.7200", "peer|buddy",
             str(i % 7), "14:00", "16:00", f"Beschrijving {i}"] for i in range(count)]


def _write(path, header, rows, delimiter=";"):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows([header, *rows])
    return path


def _import(path):
    from community.importers.listings import import_listings
    summary = import_listings(path)
    _db.session.commit()
    _db.session.remove()
    return summary


@contextmanager
def _watched(engine):
    """SQL statements run, and the listing records loaded as objects, inside the block."""
    statements, loaded = [], []

    def statement(conn, cursor, sql, *args):
        statements.append(sql.split(None, 1)[0].upper())

    def load(target, context):
        loaded.append(type(target).__name__)

    event.listen(engine, "before_cursor_execute", statement)
    for model in (Initiative, MeetingPlace, Organisation, Schedule):
        event.listen(model, "load", load)
    try:
        yield statements, loaded
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        for model in (Initiative, MeetingPlace, Organisation, Schedule):
            event.remove(model, "load", load)


def _hashes(model) -> dict:
    return dict(_db.session.execute(select(model.external_id, model.content_hash)).all())


def test_an_unchanged_reimport_writes_nothing_and_loads_no_records(app, db, tmp_path):
    path = _write(tmp_path / "l.csv", HEADER, _rows(40))
    first = _import(path)
    assert first.created == 40 + 2 + 2
    assert None not in _hashes(Initiative).values() and None not in _hashes(MeetingPlace).values()
    with _watched(db.engine) as (statements, loaded):
        again = _import(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 44)
    assert loaded == []
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements), statements
    assert statements.count("SELECT") == 3  # organisations, places, initiatives: ids, names, hashes


def test_a_changed_field_in_one_row_updates_only_that_initiative(app, db, tmp_path):
    rows = _rows(40)
    path = _write(tmp_path / "l.csv", HEADER, rows)
    _import(path)
    before = {i.external_id: (i.updated_at, i.content_hash) for i in db.session.scalars(select(Initiative))}
    rows[7][HEADER.index("description")] = "Nu ook op zondag"
    _write(path, HEADER, rows)
    with _watched(db.engine) as (statements, loaded):
        summary = _import(path)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 43)
    assert loaded.count("Initiative") == 1 and "Organisation" in loaded  # its organisation, for the link
    after = {i.external_id: (i.updated_at, i.content_hash) for i in db.session.scalars(select(Initiative))}
    assert {ext for ext in before if before[ext] != after[ext]} == {"r-7"}
    assert db.session.scalar(select(Initiative.description).where(Initiative.external_id == "r-7")) \
        == "Nu ook op zondag"


def test_column_order_and_spaces_do_not_change_the_hash(app, db, tmp_path):
    rows = _rows(6)
    _import(_write(tmp_path / "a.csv", HEADER, rows))
    hashes = [_hashes(m) for m in (Initiative, MeetingPlace, Organisation)]
    order = list(reversed(range(len(HEADER))))
    spaced = [[f"  {row[i]} " for i in order] for row in rows]
    summary = _import(_write(tmp_path / "b.csv", [HEADER[i] for i in order], spaced, delimiter=","))
    assert (summary.created, summary.updated) == (0, 0)
    assert [_hashes(m) for m in (Initiative, MeetingPlace, Organisation)] == hashes


def _two_cells(f: fields.Field) -> tuple[str, str]:
    """Two valid cells for a field that store different values."""
    if f.kind == "codes":
        codes = f.vocabulary.codes
        return codes[0], f"{codes[0]}|{codes[1]}"
    if f.kind == "choice":
        return f.vocabulary.codes[0], f.vocabulary.codes[1]
    return {"bool": ("nee", "ja"), "date": ("2026-01-05", "2026-01-06"), "url": ("https://a.example", "https://b.example"),
            "email": ("a@example.org", "b@example.org"), "rooms": ("Zaal (10)", "Zaal (20)")}.get(
        f.kind, ("een", "twee"))


# Schedules are checked as a whole rule, so each field's two values come with what makes them valid.
SCHEDULE_CASES = {
    "frequency": ({}, {"frequency": "biweekly", "valid_from": "2026-01-05"}),
    "weekdays": ({}, {"weekdays": "3"}),
    "start": ({}, {"start": "13:00"}),
    "end": ({}, {"end": "17:00"}),
    "nth": ({"frequency": "monthly", "nth": "1"}, {"frequency": "monthly", "nth": "2"}),
    "date": ({"frequency": "once", "weekdays": "", "date": "2030-01-05"},
             {"frequency": "once", "weekdays": "", "date": "2030-01-06"}),
    "valid_from": ({}, {"valid_from": "2026-01-05"}),
    "valid_until": ({}, {"valid_until": "2030-01-05"}),
    "note": ({}, {"note": "behalve in juli"}),
}
BASE = {"id": "r-1", "name": "Activiteit", "organisation": "Organisatie", "organisation_id": "o-1",
        "place": "Plek", "place_id": "p-1", "latitude": "51.0500", "longitude": "3.7200",
        "working_models": "peer", "frequency": "weekly", "weekdays": "2", "start": "14:00", "end": "16:00"}


def _cases():
    for prefix, entity in (("initiative", fields.INITIATIVE), ("organisation", fields.ORGANISATION),
                           ("place", fields.MEETING_PLACE)):
        for f in entity.fields:
            column = COLUMNS[f"{prefix}.{f.name}"][0] if f"{prefix}.{f.name}" in COLUMNS else f.name
            if f.name in ("latitude", "longitude"):
                yield pytest.param(prefix, column, ({column: BASE[f.name]}, {column: f"{float(BASE[f.name]) + 0.001:.4f}"}),
                                   id=f"{prefix}.{f.name}")
            elif f.name == "name":
                yield pytest.param(prefix, column, ({}, {column: BASE[column] + " bis"}), id=f"{prefix}.{f.name}")
            else:
                first, second = _two_cells(f)
                yield pytest.param(prefix, column, ({column: first}, {column: second}), id=f"{prefix}.{f.name}")
    for f in fields.SCHEDULE.fields:
        yield pytest.param("schedule", f.name, SCHEDULE_CASES[f.name], id=f"schedule.{f.name}")


def _schedule_values() -> tuple:
    found = _db.session.scalars(select(Schedule)).one()
    return tuple(getattr(found, c.key) for c in Schedule.__table__.columns if c.key not in ("id", "location_id"))


@pytest.mark.parametrize("owner,column,cells", list(_cases()))
def test_a_change_in_any_imported_field_changes_the_hash_and_is_written(app, db, tmp_path, owner, column, cells):
    before, after = cells
    model = {"initiative": Initiative, "organisation": Organisation, "place": MeetingPlace, "schedule": Initiative}[owner]
    header = sorted({*BASE, *before, *after})
    _import(_write(tmp_path / "a.csv", header, [[{**BASE, **before}.get(h, "") for h in header]]))
    stored = _hashes(model)
    assert None not in stored.values()
    schedule = _schedule_values()
    again = _import(_write(tmp_path / "a.csv", header, [[{**BASE, **before}.get(h, "") for h in header]]))
    assert (again.created, again.updated) == (0, 0)
    changed = _import(_write(tmp_path / "b.csv", header, [[{**BASE, **after}.get(h, "") for h in header]]))
    assert _hashes(model) != stored, column
    if column == "rooms":  # a room's capacity is written but not counted as a change of the place
        assert _db.session.scalar(select(Room.capacity)) == 20
    elif owner == "schedule":  # opening times are written but not counted as a change of the initiative
        assert _schedule_values() != schedule
    else:
        assert changed.created + changed.updated >= 1, changed.lines()
    assert _import(tmp_path / "b.csv").updated == 0  # and the new content is what is stored now


def _schedule_of(external_id: str) -> Schedule:
    return _db.session.scalar(select(Schedule).join(InitiativeAtPlace).join(Initiative)
                              .where(Initiative.external_id == external_id))


def test_a_workspace_edit_forgets_the_hash_and_the_next_import_puts_the_file_back(app, db, tmp_path):
    path = _write(tmp_path / "l.csv", HEADER, _rows(4))
    _import(path)
    db.session.scalar(select(Initiative).where(Initiative.external_id == "r-1")).description = "Aangepast"
    db.session.scalar(select(MeetingPlace).where(MeetingPlace.external_id == "p-0")).accessibility = "Drempel"
    db.session.commit()
    assert _hashes(Initiative)["r-1"] is None and _hashes(MeetingPlace)["p-0"] is None
    assert _hashes(Initiative)["r-2"] is not None and _hashes(MeetingPlace)["p-1"] is not None
    db.session.remove()
    _schedule_of("r-2").note = "ook op feestdagen"  # a part of the initiative, loaded without it
    db.session.commit()
    assert _hashes(Initiative)["r-2"] is None and _hashes(Initiative)["r-3"] is not None
    summary = _import(path)
    assert summary.updated == 2  # r-1 and the place; r-2's opening time is put back too
    assert None not in _hashes(Initiative).values() and None not in _hashes(MeetingPlace).values()
    assert db.session.scalar(select(Initiative.description).where(Initiative.external_id == "r-1")) == "Beschrijving 1"
    assert _schedule_of("r-2").note == ""


def test_one_name_twice_in_one_organisation_is_one_initiative_written_in_full(app, db, tmp_path):
    """The writer's rule: an organisation's initiative is also found by its name, so r-2 joins r-0.
    One record named by two ids cannot be compared by hash; it is written in full, never doubled."""
    rows = _rows(4)
    for row in rows:
        row[HEADER.index("name")] = "Taalcafé"
    path = _write(tmp_path / "l.csv", HEADER, rows)
    assert _import(path).created == 2 + 2 + 2
    assert _import(path).created == 0  # (its two rows' descriptions take turns, as before hashes)
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 2
    assert set(_hashes(Initiative).values()) == {None}


def test_a_file_naming_a_record_in_two_ways_is_written_in_full_and_keeps_no_hashes(app, db, tmp_path):
    from community.importers.fingerprints import Plan, Survey  # noqa: F401  (the rule under test)
    rows = _rows(4)
    path = _write(tmp_path / "l.csv", HEADER, rows)
    _import(path)
    rows[2][HEADER.index("organisation_id")] = ""  # 'Organisatie 0' once by id, once by name only
    rows[2][HEADER.index("description")] = "Anders"
    _write(path, HEADER, rows)
    summary = _import(path)
    assert summary.updated >= 1
    assert _hashes(Organisation)["o-0"] is None and _hashes(MeetingPlace)["p-0"] is None
    assert _hashes(Initiative)["r-2"] is None and _hashes(Initiative)["r-0"] is None
    assert db.session.scalar(select(Initiative.description).where(Initiative.external_id == "r-2")) == "Anders"
    rows[2][HEADER.index("organisation_id")] = "o-0"
    _write(path, HEADER, rows)
    _import(path)  # named one way again: compared by hash from now on
    assert None not in _hashes(Initiative).values() and None not in _hashes(Organisation).values()
    assert _import(path).updated == 0
