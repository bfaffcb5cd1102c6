"""Flask extensions, created once here and bound to an app in create_app()."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
cache = Cache()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """Make the embedded SQLite database safe for several writing processes.

    The driver's own transaction handling is switched off so that a writing transaction
    starts with BEGIN IMMEDIATE (see _sqlite_on_begin): a writer takes the write lock up front
    and waits (busy_timeout) instead of failing half-way with 'database is locked'. Requests
    that only read (GET, HEAD, OPTIONS) begin DEFERRED and never wait for a writer.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


# True while the current request or job only reads (see reading_only()).
_READ_ONLY: ContextVar[bool] = ContextVar("buurtkracht_read_only", default=False)


def is_read_only() -> bool:
    return _READ_ONLY.get()


@contextmanager
def reading_only():
    """Transactions begun inside this block only read: on SQLite they start DEFERRED.

    In WAL mode a deferred reader never waits for a writer (it reads the last committed
    state), so a long import cannot stall the public pages. Writers keep BEGIN IMMEDIATE:
    a deferred transaction that later writes fails at once with SQLITE_BUSY_SNAPSHOT when
    another process committed in between, instead of waiting its turn.
    """
    token = begin_read_only()
    try:
        yield
    finally:
        end_read_only(token)


@contextmanager
def writing():
    """Inside a read-only request, a short transaction of its own that writes (BEGIN IMMEDIATE)."""
    token = _READ_ONLY.set(False)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


def begin_read_only():
    """Mark the rest of this context (a GET request) as reading only; returns the reset token."""
    return _READ_ONLY.set(True)


def end_read_only(token) -> None:
    _READ_ONLY.reset(token)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if _READ_ONLY.get() else "BEGIN IMMEDIATE")


def _sqlite_from_hint(self, table, text):
    """SQLite's table hint (``INDEXED BY name``) as Select.with_hint(table, text, "sqlite") gives
    it: SQLAlchemy renders no table hints for SQLite by itself. The finder uses it where SQLite,
    which keeps no statistics here, would sort every match instead of reading an index in order."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint
