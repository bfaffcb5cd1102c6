"""community.scheduling at its edges: DST Sundays, a 5th weekday, validity dates, the wording.

Calendar facts (2026, checked with a printed calendar): DST starts Sunday 29 March
(02:00 CET -> 03:00 CEST) and ends Sunday 25 October (03:00 CEST -> 02:00 CET); both
are the last Sundays of their months. Tuesdays: March, June, September and December
have five (the 31st, 30th, 29th and 29th); the other months four.
"""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from community.scheduling import (
    TZ,
    Recurrence,
    describe,
    has_ended,
    in_force,
    is_in_week,
    is_on,
    matches_slot,
    next_session,
    occurrences,
    upcoming,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
UTC = timezone.utc
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)  # Wednesday 4 March 2026, 15:00 Brussels


def local(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def utc(dt):
    return dt.astimezone(UTC).replace(tzinfo=None)


# ------------------------------------------------------------ DST Sundays at 02:30

LAST_SUNDAY_0230 = Recurrence("monthly", time(2, 30), time(4), weekdays=(SUN,), nth=-1)


def test_last_sunday_of_march_0230_moves_past_the_gap():
    (s,) = occurrences(LAST_SUNDAY_0230, local(2026, 3, 1), local(2026, 4, 1))
    # 02:30 does not exist on 29 March: 03:30 CEST (01:30 UTC) until 04:00 CEST (02:00 UTC).
    assert (s.start.hour, s.start.minute, s.start.utcoffset()) == (3, 30, timedelta(hours=2))
    assert (utc(s.start), utc(s.end)) == (datetime(2026, 3, 29, 1, 30), datetime(2026, 3, 29, 2))
    assert s.duration == timedelta(minutes=30)


def test_last_sunday_of_october_0230_is_the_first_of_the_two():
    (s,) = occurrences(LAST_SUNDAY_0230, local(2026, 10, 1), local(2026, 11, 1))
    # 02:30 on 25 October happens twice; the summer-time one (00:30 UTC) is taken.
    # 04:00 is CET again (03:00 UTC): two and a half hours really pass.
    assert (utc(s.start), utc(s.end)) == (datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 3))
    assert s.start.utcoffset() == timedelta(hours=2) and s.end.utcoffset() == timedelta(hours=1)
    assert s.duration == timedelta(hours=2, minutes=30)


def test_last_sunday_0230_through_the_year_in_utc():
    starts = [utc(s.start) for s in occurrences(LAST_SUNDAY_0230, local(2026, 2, 1), local(2026, 12, 1))]
    assert starts == [
        datetime(2026, 2, 22, 1, 30),  # CET
        datetime(2026, 3, 29, 1, 30),  # the gap: 03:30 CEST
        datetime(2026, 4, 26, 0, 30), datetime(2026, 5, 31, 0, 30), datetime(2026, 6, 28, 0, 30),
        datetime(2026, 7, 26, 0, 30), datetime(2026, 8, 30, 0, 30), datetime(2026, 9, 27, 0, 30),
        datetime(2026, 10, 25, 0, 30),  # the first 02:30
        datetime(2026, 11, 29, 1, 30),  # CET again
    ]


def test_weekly_0230_on_the_dst_sundays_is_on_and_in_week():
    rule = Recurrence("weekly", time(2, 30), time(3, 45), weekdays=(SUN,))
    # Spring: the session runs 03:30-03:45 CEST; a naive 02:30 (non-existent) reads as 03:30.
    assert is_on(rule, datetime(2026, 3, 29, 3, 40))
    assert is_on(rule, datetime(2026, 3, 29, 2, 30))
    assert not is_on(rule, datetime(2026, 3, 29, 1, 50))
    # Autumn: 02:30 CEST (00:30 UTC) until 03:45 CET (02:45 UTC), through the repeated hour.
    assert is_on(rule, datetime(2026, 10, 25, 1, 15, tzinfo=UTC))
    assert not is_on(rule, datetime(2026, 10, 25, 2, 45, tzinfo=UTC))
    assert is_in_week(rule, local(2026, 10, 19, 9))
    assert next_session(rule, local(2026, 10, 25, 1)).start == local(2026, 10, 25, 2, 30)


# ------------------------------------------------------------ a 5th weekday

FIFTH_TUESDAY = Recurrence("monthly", time(19), time(21), weekdays=(TUE,), nth=5)


def test_fifth_tuesday_skips_the_months_that_have_none():
    got = [s.start.date() for s in occurrences(FIFTH_TUESDAY, local(2026, 1, 1), local(2027, 1, 1))]
    assert got == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 29), date(2026, 12, 29)]
    assert FIFTH_TUESDAY.validate() == []


def test_fifth_tuesday_in_a_month_without_one():
    # April 2026 has four Tuesdays (7-28): nothing that month, the next is 30 June.
    assert list(occurrences(FIFTH_TUESDAY, local(2026, 4, 1), local(2026, 5, 1))) == []
    assert next_session(FIFTH_TUESDAY, local(2026, 4, 1)).start == local(2026, 6, 30, 19)
    assert not is_in_week(FIFTH_TUESDAY, local(2026, 4, 27, 9))  # the week of Tue 28 April
    assert is_in_week(FIFTH_TUESDAY, local(2026, 3, 30, 9))  # the week of Tue 31 March
    assert matches_slot(FIFTH_TUESDAY, TUE, "evening")  # judged by the weekday it can fall on


