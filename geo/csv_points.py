"""Points from a CSV file: latitude/longitude or x/y columns, as spreadsheets write them.

The text itself (encoding, delimiter) is read by geo.text, the one reader the app's importers
use too; this module finds the coordinate columns, reads decimal commas and checks the numbers.
"""

from __future__ import annotations

import io as _io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .crs import WGS84, check_wgs84_points
from .errors import GeoInputError
from .limits import check_file_lines, read_limited
from .reading import MAX_PROBLEMS, ask_crs, cap, not_vector, numbers_text
from .text import NotText, read_text

LAT_NAMES = ("lat", "latitude", "breedtegraad")
LON_NAMES = ("lon", "lng", "longitude", "lengtegraad")
X_NAMES = ("x", "x_lambert")
Y_NAMES = ("y", "y_lambert")
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}


def read_points_csv(p: Path, name, given_crs, x_field, y_field, notes):
    try:
        check_file_lines(p, name)  # before reading it whole: one 200 MB line took 1.4 GB
        read = read_text(read_limited(p, name))
    except NotText as exc:
        raise (not_vector(name, "binary content") if exc.line is None
               else GeoInputError(f"{name}, {exc.problems[0]}")) from None
    text, sep = read.text, read.delimiter
    if not read.is_utf8:  # Excel on Windows still saves "CSV" in Windows-1252
        notes.append(f"{name} is not UTF-8; read it as Windows-1252")
    try:
        df = pd.read_csv(
            _io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise GeoInputError(f"{name} could not be read as CSV: {str(exc).strip()}") from None
    if len(df) == 0:
        raise GeoInputError(f"{name} has a header but no data rows")
    # Spreadsheet row numbers: the header is row 1.
    rows = np.arange(2, len(df) + 2)

    xcol, ycol, degrees = _coordinate_columns(df, name, x_field, y_field)
    if degrees:
        source_crs = given_crs or WGS84
    elif given_crs is None:
        raise GeoInputError(
            ask_crs(
                name,
                _csv_bounds(df, xcol, ycol),
                f"has x/y columns ({xcol}, {ycol}) but no coordinate reference system was given",
            )
        )
    else:
        source_crs = given_crs

    x, xbad = _numbers(df[xcol])
    y, ybad = _numbers(df[ycol])
    problems: list[str] = []
    xempty, yempty = df[xcol].isna().to_numpy(), df[ycol].isna().to_numpy()
    for i in np.flatnonzero(xbad | ybad | (xempty ^ yempty)):
        for col, bad, empty in ((ycol, ybad, yempty), (xcol, xbad, xempty)):
            if bad[i]:
                problems.append(f"{name}, row {rows[i]}: {col} '{df[col].iat[i]}' is not a number")
            elif empty[i]:
                problems.append(f"{name}, row {rows[i]}: {col} is empty")
    if problems:
        raise GeoInputError(cap(problems, name))

    # Rows with neither coordinate are blank lines or notes, not points.
    blank = xempty & yempty
    dropped = int(blank.sum())
    if dropped:
        notes.append(f"dropped {dropped} row(s) without coordinates ({numbers_text('row', rows[blank])})")
        df, x, y, rows = df.loc[~blank], x[~blank], y[~blank], rows[~blank]
        if len(df) == 0:
            raise GeoInputError(f"{name} has no rows with coordinates")

    if source_crs == WGS84:
        problems = check_wgs84_points(x, y, row_numbers=rows, source=name, limit=MAX_PROBLEMS)
        if problems:
            raise GeoInputError(problems)

    # The coordinate columns become numbers; every other column stays text,
    # so codes like "44021A00-", postcodes and "7A" survive unchanged.
    df = df.copy()
    df[xcol] = x
    df[ycol] = y
    frame = gpd.GeoDataFrame(
        df.reset_index(drop=True),
        geometry=gpd.points_from_xy(x, y),
        crs=source_crs,
    )
    return frame, rows, "row", dropped


def _coordinate_columns(df, name, x_field, y_field) -> tuple[str, str, bool]:
    """(x column, y column, are they lon/lat degrees by name)."""
    if x_field or y_field:
        if not (x_field and y_field):
            raise GeoInputError("give both x_field and y_field, or neither")
        for col in (x_field, y_field):
            if col not in df.columns:
                raise GeoInputError(f"{name} has no column '{col}' (it has: {', '.join(map(str, df.columns))})")
        degrees = x_field.strip().lower() in LON_NAMES and y_field.strip().lower() in LAT_NAMES
        return x_field, y_field, degrees
    by_name = {str(c).strip().lower(): c for c in df.columns}

    def find(names):
        return next((by_name[n] for n in names if n in by_name), None)

    lat, lon = find(LAT_NAMES), find(LON_NAMES)
    if lat is not None and lon is not None:
        return lon, lat, True
    x, y = find(X_NAMES), find(Y_NAMES)
    if x is not None and y is not None:
        return x, y, False
    raise GeoInputError(
        f"{name} has no coordinate columns. A CSV needs latitude and longitude "
        f"({'/'.join(LAT_NAMES)} and {'/'.join(LON_NAMES)}) or x and y "
        f"({'/'.join(X_NAMES)} and {'/'.join(Y_NAMES)}); "
        f"it has: {', '.join(map(str, df.columns[:15]))}"
    )


_DECIMAL_COMMA = re.compile(r"^\s*(-?\d+),(\d+)\s*$")


def _numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of non-empty cells that are not numbers."""
    text = column.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = column.notna().to_numpy() & np.isnan(values)
    return values, bad


def _csv_bounds(df, xcol, ycol) -> np.ndarray:
    x, _ = _numbers(df[xcol])
    y, _ = _numbers(df[ycol])
    if not (np.isfinite(x).any() and np.isfinite(y).any()):
        return np.full(4, np.nan)
    return np.array([np.nanmin(x), np.nanmin(y), np.nanmax(x), np.nanmax(y)])
