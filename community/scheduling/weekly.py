"""A rule as weekly slots in plain numbers, and a moment as the numbers SQL compares them with.

The finder answers day, part of day, "on now", "this week" and "next session" in SQL over these
numbers (table schedule_slot, one row per weekday of a schedule), with integer arithmetic that is
the same on SQLite and PostgreSQL:

* a day is its number since FIRST_DAY (1900-01-01, a Monday), so `day % 7` is its weekday and
  `day // 7` its week (a biweekly rule runs in the weeks of the same parity as its valid_from);
* a time of day is its seconds since midnight; a session crossing midnight ends past 86,400;
* a wall-clock moment is `day * 86400 + seconds`; its real instant (seconds since 1900-01-01
  00:00 UTC) is the wall clock minus the Brussels offset, which Clock gives SQL as the few
  summer-time spans of wall-clock seconds around `now` (localtime.py's policy: a time in the
  spring gap keeps winter time, an ambiguous autumn time takes summer time).

What sessions.py computes with rrule is computed here by arithmetic; the finder's differential
test (tests/community/test_finder_sql.py) checks the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone

from .localtime import FIRST_DAY, LAST_DAY, TZ, to_local, wall_clock
from .rules import Recurrence, check
from .sessions import SEARCH_HORIZON
from .slots import PARTS_OF_DAY

DAY = 86_400
WINTER, SUMMER = 3600, 7200  # Brussels' offsets from UTC in seconds
UTC_ZERO = datetime.combine(FIRST_DAY, time(0), tzinfo=timezone.utc)
OPEN_UNTIL = (LAST_DAY - FIRST_DAY).days  # the day number a rule without valid_until runs to


def day_number(day: date) -> int:
    return (day - FIRST_DAY).days


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def part_seconds(part: str) -> tuple[int, int]:
    """A part of day (scheduling.slots.PARTS_OF_DAY) as [from, to) seconds of the day."""
    lo, hi = PARTS_OF_DAY[part]
    return seconds(lo), seconds(hi)


# A session's part after midnight counts for the next weekday only where it overlaps a part of
# day (slots.matches_slot): that is, when it ends after the earliest part begins.
EARLIEST_PART = min(part_seconds(p)[0] for p in PARTS_OF_DAY)


def slot_values(rule: Recurrence) -> list[dict]:
    """The schedule_slot rows of a valid rule (without the schedule's and location's ids)."""
    check(rule)
    start = seconds(rule.start_time)
    end = seconds(rule.end_time) + (DAY if rule.end_time <= rule.start_time else 0)
    if rule.frequency == "once":
        weekdays = (rule.on_date.weekday(),)
        first = last = day_number(rule.on_date)
    else:
        weekdays = rule.weekdays
        first = day_number(rule.valid_from) if rule.valid_from else 0
        last = day_number(rule.valid_until) if rule.valid_until else OPEN_UNTIL
    return [{"frequency": rule.frequency, "weekday": weekday, "start_sec": start, "end_sec": end,
             "nth": rule.nth, "from_day": first, "until_day": last} for weekday in sorted(set(weekdays))]


def _utc_seconds(moment: datetime) -> int:
    return int((moment.astimezone(timezone.utc) - UTC_ZERO).total_seconds() // 1)


def _offset(day: date, hour: int) -> int:
    # utcoffset of the unresolved wall time, fold=0: winter time in the spring gap, summer time
    # in the autumn overlap, as localtime.resolve turns them into instants.
    return int(datetime.combine(day, time(hour), tzinfo=TZ).utcoffset().total_seconds())


@lru_cache(maxsize=8)  # a date's spans: computed once a day, not for every search
def _summer_spans(first: date, days: int) -> tuple[tuple[int, int], ...]:
    """[from, to) wall-clock seconds with summer time, from local date `first` for `days` days."""
    spans, start = [], None
    for n in range(days + 1):
        day = first + timedelta(days=n)
        hours = range(24) if n == 0 or _offset(day, 0) != _offset(day, 23) else (0,)
        for hour in hours:
            moment = day_number(day) * DAY + hour * 3600
            summer = _offset(day, hour) == SUMMER
            if summer and start is None:
                start = moment
            elif not summer and start is not None:
                spans.append((start, moment))
                start = None
    if start is not None:
        spans.append((start, day_number(first + timedelta(days=days + 1)) * DAY))
    return tuple(spans)


@lru_cache(maxsize=8)
def _months(first: date, last: date) -> tuple[tuple[int, int], ...]:
    """(first day, first day of the next month) of every month from `first`'s to `last`'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        months.append((day_number(month), day_number(following)))
        month = following
    return tuple(months)


@dataclass(frozen=True)
class Clock:
    """`now` in the numbers the finder's SQL compares slots with.

    Seconds count from yesterday's midnight (day number `yesterday`) so that they fit the 32-bit
    integers of PostgreSQL: a wall-clock moment is `(day - yesterday) * 86400 + seconds`, an
    instant the seconds since that midnight taken as UTC. Slots starting after `last_day` are
    past the horizon and never read.
    """

    now: datetime
    yesterday: int        # day number: a session that started yesterday may still run
    today: int
    last_day: int
    now_utc: int
    time_of_day: int      # local seconds since midnight
    week_end_utc: int     # the end of this local Sunday, as an instant
    horizon_utc: int      # sessions starting from here on count as none (sessions.SEARCH_HORIZON)
    summer: tuple[tuple[int, int], ...]
    months: tuple[tuple[int, int], ...]

    @classmethod
    def at(cls, now: datetime) -> "Clock":
        local = to_local(now)
        today = local.date()
        reach = SEARCH_HORIZON.days + 3
        origin = (day_number(today) - 1) * DAY
        week_end = wall_clock(today + timedelta(days=7 - today.weekday()), time(0))
        now_utc = _utc_seconds(local) - origin
        return cls(now=local, yesterday=day_number(today) - 1, today=day_number(today),
                   last_day=day_number(today) + reach, now_utc=now_utc, time_of_day=seconds(local.time()),
                   week_end_utc=_utc_seconds(week_end) - origin,
                   horizon_utc=now_utc + int(SEARCH_HORIZON.total_seconds()),
                   summer=tuple((lo - origin, hi - origin)
                                for lo, hi in _summer_spans(today - timedelta(days=1), reach)),
                   months=_months(today - timedelta(days=1), today + timedelta(days=reach)))

    @property
    def weekday(self) -> int:
        return self.today % 7

    def instant(self, seconds_utc: int) -> datetime:
        """An instant in this clock's seconds as an aware Brussels datetime."""
        return (UTC_ZERO + timedelta(seconds=int(seconds_utc) + self.yesterday * DAY)).astimezone(TZ)
