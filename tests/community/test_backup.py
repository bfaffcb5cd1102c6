"""`flask --app community backup FILE` and `restore FILE`: consistent under writes, refuse to overwrite."""
from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.orm import Session

from community import create_app
from community.backup import row_counts
from community.extensions import db
from community.models import AuditEntry
from tests.support import PG_ADMIN_URL, _pg_connect

MARK = "backup-test"


@contextmanager
def fresh_database(backend, tmp_path, migrated: bool = False):
    """An app on a brand-new database (without a single table unless migrated), its context pushed.

    The CLI runner uses the current app, so commands given inside the block act on this one.
    """
    if backend.name == "sqlite":
        url = f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex}.db'}"
    else:
        name = f"buurtkracht_restore_{uuid.uuid4().hex[:12]}"
        with _pg_connect(PG_ADMIN_URL) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + "/" + name
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t",
                      "INSTANCE_PATH": str(tmp_path / "fresh-instance")})
    try:
        with app.app_context():
            if migrated:
                assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if backend.name == "postgresql":
            with _pg_connect(PG_ADMIN_URL) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_contents(engine) -> dict[str, list[str]]:
    """Every row of every table, as sorted texts: two databases with equal contents compare equal."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for name, table in meta.tables.items()}


class Writer(threading.Thread):
    """Commits one audit entry after another on its own connection; remembers what was acknowledged."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(url)
        self.acknowledged: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with Session(self.engine) as session:
                for i in range(20_000):  # bounded: the test stops it long before
                    if self.stop.is_set():
                        break
                    session.add(AuditEntry(entity_type=MARK, entity_id=uuid.uuid4(), action=f"w{i}",
                                           changes={"i": i, "text": f"row {i}"}))
                    session.commit()
                    self.acknowledged.append(i)
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
        finally:
            self.engine.dispose()

    def wait_for(self, count: int, seconds: float = 30.0):
        deadline = time.monotonic() + seconds
        while len(self.acknowledged) < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} writes in {seconds} s"
            time.sleep(0.01)


def test_backup_while_writing_then_restore_into_a_fresh_database(demo_app, demo_db, backend, tmp_path):
    url = demo_app.config["SQLALCHEMY_DATABASE_URI"]
    writer = Writer(url)
    writer.start()
    try:
        writer.wait_for(30)
        acknowledged_before = len(writer.acknowledged)
        result = demo_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "site.backup")])
        acknowledged_during = len(writer.acknowledged)
        writer.wait_for(acknowledged_during + 20)  # the writes go on after the backup
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert "written to" in result.output
    assert (tmp_path / "site.backup").stat().st_mode & 0o077 == 0  # it holds password hashes

    source = table_contents(db.engine)
    with fresh_database(backend, tmp_path) as fresh:
        restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "site.backup")])
        assert restored.exit_code == 0, restored.output
        copy = table_contents(db.engine)
        marks = [row.changes for row in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == MARK))]

    # Every write acknowledged before the backup began is in it, and what it holds is a prefix
    # of the writes: one consistent moment, no commit missing in the middle.
    numbers = sorted(m["i"] for m in marks)
    assert len(numbers) >= acknowledged_before
    assert numbers == list(range(len(numbers)))
    assert all(m["text"] == f"row {m['i']}" for m in marks)
    assert len(writer.acknowledged) > len(numbers)  # later writes went on and are not in it

    # Every other row is there with the same content, in every table.
    assert set(copy) == set(source)
    later = {f"'w{i}'" for i in range(len(numbers), len(writer.acknowledged))}
    source["audit_entry"] = [row for row in source["audit_entry"]
                             if not any(mark in row for mark in later)]
    for name in source:
        assert copy[name] == source[name], name
    assert len(source["initiative"]) > 10 and len(source["user_account"]) >= 5


def test_restore_refuses_a_database_with_data_unless_forced(demo_app, demo_db, backend, tmp_path):
    before = row_counts(db.engine)
    with fresh_database(backend, tmp_path, migrated=True) as empty:
        made = empty.test_cli_runner().invoke(args=["backup", str(tmp_path / "empty.backup")])
        assert made.exit_code == 0, made.output

    refused = demo_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "empty.backup")])
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert "Nothing was restored." in refused.output
    assert row_counts(db.engine) == before

    forced = demo_app.test_cli_runner().invoke(args=["restore", "--force", str(tmp_path / "empty.backup")])
    assert forced.exit_code == 0, forced.output
    after = row_counts(db.engine)
    assert set(after) == set(before)
    assert after["alembic_version"] == 1
    # only the migration mark (and the empty full-text index's own rows): the backup's content, nothing else
    from community.backup import BOOKKEEPING
    assert sum(count for name, count in after.items() if name not in BOOKKEEPING) == 0


def test_restore_into_a_migrated_empty_database(demo_app, demo_db, backend, tmp_path):
    """A freshly migrated database has tables but no rows: it counts as empty."""
    assert demo_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "demo.backup")]).exit_code == 0
    source = table_contents(db.engine)
    with fresh_database(backend, tmp_path, migrated=True) as migrated:
        restored = migrated.test_cli_runner().invoke(args=["restore", str(tmp_path / "demo.backup")])
        assert restored.exit_code == 0, restored.output
        assert "Restored" in restored.output
        assert table_contents(db.engine) == source


@pytest.mark.parametrize("content", [b"", b"not a backup at all\n", b"SQLite format 3\x00" + b"\x00" * 200,
                                     b"PGDMP" + b"\x00" * 200])
def test_restore_refuses_a_file_that_is_not_a_backup(demo_app, demo_db, backend, tmp_path, content):
    path = tmp_path / "bad.backup"
    path.write_bytes(content)
    with fresh_database(backend, tmp_path, migrated=True) as fresh:
        runner = fresh.test_cli_runner()
        before = table_contents(db.engine)
        result = runner.invoke(args=["restore", str(path)])
        assert result.exit_code == 1
        assert "Nothing was restored." in result.output
        assert table_contents(db.engine) == before


def test_backup_refuses_a_folder_that_does_not_exist(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "missing" / "x.backup")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert not Path(tmp_path / "missing").exists()
