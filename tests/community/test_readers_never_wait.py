"""Issue 10.1: a writer holding the database (a long import) never stalls the pages that only read.

Another connection takes the write lock and keeps it for the whole test, as an import does for a
whole file. Before reads began DEFERRED on SQLite, every request opened with BEGIN IMMEDIATE,
waited 30 s for that lock and answered 500 (/healthz 503, "database is locked").
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, event, select

from community.extensions import db
from community.models import Initiative

READ_PAGES = ["/healthz", "/", "/initiatives", "/initiatives?day=2&part=afternoon&cost=free",
              "/initiatives?q=koffie", "/api/hsds/services"]


@pytest.fixture
def writer_holding_the_lock(demo_app):
    url = demo_app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_engine(url)
    connection = other.connect()
    transaction = connection.begin()  # BEGIN IMMEDIATE on SQLite: the write lock, held
    connection.exec_driver_sql("UPDATE initiative SET name = name")
    yield connection
    transaction.rollback()
    connection.close()
    other.dispose()


@pytest.mark.parametrize("path", READ_PAGES)
def test_read_pages_answer_while_a_writer_holds_the_database(demo_app, demo_db, writer_holding_the_lock, path):
    db.session.remove()
    response = demo_app.test_client().get(path)
    assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])


def test_reads_begin_deferred_and_writes_begin_immediate(demo_app, demo_db):
    """Writers keep taking the lock up front: a deferred writer would fail at once with
    SQLITE_BUSY_SNAPSHOT on a concurrent commit instead of waiting its turn."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL readers never wait for writers anyway")
    begun: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client = demo_app.test_client()
        initiative = db.session.scalar(select(Initiative).where(Initiative.status == "active"))
        path = f"/initiatives/{initiative.id}"
        db.session.remove()
        begun.clear()
        html = client.get(path).get_data(as_text=True)
        reads = list(begun)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        db.session.remove()  # as the end of a request does outside tests
        begun.clear()
        response = client.post(path + "/report", data={"csrf_token": token, "message": "Het is verhuisd."})
        assert response.status_code == 302
        writes = list(begun)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert reads and set(reads) == {"BEGIN"}, reads
    assert writes and set(writes) == {"BEGIN IMMEDIATE"}, writes