def test_fifth_and_last_are_one_day_only_when_the_month_has_five():
    last = Recurrence("monthly", time(19), time(21), weekdays=(TUE,), nth=-1)
    window = (local(2026, 3, 1), local(2026, 5, 1))
    assert [s.start.date() for s in occurrences(last, *window)] == [date(2026, 3, 31), date(2026, 4, 28)]
    assert [s.start.date() for s in occurrences(FIFTH_TUESDAY, *window)] == [date(2026, 3, 31)]


# ------------------------------------------------------------ validity dates


ENDED = Recurrence("weekly", time(14), time(16), weekdays=(WED,),
                   valid_from=date(2025, 6, 1), valid_until=date(2026, 2, 28))
LATER = Recurrence("weekly", time(14), time(16), weekdays=(WED,), valid_from=date(2026, 4, 1))


def test_past_valid_until_has_no_sessions_and_is_not_on():
    assert list(occurrences(ENDED, local(2026, 3, 1), local(2027, 1, 1))) == []
    assert next_session(ENDED, NOW) is None
    assert not is_on(ENDED, NOW)  # a Wednesday 15:00, the rule's own hour
    assert not is_in_week(ENDED, NOW)
    assert upcoming([ENDED], NOW, 3) == []
    assert is_on(ENDED, local(2026, 2, 25, 15))  # its last Wednesday still was


def test_before_valid_from_is_not_on_nor_this_week():
    assert not is_on(LATER, NOW)
    assert not is_in_week(LATER, NOW)
    assert not is_in_week(LATER, local(2026, 3, 23, 9))  # Wed 25 March is before valid_from
    assert is_in_week(LATER, local(2026, 3, 30, 9))  # Wed 1 April is its first day


def test_in_force_and_has_ended():
    today = NOW.date()
    assert not in_force(ENDED, today) and has_ended(ENDED, today)
    assert in_force(ENDED, date(2026, 2, 28)) and not has_ended(ENDED, date(2026, 2, 28))
    assert not in_force(LATER, today) and not has_ended(LATER, today)
    assert in_force(LATER, date(2026, 4, 1))
    once = Recurrence("once", time(19), time(21), on_date=today)
    assert in_force(once, today) and not has_ended(once, today)
    assert has_ended(once, today + timedelta(days=1)) and not in_force(once, today + timedelta(days=1))
    open_ended = Recurrence("weekly", time(9), time(10), weekdays=(MON,))
    assert in_force(open_ended, today) and not has_ended(open_ended, date(2099, 1, 1))


def test_matches_slot_with_today_leaves_out_what_is_not_in_force():
    today = NOW.date()
    assert matches_slot(ENDED, WED, "afternoon")  # without a day, the dates are not asked
    assert not matches_slot(ENDED, WED, "afternoon", today=today)
    assert not matches_slot(LATER, WED, None, today=today)
    assert matches_slot(LATER, WED, None, today=date(2026, 4, 1))
    assert not matches_slot(ENDED, None, None, today=today)


# ------------------------------------------------------------ wording (Babel)


@pytest.mark.parametrize("nth,nl,fr,en", [
    (1, "elke 1e dinsdag van de maand", "chaque 1er mardi du mois", "every 1st Tuesday of the month"),
    (2, "elke 2e dinsdag van de maand", "chaque 2e mardi du mois", "every 2nd Tuesday of the month"),
    (3, "elke 3e dinsdag van de maand", "chaque 3e mardi du mois", "every 3rd Tuesday of the month"),
    (4, "elke 4e dinsdag van de maand", "chaque 4e mardi du mois", "every 4th Tuesday of the month"),
    (5, "elke 5e dinsdag van de maand", "chaque 5e mardi du mois", "every 5th Tuesday of the month"),
    (-1, "elke laatste dinsdag van de maand", "chaque dernier mardi du mois", "every last Tuesday of the month"),
])
def test_describe_every_nth_weekday(nth, nl, fr, en):
    rule = Recurrence("monthly", time(19), time(21), weekdays=(TUE,), nth=nth)
    assert describe(rule, "nl") == nl + " 19:00–21:00"
    assert describe(rule, "fr") == fr + " 19:00\u2009–\u200921:00"
    assert describe(rule, "en") == en + " 19:00–21:00"


def test_describe_lists_days_and_biweekly_in_each_language():
    rule = Recurrence("biweekly", time(10), time(12), weekdays=(TUE, THU, SAT), valid_from=date(2026, 3, 2))
    assert describe(rule, "nl") == "om de twee weken op dinsdag, donderdag en zaterdag 10:00–12:00, vanaf 2 maart 2026"
    assert describe(rule, "fr") == ("toutes les deux semaines le mardi, le jeudi et le samedi "
                                    "10:00\u2009–\u200912:00, à partir du 2 mars 2026")
    assert describe(rule, "en") == "every two weeks on Tuesday, Thursday and Saturday 10:00–12:00, from 2 March 2026"


def test_describe_overnight_and_24_hour_sessions():
    overnight = Recurrence("weekly", time(22), time(2), weekdays=(FRI,))
    assert describe(overnight, "nl") == "elke vrijdag 22:00–02:00"
    assert describe(overnight, "en") == "every Friday 22:00–02:00"
    day_long = Recurrence("once", time(9), time(9), on_date=date(2026, 5, 1))
    assert describe(day_long, "nl") == "op 1 mei 2026 09:00–09:00"
    assert describe(day_long, "fr") == "le 1er mai 2026 09:00\u2009–\u200909:00"
    assert describe(day_long, "en") == "on 1 May 2026 09:00–09:00"
    assert describe(day_long, "nl-BE") == describe(day_long, "nl")
    assert describe(day_long, "") == describe(day_long, "nl")
