"""Import area boundaries (municipalities, districts, sectors) from any vector file."""
from __future__ import annotations

from pathlib import Path

from shapely.geometry import mapping
from sqlalchemy import select
import json

from geo.areas import assign_parents, check_area_codes
from geo.errors import GeoInputError
from geo.io import read_vector
from ..extensions import db
from ..fields import has_control_character
from ..models import Area
from ..services.areas import LEVELS, areas_frame, reassign_all_places
from .common import ImportFailed, ImportSummary, Progress, find_column, no_progress, refresh_statistics

PARENT_OF = {"sector": "district", "district": "municipality"}


def _text_problems(frame) -> list[str]:
    """Codes and names as the area table holds them on both databases (lengths, no control characters)."""
    problems = []
    for column, limit in (("code", Area.code.type.length), ("name", Area.name.type.length)):
        for number, text in enumerate(frame[column], start=1):
            if has_control_character(text) or "\x00" in text:
                problems.append(f"feature {number}: the {column} contains a control character (such as a NUL byte)")
            elif len(text) > limit:
                problems.append(f"feature {number}: the {column} is {len(text):,} characters long; at most {limit}")
            if len(problems) >= 50:
                return problems
    return problems


def import_areas(path: str | Path, *, level: str, code_field: str | None = None,
                 name_field: str | None = None, parent_level: str | None = None,
                 parent_field: str | None = None, crs: str | None = None, source: str = "",
                 licence: str = "", generated: bool = False, demo: bool = False,
                 where: dict | None = None, progress: Progress = no_progress,
                 dry_run: bool = False) -> ImportSummary:
    """Read, validate, then write all areas in the caller's transaction (caller commits)."""
    path = Path(path)
    if level not in LEVELS:
        raise ImportFailed([f"--level must be one of {', '.join(LEVELS)}, not {level!r}"])
    try:
        read = read_vector(path, crs=crs)
    except GeoInputError as exc:
        raise ImportFailed(exc.problems) from None
    frame = read.frame
    if where:
        for column, value in where.items():
            frame = frame[frame[column].astype(str).str.startswith(value)]
        if frame.empty:
            raise ImportFailed([f"{path.name}: no features match {where}"])

    columns = [c for c in frame.columns if c != "geometry"]
    code_col = code_field or find_column(columns, "code", "id", "nis", "nis_code", "code_wijk", "wijkcode")
    name_col = name_field or find_column(columns, "name", "naam", "nom", "wijk", "label")
    problems = []
    for wanted, given, found in (("code", code_field, code_col), ("name", name_field, name_col)):
        if found is None or found not in frame.columns:
            problems.append(f"{path.name}: no {wanted} column "
                            f"{'named ' + repr(given) if given else 'found'}; columns are "
                            f"{', '.join(columns)} (choose one with --{wanted}-field)")
    if problems:
        raise ImportFailed(problems)
    frame = frame.reset_index(drop=True)
    frame["code"] = frame[code_col].astype(str).str.strip()
    frame["name"] = frame[name_col].astype(str).str.strip()
    code_problems = check_area_codes(frame, "code") + _text_problems(frame)
    if code_problems:
        raise ImportFailed([f"{path.name}: {p}" for p in code_problems])

    parents: dict[str, Area] = {}
    parent_codes = None
    if parent_level or parent_field:
        parent_level = parent_level or PARENT_OF.get(level)
        parent_rows = db.session.scalars(select(Area).where(Area.level == parent_level)).all()
        if not parent_rows:
            raise ImportFailed([f"{path.name}: no areas of level {parent_level!r} yet; "
                                f"import those first"])
        parents = {a.code: a for a in parent_rows}
        if parent_field:
            if parent_field not in frame.columns:
                raise ImportFailed([f"{path.name}: no column {parent_field!r} for the parent code"])
            parent_codes = frame[parent_field].astype(str).str.strip()
            missing = [(i, c) for i, c in enumerate(parent_codes, start=1) if c not in parents]
            if missing:
                raise ImportFailed([
                    f"{path.name}: feature {i}: parent code {c!r} is not a {parent_level} area"
                    for i, c in missing[:50]] + ([f"... and {len(missing) - 50} more"] if len(missing) > 50 else []))
        else:
            parent_frame = areas_frame(parent_level)
            parent_codes = assign_parents(frame, parent_frame, code_col="code")
            orphans = [(i, c) for i, (c, p) in enumerate(zip(frame["code"], parent_codes), start=1) if p is None]
            if orphans:
                raise ImportFailed([
                    f"{path.name}: feature {i} ({c}): lies in no {parent_level} area" for i, c in orphans[:50]])

    existing = {a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(list(frame["code"])))).all()}
    clash = [c for c, a in existing.items() if a.level != level]
    if clash:
        raise ImportFailed([f"{path.name}: area code {c} already exists at level {existing[c].level}"
                            for c in clash[:50]])

    summary = ImportSummary(what=f"{level} areas from {path.name}", dry_run=dry_run)
    summary.notes.extend(read.notes)  # repairs, skipped empty features, conversions
    summary.notes.append(f"source CRS {read.source_crs}, stored as EPSG:4326")
    progress.start(len(frame), f"{level} areas")
    for number, row in enumerate(frame.itertuples(index=False), start=1):
        geometry = row.geometry
        minx, miny, maxx, maxy = geometry.bounds
        values = dict(name=row.name, level=level, geometry=json.dumps(mapping(geometry)),
                      min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy,
                      source=source or path.name, licence=licence, is_generated=generated,
                      is_demo=demo)
        if parent_codes is not None:
            values["parent_id"] = parents[parent_codes.iloc[number - 1]].id
        area = existing.get(row.code)
        if area is None:
            db.session.add(Area(code=row.code, **values))
            summary.created += 1
        else:
            changed = any(getattr(area, k) != v for k, v in values.items())
            if changed:
                for k, v in values.items():
                    setattr(area, k, v)
                summary.updated += 1
            else:
                summary.unchanged += 1
        progress.advance()
    db.session.flush()
    if summary.created or summary.updated:
        places = reassign_all_places()
        summary.notes.append(f"recomputed the areas of {places} meeting places")
    refresh_statistics(summary)
    return summary
