"""Each initiative-at-place link's next session, stored, so that the finder orders by an index.

Computing every link's running or next session for every request (services/finder_times.py
`next_starts` over every schedule slot) was most of a broad finder page at Flanders scale. The
link keeps three numbers instead (instants as seconds since 1900-01-01 00:00 UTC):

* ``next_start``: its running or next session's start, NULL if none starts before ``bound``;
* ``next_from`` and ``next_until``: the span in which that answer is exact. It was computed at
  ``next_from``; it stays right until the first of the sessions the slots gave ends (only a session
  ending changes which session is "running or next"), and a NULL stays right while nothing can
  start within the search horizon (``bound`` minus the horizon).

Outside its span a link is *stale*: the finder computes its next session live (finder_times with
``locations=`` the stale links, a handful at a time), so no answer waits for a refresh. The
refresh writes them again: in the commit of every write that touched links or schedules (a
session hook below: the writer, the importers' bulk rows, the demo, the workspace), and for links
whose session has passed, in a background job the finder starts at most every
BUURTKRACHT_NEXT_SESSION_REFRESH seconds (RQ in the scale-out set-up, a thread otherwise), or
``flask --app community refresh-next-sessions`` from cron.

The refresh writes through the connection, not the ORM session: a derived value moving on with
the clock is no change of the listings, so it bumps no data version and empties no cache.
"""
from __future__ import annotations

import logging
import threading
import time as timer
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import Flask, current_app, has_app_context
from sqlalchemy import and_, bindparam, event, or_, select, update
from sqlalchemy.orm import Session

from ..scheduling import TZ
from ..scheduling.sessions import SEARCH_HORIZON
from ..scheduling.weekly import DAY, SUMMER, Clock

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 300  # seconds between background refreshes, per process (and across them with RQ)
_CHANGED = "buurtkracht_next_sessions_changed"
_TABLES = frozenset({"initiative_at_place", "schedule", "schedule_slot"})
_lock = threading.Lock()


def _link():
    from ..models import InitiativeAtPlace
    return InitiativeAtPlace.__table__


def origin(clock: Clock) -> int:
    """What to add to a Clock's seconds to get the stored instants."""
    return clock.yesterday * DAY


def now_abs(clock: Clock) -> int:
    return clock.now_utc + origin(clock)


def fresh(clock: Clock, link=None):
    """Links whose stored next session holds at the clock's moment."""
    link = link if link is not None else _link()
    moment = now_abs(clock)
    return and_(link.c.next_from <= moment, link.c.next_until > moment)


def stale(clock: Clock, link=None):
    """Links whose stored next session does not hold now: computed live by the finder."""
    link = link if link is not None else _link()
    moment = now_abs(clock)
    return or_(link.c.next_until <= moment, link.c.next_from > moment)


def refresh(connection, now: datetime | None = None) -> int:
    """Store the next session of every stale link (at `now`); the number of links written.

    Each row is written only if it still holds what was read (its span), so a refresh racing a
    write that changed the link's schedules (and stored their next session itself) loses.
    """
    from .finder_times import next_starts
    clock = Clock.at(now or datetime.now(TZ))
    link, base = _link(), origin(clock)
    wanted = select(link.c.id).where(stale(clock, link))
    old = {row.id: (row.next_from, row.next_until) for row in
           connection.execute(select(link.c.id, link.c.next_from, link.c.next_until).where(stale(clock, link)))}
    if not old:
        return 0
    starts = next_starts(clock, locations=wanted, ends=True)
    found = {row.location_id: (row.next_start, row.next_end) for row in connection.execute(select(starts))}
    # Every session that can start on or before the clock's last day was found; later ones start
    # after that day's (local) midnight, so at or after `bound` (an offset is at most SUMMER).
    bound = (clock.last_day + 1 - clock.yesterday) * DAY - SUMMER
    none_until = bound - int(SEARCH_HORIZON.total_seconds())
    rows = []
    for link_id, (old_from, old_until) in old.items():
        start, end = found.get(link_id, (None, None))
        if start is not None and start < bound:
            values = (start + base, end + base)
        else:
            values = (None, none_until + base)
        rows.append({"b_id": link_id, "b_old_from": old_from, "b_old_until": old_until,
                     "b_start": values[0], "b_from": now_abs(clock), "b_until": values[1]})
    statement = (update(link).where(link.c.id == bindparam("b_id"), link.c.next_from == bindparam("b_old_from"),
                                    link.c.next_until == bindparam("b_old_until"))
                 .values(next_start=bindparam("b_start"), next_from=bindparam("b_from"),
                         next_until=bindparam("b_until")))
    for start in range(0, len(rows), 5000):
        connection.execute(statement, rows[start:start + 5000])
    return len(rows)


def mark_stale(connection, link_id) -> None:
    """A link whose schedules changed: computed live until the refresh (in the same commit)."""
    link = _link()
    connection.execute(update(link).where(link.c.id == link_id).values(next_from=0, next_until=0))


# ---------------------------------------------------------------- in the commit of every write


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    from ..models import InitiativeAtPlace, Schedule
    if any(isinstance(obj, (InitiativeAtPlace, Schedule))
           for group in (session.new, session.dirty, session.deleted) for obj in group):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        if getattr(getattr(state.statement, "table", None), "name", None) in _TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(_CHANGED, False):
        refresh(session.connection())


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)


# ---------------------------------------------------------------- links whose session has passed


def interval(app: Flask) -> int:
    return int(app.config.get("BUURTKRACHT_NEXT_SESSION_REFRESH", DEFAULT_INTERVAL))


def refresh_soon() -> None:
    """Start a background refresh unless one was started in the last interval (the finder calls
    this; a stale link is correct meanwhile, only slower)."""
    if not has_app_context():
        return
    app = current_app._get_current_object()
    seconds = interval(app)
    if seconds <= 0:
        return
    state = app.extensions.setdefault("buurtkracht_next_sessions", {"last": None, "pool": None})
    with _lock:
        if state["last"] is not None and timer.monotonic() - state["last"] < seconds:
            return
        state["last"] = timer.monotonic()
    from .coverage.jobs import mode
    if mode(app) == "rq":
        try:
            _start_rq(app, seconds)
            return
        except Exception:
            log.warning("RQ unavailable, refreshing next sessions in a thread", exc_info=True)
    with _lock:
        if state["pool"] is None:
            state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="next-sessions")
        state["future"] = state["pool"].submit(_in_app, app)


def wait(app: Flask, timeout: float = 60) -> None:
    """Wait for this process's refresh thread (tests)."""
    future = app.extensions.get("buurtkracht_next_sessions", {}).get("future")
    if future is not None:
        future.result(timeout=timeout)


def _in_app(app: Flask) -> None:
    with app.app_context():
        job()


def job() -> None:
    """The background refresh (RQ runs it in the review worker's app context)."""
    from ..extensions import db
    try:
        with db.engine.begin() as connection:
            written = refresh(connection)
        log.info("next sessions stored again for %d links", written)
    except Exception:
        log.exception("refreshing the stored next sessions failed")
    finally:
        db.session.remove()


def _start_rq(app: Flask, seconds: int) -> None:
    from redis import Redis
    from rq import Queue
    redis = Redis.from_url(app.config["CACHE_REDIS_URL"])
    prefix = app.config.get("CACHE_KEY_PREFIX", "")
    if not redis.set(prefix + "job:next-sessions", "1", nx=True, ex=seconds):
        return  # another process started one within the interval
    from .coverage.jobs import QUEUE
    Queue(prefix + QUEUE, connection=redis).enqueue(job, job_timeout=600, result_ttl=0, failure_ttl=3600)
