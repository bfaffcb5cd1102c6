"""HSDS pages by keyset (issue 11): page N is the page OFFSET gives in id order, on both databases,
for every page size, with archived and unpublished offers left out; a deep page costs the same
statements as the first."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import event, select, text

from community.extensions import db as _db
from community.models import Initiative
from community.services import hsds
from community.services.public import VISIBLE_STATUSES


@pytest.fixture
def listings(app, db, tmp_path):
    from community.importers.listings import import_listings
    path = tmp_path / "l.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "name", "organisation", "place", "latitude", "longitude", "status"])
        for i in range(47):
            status = "defunct" if i % 9 == 4 else "active"
            out.writerow([f"h-{i}", f"Aanbod {i}", f"Organisatie {i % 3}", f"Plek {i % 4}", "51.05", "3.72", status])
    import_listings(path)
    _db.session.commit()
    for init in _db.session.scalars(select(Initiative).where(Initiative.external_id.in_(["h-3", "h-17"]))):
        init.archived_at = init.created_at
    _db.session.commit()


def _offset_page(page: int, per_page: int) -> list[str]:
    return [str(i) for i in _db.session.scalars(
        select(Initiative.id).where(Initiative.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES))
        .order_by(Initiative.id).offset((page - 1) * per_page).limit(per_page))]


@pytest.mark.parametrize("per_page", [1, 5, 7, 50])
def test_keyset_page_n_is_offset_page_n(listings, per_page):
    visible = len(_offset_page(1, 1000))
    assert visible == 47 - 5 - 2  # five defunct, two archived
    pages = -(-visible // per_page)
    seen = []
    for page in range(1, pages + 2):
        found = hsds.services_page(page, per_page)
        assert [s["id"] for s in found["contents"]] == _offset_page(page, per_page), page
        assert (found["total_items"], found["total_pages"], found["page_number"]) == (visible, pages, page)
        assert found["last_page"] == (page >= pages) and found["empty"] == (page > pages)
        seen += [s["id"] for s in found["contents"]]
    assert len(seen) == len(set(seen)) == visible


def test_a_deep_page_runs_the_statements_of_the_first_plus_one(listings):
    counts = {}
    for page in (1, 30):
        statements = []
        listener = lambda conn, cursor, sql, *args: statements.append(sql)  # noqa: E731
        event.listen(_db.engine, "before_cursor_execute", listener)
        _db.session.remove()
        try:
            hsds.services_page(page, 1)
        finally:
            event.remove(_db.engine, "before_cursor_execute", listener)
        counts[page] = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(counts[30]) == len(counts[1]) + 1  # the id before the page, from the index
    page_query = next(s for s in counts[30] if "initiative.description" in s)
    assert "initiative.id >" in page_query  # the rows of the page are sought, not counted off


def test_the_id_before_a_page_is_read_from_the_index_alone(listings):
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans 40 rows as a sequential scan; the index is checked on SQLite")
    _db.session.execute(text("ANALYZE"))
    query = (select(Initiative.id).where(Initiative.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES))
             .order_by(Initiative.id).offset(10).limit(1))
    sql = str(query.compile(_db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(str(row[-1]) for row in _db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "COVERING INDEX ix_initiative_id_status_archived_at" in plan, plan
