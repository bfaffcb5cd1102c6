"""Every bad input in tests/data/bad/ gets an answer, never a server error, and changes nothing.

The corpus is declarative (tests/data/bad/README.md describes the format): one JSON file per
group of requests (method, path, role, query string or form fields over a group's valid base
form), and importer runs (a CLI command over a small committed file or one made at test time:
a 200 MB CSV line, a GeoJSON nested 100,000 deep, a zip that unpacks to 2 GiB, a polygon with
too many vertices). Run it on both databases (`--db sqlite`, `--db postgresql`): an answer is
a 4xx with a message or a 200 page that says what was wrong, and no table's row count nor the
content of the key tables changed.
"""
from __future__ import annotations

import hashlib
import json
import re
import resource
import zipfile
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from importing import output, run_cli
from workspace import CSRF_RE, as_user, fresh_request_client

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bad"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
# Tables whose content (not only their row count) must be as before.
KEY_TABLES = ("user_account", "organisation", "initiative", "meeting_place", "room", "activity", "schedule",
              "area", "outdated_report", "audit_entry")
# What a request may write whatever its input: a session's last use, a failed login's count.
BOOKKEEPING = ("user_session", "login_throttle")
# A refused import may not build the whole file in memory first (a 200 MB line took 1.4 GB).
MAX_MEMORY_GROWTH_MB = 400
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _load() -> list[dict]:
    entries = []
    for path in sorted(CORPUS.glob("*.json")):
        group = json.loads(path.read_text(encoding="utf-8"))
        defaults = {k: v for k, v in group.items() if k not in ("entries", "base", "about")}
        for raw in group["entries"]:
            entry = {**defaults, **raw, "group": path.stem}
            if "form" in raw or group.get("base"):
                form = dict(group.get("base") or {}) if raw.get("base", True) is not False else {}
                form.update(raw.get("form") or {})
                entry["form"] = {k: v for k, v in form.items() if v is not None}
            entries.append(entry)
    return entries


ENTRIES = _load()


def test_the_corpus_is_large_and_its_ids_unique():
    ids = [f"{e['group']}/{e['id']}" for e in ENTRIES]
    assert len(ids) >= 100, len(ids)
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]


# ------------------------------------------------------------------ values and placeholders

def _context(app) -> dict:
    """Ids of demo records the entries refer to ({place}, {room}, {activity} ...)."""
    from community.extensions import db
    from community.models import (Activity, Area, Initiative, InitiativeAtPlace, MeetingPlace, PlaceArea, Room,
                                  User)
    district = db.session.scalar(select(Area).where(Area.code == "44021W01"))
    place = db.session.scalars(select(MeetingPlace).join(PlaceArea).join(Room)
                               .where(PlaceArea.area_id == district.id, MeetingPlace.archived_at.is_(None))
                               .order_by(MeetingPlace.name)).first()
    initiative = db.session.scalars(select(Initiative).join(InitiativeAtPlace)
                                    .where(InitiativeAtPlace.place_id == place.id,
                                           Initiative.archived_at.is_(None))
                                    .order_by(Initiative.name)).first()
    worker = db.session.scalar(select(User).where(User.email == "worker@demo.buurtkracht.example"))
    other = db.session.scalar(select(User).where(User.email == "worker2@demo.buurtkracht.example"))
    activity = db.session.scalars(select(Activity).where(Activity.area_id == district.id,
                                                         Activity.status == "planned")
                                  .order_by(Activity.starts_at.desc())).first()
    tomorrow = date.today() + timedelta(days=1)
    return {"district": district.code, "place": str(place.id), "room": str(place.rooms[0].id),
            "initiative": str(initiative.id), "organisation": str(initiative.organisation_id),
            "activity": str(activity.id), "user": str(other.id), "worker": str(worker.id),
            "unknown": UNKNOWN_ID, "long": "x" * 3000, "tomorrow": tomorrow.isoformat(),
            "day_after": (tomorrow + timedelta(days=1)).isoformat()}


def _fill(value, ctx):
    """A corpus value: a string with {placeholders}, a list (several values), or a generator."""
    if isinstance(value, list):
        return [_fill(v, ctx) for v in value]
    if isinstance(value, dict):
        if "repeat" in value:
            return _fill(value.get("prefix", ""), ctx) + value["repeat"] * value["times"] + \
                _fill(value.get("suffix", ""), ctx)
        if "lines" in value:
            return "\n".join(value["lines"].replace("{i}", str(i)) for i in range(value["times"]))
        if "each" in value:
            return [value["each"].replace("{i}", str(i)) for i in range(value["times"])]
        raise AssertionError(f"unknown value generator {value}")
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ctx.get(m.group(1), m.group(0)), value)
    return value


# ------------------------------------------------------------------ the database before and after

def _state(db) -> dict:
    """Row counts of every table, and a checksum of the key tables' content."""
    from community.extensions import begin_read_only, end_read_only
    state = {}
    token = begin_read_only()  # on SQLite a deferred BEGIN: it takes no write lock
    try:
        _read_state(db, state)
    finally:
        end_read_only(token)
    return state


