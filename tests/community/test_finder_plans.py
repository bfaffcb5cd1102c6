"""Every query of every finder shape, EXPLAINed on PostgreSQL over 20,000 listings after ANALYZE.

The data (bench/finder_queries.py) has rare values on purpose: a working model of 0.05 % of the
offers, Sunday for 0.03 % of the sessions. The selective shapes (that model, Sunday morning, on
now, a district, near) must reach initiative, initiative_at_place and schedule_slot through their
indexes, never by reading the whole table. The broad ones (no filter, a weekday afternoon, cost,
this week, common terms) read much of a table by nature and are only EXPLAINed, so that each
shape's SQL is seen to plan. Search text must go through the full-text index (services/search.py).
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import event

from community.scheduling import TZ

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)  # a Wednesday afternoon
WHOLE_TABLE = re.compile(r"Seq Scan on (initiative|initiative_at_place|schedule_slot)\b")
WHOLE_TEXT = re.compile(r"Seq Scan on (initiative|schedule_slot|search_document)\b")


@pytest.fixture(scope="module")
def big(request):
    if request.config.getoption("--db") != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    return request


@pytest.fixture
def listings(big, app):
    from bench.finder_queries import build
    from bench.finder_queries import _store_next_sessions
    extra = build(app, 20_000)  # bulk rows, then ANALYZE
    _store_next_sessions(app, NOW)  # as a refresh at NOW leaves them (the commit stored them at the real time)
    return extra


SELECTIVE = {
    "model": {"model": ("competence",)},
    "day+part": {"day": 6, "part": "morning"},
    "now": {"when": "now"},
    "district": "district",
    "near": "near",
}
BROAD = {"none": {}, "day+part+cost": {"day": 2, "part": "afternoon", "cost": "free"}, "cost": {"cost": "free"}, "week": {"when": "week"},
         "page 20": {"page": 20}, "group": {"group": ("elderly",)}, "function": {"function": ("emotional",)},
         "language": {"language": ("fr",)}, "childcare": {"childcare": True}}


def _plans(app, values: dict) -> list[tuple[str, str]]:
    """(statement, plan) of each SELECT the finder and its page of listings run."""
    from community.extensions import db
    from community.services.finder import FinderQuery, find
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):  # the page's statement has a CTE
            seen.append((statement, parameters))

    with app.test_request_context("/"):
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            result = find(FinderQuery(**values), now=NOW)
            assert result.total >= 0 and result.pages >= 1
            result.page_items()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        plans = []
        connection = db.session.connection().connection.driver_connection
        for statement, parameters in seen:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + statement, parameters)
                plans.append((statement, "\n".join(row[0] for row in cursor.fetchall())))
        db.session.rollback()
    return plans


def test_finder_queries_use_the_indexes(app, listings):
    for name, values in SELECTIVE.items():
        if isinstance(values, str):
            values = {values: listings[values]}
        plans = _plans(app, values)
        assert plans, name
        for statement, plan in plans:
            assert not WHOLE_TABLE.search(plan), f"{name}: {statement}\n{plan}"
    # the indexes made for the time filters are the ones used
    plans = "\n".join(plan for _s, plan in _plans(app, {"day": 6, "part": "morning"}))
    assert re.search(r"ix_schedule_slot_weekday(_end)? ", plans), plans  # the slots of a weekday
    # search text through the full-text index (GIN over search_document.document), never reading
    # search_document, initiative or schedule_slot whole. From about 50 estimated hits the planner
    # hash-joins the narrow initiative_at_place (two uuids a row) whole rather than probing its
    # primary key per hit (cost 407 against 84 x 8): its choice, not a missing index.
    for text in ("koffie", "koffie plek", "ouderen", "taalcaffe"):
        # (ts_stat: the index's words for did-you-mean, read once per data version, by nature whole)
        plans = [(s, plan) for s, plan in _plans(app, {"text": text}) if "search_document" in s and "ts_stat" not in s]
        assert plans and all("ix_search_document_document" in plan for _s, plan in plans), plans
        for statement, plan in plans:
            assert not WHOLE_TEXT.search(plan), f"{text}: {statement}\n{plan}"
    # The broad shapes page by the stored next session's index, stopping after the page; the
    # stale links (none here) are found through the indexes of their span, not by a whole read.
    for values in ({}, {"day": 2, "part": "afternoon", "cost": "free"}, {"page": 20}):
        pages = [(statement, plan) for statement, plan in _plans(app, values) if "ORDER BY" in statement
                 and "next_start" in statement]
        assert pages, values
        for statement, plan in pages:
            assert "ix_initiative_at_place_next_start" in plan, f"{values}: {statement}\n{plan}"
            assert not WHOLE_TABLE.search(plan), f"{values}: {statement}\n{plan}"
            assert re.search(r"ix_initiative_at_place_next_(until|from)", plan), plan
    # every other shape plans too (one data set for both: building it takes a while)
    for name, values in BROAD.items():
        assert _plans(app, values), name
