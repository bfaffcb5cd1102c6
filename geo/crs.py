"""Coordinate reference systems used in Buurtkracht: constants, guessing, conversion to WGS 84, sanity checks."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"
LAMBERT72 = "EPSG:31370"
LAMBERT2008 = "EPSG:3812"
# Distances and areas are computed in Lambert 72: it is what Flemish and Belgian
# open data is published in, and its scale error over Belgium is well under 0.1 %.
METRIC = LAMBERT72

# (min lon, min lat, max lon, max lat). Belgium itself spans about
# 2.54..6.41 E and 49.50..51.51 N; the margin keeps border features inside.
BELGIUM_BOUNDS_WGS84 = (2.38, 49.45, 6.53, 51.56)

# Coordinate windows in which each CRS puts Belgium (with a margin). They do not
# overlap, so at most one can match a set of points.
_WINDOWS = {
    WGS84: BELGIUM_BOUNDS_WGS84,
    LAMBERT72: (20_000.0, 20_000.0, 300_000.0, 250_000.0),
    LAMBERT2008: (520_000.0, 520_000.0, 800_000.0, 750_000.0),
}

_WGS84_CRS = CRS.from_user_input(WGS84)

CRS_LABELS = {
    WGS84: "WGS 84 longitude/latitude degrees",
    LAMBERT72: "Belgian Lambert 72",
    LAMBERT2008: "Belgian Lambert 2008",
}


def crs_label(crs: str) -> str:
    """Human name for one of the known CRSs, e.g. "EPSG:31370 (Belgian Lambert 72)"."""
    label = CRS_LABELS.get(crs)
    return f"{crs} ({label})" if label else str(crs)


def normalize_crs(crs) -> str:
    """Short, stable text for a CRS: "EPSG:31370" when it has an EPSG code, else its WKT."""
    parsed = CRS.from_user_input(crs)
    # OGC:CRS84 is EPSG:4326 with longitude first; with always_xy they are the same.
    if parsed.equals(_WGS84_CRS, ignore_axis_order=True):
        return WGS84
    epsg = parsed.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    # ESRI .prj files often lack an authority; a looser match still finds the code.
    epsg = parsed.to_epsg(min_confidence=25)
    if epsg is not None:
        return f"EPSG:{epsg}"
    return parsed.to_string()


def guess_point_crs(x: np.ndarray, y: np.ndarray) -> str | None:
    """The one CRS among WGS84, LAMBERT72 and LAMBERT2008 that puts every finite point in Belgium.

    For WGS 84, x is longitude and y latitude. Returns None when no point is
    finite, when no CRS fits, or when more than one fits.
    """
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return None
    x, y = x[finite], y[finite]
    fits = [
        name
        for name, (x0, y0, x1, y1) in _WINDOWS.items()
        if np.all((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    ]
    return fits[0] if len(fits) == 1 else None


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    # Building a Transformer costs milliseconds; the transform itself microseconds.
    # pyproj >= 3.1 transformers are safe to share between threads.
    return Transformer.from_crs(source, target, always_xy=True)


def transformer(source, target) -> Transformer:
    """Cached always_xy Transformer between two CRSs (any pyproj input)."""
    return _transformer(_cache_key(source), _cache_key(target))


def _cache_key(crs) -> str:
    if isinstance(crs, str):
        return crs
    return CRS.from_user_input(crs).to_wkt()


def to_wgs84(x, y, crs) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates from ``crs`` to (lon, lat) arrays in EPSG:4326."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if crs is None:
        raise ValueError("to_wgs84 needs an explicit source CRS")
    if isinstance(crs, str) and crs.upper() == WGS84:
        return x.copy(), y.copy()
    lon, lat = transformer(crs, WGS84).transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(lon, lat, crs) -> tuple[np.ndarray, np.ndarray]:
    """Convert (lon, lat) in EPSG:4326 to (x, y) arrays in ``crs``."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = transformer(WGS84, crs).transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def in_belgium(lon, lat) -> np.ndarray:
    """Boolean array: point inside BELGIUM_BOUNDS_WGS84 (NaN counts as outside)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x0, y0, x1, y1 = BELGIUM_BOUNDS_WGS84
    with np.errstate(invalid="ignore"):
        return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def fmt_number(value: float) -> str:
    """Coordinate as a person typed it: up to 7 decimals, no trailing zeros."""
    if not np.isfinite(value):
        return str(value)
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def check_wgs84_points(
    lon,
    lat,
    *,
    row_numbers=None,
    source: str = "",
    limit: int | None = None,
) -> list[str]:
    """One message per point that is not a usable latitude/longitude in Belgium.

    ``row_numbers`` labels the points in messages (default 1, 2, 3...);
    ``source`` (a file name) prefixes every message. With ``limit``, at most
    that many point messages are returned, followed by one line counting the rest.
    """
    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat differ in length ({lon.size} and {lat.size})")
    if row_numbers is None:
        row_numbers = np.arange(1, lon.size + 1)
    row_numbers = list(row_numbers)
    if len(row_numbers) != lon.size:
        raise ValueError("row_numbers must have one entry per point")

    with np.errstate(invalid="ignore"):
        lat_range_bad = ~((lat >= -90) & (lat <= 90))
        lon_range_bad = ~((lon >= -180) & (lon <= 180))
    inside = in_belgium(lon, lat)
    bad = lat_range_bad | lon_range_bad | ~inside
    prefix = f"{source}, " if source else ""

    problems: list[str] = []
    bad_idx = np.flatnonzero(bad)
    shown = bad_idx if limit is None else bad_idx[:limit]
    for i in shown:
        where = f"{prefix}row {row_numbers[i]}"
        la, lo = lat[i], lon[i]
        if np.isnan(la) or np.isnan(lo):
            missing = " and ".join(
                name for name, v in (("latitude", la), ("longitude", lo)) if np.isnan(v)
            )
            problems.append(f"{where}: {missing} missing")
            continue
        parts = []
        if lat_range_bad[i]:
            parts.append(f"latitude {fmt_number(la)} is not between -90 and 90")
        if lon_range_bad[i]:
            parts.append(f"longitude {fmt_number(lo)} is not between -180 and 180")
        if not parts:
            text = f"latitude {fmt_number(la)} / longitude {fmt_number(lo)} lies outside Belgium"
            # The most common mistake in hand-made files: columns mixed up.
            if in_belgium(la, lo):
                text += "; latitude and longitude look swapped"
            parts.append(text)
        problems.append(f"{where}: " + "; ".join(parts))
    if limit is not None and bad_idx.size > limit:
        problems.append(f"{prefix}... and {bad_idx.size - limit} more rows with the same kind of problem")
    return problems
