"""The listings as a CSV file in the import format: one row per initiative, place and opening time.

Columns are the importer's own first names for each field (community/importers/listings.py reads
them from community/fields.py), so an export imports again unchanged, into this or another site.
"""
from __future__ import annotations

import io
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..fields import ENTITIES, room_text
from ..importers.listings import COLUMNS
from ..models import Initiative, InitiativeAtPlace
from .spreadsheet import CsvWriter

_ENTITY = {"initiative": "initiative", "organisation": "organisation", "place": "meeting_place"}
EXPORTED = tuple(k for k in COLUMNS if k not in ("place.x", "place.y"))
HEADER = tuple(COLUMNS[k][0] for k in EXPORTED)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _record_value(obj, entity_type: str, name: str):
    if name == "external_id":
        return obj.external_id or str(obj.id)
    f = ENTITIES[entity_type][name]
    if f.kind == "codes" and f.scheme:
        return obj.codes(f.scheme)
    if f.kind == "rooms":
        return [room_text(r.name, r.capacity) for r in obj.rooms]
    return getattr(obj, name)


def _schedule_value(schedule, name: str):
    if schedule is None:
        return None
    return {"frequency": schedule.frequency, "weekdays": schedule.weekdays, "start": schedule.start_time,
            "end": schedule.end_time, "nth": schedule.nth, "date": schedule.on_date,
            "valid_from": schedule.valid_from, "valid_until": schedule.valid_until,
            "note": schedule.note}[name]


def rows(include_archived: bool = False):
    """Every exported row as a list of cell texts, in HEADER order."""
    query = (select(Initiative).order_by(Initiative.name, Initiative.id)
             .options(selectinload(Initiative.organisation),
                      selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules)))
    if not include_archived:
        query = query.where(Initiative.archived_at.is_(None))
    for init in db.session.scalars(query):
        for link in init.locations:
            records = {"initiative": init, "organisation": init.organisation, "place": link.place}
            for schedule in (link.schedules or [None]):
                cells = []
                for column in EXPORTED:
                    prefix, name = column.split(".")
                    if prefix == "schedule":
                        value = _schedule_value(schedule, name)
                    else:
                        value = _record_value(records[prefix], _ENTITY[prefix], name)
                    cells.append(_text(value))
                yield cells


def write_csv(handle, delimiter: str = ";") -> int:
    """Write the header and every row to an open text file; returns the number of rows."""
    writer = CsvWriter(handle, delimiter)
    writer.header(HEADER)
    count = 0
    for cells in rows():
        writer.row(cells)
        count += 1
    return count


def export_csv(delimiter: str = ";") -> str:
    out = io.StringIO(newline="")
    write_csv(out, delimiter)
    return out.getvalue()
