"""Import address points (an address register extract) for finding places near an address."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update

from geo.crs import check_wgs84_points, guess_point_crs, to_wgs84
from ..extensions import db
from ..models import AddressPoint
from .common import (ImportFailed, ImportSummary, Problems, Progress, find_column, key,
                     no_progress, read_table, refresh_statistics)

BATCH = 5000


def import_addresses(path: str | Path, *, crs: str | None = None, progress: Progress = no_progress,
                     dry_run: bool = False) -> ImportSummary:
    table = read_table(path)
    name = table.path.name
    header = table.header
    cols = {
        "street": find_column(header, "street", "straat", "straatnaam", "street_nl", "rue"),
        "number": find_column(header, "house_number", "number", "huisnummer", "huisnr", "nr"),
        "postcode": find_column(header, "postcode", "postal_code", "pkancode"),
        "municipality": find_column(header, "municipality", "gemeente", "commune", "commune_nl"),
        "latitude": find_column(header, "latitude", "lat"),
        "longitude": find_column(header, "longitude", "lon", "lng"),
        "x": find_column(header, "x", "x_lambert"),
        "y": find_column(header, "y", "y_lambert"),
    }
    if cols["street"] is None:
        raise ImportFailed([f"{name}: missing required column 'street'"])
    use_xy = cols["latitude"] is None or cols["longitude"] is None
    if use_xy and (cols["x"] is None or cols["y"] is None):
        raise ImportFailed([f"{name}: missing coordinates: give latitude and longitude, or x and y"])

    problems = Problems(name)
    records: list[dict] = []
    seen: dict[tuple, int] = {}
    progress.start(table.row_count, "address rows")
    for number, row in table.rows():
        progress.advance()
        if isinstance(row, str):
            problems.add(row)
            continue
        street = row[cols["street"]]
        if not street:
            problems.add(f"row {number}: {cols['street']}: is empty")
            continue
        try:
            a = float(row[cols["x" if use_xy else "longitude"]].replace(",", "."))
            b = float(row[cols["y" if use_xy else "latitude"]].replace(",", "."))
        except ValueError:
            problems.add(f"row {number}: coordinates are not numbers")
            continue
        record = {"street": street, "street_key": key(street),
                  "number": row[cols["number"]] if cols["number"] else "",
                  "postcode": row[cols["postcode"]] if cols["postcode"] else "",
                  "municipality": row[cols["municipality"]] if cols["municipality"] else "",
                  "a": a, "b": b, "row": number}
        ident = (record["street_key"], record["number"].lower(), record["postcode"])
        if ident in seen:
            problems.add(f"row {number}: {street} {record['number']} {record['postcode']} "
                         f"was already given on row {seen[ident]}")
            continue
        seen[ident] = number
        records.append(record)
    progress.finish()
    if not records and not problems:
        raise ImportFailed([f"{name}: the file has no rows"])
    a = np.array([r["a"] for r in records], dtype=float)
    b = np.array([r["b"] for r in records], dtype=float)
    if use_xy:
        point_crs = crs or guess_point_crs(a, b)
        if point_crs is None:
            raise ImportFailed([f"{name}: the x/y values lie in Belgium in no known coordinate "
                                "system; give --crs EPSG:31370 or EPSG:3812"])
        a, b = to_wgs84(a, b, point_crs)
    for message in check_wgs84_points(a, b, row_numbers=[r["row"] for r in records], source=""):
        problems.add(message)
    problems.raise_if_any()

    existing = {(r.street_key, r.number.lower(), r.postcode): (r.id, r.latitude, r.longitude)
                for r in db.session.execute(select(AddressPoint.id, AddressPoint.street_key,
                                                   AddressPoint.number, AddressPoint.postcode,
                                                   AddressPoint.latitude, AddressPoint.longitude))}
    summary = ImportSummary(what=f"address points from {name}", dry_run=dry_run)
    new, changed = [], []
    for record, lon, lat in zip(records, a, b):
        ident = (record["street_key"], record["number"].lower(), record["postcode"])
        values = {k: record[k] for k in ("street", "street_key", "number", "postcode", "municipality")}
        values.update(latitude=float(lat), longitude=float(lon))
        if ident not in existing:
            new.append(values)
        elif existing[ident][1:] != (values["latitude"], values["longitude"]):
            changed.append({"id": existing[ident][0], "latitude": values["latitude"],
                            "longitude": values["longitude"]})
        else:
            summary.unchanged += 1
    progress.start(len(new) + len(changed), "writing addresses")
    for start in range(0, len(new), BATCH):
        db.session.execute(insert(AddressPoint), new[start:start + BATCH])
        progress.advance(len(new[start:start + BATCH]))
    for start in range(0, len(changed), BATCH):
        db.session.execute(update(AddressPoint), changed[start:start + BATCH])
        progress.advance(len(changed[start:start + BATCH]))
    summary.created, summary.updated = len(new), len(changed)
    refresh_statistics(summary)
    return summary
