"""Recurring opening schedules for initiatives: rules, sessions and questions about them."""

# Time-zone policy (Europe/Brussels):
#
# * A rule speaks in local wall-clock time. Each session is built from a local
#   date plus the rule's wall time, so "every Sunday 10:00" stays 10:00 local
#   across the DST switch while its UTC offset changes (+01:00 <-> +02:00).
# * Non-existent local times (02:00-02:59 on the spring-forward Sunday) are
#   moved forward by the gap: 02:30 becomes 03:30 CEST. That is what people
#   experience ("we start when the clock says 02:30" can only mean just after
#   the jump) and matches what common calendar apps do. Start and end move
#   alike, so 02:15-02:45 becomes 03:15-03:45; if the shift leaves the end at
#   or before the start (02:30-03:00 -> 03:30-03:00) the session is dropped.
# * Ambiguous local times (02:00-02:59 on the fall-back Sunday) take the first
#   occurrence (summer time, fold=0) unless the rule's time has fold=1.
# * Naive datetimes passed in are read as Brussels local time (same rules as
#   above); aware ones are converted.
# * All ordering and overlap checks are done in UTC: Python compares two
#   datetimes sharing one tzinfo by wall clock alone, which is wrong around
#   the fall-back hour.
#
# Query functions refuse invalid rules with InvalidRecurrence (a ValueError)
# rather than guessing; forms should call Recurrence.validate() first.

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import islice
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

__all__ = [
    "TZ",
    "FREQUENCIES",
    "PARTS_OF_DAY",
    "SEARCH_HORIZON",
    "Recurrence",
    "Session",
    "InvalidRecurrence",
    "occurrences",
    "next_session",
    "is_on",
    "is_in_week",
    "matches_slot",
    "describe",
    "upcoming",
]

TZ = ZoneInfo("Europe/Brussels")
FREQUENCIES = ("weekly", "biweekly", "monthly", "once")
PARTS_OF_DAY = {
    "morning": (time(6), time(12)),
    "afternoon": (time(12), time(18)),
    "evening": (time(18), time(23, 59, 59)),
}
# How far next_session/upcoming look ahead; a rule whose next session lies
# further away is treated as having none.
SEARCH_HORIZON = timedelta(days=400)

_VALID_NTH = (1, 2, 3, 4, -1)
_DAY = timedelta(days=1)


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
    nth: int | None = None  # monthly: 1..4, or -1 for the last one
    on_date: date | None = None  # once
    valid_from: date | None = None  # biweekly: its ISO week is the anchor
    valid_until: date | None = None

    def __post_init__(self):
        # The model layer may hand over a list; a tuple keeps the rule hashable.
        if isinstance(self.weekdays, list):
            object.__setattr__(self, "weekdays", tuple(self.weekdays))

    def validate(self) -> list[str]:
        """Return human-readable problems, each prefixed with its field name; [] if valid."""
        problems: list[str] = []
        freq = self.frequency
        if freq not in FREQUENCIES:
            problems.append("frequency: choose one of " + ", ".join(FREQUENCIES))

        for name in ("start_time", "end_time"):
            value = getattr(self, name)
            if not isinstance(value, time):
                problems.append(f"{name}: must be a time of day")
            elif value.tzinfo is not None:
                problems.append(f"{name}: give a local time without a time zone")

        weekdays = self.weekdays
        if not isinstance(weekdays, tuple) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekdays
        ):
            problems.append("weekdays: use numbers 0 (Monday) to 6 (Sunday)")
        elif len(set(weekdays)) != len(weekdays):
            problems.append("weekdays: a weekday is listed twice")
        elif freq in ("weekly", "biweekly") and not weekdays:
            problems.append("weekdays: pick at least one weekday")
        elif freq == "monthly" and len(weekdays) != 1:
            problems.append("weekdays: pick one weekday for a monthly schedule")
        elif freq == "once" and weekdays:
            problems.append("weekdays: leave empty for a one-off session; the date sets the day")

        if freq == "monthly":
            nth = self.nth
            if not isinstance(nth, int) or isinstance(nth, bool) or nth not in _VALID_NTH:
                problems.append("nth: choose 1, 2, 3, 4 or -1 (last) for a monthly schedule")
        elif self.nth is not None:
            problems.append("nth: only used for a monthly schedule")

        for name in ("on_date", "valid_from", "valid_until"):
            value = getattr(self, name)
            # datetime is a subclass of date; accepting it would smuggle in a time.
            if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
                problems.append(f"{name}: must be a date")
        dates_ok = not any(p.startswith(("on_date:", "valid_from:", "valid_until:")) for p in problems)

        if freq == "once" and self.on_date is None:
            problems.append("on_date: pick the date of the one-off session")
        elif freq != "once" and self.on_date is not None:
            problems.append("on_date: only used for a one-off session")
        if freq == "biweekly" and self.valid_from is None:
            problems.append("valid_from: needed for a biweekly schedule (it fixes which weeks)")

        if dates_ok:
            if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
                problems.append("valid_until: is before valid_from")
            elif freq == "once" and self.on_date is not None and not _within_bounds(self, self.on_date):
                problems.append("on_date: falls outside valid_from/valid_until")
        return problems


