"""Import organisations, initiatives and meeting places from CSV or GeoJSON.

A row (or Point feature) is an initiative held at a meeting place, with its organisation and
optionally one schedule; rows sharing an initiative gather its places and schedules.
Re-importing the same file updates what it created; it never duplicates.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

from geo.crs import BELGIUM_BOUNDS_WGS84, check_wgs84_points, guess_point_crs, to_wgs84
from geo.errors import GeoInputError
from geo.limits import check_json_depth, read_limited
from .. import fields
from ..extensions import db
from ..scheduling import TZ
from ..services.schedules import recurrence_from
from ..services.writer import ListingWriter
from ..services.content_hashes import importing
from .common import (ImportFailed, ImportSummary, Problems, Progress, find_column,
                     looks_binary, no_progress, read_table, decode, refresh_statistics)
from .fingerprints import Plan, Survey



def _prefixed(prefixes, names) -> tuple[str, ...]:
    return tuple(p + n for n in names for p in prefixes)


def _columns() -> dict[str, tuple[str, ...]]:
    """'entity.field' -> accepted column names, from the field descriptions (community/fields.py).

    A row is an initiative: its own fields take the plain names; the place's fields take the
    plain names left over and prefixed ones (place_wheelchair); the organisation's only
    prefixed ones (organisation_email), so 'website' stays the initiative's web page.
    """
    columns = {"initiative.external_id": fields.INITIATIVE.id_columns}
    columns.update({f"initiative.{f.name}": f.import_names for f in fields.INITIATIVE.fields})
    taken = {n for names in columns.values() for n in names}
    columns["organisation.name"] = fields.ORGANISATION.ref_columns
    columns["organisation.external_id"] = fields.ORGANISATION.id_columns
    for f in fields.ORGANISATION.fields[1:]:
        columns[f"organisation.{f.name}"] = _prefixed(fields.ORGANISATION.prefixes, f.import_names)
    columns["place.name"] = fields.MEETING_PLACE.ref_columns
    columns["place.external_id"] = fields.MEETING_PLACE.id_columns
    for f in fields.MEETING_PLACE.fields[1:]:
        own = tuple(n for n in f.import_names if n not in taken)
        columns[f"place.{f.name}"] = own + _prefixed(fields.MEETING_PLACE.prefixes, f.import_names)
    columns["place.x"], columns["place.y"] = ("x", "x_lambert", "lambert_x"), ("y", "y_lambert", "lambert_y")
    for f in fields.SCHEDULE.fields:
        columns[f"schedule.{f.name}"] = f.import_names + _prefixed(fields.SCHEDULE.prefixes, f.import_names)
    return columns


COLUMNS = _columns()
REQUIRED = ("initiative.name", "organisation.name", "place.name")
# Fields the importer reads in its own way (coordinates may be Lambert x/y; a schedule is one rule).
_OWN_WAY = {"place.latitude", "place.longitude", "place.x", "place.y"}
ENTITY_OF = {"initiative": fields.INITIATIVE, "organisation": fields.ORGANISATION, "place": fields.MEETING_PLACE}
# (column key, entity, field name, field description or None for the external id), worked out once
# rather than for every row.
def _read_plan() -> list[tuple[str, str, str, fields.Field | None]]:
    plan = []
    for name in COLUMNS:
        prefix, field_name = name.split(".")
        if prefix in ENTITY_OF and name not in _OWN_WAY:
            f = None if field_name == "external_id" else ENTITY_OF[prefix][field_name]
            plan.append((name, prefix, field_name, f))
    return plan


_READ_PLAN = _read_plan()


_REPEATED = frozenset({"choice", "codes", "bool", "date"})
_MISSING = object()
_KEPT = 20_000


class RowReader:
    """Turns raw rows into validated listing values, adding problems that name row and field."""

    def __init__(self, mapping: dict[str, str], problems: Problems, crs: str | None):
        self.mapping = mapping
        self.problems = problems
        self.crs = crs
        self.detected_crs: set[str] = set()
        self.rows_seen = 0
        self.today = datetime.now(TZ).date()  # for "not in the future" checks, once per file
        # Only the file's own columns are read per row; a field without a column gets its
        # empty value, worked out once (organisation fields, terms and rooms are left alone).
        self.plan = [entry for entry in _READ_PLAN if entry[0] in mapping]
        self.defaults: dict[str, dict] = {"initiative": {}, "organisation": {}, "place": {}}
        for name, prefix, field_name, f in _READ_PLAN:
            if name in mapping or prefix == "organisation":
                continue
            if f is None:
                self.defaults[prefix]["external_id"] = ""
            elif not (f.kind == "codes" and f.scheme) and f.kind != "rooms":
                self.defaults[prefix][field_name] = f.clean("", self.today)
        # Vocabulary, yes/no, date and schedule cells repeat across a file: each text is checked once.
        self._cleaned: dict = {}
        self._rules: dict = {}

    def cells(self, row: dict) -> dict[str, str]:
        """'entity.field' -> the row's stripped text, for the file's mapped columns only (read once)."""
        out = {}
        for name, column in self.mapping.items():
            value = row.get(column)
            out[name] = "" if value is None else str(value).strip()
        return out

    def parse(self, number: int, row: dict) -> dict | None:
        """{'initiative': {...}, 'organisation': {...}, 'place': {...}, 'schedule': rule or None}."""
        bad = []
        cell = self.cells(row).get

        def problem(name: str, message: str):
            bad.append(f"row {number}: {self.mapping.get(name, name.split('.')[-1])}: {message}")

        for name in REQUIRED:
            if not cell(name, ""):
                problem(name, "is empty; every row needs an initiative name, an organisation and a place")
        out: dict = {prefix: dict(values) for prefix, values in self.defaults.items()}
        out["codes"] = {}
        for name, prefix, field_name, f in self.plan:
            if f is None:
                out[prefix]["external_id"] = cell(name, "")
                continue
            text = cell(name, "")
            if prefix == "organisation" and not text:
                continue  # an empty organisation cell never blanks what the organisation said itself
            try:
                value = self._clean(name, f, text)
            except ValueError as exc:
                problem(name, str(exc))
                continue
            if f.kind == "codes" and f.scheme:
                out["codes"][f.scheme] = value
            else:
                out[prefix][field_name] = value
        if "initiative.working_models" in self.mapping and not cell("initiative.working_models", ""):
            problem("initiative.working_models", "name at least one working model")
        self._coordinates(cell, out["place"], problem)
        out["schedule"], out["schedule_note"] = None, cell("schedule.note", "")
        if cell("schedule.start", "") or cell("schedule.weekdays", "") or cell("schedule.date", ""):
            spec = {f.name: cell(f"schedule.{f.name}", "") for f in fields.SCHEDULE.fields}
            rule, messages = self._rule(spec)
            for message in messages:
                problem("schedule", message)
            out["schedule"] = rule
        for message in bad:
            self.problems.add(message)
        return None if bad else out

    def _clean(self, name: str, f: fields.Field, text: str):
        if f.kind not in _REPEATED:
            return f.clean(text, self.today)
        value = self._cleaned.get((name, text), _MISSING)
        if value is _MISSING:
            value = f.clean(text, self.today)  # a ValueError is not kept: the row reports it
            if len(self._cleaned) < _KEPT:
                self._cleaned[(name, text)] = value
        return list(value) if isinstance(value, list) else value

    def _rule(self, spec: dict):
        """The schedule's rule (None when it is wrong) and its problems."""
        found = self._rules.get(tuple(spec.values()))
        if found is None:
            try:
                rule = recurrence_from(spec)
                found = (rule, rule.validate())
            except ValueError as exc:
                found = (None, [str(exc)])
            if len(self._rules) < _KEPT:
                self._rules[tuple(spec.values())] = found
        return found

    def _coordinates(self, cell, out: dict, problem) -> None:
        lat, lon = cell("place.latitude", ""), cell("place.longitude", "")
        x, y = cell("place.x", ""), cell("place.y", "")
        try:
            if lat or lon:
                lat_f, lon_f = float(lat.replace(",", ".")), float(lon.replace(",", "."))
            elif x or y:
                xf, yf = float(x.replace(",", ".")), float(y.replace(",", "."))
                crs = self.crs or guess_point_crs(np.array([xf]), np.array([yf]))
                if crs is None:
                    problem("place.x", f"x={x}, y={y} lies in Belgium in no known coordinate system "
                                 "(give --crs EPSG:31370 or EPSG:3812)")
                    return
                self.detected_crs.add(crs)
                lons, lats = to_wgs84(np.array([xf]), np.array([yf]), crs)
                lon_f, lat_f = float(lons[0]), float(lats[0])
            else:
                problem("place.latitude", "no coordinates: give latitude and longitude, or x and y (Lambert)")
                return
        except ValueError:
            problem("place.latitude", "coordinates are not numbers")
            return
        west, south, east, north = BELGIUM_BOUNDS_WGS84
        if not (west <= lon_f <= east and south <= lat_f <= north):  # NaN fails too
            messages = check_wgs84_points(np.array([lon_f]), np.array([lat_f]), row_numbers=[0])
        else:  # the usual case, without building arrays for one point
            messages = []
        for message in messages:
            problem("place.latitude", message.split(": ", 1)[-1] if message.startswith("row") else message)
        out["latitude"], out["longitude"] = lat_f, lon_f


