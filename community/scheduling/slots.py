"""Weekday and part-of-day questions about a rule ("on Wednesday afternoon?"), which need no calendar."""
from __future__ import annotations

from datetime import date, time

from .rules import Recurrence, check, in_force

PARTS_OF_DAY = {
    "morning": (time(6), time(12)),
    "afternoon": (time(12), time(18)),
    "evening": (time(18), time(23, 59, 59)),
}


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _overlaps(a: int, b: int, part: str) -> bool:
    lo, hi = PARTS_OF_DAY[part]
    return a < _seconds(hi) and b > _seconds(lo)


def matches_slot(rule: Recurrence, weekday: int | None, part_of_day: str | None,
                 today: date | None = None) -> bool:
    """Can the rule put a session on `weekday` overlapping `part_of_day`? None means any.

    A session belongs to the weekday it starts on. The part after midnight of
    a session crossing midnight also counts for the next weekday, but only
    where it overlaps a part of day (a 22:00-02:00 session is not on the next
    morning; a 20:00-07:00 one is). Monthly and biweekly rules are judged by
    the weekdays they can fall on. With `today` (a local date), a rule that is
    not in force that day (see rules.in_force) matches nothing; without it the
    validity dates are ignored.
    """
    check(rule)
    if weekday is not None and not (isinstance(weekday, int) and 0 <= weekday <= 6):
        raise ValueError(f"weekday must be 0..6 or None, got {weekday!r}")
    if part_of_day is not None and part_of_day not in PARTS_OF_DAY:
        raise ValueError(f"part_of_day must be one of {sorted(PARTS_OF_DAY)} or None")
    if today is not None and not in_force(rule, today):
        return False

    days = (rule.on_date.weekday(),) if rule.frequency == "once" else rule.weekdays
    s, e = _seconds(rule.start_time), _seconds(rule.end_time)
    crosses = rule.end_time <= rule.start_time
    # (day offset from the start day, from-second, to-second) within one calendar day
    segments = [(0, s, 86400), (1, 0, e)] if crosses else [(0, s, e)]
    for day in days:
        for offset, a, b in segments:
            if a >= b or (weekday is not None and (day + offset) % 7 != weekday):
                continue
            if part_of_day is not None:
                if _overlaps(a, b, part_of_day):
                    return True
            elif offset == 0 or any(_overlaps(a, b, p) for p in PARTS_OF_DAY):
                return True
    return False
