"""Read user-supplied vector files (GeoJSON, GeoPackage, Shapefile, CSV) into clean EPSG:4326 GeoDataFrames."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyogrio.errors
import shapely
import shapely.errors
from pyproj import CRS
from pyproj.exceptions import CRSError as _ProjCRSError
from shapely.geometry import MultiPolygon, Polygon

from .crs import WGS84, crs_label, fmt_number, guess_point_crs, in_belgium, normalize_crs
from .csv_points import CSV_SUFFIXES, read_points_csv
from .errors import GeoInputError
from .limits import check_json_text, check_vertices, check_zip, read_limited
from .reading import ask_crs, not_vector, numbers_text

# Files inside a .zip that GDAL can read as one dataset.
_ZIP_VECTOR_SUFFIXES = {".shp", ".geojson", ".json", ".gpkg"}

_OGR_ERRORS = tuple(
    getattr(pyogrio.errors, name)
    for name in (
        "DataSourceError",
        "DataLayerError",
        "FieldError",
        "GeometryError",
        "FeatureError",
        "CRSError",
        "UnsupportedGeometryTypeError",
    )
    if hasattr(pyogrio.errors, name)
)


@dataclass
class VectorRead:
    """Result of read_vector: the data in EPSG:4326 plus what was done to it."""

    frame: gpd.GeoDataFrame
    source_crs: str
    repaired: int = 0
    dropped_empty: int = 0
    notes: list[str] = field(default_factory=list)


def read_vector(
    path,
    *,
    crs: str | None = None,
    layer: str | None = None,
    x_field: str | None = None,
    y_field: str | None = None,
) -> VectorRead:
    """Read a GeoJSON, GeoPackage, Shapefile (.shp or zipped) or CSV file into EPSG:4326.

    ``crs`` overrides or supplies the source CRS; without it a file lacking a
    CRS is refused (never guessed). ``layer`` picks a GeoPackage layer or a
    file inside a zip. ``x_field``/``y_field`` name a CSV's coordinate
    columns when they are not found by name. Invalid polygons are repaired,
    features without geometry dropped; both are counted and noted.
    Raises GeoInputError with messages meant for the person who supplied the file.
    """
    p = Path(path)
    name = p.name
    if not p.exists():
        raise GeoInputError(f"{name}: file not found")
    if p.is_dir():
        raise GeoInputError(f"{name} is a folder, not a file")
    if p.stat().st_size == 0:
        raise GeoInputError(f"{name} is empty (0 bytes)")
    given_crs = _parse_crs(crs) if crs is not None else None

    notes: list[str] = []
    if p.suffix.lower() in CSV_SUFFIXES or x_field or y_field:
        frame, numbers, word, dropped = read_points_csv(p, name, given_crs, x_field, y_field, notes)
        source_crs = normalize_crs(frame.crs)
        repaired = 0
    else:
        frame, driver = _read_ogr(p, name, layer, notes)
        word = "feature"
        numbers = np.arange(1, len(frame) + 1)
        frame, numbers, dropped, repaired = _clean_geometries(frame, numbers, name, word, notes)
        check_vertices(frame.geometry.values, numbers, name, word)
        source_crs = _resolve_crs(frame, given_crs, name, driver, notes)
        frame = frame.set_crs(source_crs, allow_override=True)

    source_bounds = frame.total_bounds
    if source_crs != WGS84:
        frame = frame.to_crs(WGS84)
        notes.append(f"converted from {crs_label(source_crs)} to EPSG:4326")
    _check_in_belgium(frame, numbers, name, word, source_crs, source_bounds)
    frame = frame.reset_index(drop=True)
    return VectorRead(
        frame=frame,
        source_crs=source_crs,
        repaired=repaired,
        dropped_empty=dropped,
        notes=notes,
    )


def _parse_crs(crs) -> str:
    try:
        return normalize_crs(crs)
    except (_ProjCRSError, TypeError, ValueError):
        raise GeoInputError(
            f"--crs {crs} is not a coordinate reference system pyproj knows; "
            "use a code such as EPSG:31370"
        ) from None


# --- GDAL formats -----------------------------------------------------------


def _read_ogr(p: Path, name: str, layer: str | None, notes: list[str]):
    if p.suffix.lower() in (".geojson", ".json"):  # GDAL's JSON parser has no limits of ours
        check_json_text(read_limited(p, name).decode("utf-8", errors="replace"), name)
    target, layer = _ogr_target(p, name, layer)
    try:
        layers = pyogrio.list_layers(target)
    except _OGR_ERRORS as exc:
        raise not_vector(name, str(exc), (target, str(p), str(p.resolve()))) from None
    if len(layers) == 0:
        raise GeoInputError(f"{name} contains no layers")
    names = [str(n) for n, _ in layers]
    if layer is None:
        # Attribute-only tables (no geometry type) are not what the caller wants.
        spatial = [str(n) for n, gtype in layers if gtype is not None]
        layer = spatial[0] if spatial else names[0]
        if len(names) > 1:
            notes.append(
                f"{name} has {len(names)} layers ({', '.join(names)}); read '{layer}' "
                "(pass layer= to choose another)"
            )
    elif layer not in names:
        raise GeoInputError(f"{name} has no layer '{layer}' (it has: {', '.join(names)})")

    try:
        info = pyogrio.read_info(target, layer=layer)
        if info.get("features") == 0:
            raise GeoInputError(f"{name} contains no features")
        frame = pyogrio.read_dataframe(target, layer=layer)
    except shapely.errors.GEOSException as exc:  # an unclosed ring, a ring of 2 points ...
        raise GeoInputError(f"{name}: a geometry cannot be read ({str(exc).split(': ', 1)[-1][:200]})") from None
    except _OGR_ERRORS as exc:
        raise not_vector(name, str(exc), (target, str(p), str(p.resolve()))) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise GeoInputError(f"{name} (layer '{layer}') has no geometry column")
    if len(frame) == 0:
        raise GeoInputError(f"{name} contains no features")
    return frame, info.get("driver", "")


def _ogr_target(p: Path, name: str, layer: str | None) -> tuple[str, str | None]:
    """GDAL path for the file, and the layer to pass on (a zip member choice uses it up)."""
    suffix = p.suffix.lower()
    if suffix == ".shp":
        # Without its index file GDAL refuses the .shp with an obscure message.
        if not _sibling(p, ".shx"):
            raise GeoInputError(
                f"{name} needs its companion file {p.stem}.shx next to it "
                "(send a shapefile as one .zip holding .shp, .shx, .dbf and .prj)"
            )
        return str(p), layer
    if suffix != ".zip":
        return str(p), layer

    try:
        with zipfile.ZipFile(p) as zf:
            members = [
                m
                for m in zf.namelist()
                if not m.endswith("/") and not m.startswith("__MACOSX/")
            ]
            check_zip(zf, name)
    except zipfile.BadZipFile:
        raise not_vector(name, "not a valid zip archive") from None
    lower = {m.lower() for m in members}
    candidates = [m for m in members if Path(m).suffix.lower() in _ZIP_VECTOR_SUFFIXES]
    if not candidates:
        raise GeoInputError(
            f"{name} holds no .shp, .geojson or .gpkg file "
            f"(it holds: {', '.join(members[:10]) or 'nothing'})"
        )
    if len(candidates) > 1:
        chosen = [m for m in candidates if layer is not None and Path(m).stem == layer]
        if not chosen:
            stems = ", ".join(Path(m).stem for m in candidates)
            raise GeoInputError(
                f"{name} holds several vector files ({stems}); pass layer= with the one to read"
            )
        member, layer = chosen[0], None
    else:
        member = candidates[0]
        if layer is not None and Path(member).stem == layer:
            layer = None
    if member.lower().endswith(".shp") and member[:-4].lower() + ".shx" not in lower:
        raise GeoInputError(f"{name}: {member} has no {Path(member).stem}.shx next to it in the zip")
    return f"/vsizip/{p.resolve()}/{member}", layer


def _sibling(p: Path, suffix: str) -> bool:
    # Shapefile parts come in any case (.SHX from older Windows tools).
    return any(p.with_suffix(s).exists() for s in (suffix, suffix.upper()))


def _polygonal_parts(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [part for sub in geom.geoms for part in _polygonal_parts(sub)]
    return []


def _clean_geometries(frame, numbers, name, word, notes):
    """Drop features without geometry and repair invalid ones; returns counts for VectorRead."""
    geoms = frame.geometry.values
    missing = np.asarray(geoms.isna() | geoms.is_empty)
    dropped = int(missing.sum())
    if dropped:
        notes.append(f"dropped {dropped} {word}(s) without geometry ({numbers_text(word, numbers[missing])})")
        frame = frame.loc[~missing]
        numbers = numbers[~missing]
    if len(frame) == 0:
        raise GeoInputError(f"{name} has no {word}s with a geometry (all {dropped} are empty)")

    arr = np.asarray(frame.geometry.values, dtype=object)
    changed = False
    if shapely.has_z(arr).any():
        arr = shapely.force_2d(arr)
        changed = True
        notes.append("dropped the Z (height) coordinate")

    invalid = ~shapely.is_valid(arr)
    repaired = int(invalid.sum())
    if repaired:
        emptied = np.zeros(len(arr), dtype=bool)
        for i in np.flatnonzero(invalid):
            original = arr[i]
            fixed = shapely.make_valid(original)
            if shapely.get_type_id(original) in (3, 6):  # Polygon, MultiPolygon
                # A self-crossing ring repairs into polygons plus stray lines or
                # points; an area layer only wants the polygons.
                parts = _polygonal_parts(fixed)
                fixed = MultiPolygon(parts) if parts else None
            arr[i] = fixed
            emptied[i] = fixed is None or fixed.is_empty
        notes.append(f"repaired {repaired} invalid geometr{'ies' if repaired > 1 else 'y'} ({numbers_text(word, numbers[invalid])})")
        if emptied.any():
            notes.append(
                f"dropped {int(emptied.sum())} {word}(s) that had no area left after repair "
                f"({numbers_text(word, numbers[emptied])})"
            )
            dropped += int(emptied.sum())
        frame = frame.copy()
        frame[frame.geometry.name] = gpd.GeoSeries(arr, index=frame.index, crs=frame.crs)
        frame = frame.loc[~emptied]
        numbers = numbers[~emptied]
        if len(frame) == 0:
            raise GeoInputError(f"{name} has no {word}s with a usable geometry")
    elif changed:
        frame = frame.copy()
        frame[frame.geometry.name] = gpd.GeoSeries(arr, index=frame.index, crs=frame.crs)
    return frame, numbers, dropped, repaired


def _resolve_crs(frame, given_crs, name, driver, notes) -> str:
    bounds = frame.total_bounds
    if given_crs is not None:
        if frame.crs is not None:
            declared = normalize_crs(frame.crs)
            if declared != given_crs:
                notes.append(f"{name} declares {declared}; used {given_crs} as asked")
        return given_crs
    if frame.crs is None:
        raise GeoInputError(
            ask_crs(name, bounds, "has no coordinate reference system (no .prj file or CRS definition)")
        )
    declared = normalize_crs(frame.crs)
    minx, miny, maxx, maxy = bounds
    looks_like_degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    if CRS.from_user_input(frame.crs).is_geographic and not looks_like_degrees:
        span = (
            f"x runs from {fmt_number(round(minx))} to {fmt_number(round(maxx))} and "
            f"y from {fmt_number(round(miny))} to {fmt_number(round(maxy))}"
        )
        if driver == "GeoJSON":
            # GDAL labels every GeoJSON without a "crs" member as WGS 84, as
            # RFC 7946 says; metric numbers there mean the writer ignored it.
            reason = (
                "is GeoJSON, whose coordinates should be longitude/latitude degrees "
                f"(RFC 7946), but its {span}, which cannot be degrees"
            )
        else:
            reason = f"declares {declared} (degrees), but its {span}, which cannot be degrees"
        raise GeoInputError(ask_crs(name, bounds, reason))
    return declared


def _check_in_belgium(frame, numbers, name, word, source_crs, source_bounds) -> None:
    b = frame.geometry.bounds
    inside = np.asarray(in_belgium(b["minx"], b["miny"]) & in_belgium(b["maxx"], b["maxy"]))
    if inside.all():
        return
    out = np.flatnonzero(~inside)
    converted = f" after conversion from {source_crs} to EPSG:4326" if source_crs != WGS84 else ""
    text = (
        f"{name}: {out.size} of {len(frame)} {word}s lie{'s' if out.size == 1 else ''} outside "
        f"Belgium{converted} ({numbers_text(word, numbers[out])})."
    )
    if np.all(np.isfinite(source_bounds)):
        minx, miny, maxx, maxy = source_bounds
        guess = guess_point_crs([minx, maxx], [miny, maxy])
        if guess is not None and guess != source_crs:
            text += f" Their coordinates look like {crs_label(guess)}; if so, pass --crs {guess}."
        elif source_crs == WGS84 and guess_point_crs([miny, maxy], [minx, maxx]) == WGS84:
            text += " Latitude and longitude look swapped (GeoJSON and Shapefile put longitude first)."
    raise GeoInputError(text)