@dataclass(frozen=True)
class Session:
    start: datetime  # aware, Europe/Brussels
    end: datetime  # aware, Europe/Brussels; compare in UTC around fall-back

    @property
    def duration(self) -> timedelta:
        # Elapsed time, not wall-clock difference (same-tzinfo subtraction ignores DST).
        return self.end.astimezone(timezone.utc) - self.start.astimezone(timezone.utc)


# ---------------------------------------------------------------- helpers


def _check(rule: Recurrence) -> None:
    problems = rule.validate()
    if problems:
        raise InvalidRecurrence(problems)


def _resolve(local: datetime) -> datetime:
    # A round trip through UTC turns a non-existent wall time into the real
    # instant after the jump and keeps fold for ambiguous ones.
    return local.astimezone(timezone.utc).astimezone(TZ)


def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        return _resolve(dt.replace(tzinfo=TZ))
    return dt.astimezone(TZ)


def _utc(dt: datetime) -> datetime:
    return _local(dt).astimezone(timezone.utc)


def _within_bounds(rule: Recurrence, day: date) -> bool:
    if rule.valid_from is not None and day < rule.valid_from:
        return False
    if rule.valid_until is not None and day > rule.valid_until:
        return False
    return True


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _nth_of_month(day: date) -> tuple[int, bool]:
    """Which occurrence of its weekday `day` is in its month, and whether it is the last."""
    return (day.day - 1) // 7 + 1, (day + timedelta(days=7)).month != day.month


def _occurs_on(rule: Recurrence, day: date) -> bool:
    """Does a session of a valid rule start on local date `day`?"""
    if not _within_bounds(rule, day):
        return False
    freq = rule.frequency
    if freq == "once":
        return day == rule.on_date
    if day.weekday() not in rule.weekdays:
        return False
    if freq == "weekly":
        return True
    if freq == "biweekly":
        # Count whole weeks between Mondays, not ISO week numbers: numbers
        # restart at 1 after week 52 or 53 and would break the parity.
        weeks = (_monday(day) - _monday(rule.valid_from)).days // 7
        return weeks % 2 == 0
    nth, is_last = _nth_of_month(day)
    return is_last if rule.nth == -1 else nth == rule.nth


def _session_on(rule: Recurrence, day: date) -> Session | None:
    start = _resolve(datetime.combine(day, rule.start_time, tzinfo=TZ))
    end_day = day + _DAY if rule.end_time <= rule.start_time else day
    end = _resolve(datetime.combine(end_day, rule.end_time, tzinfo=TZ))
    if end.astimezone(timezone.utc) <= start.astimezone(timezone.utc):
        return None  # the gap shift pushed the start past the end
    return Session(start, end)


