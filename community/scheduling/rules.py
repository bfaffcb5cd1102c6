"""What a schedule says (Recurrence), whether that makes sense, and whether it is in force on a day.

Query functions refuse invalid rules with InvalidRecurrence (a ValueError)
rather than guessing; forms should call Recurrence.validate() first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from .localtime import FIRST_DAY, LAST_DAY, in_calendar

FREQUENCIES = ("weekly", "biweekly", "monthly", "once")
# Monthly: the 1st to 5th such weekday of the month, or -1 for the last one. A month
# without a 5th one (most of them) simply has no session, as RFC 5545's BYDAY=5TU.
NTH_VALUES = (1, 2, 3, 4, 5, -1)


class InvalidRecurrence(ValueError):
    """Raised when a query is made with a rule that fails validate()."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Recurrence:
    frequency: str
    start_time: time
    end_time: time  # <= start_time means the session ends the next day
    weekdays: tuple[int, ...] = ()  # 0=Monday..6=Sunday
    nth: int | None = None  # monthly: see NTH_VALUES
    on_date: date | None = None  # once
    valid_from: date | None = None  # biweekly: its week is the anchor
    valid_until: date | None = None

    def __post_init__(self):
        # The model layer may hand over a list; a tuple keeps the rule hashable.
        if isinstance(self.weekdays, list):
            object.__setattr__(self, "weekdays", tuple(self.weekdays))

    def validate(self) -> list[str]:
        """Return human-readable problems, each prefixed with its field name; [] if valid."""
        problems = _time_problems(self) + _weekday_problems(self) + _nth_problems(self)
        if self.frequency not in FREQUENCIES:
            problems.insert(0, "frequency: choose one of " + ", ".join(FREQUENCIES))
        return problems + _date_problems(self)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _time_problems(rule: Recurrence) -> list[str]:
    problems = []
    for name in ("start_time", "end_time"):
        value = getattr(rule, name)
        if not isinstance(value, time):
            problems.append(f"{name}: must be a time of day")
        elif value.tzinfo is not None:
            problems.append(f"{name}: give a local time without a time zone")
    return problems


def _weekday_problems(rule: Recurrence) -> list[str]:
    weekdays, freq = rule.weekdays, rule.frequency
    if not isinstance(weekdays, tuple) or not all(_is_int(d) and 0 <= d <= 6 for d in weekdays):
        return ["weekdays: use numbers 0 (Monday) to 6 (Sunday)"]
    if len(set(weekdays)) != len(weekdays):
        return ["weekdays: a weekday is listed twice"]
    if freq in ("weekly", "biweekly") and not weekdays:
        return ["weekdays: pick at least one weekday"]
    if freq == "monthly" and len(weekdays) != 1:
        return ["weekdays: pick one weekday for a monthly schedule"]
    if freq == "once" and weekdays:
        return ["weekdays: leave empty for a one-off session; the date sets the day"]
    return []


def _nth_problems(rule: Recurrence) -> list[str]:
    if rule.frequency == "monthly":
        if not _is_int(rule.nth) or rule.nth not in NTH_VALUES:
            return ["nth: choose 1, 2, 3, 4, 5 or -1 (last) for a monthly schedule"]
    elif rule.nth is not None:
        return ["nth: only used for a monthly schedule"]
    return []


def _date_problems(rule: Recurrence) -> list[str]:
    problems = []
    for name in ("on_date", "valid_from", "valid_until"):
        value = getattr(rule, name)
        # datetime is a subclass of date; accepting it would smuggle in a time.
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            problems.append(f"{name}: must be a date")
    dates_ok = not problems
    freq = rule.frequency
    if freq == "once" and rule.on_date is None:
        problems.append("on_date: pick the date of the one-off session")
    elif freq != "once" and rule.on_date is not None:
        problems.append("on_date: only used for a one-off session")
    if freq == "biweekly" and rule.valid_from is None:
        problems.append("valid_from: needed for a biweekly schedule (it fixes which weeks)")
    for name in ("on_date", "valid_from", "valid_until"):
        value = getattr(rule, name)
        if dates_ok and value is not None and not in_calendar(value):
            problems.append(f"{name}: must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
            dates_ok = False
    if dates_ok:
        if rule.valid_from and rule.valid_until and rule.valid_until < rule.valid_from:
            problems.append("valid_until: is before valid_from")
        elif freq == "once" and rule.on_date is not None and not within_bounds(rule, rule.on_date):
            problems.append("on_date: falls outside valid_from/valid_until")
    return problems


def check(rule: Recurrence) -> None:
    problems = rule.validate()
    if problems:
        raise InvalidRecurrence(problems)


def within_bounds(rule: Recurrence, day: date) -> bool:
    """Is local date `day` within valid_from/valid_until (both inclusive)?"""
    if rule.valid_from is not None and day < rule.valid_from:
        return False
    if rule.valid_until is not None and day > rule.valid_until:
        return False
    return True


def has_ended(rule: Recurrence, today: date) -> bool:
    """Has the rule's last day (valid_until, or a one-off's date) passed by local date `today`?"""
    check(rule)
    last = rule.on_date if rule.frequency == "once" else rule.valid_until
    return last is not None and last < today


def starts_later(rule: Recurrence, today: date) -> bool:
    """Does the rule's first day (valid_from, or a one-off's date) lie after local date `today`?"""
    check(rule)
    first = rule.on_date if rule.frequency == "once" else rule.valid_from
    return first is not None and first > today


@dataclass(frozen=True)
class Period:
    """Why a listing has no schedule in force today: all ended (`ended`, on its last day) or none
    begun yet (`starts`, on the first day one begins)."""

    ended: date | None = None
    starts: date | None = None


def period(rules, today: date) -> Period | None:
    """For a listing's rules: None when one is in force today (or there are none); otherwise
    when the last one ended, if every one has, or when the next one begins."""
    rules = list(rules)
    if not rules or any(in_force(rule, today) for rule in rules):
        return None
    later = [rule.on_date if rule.frequency == "once" else rule.valid_from
             for rule in rules if starts_later(rule, today)]
    if later:
        return Period(starts=min(later))
    return Period(ended=max(rule.on_date if rule.frequency == "once" else rule.valid_until for rule in rules))


def in_force(rule: Recurrence, today: date) -> bool:
    """Does the rule count on local date `today` (not ended, not starting later)?

    The one rule for "nothing that has ended" (and nothing that has not begun): a
    schedule outside valid_from/valid_until does not count for a weekday or part of
    the day, nor in a printed guide. A one-off session counts until its day is over.
    """
    check(rule)
    if rule.frequency == "once":
        return rule.on_date >= today
    return within_bounds(rule, today)
