"""The review, computed once per parameter set and data version: bounded LRU caches (cachetools).

Two caches per application: the parameter-free base (areas, indicators, demand
points, offers) per data version, and the computed review per data version and
parameters that change the numbers. Both are bounded (the setting
BUURTKRACHT_COVERAGE_CACHE_SIZE, default 16 reviews, and 2 bases); the data
version changes with every edit and every day, so nothing stale is served.
"""
from __future__ import annotations

import threading
from dataclasses import replace

from cachetools import LRUCache
from flask import current_app

from . import loading
from .computation import Coverage, build, make_base, place_activities
from .parameters import ReviewParams, norms

BASES_KEPT = 2
_lock = threading.Lock()  # cachetools caches are not thread-safe by themselves


def _caches() -> tuple[LRUCache, LRUCache]:
    ext = current_app.extensions
    if "buurtkracht_coverage" not in ext:
        with _lock:
            size = int(current_app.config.get("BUURTKRACHT_COVERAGE_CACHE_SIZE", 16))
            ext.setdefault("buurtkracht_coverage", (LRUCache(maxsize=size), LRUCache(maxsize=BASES_KEPT)))
    return ext["buurtkracht_coverage"]


def _cached(cache: LRUCache, key, make):
    with _lock:
        found = cache.get(key)
    if found is not None:
        return found
    value = make()  # outside the lock: two requests may both compute, neither waits for the other
    with _lock:
        cache[key] = value
    return value


def _base(version: tuple):
    def make():
        areas, geometries = loading.load_areas()
        return make_base(areas, geometries, loading.load_indicator_values(), loading.load_address_points(),
                         loading.load_offers())
    return _cached(_caches()[1], version, make)


def compute(params: ReviewParams, progress=None) -> Coverage:
    """The review for ``params`` (cached per data version and the parameters that change the numbers)."""
    version = loading.data_version()

    def make():
        base = _base(version)
        loaded, logged = loading.load_activities(params.period)
        activities = place_activities(loaded, base.areas, base.geometries)
        return build(params, version, base, activities, logged, norms(), progress)

    result = _cached(_caches()[0], (version, params.compute_key), make)
    return replace(result, params=params)