def _sessions(rule: Recurrence, start_u: datetime, end_u: datetime) -> Iterator[Session]:
    if end_u <= start_u:
        return
    # A session starting the previous local day may still run past midnight.
    first = start_u.astimezone(TZ).date() - _DAY
    last = end_u.astimezone(TZ).date()
    if rule.frequency == "once":
        first = max(first, rule.on_date)
        last = min(last, rule.on_date)
    if rule.valid_from is not None:
        first = max(first, rule.valid_from)
    if rule.valid_until is not None:
        last = min(last, rule.valid_until)
    day = first
    while day <= last:
        if _occurs_on(rule, day):
            session = _session_on(rule, day)
            if session is not None:
                s_u = session.start.astimezone(timezone.utc)
                e_u = session.end.astimezone(timezone.utc)
                if s_u < end_u and e_u > start_u:
                    yield session
        day += _DAY


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


# ---------------------------------------------------------------- queries


def occurrences(rule: Recurrence, start: datetime, end: datetime) -> Iterator[Session]:
    """Sessions overlapping [start, end), in chronological order (lazy)."""
    _check(rule)  # eager, so a bad rule fails at the call, not at first next()
    return _sessions(rule, _utc(start), _utc(end))


def next_session(rule: Recurrence, after: datetime) -> Session | None:
    """The session in progress at `after`, else the first one starting later; None past the horizon."""
    _check(rule)
    after_u = _utc(after)
    return next(_sessions(rule, after_u, after_u + SEARCH_HORIZON), None)


def is_on(rule: Recurrence, at: datetime) -> bool:
    """True if a session runs at `at` (start inclusive, end exclusive)."""
    _check(rule)
    at_u = _utc(at)
    return any(_sessions(rule, at_u, at_u + timedelta(microseconds=1)))


def is_in_week(rule: Recurrence, at: datetime) -> bool:
    """True if a session runs between `at` and the end of that local Sunday (an ongoing one counts)."""
    _check(rule)
    local = _local(at)
    next_monday = local.date() + timedelta(days=7 - local.weekday())
    boundary = _resolve(datetime.combine(next_monday, time(0), tzinfo=TZ))
    return any(_sessions(rule, local.astimezone(timezone.utc), boundary.astimezone(timezone.utc)))


def matches_slot(rule: Recurrence, weekday: int | None, part_of_day: str | None) -> bool:
    """Can the rule put a session on `weekday` overlapping `part_of_day`? None means any.

    A session belongs to the weekday it starts on. The part after midnight of
    a session crossing midnight also counts for the next weekday, but only
    where it overlaps a part of day (a 22:00-02:00 session is not on the next
    morning; a 20:00-07:00 one is). Monthly and biweekly rules are judged by
    the weekdays they can fall on; validity dates are ignored.
    """
    _check(rule)
    if weekday is not None and not (isinstance(weekday, int) and 0 <= weekday <= 6):
        raise ValueError(f"weekday must be 0..6 or None, got {weekday!r}")
    if part_of_day is not None and part_of_day not in PARTS_OF_DAY:
        raise ValueError(f"part_of_day must be one of {sorted(PARTS_OF_DAY)} or None")

    days = (rule.on_date.weekday(),) if rule.frequency == "once" else rule.weekdays
    s, e = _seconds(rule.start_time), _seconds(rule.end_time)
    crosses = rule.end_time <= rule.start_time
    # (day offset from the start day, from-second, to-second) within one calendar day
    segments = [(0, s, 86400), (1, 0, e)] if crosses else [(0, s, e)]

    def overlaps(a: int, b: int, part: str) -> bool:
        lo, hi = PARTS_OF_DAY[part]
        return a < _seconds(hi) and b > _seconds(lo)

    for day in days:
        for offset, a, b in segments:
            if a >= b:
                continue
            if weekday is not None and (day + offset) % 7 != weekday:
                continue
            if part_of_day is not None:
                if overlaps(a, b, part_of_day):
                    return True
            elif offset == 0 or any(overlaps(a, b, p) for p in PARTS_OF_DAY):
                return True
    return False