def _geojson_rows(path: Path):
    try:
        data = read_limited(path, path.name)
    except GeoInputError as exc:
        raise ImportFailed(exc.problems) from None
    if not data.strip():
        raise ImportFailed([f"{path.name}: the file is empty"])
    if looks_binary(data):
        raise ImportFailed([f"{path.name}: this is not a GeoJSON file"])
    text, _ = decode(path, data)
    try:
        check_json_depth(text, path.name)  # json.loads recursed until RecursionError
        doc = json.loads(text)
    except GeoInputError as exc:
        raise ImportFailed(exc.problems) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"{path.name}: line {exc.lineno}: not valid JSON ({exc.msg})"]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise ImportFailed([f"{path.name}: a GeoJSON FeatureCollection with features is expected"])
    if not features:
        raise ImportFailed([f"{path.name}: the file has no features"])
    odd = [n for n, f in enumerate(features, start=1)
           if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict)
           or not isinstance(f.get("geometry") or {}, dict)]
    if odd:
        raise ImportFailed([f"{path.name}: feature {n}: not a GeoJSON Feature with properties" for n in odd[:20]])
    header: list[str] = []
    for feature in features:
        for name in (feature.get("properties") or {}):
            if name not in header:
                header.append(name)

    def rows():
        for number, feature in enumerate(features, start=1):
            props = {k: ("" if v is None else ("|".join(map(str, v)) if isinstance(v, list) else str(v)))
                     for k, v in (feature.get("properties") or {}).items()}
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                coords = geometry.get("coordinates") or []
                if len(coords) >= 2:
                    props["__lon"], props["__lat"] = str(coords[0]), str(coords[1])
            yield number, props
    return header, len(features), rows


