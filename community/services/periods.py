"""Which days the workspace accepts: an activity's day, and a period to read (calendar, export).

The app's calendar itself (1900-01-01 to 2199-12-31) is community/scheduling/localtime.py's.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import gettext as _

from ..errors import Invalid
from ..scheduling import FIRST_DAY, LAST_DAY, TZ, in_calendar

# How far from today an activity may lie: the log goes back years (annual reports), plans a
# few years ahead. 0001-01-01 00:00 overflowed when moved to UTC; the year 9999 is a typo.
ACTIVITY_YEARS_BACK, ACTIVITY_YEARS_AHEAD = 10, 5


def activity_days(today: date | None = None) -> tuple[date, date]:
    """The first and last day an activity may be planned on or logged for."""
    today = today or datetime.now(TZ).date()
    return date(today.year - ACTIVITY_YEARS_BACK, 1, 1), date(today.year + ACTIVITY_YEARS_AHEAD, 12, 31)


def check_period(first_day: date, last_day: date) -> None:
    """A period to read (the calendar, an export) lies within the app's calendar; Invalid names the end."""
    for name, day in (("first_day", first_day), ("last_day", last_day)):
        if not in_calendar(day):
            raise Invalid({name: _("Give a date between %(first)s and %(last)s.", first=FIRST_DAY.isoformat(),
                                   last=LAST_DAY.isoformat())})


def local_range(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """Aware UTC start and end for a local day and times (end on the same day)."""
    starts = datetime.combine(day, start, tzinfo=TZ).astimezone(timezone.utc)
    ends = datetime.combine(day, end, tzinfo=TZ).astimezone(timezone.utc)
    return starts, ends