def upcoming(rules: Iterable[Recurrence], after: datetime, limit: int) -> list[Session]:
    """The first `limit` sessions of all rules together (ongoing ones included), chronologically."""
    if limit <= 0:
        return []
    after_u = _utc(after)
    horizon = after_u + SEARCH_HORIZON
    streams = []
    for rule in rules:
        _check(rule)
        streams.append(_sessions(rule, after_u, horizon))
    merged = heapq.merge(
        *streams,
        key=lambda s: (s.start.astimezone(timezone.utc), s.end.astimezone(timezone.utc)),
    )
    return list(islice(merged, limit))


# ---------------------------------------------------------------- describe

_WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli",
           "augustus", "september", "oktober", "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet",
           "août", "septembre", "octobre", "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
}
_ORDINALS = {
    "nl": {1: "eerste", 2: "tweede", 3: "derde", 4: "vierde", -1: "laatste"},
    "fr": {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", -1: "dernier"},
    "en": {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"},
}
_AND = {"nl": "en", "fr": "et", "en": "and"}
_DEFAULT_LOCALE = "nl"  # the site's main language; unknown locales fall back to it


def _join(items: list[str], locale: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {_AND[locale]} " + items[-1]


def _date_text(day: date, locale: str) -> str:
    month = _MONTHS[locale][day.month - 1]
    if locale == "fr" and day.day == 1:
        return f"1er {month} {day.year}"
    return f"{day.day} {month} {day.year}"


def _time_text(t: time, locale: str) -> str:
    return f"{t.hour:02d}h{t.minute:02d}" if locale == "fr" else f"{t.hour:02d}:{t.minute:02d}"


def describe(rule: Recurrence, locale: str = "nl") -> str:
    """Human text such as "elke woensdag 14:00–16:00" in nl, fr or en (others fall back to nl)."""
    _check(rule)
    lang = (locale or "").replace("_", "-").split("-")[0].lower()
    if lang not in _WEEKDAYS:
        lang = _DEFAULT_LOCALE
    names = [_WEEKDAYS[lang][d] for d in rule.weekdays]
    hours = f"{_time_text(rule.start_time, lang)}–{_time_text(rule.end_time, lang)}"
    freq = rule.frequency

    if freq == "once":
        on = {"nl": "op", "fr": "le", "en": "on"}[lang]
        return f"{on} {_date_text(rule.on_date, lang)} {hours}"

    if freq == "weekly":
        when = {
            "nl": f"elke {_join(names, lang)}",
            "fr": "tous les " + _join([n + "s" for n in names], lang),
            "en": f"every {_join(names, lang)}",
        }[lang]
    elif freq == "biweekly":
        when = {
            "nl": f"om de twee weken op {_join(names, lang)}",
            "fr": "toutes les deux semaines " + _join(["le " + n for n in names], lang),
            "en": f"every two weeks on {_join(names, lang)}",
        }[lang]
    else:
        ordinal = _ORDINALS[lang][rule.nth]
        when = {
            "nl": f"elke {ordinal} {names[0]} van de maand",
            "fr": f"chaque {ordinal} {names[0]} du mois",
            "en": f"every {ordinal} {names[0]} of the month",
        }[lang]

    text = f"{when} {hours}"
    lo, hi = rule.valid_from, rule.valid_until
    if lo and hi:
        text += {
            "nl": f", van {_date_text(lo, lang)} tot en met {_date_text(hi, lang)}",
            "fr": f", du {_date_text(lo, lang)} au {_date_text(hi, lang)}",
            "en": f", from {_date_text(lo, lang)} until {_date_text(hi, lang)}",
        }[lang]
    elif lo:
        text += {"nl": ", vanaf ", "fr": ", à partir du ", "en": ", from "}[lang] + _date_text(lo, lang)
    elif hi:
        text += {"nl": ", tot en met ", "fr": ", jusqu'au ", "en": ", until "}[lang] + _date_text(hi, lang)
    return text
