"""The finder's result a window at a time (Listings), its order at scale (the stored next sessions of
services/next_sessions.py read in index order, the stale links merged in live) and its count, cached
per data version."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import BigInteger, func, literal, or_, select, union_all

from ..extensions import db
from ..models import Initiative, InitiativeAtPlace, MeetingPlace
from ..scheduling.weekly import Clock
from . import next_sessions
from .finder_times import next_starts
from .public import Listing


class Listings(Sequence):
    """The result's listings in order, read from the database a window at a time.

    `fetch(start, stop)` gives the Match rows of a window (one query: filtered, ordered and paged
    in SQL) and `count()` their number (one query); a Listing, with its ORM objects, is loaded
    only for the items asked for.
    """

    CHUNK = 500  # ids per IN (...), well under every database's parameter limit

    def __init__(self, fetch, count):
        self._fetch, self._count = fetch, count
        self._total: int | None = None
        self._matches: dict[int, object] = {}
        self._loaded: dict[int, Listing] = {}

    @classmethod
    def of(cls, matches: list) -> "Listings":
        return cls(lambda start, stop: matches[start:stop], lambda: len(matches))

    def __len__(self) -> int:
        if self._total is None:
            self._total = self._count()
        return self._total

    @property
    def matches(self) -> list:
        return self.window(range(len(self)))

    def window(self, indices: range) -> list:
        """The Match rows at `indices` (a step-1 range), read once."""
        missing = [i for i in indices if i not in self._matches]
        if missing:
            for i, match in enumerate(self._fetch(missing[0], missing[-1] + 1), start=missing[0]):
                self._matches[i] = match
        return [self._matches[i] for i in indices if i in self._matches]

    def __getitem__(self, index):
        if isinstance(index, slice):
            wanted = range(len(self))[index]
            if wanted.step != 1:
                return [self[i] for i in wanted]
            self._load(wanted)
            return [self._loaded[i] for i in wanted if i in self._loaded]
        i = range(len(self))[index]
        self._load(range(i, i + 1))
        return self._loaded[i]

    def __iter__(self):
        self.window(range(len(self)))  # every match in one query, then their objects a chunk at a time
        for start in range(0, len(self), self.CHUNK):
            yield from self[start:start + self.CHUNK]

    def __repr__(self) -> str:
        return f"<Listings {len(self)}, {len(self._loaded)} loaded>"

    def _load(self, indices: range) -> None:
        for start in range(indices.start, indices.stop, self.CHUNK):
            chunk = [i for i in range(start, min(start + self.CHUNK, indices.stop)) if i not in self._loaded]
            if not chunk:
                continue
            matches = dict(zip(chunk, self.window(range(chunk[0], chunk[-1] + 1))))
            rows = db.session.execute(
                select(Initiative, InitiativeAtPlace, MeetingPlace)
                .join(InitiativeAtPlace, InitiativeAtPlace.initiative_id == Initiative.id)
                .join(MeetingPlace, MeetingPlace.id == InitiativeAtPlace.place_id)
                .where(InitiativeAtPlace.id.in_([m.link_id for m in matches.values()]))).all()
            by_link = {link.id: (initiative, link, place) for initiative, link, place in rows}
            for i, match in matches.items():
                if match.link_id not in by_link:  # removed since the search; nothing to show
                    continue
                initiative, link, place = by_link[match.link_id]
                item = Listing(initiative, place, link, match.next_start, match.distance_m)
                if match.walk_min is not None:
                    item.extra["walk_min"] = match.walk_min
                if match.inside:
                    item.extra["inside"] = match.inside
                self._loaded[i] = item


def cached_count(query, clock: Clock, count) -> int:
    """The number of matches, from the shared cache while the listings are unchanged.

    Counting every link a broad query leaves was most of its page once the order came from an
    index. The count depends on the listings (their data version: any write of them makes a new
    one; a district's code: the areas' version) and on today (which rules are in force, what has
    ended), not on the time of day: the `when` filters, which do, are not counted through here.
    """
    from .. import data_version
    from ..caching import cached
    key = "finder_count:" + hashlib.sha256(json.dumps(
        [replace(query, page=1).to_args(), clock.today]).encode()).hexdigest()
    versions = data_version.current()
    return cached(key, (versions["listings"], versions["areas"]), lambda: count(query, clock), timeout=3600)



class StoredOrder:
    """The finder's order from the stored next sessions (services/next_sessions.py).

    Links whose stored session holds are read in the order of the index on next_start; the few
    stale ones (their session has passed since it was stored) get theirs computed live, through
    next_starts over their slots only, and are merged in. The order is the finder's: a session
    before the search horizon first (part "soon", by start), then the rest (part "later": none,
    by name), so each part is one ordered, limited statement, and the second is asked only by a
    window that reaches past the first.
    """

    # SQLite has no statistics of how many links a filter leaves: where they are many, the
    # stored part is read in the order of the next_start index (about stop x links / total rows,
    # stopping after the window) instead of sorting every match; PostgreSQL's planner knows.
    ORDERED_SCAN = 2000

    def __init__(self, query, clock: Clock, total, finder):
        # `finder`: the finder module, whose statement builders these are (passed, not imported:
        # the finder imports this module)
        self.query, self.clock, self.total, self.F = query, clock, total, finder
        link = InitiativeAtPlace.__table__
        self.base = next_sessions.origin(clock)
        self.fresh, self.stale = next_sessions.fresh(clock, link), next_sessions.stale(clock, link)
        # The stale links whatever the filters (the live part filters them): read through the
        # indexes of their span, however many links the filters leave.
        self.live = next_starts(clock, locations=select(InitiativeAtPlace.id).where(self.stale))
        self.horizon = clock.horizon_utc + self.base
        self._soon_total: int | None = None

    def _columns(self, soon):
        return (InitiativeAtPlace.id.label("link_id"), Initiative.id.label("initiative_id"),
                Initiative.name.label("name"), Initiative.cost.label("cost"),
                Initiative.childcare.label("childcare"), MeetingPlace.name.label("place_name"),
                MeetingPlace.latitude.label("latitude"), MeetingPlace.longitude.label("longitude"),
                soon.label("soon"), self.F._working_model().label("working_model"))

    def _names(self, table):
        return self.F._name_order(func.lower(table.c.name), table.c.name, table.c.place_name)

    def _parts(self, soon_part: bool):
        stored = InitiativeAtPlace.next_start
        if soon_part:
            fresh = self.F._filtered(self.F._joined(*self._columns(stored - self.base)), self.query, None, self.clock).where(
                self.fresh, stored < self.horizon)
            live = self.F._filtered(self.F._joined(*self._columns(self.live.c.next_start)), self.query, None, self.clock).join(
                self.live, self.live.c.location_id == InitiativeAtPlace.id).where(
                self.stale, self.live.c.next_start < self.clock.horizon_utc)
        else:
            nothing = literal(None, BigInteger)
            fresh = self.F._filtered(self.F._joined(*self._columns(nothing)), self.query, None, self.clock).where(
                self.fresh, or_(stored.is_(None), stored >= self.horizon))
            live = self.F._filtered(self.F._joined(*self._columns(nothing)), self.query, None, self.clock).outerjoin(
                self.live, self.live.c.location_id == InitiativeAtPlace.id).where(
                self.stale, or_(self.live.c.next_start.is_(None), self.live.c.next_start >= self.clock.horizon_utc))
        return fresh, live

    def _window(self, soon_part: bool, start: int, stop: int) -> list:
        fresh, live = self._parts(soon_part)
        order = [InitiativeAtPlace.next_start] if soon_part else []
        order += self.F._name_order(func.lower(Initiative.name), Initiative.name, MeetingPlace.name)
        # The stored part's first `stop` rows, in the index's order, then merged with the live ones.
        fresh = fresh.order_by(*order, InitiativeAtPlace.id).limit(stop)
        if soon_part and db.engine.dialect.name == "sqlite" and self.total() >= self.ORDERED_SCAN:
            fresh = fresh.with_hint(InitiativeAtPlace, "INDEXED BY ix_initiative_at_place_next_start", "sqlite")
        first = fresh.subquery()
        both = union_all(select(*first.c), live).subquery()
        keys = ([both.c.soon] if soon_part else []) + self._names(both)
        return db.session.execute(select(*both.c).order_by(*keys, both.c.link_id)
                                  .offset(start).limit(stop - start)).all()

    def soon_total(self) -> int:
        if self._soon_total is None:
            fresh, live = self._parts(True)
            self._soon_total = sum(db.session.scalar(select(func.count()).select_from(part.subquery()))
                                   for part in (fresh, live))
        return self._soon_total

    def fetch(self, start: int, stop: int) -> list:
        rows = self._window(True, start, stop) if stop > 0 else []
        if len(rows) < stop - start:
            # The window reaches past the sessions before the horizon: the rest, by name.
            soon = start + len(rows) if rows else self.soon_total()
            first = max(0, start - soon)
            rows += self._window(False, first, first + stop - max(start, soon))
        return [self.F._match(tuple(row), self.clock) for row in rows]
