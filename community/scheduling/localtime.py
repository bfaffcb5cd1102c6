"""The Europe/Brussels time-zone policy: a rule's local wall-clock time to a real instant.

* A rule speaks in local wall-clock time. Each session is built from a local
  date plus the rule's wall time, so "every Sunday 10:00" stays 10:00 local
  across the DST switch while its UTC offset changes (+01:00 <-> +02:00).
* Non-existent local times (02:00-02:59 on the spring-forward Sunday) are
  moved forward by the gap: 02:30 becomes 03:30 CEST. That is what people
  experience ("we start when the clock says 02:30" can only mean just after
  the jump) and matches what common calendar apps do. Start and end move
  alike, so 02:15-02:45 becomes 03:15-03:45; if the shift leaves the end at
  or before the start (02:30-03:00 -> 03:30-03:00) the session is dropped.
* Ambiguous local times (02:00-02:59 on the fall-back Sunday) take the first
  occurrence (summer time, fold=0) unless the rule's time has fold=1.
* Naive datetimes passed in are read as Brussels local time (same rules as
  above); aware ones are converted.
* All ordering and overlap checks are done in UTC: Python compares two
  datetimes sharing one tzinfo by wall clock alone, which is wrong around
  the fall-back hour.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Brussels")
# The calendar every date of the app lies in (schedules, activities, the workspace calendar,
# exports). Dates at Python's own ends (0001-01-01, 9999-12-31) overflow as soon as they are
# moved to UTC or a week is added, and no opening time or activity is that far away.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_calendar(day: date) -> bool:
    """Is `day` within FIRST_DAY..LAST_DAY (the range every stored date keeps to)?"""
    return FIRST_DAY <= day <= LAST_DAY


def resolve(local: datetime) -> datetime:
    """The real instant of a Brussels wall-clock datetime, as an aware Brussels datetime.

    A round trip through UTC turns a non-existent wall time into the instant after
    the jump and keeps fold for ambiguous ones.
    """
    return local.astimezone(timezone.utc).astimezone(TZ)


def wall_clock(day: date, at: time) -> datetime:
    """`at` o'clock on local date `day`, by the policy above."""
    return resolve(datetime.combine(day, at, tzinfo=TZ))


def to_local(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        return resolve(dt.replace(tzinfo=TZ))
    return dt.astimezone(TZ)


def to_utc(dt: datetime) -> datetime:
    return to_local(dt).astimezone(timezone.utc)
