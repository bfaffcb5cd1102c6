"""Shared test set-up: the database backend (SQLite or PostgreSQL) and the app fixtures."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import PostgresBackend, SqliteBackend, make_app

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("BUURTKRACHT_TEST_DB", "sqlite"),
                     choices=("sqlite", "postgresql"), help="database backend for app tests")


def pytest_report_header(config):
    return f"database backend: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def backend(request, tmp_path_factory):
    choice = request.config.getoption("--db")
    chosen = (PostgresBackend() if choice == "postgresql"
              else SqliteBackend(tmp_path_factory.mktemp("sqlite")))
    chosen.prepare()
    yield chosen
    chosen.finish()


def _reset(application, backend, url):
    from community.extensions import db
    with application.app_context():
        db.session.remove()
        backend.reset(url, db.engine)


@pytest.fixture
def app(backend, tmp_path):
    """The app on an empty, migrated database. It holds no application context: requests from
    its test clients get their own; a test that works with records uses `db` (or opens one)."""
    application, url = make_app(backend, tmp_path)
    yield application
    _reset(application, backend, url)


@pytest.fixture
def demo_app(backend, tmp_path):
    """An app whose database already holds the demo district (loaded once per run, then copied).

    Use it instead of `app` (the `db` and `client` fixtures build a second, empty app); like
    `app` it holds no application context: use `demo_db` to read its records.
    """
    application, url = make_app(backend, tmp_path, demo=True)
    yield application
    _reset(application, backend, url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """The database, with an application context open for the test's own reads and writes
    (requests still run in contexts of their own; commit what a request should see)."""
    from community.extensions import db as database
    with app.app_context():
        yield database
        database.session.remove()


@pytest.fixture
def demo_db(demo_app):
    """`db` for the demo app."""
    from community.extensions import db as database
    with demo_app.app_context():
        yield database
        database.session.remove()


@pytest.fixture
def shared_data() -> Path:
    assert SHARED_DATA.exists(), f"shared data not found at {SHARED_DATA}"
    return SHARED_DATA
