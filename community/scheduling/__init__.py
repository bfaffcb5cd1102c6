"""Recurring opening schedules for initiatives: rules, sessions and questions about them.

    rules.py     Recurrence (what a schedule says), its validation, and whether it is in force on a day
    localtime.py the Europe/Brussels policy: local wall-clock times to real instants
    sessions.py  the sessions of a rule (days from python-dateutil's rrule, instants from localtime)
    slots.py     weekday and part-of-day questions, which need no calendar
    wording.py   sentences for people ("elke woensdag 14:00–16:00") through Babel's locale data

Everything outside this package imports from here.
"""
from .localtime import FIRST_DAY, LAST_DAY, TZ, in_calendar
from .rules import (FREQUENCIES, NTH_VALUES, InvalidRecurrence, Period, Recurrence, has_ended, in_force, period,
                    starts_later)
from .sessions import SEARCH_HORIZON, Session, is_in_week, is_on, next_session, occurrences, upcoming
from .slots import PARTS_OF_DAY, matches_slot
from .wording import describe, describe_rhythm

__all__ = [
    "TZ",
    "FIRST_DAY",
    "LAST_DAY",
    "in_calendar",
    "FREQUENCIES",
    "NTH_VALUES",
    "PARTS_OF_DAY",
    "SEARCH_HORIZON",
    "Recurrence",
    "Session",
    "InvalidRecurrence",
    "in_force",
    "has_ended",
    "starts_later",
    "Period",
    "period",
    "occurrences",
    "next_session",
    "is_on",
    "is_in_week",
    "matches_slot",
    "describe",
    "describe_rhythm",
    "upcoming",
]
