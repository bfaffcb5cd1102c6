"""Import organisations, initiatives and meeting places from CSV or GeoJSON.

A row (or Point feature) is an initiative held at a meeting place, with its organisation and
optionally one schedule; rows sharing an initiative gather its places and schedules.
Re-importing the same file updates what it created; it never duplicates.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import numpy as np

from geo.crs import check_wgs84_points, guess_point_crs, to_wgs84
from .. import taxonomy
from ..extensions import db
from ..scheduling import TZ
from ..services.listings import ListingWriter, recurrence_from
from .common import (ImportFailed, ImportSummary, Problems, Progress, find_column, key,
                     looks_binary, no_progress, read_table, decode)

# field -> accepted column names (English, Dutch, French); matching ignores case and accents.
COLUMNS = {
    "external_id": ("external_id", "id", "extern_id", "initiative_id", "initiatief_id"),
    "name": ("name", "initiative", "naam", "initiatief", "nom"),
    "description": ("description", "beschrijving", "omschrijving"),
    "organisation": ("organisation", "organization", "organisatie", "organisation_name"),
    "organisation_id": ("organisation_id", "organization_id", "organisatie_id"),
    "organisation_website": ("organisation_website", "organisatie_website"),
    "organisation_email": ("organisation_email", "organisatie_email"),
    "organisation_phone": ("organisation_phone", "organisatie_telefoon"),
    "place": ("place", "meeting_place", "plek", "locatie", "ontmoetingsplek", "lieu"),
    "place_id": ("place_id", "plek_id", "locatie_id"),
    "kind": ("kind", "place_kind", "soort_plek", "type_plek", "soort"),
    "street": ("street", "straat", "rue"),
    "number": ("number", "house_number", "huisnummer", "nr", "nummer"),
    "postcode": ("postcode", "postal_code", "zip"),
    "municipality": ("municipality", "city", "gemeente", "stad", "commune"),
    "latitude": ("latitude", "lat", "breedtegraad"),
    "longitude": ("longitude", "lon", "lng", "lengtegraad"),
    "x": ("x", "x_lambert", "lambert_x"),
    "y": ("y", "y_lambert", "lambert_y"),
    "accessibility": ("accessibility", "toegankelijkheid"),
    "place_wheelchair": ("place_wheelchair", "plek_rolstoel"),
    "working_models": ("working_models", "working_model", "werkmodellen", "werkmodel"),
    "target_groups": ("target_groups", "target_group", "doelgroepen", "doelgroep"),
    "network_functions": ("network_functions", "netwerkfuncties", "netwerkfunctie"),
    "tie_type": ("tie_type", "band", "soort_band", "bonding_bridging"),
    "cost": ("cost", "kost", "kostprijs", "prijsklasse"),
    "price": ("price", "prijs", "tarief"),
    "childcare": ("childcare", "kinderopvang", "kinderen"),
    "languages": ("languages", "talen", "taal", "langues"),
    "low_literacy": ("low_literacy", "laaggeletterdheid", "laaggeletterdheidsvriendelijk", "eenvoudige_taal"),
    "registration_required": ("registration_required", "inschrijving", "inschrijving_nodig"),
    "wheelchair": ("wheelchair", "rolstoel", "rolstoeltoegankelijk"),
    "contact": ("contact",),
    "url": ("url", "website", "webpagina"),
    "last_verified": ("last_verified", "laatst_gecontroleerd", "gecontroleerd_op"),
    "status": ("status",),
    "frequency": ("frequency", "frequentie"),
    "weekdays": ("weekdays", "weekday", "dagen", "dag", "weekdag"),
    "start": ("start", "start_time", "begin", "van", "beginuur"),
    "end": ("end", "end_time", "einde", "tot", "einduur"),
    "nth": ("nth", "week_van_de_maand"),
    "date": ("date", "datum", "on_date"),
    "valid_from": ("valid_from", "geldig_van", "vanaf"),
    "valid_until": ("valid_until", "geldig_tot", "tot_en_met"),
    "schedule_note": ("schedule_note", "opmerking_uurrooster", "note", "opmerking"),
}
REQUIRED = ("name", "organisation", "place")
MULTI = {"working_models": taxonomy.WORKING_MODELS, "target_groups": taxonomy.TARGET_GROUPS,
         "network_functions": taxonomy.NETWORK_FUNCTIONS, "languages": taxonomy.LANGUAGES}
SCHEME_OF = {"working_models": "working_model", "target_groups": "target_group",
             "network_functions": "network_function", "languages": "language"}
SINGLE = {"tie_type": (taxonomy.TIE_TYPES, "both"), "cost": (taxonomy.COSTS, "free"),
          "childcare": (taxonomy.CHILDCARE, "unknown"), "wheelchair": (taxonomy.WHEELCHAIR, "unknown"),
          "status": (taxonomy.STATUSES, "active"), "kind": (taxonomy.PLACE_KINDS, "other"),
          "place_wheelchair": (taxonomy.WHEELCHAIR, "unknown")}
YES = {"1", "true", "yes", "ja", "oui", "y", "j", "x", "waar"}
NO = {"", "0", "false", "no", "nee", "non", "n", "onwaar"}


def _split(text: str) -> list[str]:
    for sep in ("|", ";", ","):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text.strip()] if text.strip() else []


class RowReader:
    """Turns raw rows into validated listing values, adding problems that name row and field."""

    def __init__(self, mapping: dict[str, str], problems: Problems, crs: str | None):
        self.mapping = mapping
        self.problems = problems
        self.crs = crs
        self.detected_crs: set[str] = set()
        self.rows_seen = 0

    def get(self, row: dict, field: str) -> str:
        column = self.mapping.get(field)
        value = row.get(column, "") if column else ""
        return "" if value is None else str(value).strip()

    def parse(self, number: int, row: dict) -> dict | None:
        bad = []

        def problem(field: str, message: str):
            bad.append(f"row {number}: {self.mapping.get(field, field)}: {message}")

        out: dict = {}
        for field in REQUIRED:
            out[field] = self.get(row, field)
            if not out[field]:
                problem(field, "is empty; every row needs an initiative name, an organisation and a place")
        for field, vocabulary in MULTI.items():
            codes = []
            for part in _split(self.get(row, field)):
                code = vocabulary.lookup(part)
                if code is None:
                    problem(field, f"{part!r} is not a known {vocabulary.name.replace('_', ' ')} "
                                   f"(use one of {', '.join(vocabulary.codes)} or its Dutch label)")
                else:
                    codes.append(code)
            out[field] = codes
        if "working_models" in self.mapping and not self.get(row, "working_models"):
            problem("working_models", "name at least one working model")
        for field, (vocabulary, default) in SINGLE.items():
            text = self.get(row, field)
            code = vocabulary.lookup(text) if text else default
            if code is None:
                problem(field, f"{text!r} is not one of {', '.join(vocabulary.codes)}")
            out[field] = code
        for field in ("low_literacy", "registration_required"):
            text = self.get(row, field).lower()
            if text in YES:
                out[field] = True
            elif text in NO:
                out[field] = False
            else:
                problem(field, f"{text!r} is not yes or no")
        text = self.get(row, "last_verified")
        out["last_verified"] = None
        if text:
            try:
                out["last_verified"] = date.fromisoformat(text)
                if out["last_verified"] > datetime.now(TZ).date():
                    problem("last_verified", f"{text} lies in the future")
            except ValueError:
                problem("last_verified", f"{text!r} is not a date like 2026-03-14")
        for field in ("external_id", "description", "organisation_id", "organisation_website",
                      "organisation_email", "organisation_phone", "place_id", "street", "number",
                      "postcode", "municipality", "accessibility", "price", "contact", "url",
                      "schedule_note"):
            out[field] = self.get(row, field)
        for field, limit in (("name", 300), ("organisation", 300), ("place", 300)):
            if len(out[field]) > limit:
                problem(field, f"is {len(out[field])} characters long; at most {limit}")
        self._coordinates(row, out, problem)
        out["schedule"] = None
        if self.get(row, "start") or self.get(row, "weekdays") or self.get(row, "date"):
            spec = {f: self.get(row, f) for f in ("frequency", "weekdays", "start", "end", "nth",
                                                   "date", "valid_from", "valid_until")}
            try:
                rule = recurrence_from(spec)
                for message in rule.validate():
                    problem("schedule", message)
                out["schedule"] = rule
            except ValueError as exc:
                problem("schedule", str(exc))
        for message in bad:
            self.problems.add(message)
        return None if bad else out

    def _coordinates(self, row: dict, out: dict, problem) -> None:
        lat, lon = self.get(row, "latitude"), self.get(row, "longitude")
        x, y = self.get(row, "x"), self.get(row, "y")
        try:
            if lat or lon:
                lat_f, lon_f = float(lat.replace(",", ".")), float(lon.replace(",", "."))
            elif x or y:
                xf, yf = float(x.replace(",", ".")), float(y.replace(",", "."))
                crs = self.crs or guess_point_crs(np.array([xf]), np.array([yf]))
                if crs is None:
                    problem("x", f"x={x}, y={y} lies in Belgium in no known coordinate system "
                                 "(give --crs EPSG:31370 or EPSG:3812)")
                    return
                self.detected_crs.add(crs)
                lons, lats = to_wgs84(np.array([xf]), np.array([yf]), crs)
                lon_f, lat_f = float(lons[0]), float(lats[0])
            else:
                problem("latitude", "no coordinates: give latitude and longitude, or x and y (Lambert)")
                return
        except ValueError:
            problem("latitude", "coordinates are not numbers")
            return
        messages = check_wgs84_points(np.array([lon_f]), np.array([lat_f]), row_numbers=[0])
        for message in messages:
            problem("latitude", message.split(": ", 1)[-1] if message.startswith("row") else message)
        out["latitude"], out["longitude"] = lat_f, lon_f


def _geojson_rows(path: Path):
    data = path.read_bytes()
    if not data.strip():
        raise ImportFailed([f"{path.name}: the file is empty"])
    if looks_binary(data):
        raise ImportFailed([f"{path.name}: this is not a GeoJSON file"])
    text, _ = decode(path, data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"{path.name}: line {exc.lineno}: not valid JSON ({exc.msg})"]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise ImportFailed([f"{path.name}: a GeoJSON FeatureCollection with features is expected"])
    if not features:
        raise ImportFailed([f"{path.name}: the file has no features"])
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
    return header, len(features), rows()


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
        mapping.setdefault("latitude", "__lat")
        mapping.setdefault("longitude", "__lon")
    else:
        table = read_table(path)
        header, total, rows = table.header, table.row_count, table.rows()
        mapping = column_mapping(header)
        if table.encoding != "UTF-8":
            notes.append(f"read as {table.encoding}")
        notes.append(f"columns separated by {table.delimiter!r}")
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        names = {f: COLUMNS[f][0] for f in missing}
        raise ImportFailed([f"{path.name}: missing required column {names[f]!r} "
                            f"(also accepted: {', '.join(COLUMNS[f][1:])})" for f in missing])
    if not ({"latitude", "longitude"} <= mapping.keys() or {"x", "y"} <= mapping.keys()):
        raise ImportFailed([f"{path.name}: missing coordinates: give latitude and longitude, "
                            "or x and y (Lambert) columns"])
    unknown = [h for h in header if h and h not in mapping.values()]
    if unknown:
        notes.append(f"ignored columns: {', '.join(unknown)}")

    problems = Problems(path.name)
    reader = RowReader(mapping, problems, crs)
    writer = ListingWriter(demo=demo)
    schedules: dict[tuple, list] = defaultdict(list)
    links: dict = {}
    progress.start(total, "listing rows")
    with db.session.no_autoflush:
        _read_rows(rows, reader, writer, problems, progress, mapping, links, schedules)
    seen_rows = reader.rows_seen
    if seen_rows == 0 and not problems:
        raise ImportFailed([f"{path.name}: the file has a header but no rows"])
    problems.raise_if_any()
    with db.session.no_autoflush:
        for link_key, (initiative, place) in links.items():
            writer.held_at(initiative, place, schedules.get(link_key, []))
    writer.finish()
    # Records the file names: distinct organisations, places and initiatives it touched.
    named = (len({id(i) for i, _ in links.values()}) + len({id(p) for _, p in links.values()})
             + len({i.organisation_id for i, _ in links.values()}))
    created, updated = sum(writer.created.values()), sum(writer.updated.values())
    summary = ImportSummary(what=f"listings from {path.name}", dry_run=dry_run, created=created,
                            updated=updated, unchanged=max(0, named - created - updated))
    summary.notes = [
        f"organisations: {writer.created['organisations']} new, {writer.updated['organisations']} changed",
        f"initiatives: {writer.created['initiatives']} new, {writer.updated['initiatives']} changed",
        f"meeting places: {writer.created['places']} new, {writer.updated['places']} changed",
        f"{seen_rows} rows read", *notes]
    if reader.detected_crs:
        how = "as given with --crs" if crs else "recognised from their range; use --crs to say otherwise"
        summary.notes.append(f"x/y coordinates read as {', '.join(sorted(reader.detected_crs))} ({how})")
    return summary


def _read_rows(rows, reader, writer, problems, progress, mapping, links, schedules) -> None:
    """Validate each row; while the file is clean so far, write it too."""
    for number, row in rows:
        progress.advance()
        if isinstance(row, str):
            problems.add(row)
            continue
        reader.rows_seen += 1
        values = reader.parse(number, row)
        if values is None or problems:
            continue  # once anything is wrong, only keep validating: nothing will be written
        org = writer.organisation({
            "external_id": values["organisation_id"], "name": values["organisation"],
            **{k: values["organisation_" + k] for k in ("website", "email", "phone")
               if values["organisation_" + k]}})
        place = writer.place({
            "external_id": values["place_id"], "name": values["place"], "kind": values["kind"],
            "street": values["street"], "number": values["number"], "postcode": values["postcode"],
            "municipality": values["municipality"], "latitude": values["latitude"],
            "longitude": values["longitude"], "accessibility": values["accessibility"],
            "wheelchair": values["place_wheelchair"]})
        init_values = {f: values[f] for f in ("external_id", "name", "description", "status",
                                              "tie_type", "cost", "price", "childcare", "low_literacy",
                                              "registration_required", "wheelchair", "contact",
                                              "url", "last_verified")}
        codes = {SCHEME_OF[f]: values[f] for f in MULTI if f in mapping}
        initiative = writer.initiative(org, init_values, codes)
        link_key = (id(initiative), id(place))
        links[link_key] = (initiative, place)
        if values["schedule"] is not None:
            schedules[link_key].append((values["schedule"], values["schedule_note"]))
        if reader.rows_seen % 1000 == 0:
            db.session.flush()
