"""Test support shared by the conftest files: database backends and the app factory for tests."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("BUURTKRACHT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_connect(url: str):
    import psycopg
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


class SqliteBackend:
    """A migrated template database file, copied for every test (migrating each time is slow)."""

    name = "sqlite"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.template = workdir / "template.db"

    def prepare(self):
        from community import create_app
        from community.extensions import db
        from flask_migrate import upgrade
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{self.template}",
                          "INSTANCE_PATH": str(self.workdir / "instance"), "SECRET_KEY": "t"})
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def new_url(self, demo: bool = False) -> str:
        path = self.workdir / f"test-{uuid.uuid4().hex}.db"
        shutil.copyfile(self._demo_template() if demo else self.template, path)
        return f"sqlite:///{path}"

    def _demo_template(self) -> Path:
        """The migrated template with the demo loaded once; copied for every test that wants it."""
        demo = self.workdir / "demo-template.db"
        if not demo.exists():
            building = self.workdir / "demo-building.db"
            shutil.copyfile(self.template, building)
            _load_demo_into(f"sqlite:///{building}", self.workdir / "instance")
            building.rename(demo)
        return demo

    def reset(self, url: str, engine):
        engine.dispose()
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def finish(self):
        pass


class PostgresBackend:
    """One throw-away database per test session, emptied after every test."""

    name = "postgresql"

    def __init__(self):
        self._demo_ready = False
        self.dbname = f"buurtkracht_test_{uuid.uuid4().hex[:12]}"
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{self.dbname}".replace("postgresql://", "postgresql+psycopg://", 1)

    def prepare(self):
        try:
            with _pg_connect(PG_ADMIN_URL) as conn:
                conn.execute(f'CREATE DATABASE "{self.dbname}"')
        except Exception as exc:  # fail loudly: a PostgreSQL run must never pass by skipping
            pytest.exit(f"PostgreSQL at {PG_ADMIN_URL} is unreachable for --db postgresql: {exc}",
                        returncode=3)
        from community import create_app
        from community.extensions import db
        from flask_migrate import upgrade
        app = create_app({"SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": "t"})
        with app.app_context():
            upgrade()
            db.engine.dispose()

    def new_url(self, demo: bool = False) -> str:
        if demo:
            # Recreate the test database from a copy that has the demo loaded (loaded once).
            if not self._demo_ready:
                with _pg_connect(PG_ADMIN_URL) as conn:
                    conn.execute(f'CREATE DATABASE "{self.dbname}_demo" TEMPLATE "{self.dbname}"')
                _load_demo_into(self.url + "_demo", None)
                self._demo_ready = True
            with _pg_connect(PG_ADMIN_URL) as conn:
                conn.execute(f'DROP DATABASE "{self.dbname}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.dbname}" TEMPLATE "{self.dbname}_demo"')
        return self.url

    def reset(self, url: str, engine):
        from community.extensions import db
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        engine.dispose()

    def finish(self):
        try:
            with _pg_connect(PG_ADMIN_URL) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}_demo" WITH (FORCE)')
        except Exception:
            pass



def _load_demo_into(url: str, instance) -> None:
    from community import create_app
    from community.demo import load_demo
    from community.extensions import db
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"}
    if instance:
        settings["INSTANCE_PATH"] = str(instance)
    app = create_app(settings)
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def request_client_class():
    """The test client of our apps: every request runs in an application context of its own.

    That is what a server does, and what Flask's test client does too when no context is
    active. The `db` fixture keeps one open for the test's own reads and writes; without this,
    Flask would run requests inside it, sharing `g` (Flask-Login's user, Flask-WTF's CSRF token,
    Babel's locale, our memos) and the database session between the test and every request.

    A request is then another client of the database, so the test's transaction ends (commit)
    before it: on SQLite an open transaction of the test would hold the write lock (BEGIN
    IMMEDIATE) or an old snapshot; afterwards the test's records load again, with what the
    request wrote.
    """
    from flask import current_app, has_app_context
    from flask.testing import FlaskClient

    class RequestClient(FlaskClient):
        def open(self, *args, **kwargs):
            from community.extensions import db
            if has_app_context() and current_app._get_current_object() is self.application:
                db.session.commit()
            with self.application.app_context():
                return super().open(*args, **kwargs)

    return RequestClient


def make_app(backend, tmp_path, demo: bool = False, **config):
    """A test app on a fresh database; no application context is pushed (see the `db` fixture)."""
    from community import create_app
    url = backend.new_url(demo=demo)
    # Tests read the English source text unless they ask for a language (?lang=nl, a browser
    # locale); test_default_language_is_dutch checks the real default.
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                "BABEL_DEFAULT_LOCALE": "en",
                "INSTANCE_PATH": str(Path(tmp_path) / "instance"), "RATELIMIT_STORAGE_URI": "memory://",
                # no background refresh of the stored next sessions writing while a test reads
                # (test_next_sessions.py runs it on purpose)
                "BUURTKRACHT_NEXT_SESSION_REFRESH": 0}
    settings.update(config)
    app = create_app(settings)
    app.test_client_class = request_client_class()
    return app, url


def session_token(user) -> str:
    """A live server-side session for `user`, as logging in makes one (committed); its token for
    the session cookie's `_user_id`. Needs an application context."""
    from community.extensions import db
    from community.services import sessions
    token = sessions.start(user)
    db.session.commit()
    return token
