"""Backups of the whole database and restoring them, safe while the site keeps writing.

SQLite: the online backup API (sqlite3 `Connection.backup`) copies one consistent snapshot,
including commits that are still only in the write-ahead log (a plain file copy misses those).
PostgreSQL: `pg_dump` in its custom format, which reads one snapshot of a running database;
`pg_restore` brings it back in one transaction.

A restore goes into an empty database (no rows in any table; a freshly migrated database counts
as empty) and refuses any other unless forced, so a slip of the command line cannot overwrite
the live data.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

# Tables that hold bookkeeping, not data: a database with rows only there is still empty. SQLite's
# full-text index keeps a few rows of its own in an empty database (services/search.py).
BOOKKEEPING = {"alembic_version", "search_fts", "search_fts_config", "search_fts_data", "search_fts_idx",
               "search_fts_docsize", "search_vocab"}


class BackupFailed(Exception):
    """A backup or restore that could not be done; the message says why, for the command line."""


def _private_file(path: Path) -> None:
    """Create (or empty) a file only the owner can read: a backup holds password hashes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _finish_file(partial: Path, target: Path) -> None:
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


# ------------------------------------------------------------------ checks

def tables_with_rows(engine: Engine) -> list[str]:
    """The names of the tables (bookkeeping aside) that hold at least one row."""
    names = [n for n in inspect(engine).get_table_names() if n not in BOOKKEEPING]
    preparer = engine.dialect.identifier_preparer
    with engine.connect() as conn:
        return [n for n in names
                if conn.execute(text(f"SELECT 1 FROM {preparer.quote(n)} LIMIT 1")).first() is not None]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, bookkeeping included: what a restore is compared with."""
    preparer = engine.dialect.identifier_preparer
    with engine.connect() as conn:
        return {n: conn.execute(text(f"SELECT COUNT(*) FROM {preparer.quote(n)}")).scalar_one()
                for n in sorted(inspect(engine).get_table_names())}


def _check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a whole, readable SQLite backup of this application."""
    try:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise BackupFailed(f"{path} is not an SQLite backup")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            has_version = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                       "AND name = 'alembic_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{path} is not a readable SQLite database: {exc}") from None
    if result != "ok":
        raise BackupFailed(f"{path} is damaged: {result}")
    if not has_version:
        raise BackupFailed(f"{path} is not a Buurtkracht database (it has no alembic_version table)")


# ------------------------------------------------------------------ SQLite

def _backup_sqlite(engine: Engine, target: Path) -> None:
    source_path = _sqlite_path(engine)
    if not source_path.exists():
        raise BackupFailed(f"the database file {source_path} does not exist")
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, i.e. one read transaction on one snapshot.
        # Under WAL writers go on meanwhile; their later commits are simply not in this backup.
        source.backup(copy, pages=-1)
        # One self-contained file: no -wal beside it to forget when copying the backup away.
        copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        copy.close()
        partial.unlink(missing_ok=True)
        raise BackupFailed(f"the backup failed: {exc}") from None
    finally:
        source.close()
    copy.close()
    _finish_file(partial, target)
    _check_sqlite_file(target)


def _restore_sqlite(engine: Engine, source: Path) -> None:
    _check_sqlite_file(source)
    target_path = _sqlite_path(engine)
    engine.dispose()  # our own pooled connections would hold the file open
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        # The same API the other way round: the target's pages are replaced in one step,
        # under its write lock, so a reader never sees half a restore.
        backup.backup(target, pages=-1)
        result = target.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupFailed(f"the restore failed: {exc}") from None
    finally:
        backup.close()
        target.close()
    if result != "ok":
        raise BackupFailed(f"the restored database does not pass its check: {result}")


# ------------------------------------------------------------------ PostgreSQL

def _pg_command(engine: Engine, program: str) -> tuple[list[str], dict]:
    """The program's path and an environment naming the database; the password stays off argv."""
    path = shutil.which(program)
    if path is None:
        raise BackupFailed(f"{program} was not found: install the PostgreSQL client "
                           "(Debian: apt-get install postgresql-client)")
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [path, "--dbname", conninfo], env


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{what} failed (exit {done.returncode}): {done.stderr.strip()}")


def _backup_postgresql(engine: Engine, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    _private_file(partial)
    command, env = _pg_command(engine, "pg_dump")
    try:
        # pg_dump reads everything in one repeatable-read transaction: one consistent snapshot.
        _run(command + ["--format", "custom", "--file", str(partial)], env, "pg_dump")
    except BackupFailed:
        partial.unlink(missing_ok=True)
        raise
    _finish_file(partial, target)


def _restore_postgresql(engine: Engine, source: Path) -> None:
    with open(source, "rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise BackupFailed(f"{source} is not a pg_dump custom-format backup")
    engine.dispose()
    command, env = _pg_command(engine, "pg_restore")
    # --clean --if-exists drops what the backup holds (the tables of a migrated, empty database
    # or, when forced, the data being replaced) and --single-transaction makes it all or nothing.
    _run(command + ["--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                    "--no-owner", "--no-privileges", str(source)], env, "pg_restore")


# ------------------------------------------------------------------ the two commands

def _handler(engine: Engine, index: int):
    handlers = {"sqlite": (_backup_sqlite, _restore_sqlite),
                "postgresql": (_backup_postgresql, _restore_postgresql)}
    if engine.dialect.name not in handlers:
        raise BackupFailed(f"{engine.dialect.name} databases are not supported")
    return handlers[engine.dialect.name][index]


def backup(engine: Engine, target: str | os.PathLike) -> Path:
    """Write a consistent backup of the database to target (replaced only once complete)."""
    target = Path(target)
    if target.is_dir():
        raise BackupFailed(f"{target} is a folder: give a file name")
    if not target.parent.exists():
        raise BackupFailed(f"the folder {target.parent} does not exist")
    _handler(engine, 0)(engine, target)
    return target


def restore(engine: Engine, source: str | os.PathLike, force: bool = False) -> None:
    """Replace the database with a backup; refuses a database that holds data unless forced."""
    source = Path(source)
    if not source.is_file():
        raise BackupFailed(f"{source} is not a file")
    run = _handler(engine, 1)
    if not force:
        full = tables_with_rows(engine)
        if full:
            raise BackupFailed("the database is not empty (rows in " + ", ".join(full[:5])
                               + (", ..." if len(full) > 5 else "")
                               + "): restore into an empty database, or add --force to replace it")
    run(engine, source)
