"""Schedule sentences for people in nl, fr and en, with the words and formats from Babel (CLDR).

Babel gives the weekday names, the list joining ("maandag, woensdag en vrijdag"),
dates, times, time ranges and the ordinal category of a number; what is left here
is each language's sentence frame. The Belgian variants of the locales (nl_BE,
fr_BE, en_BE) set the formats: 24-hour times and "1 March 2026" in English too.
"""
from __future__ import annotations

from datetime import date, time
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_interval, format_time, get_day_names
from babel.lists import format_list

from .rules import Recurrence, check

_DEFAULT_LANGUAGE = "nl"  # the site's main language; unknown locales fall back to it

# Per language: the sentence frames; ordinal suffixes by CLDR ordinal category (en 1st 2nd
# 3rd 4th, fr 1er 2e, nl 1e 2e) and the word for "last".
_FRAMES = {
    "nl": {"weekly": "elke {days}", "biweekly": "om de twee weken op {days}",
           "monthly": "elke {nth} {day} van de maand", "once": "op {date}",
           "between": ", van {lo} tot en met {hi}", "from": ", vanaf {lo}", "until": ", tot en met {hi}",
           "ordinal": {"other": "e"}, "last": "laatste",
           "rhythm": {"weekly": "elke week", "biweekly": "om de twee weken", "monthly": "elke maand, de {nth}"}},
    "fr": {"weekly": "tous les {days}", "biweekly": "toutes les deux semaines {days}",
           "monthly": "chaque {nth} {day} du mois", "once": "le {date}",
           "between": ", du {lo} au {hi}", "from": ", à partir du {lo}", "until": ", jusqu'au {hi}",
           "ordinal": {"one": "er", "other": "e"}, "last": "dernier",
           "rhythm": {"weekly": "chaque semaine", "biweekly": "toutes les deux semaines",
                      "monthly": "chaque mois, le {nth}"}},
    "en": {"weekly": "every {days}", "biweekly": "every two weeks on {days}",
           "monthly": "every {nth} {day} of the month", "once": "on {date}",
           "between": ", from {lo} until {hi}", "from": ", from {lo}", "until": ", until {hi}",
           "ordinal": {"one": "st", "two": "nd", "few": "rd", "other": "th"}, "last": "last",
           "rhythm": {"weekly": "every week", "biweekly": "every two weeks", "monthly": "every month, the {nth}"}},
}


@lru_cache(maxsize=None)
def _locale(language: str) -> Locale:
    return Locale(language, "BE")


def _language(locale: str | None) -> str:
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in _FRAMES else _DEFAULT_LANGUAGE


def _day_names(weekdays: tuple[int, ...], language: str) -> list[str]:
    names = get_day_names("wide", "format", locale=_locale(language))  # 0 = Monday, as ours
    return [names[d] for d in weekdays]


def _date_text(day: date, language: str) -> str:
    pattern = _locale(language).date_formats["long"].pattern  # "d MMMM y"
    if language == "fr" and day.day == 1:
        pattern = pattern.replace("d", "d'er'", 1)  # "1er mars", as French writes the first
    return format_date(day, pattern, locale=_locale(language))


def _hours_text(start: time, end: time, language: str) -> str:
    locale = _locale(language)
    if start == end:  # a 24-hour session: format_interval would print one time for an "empty" range,
        # so the two halves of the locale's "hours differ" pattern are used as format_interval does.
        halves = locale.interval_formats["Hm"]["H"]
        return "".join(format_time(t, half, locale=locale) for t, half in zip((start, end), halves))
    return format_interval(start, end, "Hm", locale=locale)


def _ordinal(nth: int, language: str) -> str:
    frames = _FRAMES[language]
    if nth == -1:
        return frames["last"]
    suffixes = frames["ordinal"]
    return f"{nth}{suffixes.get(_locale(language).ordinal_form(nth), suffixes['other'])}"


def _when(rule: Recurrence, language: str) -> str:
    frames, locale = _FRAMES[language], _locale(language)
    names = _day_names(rule.weekdays, language)
    if rule.frequency == "once":
        return frames["once"].format(date=_date_text(rule.on_date, language))
    if rule.frequency == "monthly":
        return frames["monthly"].format(nth=_ordinal(rule.nth, language), day=names[0])
    if language == "fr":  # "tous les mercredis", "toutes les deux semaines le mardi"
        names = [n + "s" for n in names] if rule.frequency == "weekly" else ["le " + n for n in names]
    return frames[rule.frequency].format(days=format_list(names, locale=locale))


def _validity(rule: Recurrence, language: str) -> str:
    if rule.frequency == "once":
        return ""
    frames = _FRAMES[language]
    lo = rule.valid_from and _date_text(rule.valid_from, language)
    hi = rule.valid_until and _date_text(rule.valid_until, language)
    if lo and hi:
        return frames["between"].format(lo=lo, hi=hi)
    if lo:
        return frames["from"].format(lo=lo)
    return frames["until"].format(hi=hi) if hi else ""


def describe(rule: Recurrence, locale: str = "nl") -> str:
    """Human text such as "elke woensdag 14:00–16:00" in nl, fr or en (others fall back to nl)."""
    check(rule)
    return _sentence(rule, _language(locale))


@lru_cache(maxsize=4096)  # rules are hashable and pages repeat them; Babel's formatting is not cheap
def _sentence(rule: Recurrence, language: str) -> str:
    return (f"{_when(rule, language)} {_hours_text(rule.start_time, rule.end_time, language)}"
            f"{_validity(rule, language)}")


def describe_rhythm(rule: Recurrence, locale: str = "nl") -> str:
    """How often, without the weekday and the hours, for a line under its weekday's heading in a
    printed guide (which shows the hours beside it): "om de twee weken, tot en met 28 oktober
    2026", "elke maand, de 1e", "op 16 december 2026". A guide lists the schedules in force, so
    their first day has passed: only the last one is said."""
    check(rule)
    return _rhythm(rule, _language(locale))


@lru_cache(maxsize=4096)
def _rhythm(rule: Recurrence, language: str) -> str:
    frames = _FRAMES[language]
    if rule.frequency == "once":
        return frames["once"].format(date=_date_text(rule.on_date, language))
    when = frames["rhythm"][rule.frequency].format(nth=_ordinal(rule.nth, language) if rule.nth else "")
    if rule.valid_until:
        when += frames["until"].format(hi=_date_text(rule.valid_until, language))
    return when