def column_mapping(header: list[str]) -> dict[str, str]:
    mapping = {}
    for field, names in COLUMNS.items():
        column = find_column(header, *names)
        if column is not None and column not in mapping.values():
            mapping[field] = column
    return mapping


def import_listings(path: str | Path, *, crs: str | None = None, demo: bool = False,
                    progress: Progress = no_progress, dry_run: bool = False) -> ImportSummary:
    """Validate every row; write only if all rows are valid (the caller commits or rolls back)."""
    path = Path(path)
    if not path.exists():
        raise ImportFailed([f"{path}: no such file"])
    notes = []
    if path.suffix.lower() in (".geojson", ".json"):
        header, total, rows = _geojson_rows(path)
        mapping = column_mapping(header)
        mapping.setdefault("place.latitude", "__lat")
        mapping.setdefault("place.longitude", "__lon")
    else:
        table = read_table(path)
        header, total, rows = table.header, table.row_count, table.rows
        mapping = column_mapping(header)
        if table.encoding != "UTF-8":
            notes.append(f"read as {table.encoding}")
        notes.append(f"columns separated by {table.delimiter!r}")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        names = {f: COLUMNS[f][0] for f in missing}
        raise ImportFailed([f"{path.name}: missing required column {names[f]!r} "
                            f"(also accepted: {', '.join(COLUMNS[f][1:])})" for f in missing])
    if not ({"place.latitude", "place.longitude"} <= mapping.keys() or {"place.x", "place.y"} <= mapping.keys()):
        raise ImportFailed([f"{path.name}: missing coordinates: give latitude and longitude, "
                            "or x and y (Lambert) columns"])
    unknown = [h for h in header if h and h not in mapping.values()]
    if unknown:
        notes.append(f"ignored columns: {', '.join(unknown)}")

    problems = Problems(path.name)
    reader = RowReader(mapping, problems, crs)
    progress.start(total, "checking listing rows")
    survey = _survey(rows(), reader, problems, progress)
    seen_rows = reader.rows_seen
    if seen_rows == 0 and not problems:
        raise ImportFailed([f"{path.name}: the file has a header but no rows"])
    problems.raise_if_any()
    # Only a clean file reaches the database, and only now: reading and checking the rows
    # above touch no table, so on SQLite the write lock (taken by the first query) is held for
    # comparing and writing alone, not while a large file is read and checked.
    plan = Plan(survey)
    del survey
    writer = ListingWriter(demo=demo, index=plan)
    with importing(db.session), db.session.no_autoflush:
        _write_changes(plan, writer, rows, reader, progress)
        writer.finish()
        db.session.flush()
    created, updated = sum(writer.created.values()), sum(writer.updated.values())
    summary = ImportSummary(what=f"listings from {path.name}", dry_run=dry_run, created=created,
                            updated=updated, unchanged=max(0, plan.named - created - updated))
    summary.notes = [
        f"organisations: {writer.created['organisations']} new, {writer.updated['organisations']} changed",
        f"initiatives: {writer.created['initiatives']} new, {writer.updated['initiatives']} changed",
        f"meeting places: {writer.created['places']} new, {writer.updated['places']} changed",
        f"{seen_rows} rows read", *notes]
    refresh_statistics(summary)
    if reader.detected_crs:
        how = "as given with --crs" if crs else "recognised from their range; use --crs to say otherwise"
        summary.notes.append(f"x/y coordinates read as {', '.join(sorted(reader.detected_crs))} ({how})")
    return summary


