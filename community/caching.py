"""The shared cache (Flask-Caching): bounded, and emptied of what a write makes stale.

The embedded set-up keeps a FileSystemCache in the instance folder (one folder per database),
bounded by CACHE_THRESHOLD entries, so the app processes of one machine (`make run`'s two
gunicorn workers) share it: what one worker computed (a review, a map tile) the other serves,
and a write in one makes the other's entries stale. BUURTKRACHT_CACHE=simple keeps a
SimpleCache per process instead. The scale-out set-up (REDIS_URL, or a redis://
RATELIMIT_STORAGE_URI) shares a RedisCache between the app processes of every machine; there
Redis' own memory limit and the entries' timeout bound it.

Every entry is stored with the data version it was made from and is only served while the
database still has that version, so a process that missed an invalidation (another process's
SimpleCache) rebuilds instead of serving stale data. Writes through the ORM that change areas
move the areas' generation after the commit (the session hooks at the bottom), which makes
every areas entry stale at once.
"""
from __future__ import annotations

import hashlib
import logging
import os
import uuid
from itertools import chain
from typing import Any, Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import cache

log = logging.getLogger(__name__)

AREA_LEVELS = ("municipality", "district", "sector")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def init_cache(app: Flask) -> None:
    """Choose the backend from the settings (after the caller's overrides) and bind the cache."""
    config = app.config
    if not config.get("CACHE_TYPE"):
        redis_url = config.get("REDIS_URL") or ""
        limiter_url = config.get("RATELIMIT_STORAGE_URI") or ""
        if not redis_url and limiter_url.startswith(REDIS_SCHEMES):
            redis_url = limiter_url
        if redis_url:
            config["CACHE_TYPE"] = "RedisCache"
            config.setdefault("CACHE_REDIS_URL", redis_url)
        elif config.get("BUURTKRACHT_CACHE") == "simple" or _in_memory(config.get("SQLALCHEMY_DATABASE_URI", "")):
            config["CACHE_TYPE"] = "SimpleCache"  # a database in memory lives in one process only
        else:
            config["CACHE_TYPE"] = "FileSystemCache"
            config.setdefault("CACHE_DIR", file_cache_dir(app.instance_path, config.get("SQLALCHEMY_DATABASE_URI", "")))
    config.setdefault("CACHE_THRESHOLD", 500)
    config.setdefault("CACHE_DEFAULT_TIMEOUT", 24 * 3600)
    config.setdefault("CACHE_KEY_PREFIX", "buurtkracht:")
    cache.init_app(app)


def _in_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url


def file_cache_dir(instance_path: str, database_url: str) -> str:
    """The embedded cache's folder: in the instance folder, one per database (an instance that
    is pointed at another database, as the benchmarks do, never reads the first one's entries)."""
    name = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]
    path = os.path.join(instance_path, "cache", name)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def cached(key: str, version: Any, make: Callable[[], Any], timeout: int | None = None) -> Any:
    """The value stored under ``key`` if it was made from ``version``; else ``make()``, stored.

    A cache that cannot be reached (Redis down) costs speed, never the page.
    """
    try:
        found = cache.get(key)
    except Exception:  # the cache is an optimisation: log and compute
        log.warning("cache unavailable, computing %s", key, exc_info=True)
        return make()
    if found is not None and found[0] == version:
        return found[1]
    value = make()
    try:
        cache.set(key, (version, value), timeout=timeout)
    except Exception:
        log.warning("cache unavailable, not storing %s", key, exc_info=True)
    return value


AREAS_GENERATION = "areas_generation"
LISTINGS_GENERATION = "listings_generation"
# What the map's markers are made of: a write to any of these moves the listings' generation.
LISTING_TABLES = frozenset({"organisation", "initiative", "initiative_term", "initiative_at_place",
                            "meeting_place", "schedule", "schedule_slot"})


def _generation(name: str) -> str:
    """A token that changes after every commit that changed what it stands for; part of the
    version of the entries made from that data. A missing token (never set, or pruned) becomes
    a new one, so it never comes back to a value older entries were made with."""
    try:
        token = cache.get(name)
        if token is None:
            token = uuid.uuid4().hex
            cache.set(name, token, timeout=0)
        return token
    except Exception:
        log.warning("cache unavailable, no %s", name, exc_info=True)
        return "uncached"


def _renew(name: str) -> None:
    try:
        cache.set(name, uuid.uuid4().hex, timeout=0)
    except Exception:
        log.warning("cache unavailable, could not renew %s", name, exc_info=True)


def areas_generation() -> str:
    return _generation(AREAS_GENERATION)


def listings_generation() -> str:
    return _generation(LISTINGS_GENERATION)


def forget_areas() -> None:
    """Make every cached area boundary (every level, zoom and tile) stale: called after a commit
    that changed areas."""
    _renew(AREAS_GENERATION)


def forget_listings() -> None:
    """Make every cached map answer made from listings stale: called after a commit that changed them."""
    _renew(LISTINGS_GENERATION)


# --- invalidation after writes ---------------------------------------------------------------

_AREAS_CHANGED = "buurtkracht_areas_changed"
_LISTINGS_CHANGED = "buurtkracht_listings_changed"


@event.listens_for(Session, "after_flush")
def _note_area_changes(session: Session, flush_context) -> None:
    from .models import Area  # the models import the extensions; imported late on purpose
    changed = list(chain(session.new, session.dirty, session.deleted))
    if any(isinstance(obj, Area) for obj in changed):
        session.info[_AREAS_CHANGED] = True
    if any(getattr(getattr(obj, "__table__", None), "name", None) in LISTING_TABLES for obj in changed):
        session.info[_LISTINGS_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    """Bulk INSERT/UPDATE/DELETE statements run through the session (the importers' batches)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in LISTING_TABLES:
            state.session.info[_LISTINGS_CHANGED] = True
        elif getattr(table, "name", None) == "area":
            state.session.info[_AREAS_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    areas, listings = session.info.pop(_AREAS_CHANGED, False), session.info.pop(_LISTINGS_CHANGED, False)
    if (areas or listings) and has_app_context() and _bound(current_app):
        if areas:
            forget_areas()
        if listings:
            forget_listings()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_AREAS_CHANGED, None)
    session.info.pop(_LISTINGS_CHANGED, None)


def _bound(app: Flask) -> bool:
    return cache in app.extensions.get("cache", {})
