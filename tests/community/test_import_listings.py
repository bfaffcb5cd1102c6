"""import-listings: real-world CSV quirks, idempotent re-import, and bad input left untouched."""
from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select

from importing import assert_refused, counts, output, run_cli

HEADER_EN = ["id", "name", "organisation", "place", "street", "number", "postcode", "municipality",
             "latitude", "longitude", "working_models", "target_groups", "cost", "childcare",
             "weekdays", "start", "end", "frequency"]
ROW_1 = ["i-1", "Taalcafé De Brug", "Vzw Samen", "Buurthuis Noord", "Sint-Baafsplein", "1", "9000",
         "Gent", "51.0530", "3.7270", "competence|location", "newcomers", "free", "children_welcome",
         "2", "14:00", "16:00", "weekly"]
ROW_2 = ["i-2", "Buurtsoep", "Vzw Samen", "Buurthuis Noord", "Sint-Baafsplein", "1", "9000",
         "Gent", "51.0530", "3.7270", "location", "everyone", "social_tariff", "none",
         "4", "18:00", "20:00", "weekly"]


def _csv(path, rows, delimiter=",", encoding="utf-8"):
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def _refused(app, db, path, *expected):
    return assert_refused(app, db, ["import-listings", str(path)], *expected)


def test_import_and_reimport_updates_without_duplicates(app, db, tmp_path):
    from community.models import Initiative
    path = _csv(tmp_path / "listings.csv", [HEADER_EN, ROW_1, ROW_2])
    first = run_cli(app, "import-listings", str(path))
    assert first.exit_code == 0, output(first)
    after_first = counts(db)
    assert after_first["Initiative"] == 2 and after_first["MeetingPlace"] == 1
    assert after_first["Organisation"] == 1 and after_first["Schedule"] == 2
    second = run_cli(app, "import-listings", str(path))
    assert second.exit_code == 0, output(second)
    assert counts(db) == after_first
    changed = [r[:] for r in (ROW_1, ROW_2)]
    changed[0][1] = "Taalcafé De Brug (nieuw)"
    _csv(path, [HEADER_EN, *changed])
    third = run_cli(app, "import-listings", str(path))
    assert third.exit_code == 0
    assert counts(db) == after_first
    names = sorted(i.name for i in db.session.scalars(select(Initiative)))
    assert names == ["Buurtsoep", "Taalcafé De Brug (nieuw)"]
    init = db.session.scalar(select(Initiative).where(Initiative.external_id == "i-1"))
    assert init.working_models == ["competence", "location"]
    assert init.locations[0].schedules[0].weekday_list == (2,)


def test_dutch_columns_semicolons_cp1252_labels_and_lambert(app, db, tmp_path):
    from community.models import Initiative, MeetingPlace
    header = ["naam", "organisatie", "plek", "straat", "huisnummer", "postcode", "gemeente", "x", "y",
              "werkmodellen", "doelgroepen", "kostprijs", "kinderopvang", "dag", "begin", "einde"]
    row = ["Wandelclub Sint-Pieters", "Buurtwerk Zuid", "Café Zuid", "Kortrijksesteenweg", "100",
           "9000", "Gent", "104500", "192800", "Netwerkversterking via locatie/regio|Lotgenotennetwerk",
           "Ouderen", "Gratis", "Kinderen welkom", "woensdag", "14:00", "15:30"]
    path = _csv(tmp_path / "lijst.csv", [header, row], delimiter=";", encoding="cp1252")
    result = run_cli(app, "import-listings", str(path))
    assert result.exit_code == 0, output(result)
    assert "Windows-1252" in result.output and "EPSG:31370" in result.output
    init = db.session.scalar(select(Initiative))
    assert init.working_models == ["location", "peer"] and init.target_groups == ["elderly"]
    place = db.session.scalar(select(MeetingPlace))
    assert 51.0 < place.latitude < 51.1 and 3.69 < place.longitude < 3.75