def _survey(rows, reader, problems, progress) -> Survey:
    """Validate every row (no database); keep what names each clean row's records, and digests."""
    survey = Survey()
    for number, row in rows:
        progress.advance()
        if isinstance(row, str):
            problems.add(row)
            continue
        reader.rows_seen += 1
        values = reader.parse(number, row)
        if values is not None and not problems:
            survey.add(number, values)  # once anything is wrong, only keep validating
    return survey


def _write_changes(plan: Plan, writer, rows, reader, progress) -> None:
    """Hand the writer what differs from the database: changed organisations and places with
    their gathered values, then the rows of changed or new initiatives, read again in file order.
    Each written record keeps the hash of what was written (none when the plan was ambiguous:
    then every row is written with its own values, as before hashes)."""
    orgs, places, wanted = plan.to_write()
    exact = not plan.ambiguous
    plan.preload(wanted, orgs, places)
    if exact:
        for record in orgs:
            writer.organisation(plan.values_of(record)).content_hash = record.hash
        for record in places:
            writer.place(plan.values_of(record)).content_hash = record.hash
    by_number = {entry[0]: entry for entry in wanted}
    schedules: dict[tuple, list] = defaultdict(list)
    links: dict = {}
    progress.start(len(wanted), "writing listing rows")
    count = 0
    for number, row in (rows() if wanted else ()):
        entry = by_number.pop(number, None)
        if entry is None:
            continue
        values = reader.parse(number, row)
        count += 1
        progress.advance()
        _number, org_record, place_record, init_record = entry
        org = writer.organisation(plan.values_of(org_record) if exact else values["organisation"])
        place = writer.place(plan.values_of(place_record) if exact else values["place"])
        initiative = writer.initiative(org, values["initiative"], values["codes"])
        initiative.content_hash = init_record.hash if exact else None
        if not exact:  # written row by row: what the organisation and place hold now is no file's
            org.content_hash = place.content_hash = None
        link_key = (id(initiative), id(place))
        links[link_key] = (initiative, place)
        if values["schedule"] is not None:
            schedules[link_key].append((values["schedule"], values["schedule_note"]))
        if count % 1000 == 0:
            db.session.flush()
    for link_key, (initiative, place) in links.items():
        writer.held_at(initiative, place, schedules.get(link_key, []))
