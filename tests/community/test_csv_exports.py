"""Every CSV export follows the rules of services/spreadsheet.py: quoting and the formula guard."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from community.services.spreadsheet import CsvWriter, cell, csv_text, records_csv
from tests.community.test_review_coverage import build_town, login
from tests import factories
from tests.community.workspace import as_user, wclient, world  # noqa: F401

TRICKY = "Soep;=1+1;x"


def cells_of(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_fields_with_a_separator_a_quote_or_a_line_break_are_quoted(delimiter):
    values = [TRICKY, "a,b", "tab\there", 'say "hi"', "two\nlines", "lone\rreturn", "crlf\r\nend",
              "plain", 12, -3.5, None, "=1+1", "@SUM(A1)", "-", ""]
    text = csv_text(["h"] * len(values), [values], delimiter)
    assert text.endswith("\r\n") and text.count("\r\n") == 3  # header, row, and the one inside a cell
    header, row = cells_of(text, delimiter)
    assert row == [TRICKY, "a,b", "tab\there", 'say "hi"', "two\nlines", "lone\rreturn", "crlf\r\nend",
                   "plain", "12", "-3.5", "", "'=1+1", "'@SUM(A1)", "'-", ""]
    # Whatever the file's separator, a field with any of , ; tab is quoted: a spreadsheet set to
    # Dutch or French that splits at ';' keeps a quoted field whole.
    assert f'"{TRICKY}"' in text and '"a,b"' in text and '"tab\there"' in text
    assert '"say ""hi"""' in text


def test_plain_fields_are_not_quoted_and_numbers_are_not_guarded():
    assert cell("Buurtsoep") == "Buurtsoep"
    assert cell(-2) == "-2" and cell(0.25) == "0.25"
    assert cell("+32 9 123") == "'+32 9 123"
    assert records_csv([]) == ""
    assert records_csv([{"a": 1, "b": "x;y"}]) == 'a,b\r\n1,"x;y"\r\n'


def test_a_separator_that_is_not_one_of_ours_is_refused():
    for bad in ('"', "\n", "ab", ""):
        with pytest.raises(ValueError):
            CsvWriter(io.StringIO(), bad)


@pytest.mark.parametrize("delimiter", [";", ","])
def test_listing_export_quotes_a_tricky_title(demo_app, demo_db, delimiter):
    from community.extensions import db
    from community.models import Initiative
    from community.services.listing_export import HEADER, export_csv
    initiative = db.session.query(Initiative).order_by(Initiative.name).first()
    initiative.name = TRICKY
    initiative.description = "=HYPERLINK(\"http://x\")\nsecond line"
    db.session.commit()
    text = export_csv(delimiter)
    rows = cells_of(text, delimiter)
    assert tuple(rows[0]) == HEADER
    mine = [dict(zip(HEADER, r)) for r in rows[1:] if r[HEADER.index("name")] == TRICKY]
    assert mine, "the renamed initiative is exported"
    assert mine[0]["description"] == "'=HYPERLINK(\"http://x\")\nsecond line"
    assert f'"{TRICKY}"' in text


def test_activity_export_quotes_a_tricky_title(app, db, world, wclient):
    factories.activity(world.users["worker_in"], world.p1, day=date(2025, 3, 4), start=10, end=12, title=TRICKY,
                       status="done", participants=12, new_participants=6, volunteers=5)
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    response = wclient.get("/work/export?first_day=2025-03-01&last_day=2025-03-31&district=D1&format=csv-plain")
    text = response.get_data(as_text=True)
    assert f'"{TRICKY}"' in text  # unquoted before: a ';' spreadsheet ran =1+1
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["title"] for r in rows] == [TRICKY]


def test_coverage_export_quotes_a_line_break_in_an_area_name(app, client, db):
    _, user = build_town(db, d1_name="West\rwijk;=1+1")
    login(client, user)
    text = client.get("/review/export.csv?level=district&distance=1000").get_data(as_text=True)
    assert '"West\rwijk;=1+1"' in text  # a lone CR was written bare before
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert set(rows) == {"D1", "D2", "D3"}
    assert rows["D1"]["name"] == "West\rwijk;=1+1"