def test_utf8_bom_and_geojson(app, db, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(",".join(r) for r in (HEADER_EN, ROW_1)) + "\n").encode())
    result = run_cli(app, "import-listings", str(path))
    assert result.exit_code == 0, output(result)
    assert "UTF-8 with BOM" in result.output
    props = dict(zip(HEADER_EN, ROW_2))
    props.pop("latitude"), props.pop("longitude")
    geo = tmp_path / "more.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [3.727, 51.053]}}]}))
    result = run_cli(app, "import-listings", str(geo))
    assert result.exit_code == 0, output(result)
    assert counts(db)["Initiative"] == 2 and counts(db)["MeetingPlace"] == 1


def test_empty_file(app, db, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _refused(app, db, path, "empty")


def test_random_bytes(app, db, tmp_path):
    path = tmp_path / "noise.csv"
    path.write_bytes(os.urandom(2048) + b"\x00")
    _refused(app, db, path, "not a text")


def test_missing_required_column(app, db, tmp_path):
    header = [h for h in HEADER_EN if h != "organisation"]
    row = [v for h, v in zip(HEADER_EN, ROW_1) if h != "organisation"]
    _refused(app, db, _csv(tmp_path / "m.csv", [header, row]), "missing required column 'organisation'")


def test_unknown_working_model_names_row_and_field(app, db, tmp_path):
    bad = ROW_2[:]
    bad[HEADER_EN.index("working_models")] = "knitting"
    text = _refused(app, db, _csv(tmp_path / "w.csv", [HEADER_EN, ROW_1, bad]),
                    "row 2", "working_models", "'knitting'")
    assert "row 1" not in text


def test_swapped_latitude_longitude(app, db, tmp_path):
    bad = ROW_1[:]
    bad[HEADER_EN.index("latitude")], bad[HEADER_EN.index("longitude")] = "3.7270", "51.0530"
    _refused(app, db, _csv(tmp_path / "s.csv", [HEADER_EN, bad]), "row 1", "swapped")


def test_latitude_out_of_range(app, db, tmp_path):
    bad = ROW_1[:]
    bad[HEADER_EN.index("latitude")] = "512.3"
    _refused(app, db, _csv(tmp_path / "r.csv", [HEADER_EN, bad]), "row 1", "512.3", "between -90 and 90")


def test_wrong_encoding(app, db, tmp_path):
    path = tmp_path / "enc.csv"
    body = ("\n".join(",".join(r) for r in (HEADER_EN, ROW_1)) + "\n").encode()
    path.write_bytes(body.replace(b"De Brug", b"De Br\x81\x8dg"))  # invalid in UTF-8 and cp1252
    _refused(app, db, path, "neither UTF-8 nor Windows-1252", "line 2")


def test_row_with_too_many_fields(app, db, tmp_path):
    _refused(app, db, _csv(tmp_path / "t.csv", [HEADER_EN, ROW_1, ROW_2 + ["extra"]]),
             f"row 2: {len(HEADER_EN) + 1} fields where the header has {len(HEADER_EN)}")


def test_bad_schedule_names_the_row(app, db, tmp_path):
    bad = ROW_1[:]
    bad[HEADER_EN.index("start")] = "half drie"
    _refused(app, db, _csv(tmp_path / "b.csv", [HEADER_EN, bad]), "row 1", "start")


def test_one_bad_row_among_many_writes_nothing(app, db, tmp_path):
    rows = [HEADER_EN]
    for i in range(300):
        row = ROW_1[:]
        row[0], row[1] = f"x-{i}", f"Activiteit {i}"
        rows.append(row)
    rows[250][HEADER_EN.index("cost")] = "expensive"
    _refused(app, db, _csv(tmp_path / "many.csv", rows), "row 250", "cost")


def _big_file(path, rows_wanted: int, offset: int = 0):
    rows = [HEADER_EN]
    for i in range(offset, offset + rows_wanted):
        row = ROW_1[:]
        row[0], row[1] = f"big-{i}", f"Activiteit {i}"
        row[3] = f"Plek {i % 500}"
        row[HEADER_EN.index("latitude")] = f"{51.03 + (i % 100) * 0.0004:.5f}"
        rows.append(row)
    return _csv(path, rows)


def _import_in_subprocess(app, path) -> tuple[int, str, int]:
    """Run the CLI as a separate process; return exit code, output and its peak memory (KiB)."""
    import resource
    import subprocess
    import sys
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "t"}
    code = ("import resource, sys\n"
            "from flask.cli import main\n"
            "sys.argv = ['flask', '--app', 'community', 'import-listings', sys.argv[1]]\n"
            "try:\n    main()\n"
            "finally:\n    print('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True,
                          timeout=600)
    peak = int(done.stdout.rsplit("PEAK_KIB", 1)[1].split()[0])
    return done.returncode, done.stdout + done.stderr, peak


