"""The application skeleton: health check, secret key, SQLite settings, concurrent writers."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select, text


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path):
    from community import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent-dir/sub/x.db",
                      "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "unreachable" and body["reason"]


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from community import create_app
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) >= 64
    assert (tmp_path / "inst" / "secret_key").read_text().strip() == first
    other = create_app({**config, "INSTANCE_PATH": str(tmp_path / "other")}).config["SECRET_KEY"]
    assert other != first


def test_environment_secret_key_wins(tmp_path, monkeypatch):
    from community import create_app
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_database_url_is_normalised_to_psycopg(tmp_path, monkeypatch):
    from community.config import from_environment
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_sqlite_connection_settings(tmp_path):
    """The embedded default: checked on its own SQLite file whichever backend the run uses."""
    from community import create_app
    from community.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t"})
    with app.app_context():
        conn = db.session.connection()
        _assert_sqlite_settings(conn)
        db.session.remove()
        db.engine.dispose()


def _assert_sqlite_settings(conn):
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def _writer(url: str, instance: str, worker: int, count: int) -> None:
    from community import create_app
    from community.extensions import db
    from community.models import Organisation
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance, "SECRET_KEY": "t"})
    with app.app_context():
        for i in range(count):
            db.session.add(Organisation(name=f"writer {worker} org {i}", languages=[]))
            db.session.commit()


def test_concurrent_writers_lose_no_acknowledged_write(app, db, tmp_path):
    """Four processes commit 50 rows each at the same time; all 200 must be there."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, str(tmp_path / "i"), w, 50)) for w in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    from community.models import Organisation
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 200


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data or b"niet gevonden" in response.data


def test_pages_send_a_content_security_policy(client):
    response = client.get("/healthz")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_default_language_is_dutch_and_french_and_english_are_offered(tmp_path):
    from community import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'l.db'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "t"})
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()
    client = app.test_client()
    assert b"Pagina niet gevonden" in client.get("/no-such-page").data
    assert b"Page introuvable" in client.get("/no-such-page?lang=fr").data
    # A chosen language (?lang=, kept in a cookie) beats the browser's; a new visitor gets the browser's.
    assert b"Page introuvable" in client.get("/no-such-page", headers={"Accept-Language": "en-GB"}).data
    assert b"Page not found" in app.test_client().get("/no-such-page", headers={"Accept-Language": "en-GB"}).data
