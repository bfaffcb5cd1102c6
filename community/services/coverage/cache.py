"""The review, computed once per parameter set and data version, and shared between app processes.

Three layers. In this process: bounded LRU caches (cachetools) of computed reviews
(BUURTKRACHT_COVERAGE_CACHE_SIZE, default 16) and of the parameter-free base (two, and two of its
area part: demand points are made again only when areas, figures or addresses change). Shared:
the cache of ``community.caching`` (Redis in the scale-out set-up, so one process computes
and the others serve; files in the instance folder in the embedded one) holds every computed review and every
rendered view (``view``). Keys carry the data version (``loading.data_version``: the day and
the tokens that every write renews), so nothing stale is served and nothing needs emptying.

``ready`` is what pages call: the review when it is cached or small enough to compute within
the request (BUURTKRACHT_REVIEW_INLINE_OFFERS and _AREAS); otherwise it starts the
computation as a background job (``jobs``; one per key) and returns its progress.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import replace

from cachetools import LRUCache
from flask import current_app
from sqlalchemy import func, select

from ...extensions import cache as shared
from ...extensions import db
from . import jobs, loading
from .computation import Coverage, build, make_area_base, make_base, place_activities
from .parameters import ReviewParams, norms

log = logging.getLogger(__name__)
BASES_KEPT = 4  # two bases and two area parts
INLINE_OFFERS, INLINE_AREAS = 5_000, 600
_lock = threading.Lock()  # cachetools caches are not thread-safe by themselves


def _caches() -> tuple[LRUCache, LRUCache]:
    ext = current_app.extensions
    if "buurtkracht_coverage" not in ext:
        with _lock:
            size = int(current_app.config.get("BUURTKRACHT_COVERAGE_CACHE_SIZE", 16))
            ext.setdefault("buurtkracht_coverage", (LRUCache(maxsize=size), LRUCache(maxsize=BASES_KEPT)))
    return ext["buurtkracht_coverage"]


def review_key(version: tuple, params: ReviewParams) -> str:
    """The shared cache's key of a review: the data version and the parameters that change the numbers."""
    return "review:" + hashlib.sha256(repr((version, params.compute_key)).encode()).hexdigest()[:32]


def _shared_get(key: str):
    try:
        return shared.get(key)
    except Exception:  # the shared cache is an optimisation: a Redis outage costs speed, not the page
        log.warning("shared cache unavailable, not reading %s", key, exc_info=True)
        return None


def _shared_set(key: str, value) -> None:
    try:
        shared.set(key, value)
    except Exception:
        log.warning("shared cache unavailable, not storing %s", key, exc_info=True)


def lookup(params: ReviewParams, version: tuple | None = None) -> Coverage | None:
    """The review if this process or the shared cache has it for the current data, else None."""
    version = version or loading.data_version()
    key = review_key(version, params)
    local = _caches()[0]
    with _lock:
        found = local.get(key)
    if found is None:
        found = _shared_get(key)
        if found is not None:
            with _lock:
                local[key] = found
    return None if found is None else replace(found, params=params)


def compute(params: ReviewParams, progress=None) -> Coverage:
    """The review for ``params``, computed here and now when no cache has it (the CLI, small data)."""
    version = loading.data_version()
    found = lookup(params, version)
    if found is not None:
        return found
    result = _make(params, version, progress)
    key = review_key(version, params)
    with _lock:
        _caches()[0][key] = result
    _shared_set(key, result)
    return replace(result, params=params)


def ready(params: ReviewParams) -> Coverage | dict:
    """The review, or (too big to compute within a request) the progress of its background job."""
    version = loading.data_version()
    found = lookup(params, version)
    if found is not None:
        return found
    if _small_enough():
        return compute(params)
    key = review_key(version, params)
    jobs.start(key, params, job)
    return jobs.status(key)


def job(key: str, fields: dict) -> None:
    """The background job of ``ready`` (run by an RQ worker or the app's review thread)."""
    jobs.run(key, fields, compute)


def _small_enough() -> bool:
    from ...models import Area, InitiativeAtPlace
    config = current_app.config
    offers = db.session.scalar(select(func.count()).select_from(InitiativeAtPlace))
    areas = db.session.scalar(select(func.count()).select_from(Area))
    return (offers <= int(config.get("BUURTKRACHT_REVIEW_INLINE_OFFERS", INLINE_OFFERS))
            and areas <= int(config.get("BUURTKRACHT_REVIEW_INLINE_AREAS", INLINE_AREAS)))


def view(cov: Coverage, name: tuple, make):
    """A rendered part of a page (``name``: what it is, with the locale), made once per review and view."""
    key = "review-view:" + hashlib.sha256(repr((cov.version, cov.params, name)).encode()).hexdigest()[:32]
    found = _shared_get(key)
    if found is None:
        found = make()
        _shared_set(key, found)
    return found


def _make(params: ReviewParams, version: tuple, progress=None) -> Coverage:
    from .computation import NoProgress
    progress = progress or NoProgress()
    base = _base(version, progress)
    loaded, logged = loading.load_activities(params.period)
    activities = place_activities(loaded, base.areas, base.geometries)
    return build(params, version, base, activities, logged, norms(), progress)


def _base(version: tuple, progress):
    """The base for (day, areas token, listings token); its area part kept per areas token."""
    local = _caches()[1]
    key = ("base",) + version[:3]
    with _lock:
        found = local.get(key)
    if found is not None:
        return found
    progress.start(3, "base")
    area_key = ("areas", version[1])
    with _lock:
        area_base = local.get(area_key)
    if area_base is None:
        areas, geometries = loading.load_areas()
        progress.advance()
        area_base = make_area_base(areas, geometries, loading.load_indicator_values(),
                                   loading.load_address_points())
        with _lock:
            local[area_key] = area_base
    else:
        progress.advance()
    progress.advance()
    base = make_base(area_base, loading.load_offers())
    progress.advance()
    with _lock:
        local[key] = base
    return base