@pytest.mark.slow
def test_fifty_thousand_rows_with_progress_and_flat_memory(app, db, tmp_path):
    """50,000 rows import in one transaction with a progress bar; memory grows little with size.

    A 5,000-row and a 50,000-row file are imported by separate processes; the larger file may
    cost at most 250 MiB more at peak (about 5 KiB a row): a per-row leak of ORM objects or of
    the parsed file costs several times that.
    """
    db.session.remove()
    code, small_out, small_peak = _import_in_subprocess(app, _big_file(tmp_path / "small.csv", 5_000))
    assert code == 0, small_out
    code, out, big_peak = _import_in_subprocess(app, _big_file(tmp_path / "big.csv", 50_000, offset=5_000))
    assert code == 0, out
    assert "checking listing rows" in out and "writing listing rows" in out  # the progress bars
    assert "50000 rows read" in out
    assert counts(db)["Initiative"] == 55_000
    assert big_peak - small_peak < 250 * 1024, \
        f"peak memory: 5,000 rows {small_peak / 1024:.0f} MiB, 50,000 rows {big_peak / 1024:.0f} MiB"


def test_checking_a_file_does_not_hold_the_write_lock(app, db, tmp_path, monkeypatch):
    """Issue 10.1: while a file is read and checked, other writers are not blocked (SQLite).

    Before the rows were staged, the writer's look-ups opened the transaction (BEGIN IMMEDIATE)
    at the first row, so a workspace save waited for the whole file. Here a second connection
    with no patience (busy timeout 0) takes and releases the write lock while the last row is
    being checked.
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    import sqlite3

    from community.importers import listings
    path = _big_file(tmp_path / "lock.csv", 30)
    database = db.engine.url.database
    original, checked = listings.RowReader.parse, []

    def parse_and_write_elsewhere(self, number, row):
        if self.rows_seen == 30 and not checked:  # the check, not the writing (rows read again)
            other = sqlite3.connect(database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")  # 'database is locked' if the import holds it
                other.execute("ROLLBACK")
                checked.append(number)
            finally:
                other.close()
        return original(self, number, row)

    monkeypatch.setattr(listings.RowReader, "parse", parse_and_write_elsewhere)
    db.session.commit()
    db.session.remove()
    summary = listings.import_listings(path)
    db.session.commit()
    assert len(checked) == 1 and summary.created > 0
    assert counts(db)["Initiative"] == 30


def test_the_importers_and_geo_read_the_same_file_alike(tmp_path):
    from community.importers.common import read_table
    from geo.io import read_vector
    path = tmp_path / "lijst.csv"
    path.write_bytes("naam;adres, nr;lat;lon\nKouter;Kouter 1;51,05;3,72\n".encode("cp1252"))
    table = read_table(path)
    assert (table.delimiter, table.header) == (";", ["naam", "adres, nr", "lat", "lon"])
    assert list(read_vector(path).frame.columns[:4]) == ["naam", "adres, nr", "lat", "lon"]