def _read_state(db, state: dict) -> None:
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            state[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
            if table.name in KEY_TABLES:
                order = [c for c in table.primary_key.columns] or list(table.columns)
                digest = hashlib.sha256()
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                state[table.name + " (content)"] = digest.hexdigest()


# ------------------------------------------------------------------ files made at test time

def _long_csv_line(tmp: Path, size: int = 200 * 1024 * 1024) -> Path:
    path = tmp / "long_line.csv"
    chunk = b"x" * (1024 * 1024)
    with path.open("wb") as out:
        out.write(b"name,organisation,place,latitude,longitude\n")
        out.write(b"Soep,Vzw,Buurthuis,51.05,3.72\n")
        out.write(b"Soep ")
        for _ in range(size // len(chunk)):
            out.write(chunk)
        out.write(b",Vzw,Buurthuis,51.05,3.72\n")
    return path


def _deep_geojson(tmp: Path, depth: int = 100_000) -> Path:
    path = tmp / "deep.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    '{"name": ' + "[" * depth + "]" * depth + '}, "geometry": null}]}')
    return path


def _zip_bomb(tmp: Path, size: int = 2 * 1024 ** 3) -> Path:
    """A zip whose one GeoJSON member unpacks to `size` bytes of zeros (some 2 MB on disk).

    The deflate stream is one compressed MiB of zeros repeated: after a full flush the
    compressor forgets its history, so every MiB compresses to the same bytes.
    """
    path = tmp / "bomb.zip"
    mib = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = 0
    zeros = b"\0" * mib
    for _ in range(size // mib):
        crc = zlib.crc32(zeros, crc)
    info = zipfile.ZipInfo("areas.geojson", date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        # Write the member's header and data by hand: zipfile would deflate 2 GiB itself.
        info.file_size, info.CRC = size, crc
        info.compress_size = len(block) * (size // mib) + len(tail)
        zf.fp.write(info.FileHeader(zip64=True))
        for _ in range(size // mib):
            zf.fp.write(block)
        zf.fp.write(tail)
        info.header_offset = 0
        zf.filelist.append(info)
        zf.NameToInfo[info.filename] = info
        zf.start_dir = zf.fp.tell()
    return path


def _many_vertices(tmp: Path, count: int = 200_000) -> Path:
    """One district whose ring has `count` vertices on a circle around Gent."""
    import math
    path = tmp / "many_vertices.geojson"
    ring = [[round(3.72 + 0.01 * math.cos(2 * math.pi * i / count), 7),
             round(51.05 + 0.01 * math.sin(2 * math.pi * i / count), 7)] for i in range(count)]
    ring.append(ring[0])
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "X1", "name": "Veelhoek"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    return path


GENERATORS = {"long_csv_line": _long_csv_line, "deep_geojson": _deep_geojson, "zip_bomb": _zip_bomb,
              "many_vertices": _many_vertices}


# ------------------------------------------------------------------ running one entry

def _client(app, role: str, ctx: dict):
    client = fresh_request_client(app)
    if role != "anonymous":
        from community.extensions import db
        from community.models import User
        user = db.session.scalar(select(User).where(User.email == f"{role}@demo.buurtkracht.example"))
        assert user is not None, role
        as_user(client, user)
    return client


def _request(app, entry: dict, ctx: dict):
    client = _client(app, entry.get("role", "anonymous"), ctx)
    method = entry.get("method", "GET")
    path = _fill(entry["path"], ctx)
    kwargs = {}
    if "raw_query" in entry:
        path += "?" + _fill(entry["raw_query"], ctx)
    elif "query" in entry:
        kwargs["query_string"] = {k: _fill(v, ctx) for k, v in entry["query"].items()}
    data = None
    if method == "POST":
        data = {k: _fill(v, ctx) for k, v in entry.get("form", {}).items()}
        token_page = _fill(entry.get("token_from", entry["path"]), ctx)
        page = client.get(token_page)
        assert page.status_code == 200, f"{token_page}: {page.status_code}"
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {token_page}"
        data.setdefault("csrf_token", match.group(1))
    return client, method, path, data, kwargs


def _check_answer(entry: dict, response) -> None:
    body = response.get_data(as_text=True)
    status = response.status_code
    assert status < 500, f"server error {status}: {body[:300]}"
    if entry.get("method", "GET") == "POST":
        assert status != 302 or "/login" in response.headers.get("Location", ""), \
            f"accepted ({status} to {response.headers.get('Location')})"
    if 400 <= status < 500:
        assert body.strip(), "a refusal without a message"
    if status == 200 and entry.get("method", "GET") == "POST":
        assert "error-summary" in body or "field-error" in body, "a 200 answer that names no problem"
    for fragment in entry.get("expect", ()):
        assert fragment in body, f"{fragment!r} not in the answer ({status}): {body[:2000]}"


def _check_import(entry: dict, app, tmp_path: Path, ctx: dict) -> None:
    file = None
    if "generate" in entry:
        file = GENERATORS[entry["generate"]](tmp_path)
    elif "file" in entry:
        file = CORPUS / "files" / entry["file"]
    args = [str(file) if a == "{file}" else _fill(a, ctx) for a in entry["cli"]]
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = run_cli(app, *args)
    grown_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before_mb
    text_out = output(result)
    assert result.exit_code != 0, text_out
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{type(result.exception).__name__}: {result.exception}"
    for fragment in entry.get("expect", ()):
        assert fragment in text_out, text_out[:2000]
    assert grown_mb < MAX_MEMORY_GROWTH_MB, f"the process grew by {grown_mb:.0f} MB"


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e['group']}/{e['id']}" for e in ENTRIES])
def test_bad_input(demo_app, demo_db, entry, tmp_path):
    db = demo_db
    ctx = _context(demo_app)
    db.session.remove()
    if "cli" in entry:
        before = _state(db)
        _check_import(entry, demo_app, tmp_path, ctx)
    else:
        client, method, path, data, kwargs = _request(demo_app, entry, ctx)
        db.session.remove()
        before = _state(db)
        response = client.open(path, method=method, data=data, **kwargs)
        _check_answer(entry, response)
    db.session.remove()
    assert _state(db) == before, "the database changed"
