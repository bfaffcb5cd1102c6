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

    def new_url(self) -> str:
        path = self.workdir / f"test-{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

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

    def new_url(self) -> str:
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
        except Exception:
            pass



def make_app(backend, tmp_path, **config):
    from community import create_app
    url = backend.new_url()
    settings = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                "INSTANCE_PATH": str(Path(tmp_path) / "instance"), "RATELIMIT_STORAGE_URI": "memory://"}
    settings.update(config)
    return create_app(settings), url
