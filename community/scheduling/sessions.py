"""The sessions of a rule: which local days from python-dateutil's rrule, which instants from localtime.

rrule works on naive local dates only (it knows nothing of the DST policy); each
day it yields becomes a Session through localtime.wall_clock, so the Brussels
rules for non-existent and ambiguous times are applied in one place.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import Iterable, Iterator

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from .localtime import TZ, to_local, to_utc, wall_clock
from .rules import Recurrence, check

# How far next_session/upcoming look ahead; a rule whose next session lies
# further away is treated as having none.
SEARCH_HORIZON = timedelta(days=400)

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_MIDNIGHT = time(0)


@dataclass(frozen=True)
class Session:
    start: datetime  # aware, Europe/Brussels
    end: datetime  # aware, Europe/Brussels; compare in UTC around fall-back

    @property
    def duration(self) -> timedelta:
        # Elapsed time, not wall-clock difference (same-tzinfo subtraction ignores DST).
        return self.end.astimezone(timezone.utc) - self.start.astimezone(timezone.utc)


def _naive(day: date) -> datetime:
    return datetime.combine(day, _MIDNIGHT)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _biweekly_start(rule: Recurrence, first: date) -> date:
    """rrule's dtstart for a biweekly rule: the anchor, or a Monday an even number of weeks later.

    Counting whole weeks between Mondays (rrule's own way with wkst=MO) keeps the parity
    across a year with an ISO week 53; moving dtstart forward keeps long-running rules cheap.
    """
    weeks = (_monday(first) - _monday(rule.valid_from)).days // 7
    if weeks < 2:
        return rule.valid_from
    return _monday(rule.valid_from) + _WEEK * (weeks - weeks % 2)


def session_days(rule: Recurrence, first: date, last: date) -> Iterator[date]:
    """Local dates from `first` to `last` (inclusive) on which a session of a valid rule starts."""
    lo = first if rule.valid_from is None else max(first, rule.valid_from)
    hi = last if rule.valid_until is None else min(last, rule.valid_until)
    if lo > hi:
        return iter(())
    freq = rule.frequency
    if freq == "once":
        return iter((rule.on_date,) if lo <= rule.on_date <= hi else ())
    if freq == "monthly":
        days = rrule(MONTHLY, dtstart=_naive(lo), until=_naive(hi),
                     byweekday=weekday(rule.weekdays[0], rule.nth))
    elif freq == "weekly":
        days = rrule(WEEKLY, dtstart=_naive(lo), until=_naive(hi), byweekday=rule.weekdays)
    else:  # biweekly
        days = rrule(WEEKLY, interval=2, wkst=0, dtstart=_naive(_biweekly_start(rule, lo)),
                     until=_naive(hi), byweekday=rule.weekdays)
    return (d.date() for d in days if d.date() >= lo)


def _session_on(rule: Recurrence, day: date) -> Session | None:
    start = wall_clock(day, rule.start_time)
    end = wall_clock(day + _DAY if rule.end_time <= rule.start_time else day, rule.end_time)
    if end.astimezone(timezone.utc) <= start.astimezone(timezone.utc):
        return None  # the gap shift pushed the start past the end
    return Session(start, end)


def _sessions(rule: Recurrence, start_u: datetime, end_u: datetime) -> Iterator[Session]:
    if end_u <= start_u:
        return
    # A session starting the previous local day may still run past midnight.
    first = start_u.astimezone(TZ).date() - _DAY
    last = end_u.astimezone(TZ).date()
    for day in session_days(rule, first, last):
        session = _session_on(rule, day)
        if session is not None:
            s_u = session.start.astimezone(timezone.utc)
            e_u = session.end.astimezone(timezone.utc)
            if s_u < end_u and e_u > start_u:
                yield session


def occurrences(rule: Recurrence, start: datetime, end: datetime) -> Iterator[Session]:
    """Sessions overlapping [start, end), in chronological order (lazy)."""
    check(rule)  # eager, so a bad rule fails at the call, not at first next()
    return _sessions(rule, to_utc(start), to_utc(end))


def next_session(rule: Recurrence, after: datetime) -> Session | None:
    """The session in progress at `after`, else the first one starting later; None past the horizon."""
    check(rule)
    after_u = to_utc(after)
    return next(_sessions(rule, after_u, after_u + SEARCH_HORIZON), None)


def is_on(rule: Recurrence, at: datetime) -> bool:
    """True if a session runs at `at` (start inclusive, end exclusive)."""
    check(rule)
    at_u = to_utc(at)
    return any(_sessions(rule, at_u, at_u + timedelta(microseconds=1)))


def is_in_week(rule: Recurrence, at: datetime) -> bool:
    """True if a session runs between `at` and the end of that local Sunday (an ongoing one counts)."""
    check(rule)
    local = to_local(at)
    boundary = wall_clock(local.date() + timedelta(days=7 - local.weekday()), _MIDNIGHT)
    return any(_sessions(rule, local.astimezone(timezone.utc), boundary.astimezone(timezone.utc)))


def upcoming(rules: Iterable[Recurrence], after: datetime, limit: int) -> list[Session]:
    """The first `limit` sessions of all rules together (ongoing ones included), chronologically."""
    if limit <= 0:
        return []
    after_u = to_utc(after)
    horizon = after_u + SEARCH_HORIZON
    streams = []
    for rule in rules:
        check(rule)
        streams.append(_sessions(rule, after_u, horizon))
    merged = heapq.merge(
        *streams,
        key=lambda s: (s.start.astimezone(timezone.utc), s.end.astimezone(timezone.utc)),
    )
    return list(islice(merged, limit))
