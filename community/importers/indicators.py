"""Import indicator values per area from CSV (long: code, indicator, year, value; or wide)."""
from __future__ import annotations

import math
import re
from pathlib import Path

from sqlalchemy import select

from ..extensions import db
from ..models import Area, IndicatorValue
from .common import (ImportFailed, ImportSummary, Problems, Progress, find_column, no_progress,
                     read_table, refresh_statistics)

INDICATOR_CODE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
CODE_NAMES = ("area_code", "code", "gebiedscode", "area", "gebied", "sector", "wijk")
YEAR_NAMES = ("year", "jaar", "annee", "année")
LONG_NAMES = {"indicator": ("indicator", "indicateur"), "value": ("value", "waarde", "valeur")}
META_NAMES = {"unit": ("unit", "eenheid", "unite"), "source": ("source", "bron")}


def _number(text: str) -> float | None:
    text = text.strip().replace(" ", "")
    if text == "":
        return None
    # Belgian spreadsheets write 1.234,5; plain files write 1234.5
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    value = float(text)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


def import_indicators(path: str | Path, *, level: str, source: str = "", demo: bool = False,
                      progress: Progress = no_progress, dry_run: bool = False) -> ImportSummary:
    table = read_table(path)
    name = table.path.name
    header = table.header
    code_col = find_column(header, *CODE_NAMES)
    year_col = find_column(header, *YEAR_NAMES)
    missing = [what for what, col in (("area code", code_col), ("year", year_col)) if col is None]
    if missing:
        raise ImportFailed([f"{name}: missing required column {m!r} (columns are {', '.join(header)})"
                            for m in missing])
    indicator_col = find_column(header, *LONG_NAMES["indicator"])
    value_col = find_column(header, *LONG_NAMES["value"])
    unit_col = find_column(header, *META_NAMES["unit"])
    source_col = find_column(header, *META_NAMES["source"])
    long_format = indicator_col is not None and value_col is not None
    if long_format:
        wide_cols = []
    else:
        used = {code_col, year_col, unit_col, source_col}
        wide_cols = [h for h in header if h not in used and h]
        if not wide_cols:
            raise ImportFailed([f"{name}: no indicator columns: give 'indicator' and 'value' columns, "
                                "or one column per indicator"])
        bad = [h for h in wide_cols if not INDICATOR_CODE.match(h)]
        if bad:
            raise ImportFailed([f"{name}: column {h!r} is not an indicator code (lower case letters, "
                                "digits and _)" for h in bad])

    areas = {a.code: a for a in db.session.scalars(select(Area).where(Area.level == level)).all()}
    if not areas:
        raise ImportFailed([f"{name}: there are no {level} areas yet; import the areas first"])
    existing = {(v.area_id, v.indicator, v.year): v for v in db.session.scalars(
        select(IndicatorValue).join(Area).where(Area.level == level)).all()}

    problems = Problems(name)
    seen: dict[tuple, int] = {}
    summary = ImportSummary(what=f"indicator values for {level} areas from {name}", dry_run=dry_run)
    if table.encoding != "UTF-8":
        summary.notes.append(f"read as {table.encoding}")
    progress.start(table.row_count, "indicator rows")
    for number, row in table.rows():
        progress.advance()
        if isinstance(row, str):
            problems.add(row)
            continue
        code = row[code_col]
        area = areas.get(code)
        if area is None:
            problems.add(f"row {number}: {code_col} {code!r} is not a known {level} area")
            continue
        try:
            year = int(row[year_col])
            if not 1800 <= year <= 2200:
                raise ValueError
        except ValueError:
            problems.add(f"row {number}: {year_col} {row[year_col]!r} is not a year")
            continue
        pairs = [(row[indicator_col].strip(), row[value_col])] if long_format else [(c, row[c]) for c in wide_cols]
        for indicator, raw in pairs:
            if not INDICATOR_CODE.match(indicator):
                problems.add(f"row {number}: indicator {indicator!r} is not an indicator code "
                             "(lower case letters, digits and _)")
                continue
            try:
                value = _number(raw)
            except ValueError:
                problems.add(f"row {number}: {indicator} value {raw!r} is not a number")
                continue
            if value is None:
                continue  # an empty cell is "no data", never zero
            ident = (area.id, indicator, year)
            if ident in seen:
                problems.add(f"row {number}: {code} {indicator} {year} was already given on row {seen[ident]}")
                continue
            seen[ident] = number
            if problems:
                continue
            unit = row[unit_col] if unit_col else ""
            row_source = (row[source_col] if source_col else "") or source or name
            current = existing.get(ident)
            if current is None:
                db.session.add(IndicatorValue(area_id=area.id, indicator=indicator, year=year,
                                              value=value, unit=unit, source=row_source, is_demo=demo))
                summary.created += 1
            elif (current.value, current.unit, current.source) != (value, unit, row_source):
                current.value, current.unit, current.source = value, unit, row_source
                summary.updated += 1
            else:
                summary.unchanged += 1
    problems.raise_if_any()
    if not seen:
        raise ImportFailed([f"{name}: the file has no values"])
    db.session.flush()
    refresh_statistics(summary)
    return summary
