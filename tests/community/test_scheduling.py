"""Tests for community.scheduling; calendar facts are worked out by hand in the comments."""

# Calendar reference (checked against a printed calendar):
#   1 March 2026 is a Sunday, so Mondays are 2, 9, 16, 23, 30 March.
#   DST 2026: 29 March (CET +01:00 -> CEST +02:00), 25 October (back to +01:00).
#   2026 starts on a Thursday, so it has an ISO week 53 (Mon 28 Dec 2026);
#   Mon 4 Jan 2027 is week 1 of 2027.

from datetime import date, datetime, time, timedelta, timezone

import pytest

from community.scheduling import (
    FREQUENCIES,
    PARTS_OF_DAY,
    TZ,
    InvalidRecurrence,
    Recurrence,
    Session,
    describe,
    is_in_week,
    is_on,
    matches_slot,
    next_session,
    occurrences,
    upcoming,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
UTC = timezone.utc

# Fixed "now": Wednesday 4 March 2026, 15:00 Brussels (14:00 UTC). Never the real clock.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)


def local(y, mo, d, h=0, mi=0, **kw):
    return datetime(y, mo, d, h, mi, tzinfo=TZ, **kw)


def starts(sessions):
    """Local wall-clock starts as naive datetimes, for compact assertions."""
    return [s.start.replace(tzinfo=None) for s in sessions]


def utc(dt):
    return dt.astimezone(UTC).replace(tzinfo=None)


WED_AFTERNOON = Recurrence("weekly", time(14), time(16), weekdays=(WED,))


# ------------------------------------------------------------ weekly


def test_constants():
    assert FREQUENCIES == ("weekly", "biweekly", "monthly", "once")
    assert PARTS_OF_DAY["afternoon"] == (time(12), time(18))
    assert str(TZ) == "Europe/Brussels"


def test_weekly_multiple_days():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(MON, WED))
    got = list(occurrences(rule, local(2026, 3, 2), local(2026, 3, 16)))
    # Mondays 2, 9 and Wednesdays 4, 11 March; 16 March is excluded (end is exclusive).
    assert starts(got) == [
        datetime(2026, 3, 2, 14), datetime(2026, 3, 4, 14),
        datetime(2026, 3, 9, 14), datetime(2026, 3, 11, 14),
    ]
    assert all(s.end - s.start == timedelta(hours=2) for s in got)
    assert all(s.start.tzinfo is TZ for s in got)


def test_weekday_order_in_rule_does_not_affect_order():
    rule = Recurrence("weekly", time(9), time(10), weekdays=(FRI, MON))
    got = list(occurrences(rule, local(2026, 3, 2), local(2026, 3, 9)))
    assert starts(got) == [datetime(2026, 3, 2, 9), datetime(2026, 3, 6, 9)]


def test_occurrences_overlapping_window_edges():
    # Window 15:00-15:30 on Wed 4 March lies inside the 14:00-16:00 session: it overlaps.
    assert len(list(occurrences(WED_AFTERNOON, NOW, NOW + timedelta(minutes=30)))) == 1
    # Window starting exactly at the session end (16:00) does not overlap.
    assert list(occurrences(WED_AFTERNOON, local(2026, 3, 4, 16), local(2026, 3, 4, 20))) == []
    # Empty or reversed window.
    assert list(occurrences(WED_AFTERNOON, NOW, NOW)) == []
    assert list(occurrences(WED_AFTERNOON, NOW, NOW - timedelta(days=10))) == []


def test_valid_until_cut_off_inclusive():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,), valid_until=date(2026, 3, 11))
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 4, 1)))
    # Wed 4 and Wed 11 (the valid_until day itself counts); not 18 or 25.
    assert starts(got) == [datetime(2026, 3, 4, 14), datetime(2026, 3, 11, 14)]


def test_valid_from_inclusive():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,), valid_from=date(2026, 3, 11))
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 3, 19)))
    assert starts(got) == [datetime(2026, 3, 11, 14), datetime(2026, 3, 18, 14)]


# ------------------------------------------------------------ biweekly


def test_biweekly_parity_across_year_with_week_53():
    # Anchor: Mon 14 Dec 2026 = ISO week 51. On-weeks are 51, 53 (28 Dec) and
    # 2027-W02 (11 Jan). Week 2027-W01 is off, although "odd week numbers"
    # would wrongly include it (51, 53, 1 are all odd).
    rule = Recurrence("biweekly", time(10), time(12), weekdays=(TUE,), valid_from=date(2026, 12, 14))
    got = list(occurrences(rule, local(2026, 12, 1), local(2027, 1, 20)))
    assert starts(got) == [
        datetime(2026, 12, 15, 10), datetime(2026, 12, 29, 10), datetime(2027, 1, 12, 10),
    ]


def test_biweekly_across_dst():
    # Anchor week of Mon 16 March 2026 contains Sun 22 March; next on-week Sunday is 5 April.
    rule = Recurrence("biweekly", time(10), time(11), weekdays=(SUN,), valid_from=date(2026, 3, 16))
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 4, 13)))
    assert starts(got) == [datetime(2026, 3, 22, 10), datetime(2026, 4, 5, 10)]
    # 22 March is still CET (+1): 09:00 UTC. 5 April is CEST (+2): 08:00 UTC.
    assert [utc(s.start) for s in got] == [datetime(2026, 3, 22, 9), datetime(2026, 4, 5, 8)]


def test_biweekly_anchor_week_respects_valid_from_midweek():
    # valid_from Thu 19 March: Mon 16 March is in the anchor week but before
    # valid_from, so it is skipped; Fri 20 counts. Next on-week starts Mon 30 March.
    rule = Recurrence("biweekly", time(9), time(10), weekdays=(MON, FRI), valid_from=date(2026, 3, 19))
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 4, 6)))
    assert starts(got) == [
        datetime(2026, 3, 20, 9), datetime(2026, 3, 30, 9), datetime(2026, 4, 3, 9),
    ]


# ------------------------------------------------------------ monthly


def test_monthly_first_monday():
    rule = Recurrence("monthly", time(19), time(21), weekdays=(MON,), nth=1)
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 6, 1)))
    # 1 March is a Sunday -> Mon 2 March; 1 April is a Wednesday -> Mon 6 April;
    # 1 May is a Friday -> Mon 4 May.
    assert starts(got) == [datetime(2026, 3, 2, 19), datetime(2026, 4, 6, 19), datetime(2026, 5, 4, 19)]


def test_monthly_last_friday_including_five_friday_month():
    rule = Recurrence("monthly", time(18), time(20), weekdays=(FRI,), nth=-1)
    got = list(occurrences(rule, local(2026, 3, 1), local(2026, 6, 1)))
    # March Fridays 6-13-20-27 -> 27; April 3-10-17-24 -> 24;
    # May has five Fridays 1-8-15-22-29 -> 29.
    assert starts(got) == [datetime(2026, 3, 27, 18), datetime(2026, 4, 24, 18), datetime(2026, 5, 29, 18)]


def test_monthly_fourth_friday_is_not_last_in_five_friday_month():
    rule = Recurrence("monthly", time(18), time(20), weekdays=(FRI,), nth=4)
    got = list(occurrences(rule, local(2026, 5, 1), local(2026, 6, 1)))
    assert starts(got) == [datetime(2026, 5, 22, 18)]


# ------------------------------------------------------------ once


def test_once():
    rule = Recurrence("once", time(19), time(21), on_date=date(2026, 3, 12))
    got = list(occurrences(rule, local(2026, 1, 1), local(2027, 1, 1)))
    assert got == [Session(local(2026, 3, 12, 19), local(2026, 3, 12, 21))]
    assert next_session(rule, NOW) == got[0]
    assert next_session(rule, local(2026, 3, 12, 21)) is None


def test_once_beyond_search_horizon_is_none():
    # 500 days ahead is past the ~400-day horizon.
    rule = Recurrence("once", time(10), time(11), on_date=NOW.date() + timedelta(days=500))
    assert next_session(rule, NOW) is None


# ------------------------------------------------------------ is_on


def test_is_on_boundaries():
    assert is_on(WED_AFTERNOON, local(2026, 3, 4, 14))  # start is inclusive
    assert is_on(WED_AFTERNOON, local(2026, 3, 4, 15))  # middle
    assert not is_on(WED_AFTERNOON, local(2026, 3, 4, 16))  # end is exclusive
    assert is_on(WED_AFTERNOON, local(2026, 3, 4, 15, 59, second=59))
    assert not is_on(WED_AFTERNOON, local(2026, 3, 5, 15))  # Thursday


def test_naive_and_aware_inputs():
    # Naive = Brussels local. 15:00 local on 4 March (CET) is 14:00 UTC.
    assert is_on(WED_AFTERNOON, datetime(2026, 3, 4, 15))
    assert is_on(WED_AFTERNOON, datetime(2026, 3, 4, 14, 30, tzinfo=UTC))  # 15:30 local
    assert not is_on(WED_AFTERNOON, datetime(2026, 3, 4, 15, 0, tzinfo=UTC))  # 16:00 local


# ------------------------------------------------------------ midnight


def test_session_crossing_midnight():
    rule = Recurrence("weekly", time(22), time(2), weekdays=(FRI,))
    # Friday 6 March 22:00 -> Saturday 7 March 02:00.
    assert is_on(rule, local(2026, 3, 7, 1))
    assert not is_on(rule, local(2026, 3, 7, 2))
    assert not is_on(rule, local(2026, 3, 6, 21, 59))
    # A window starting Saturday 00:00 still catches Friday's session.
    got = list(occurrences(rule, local(2026, 3, 7), local(2026, 3, 8)))
    assert got == [Session(local(2026, 3, 6, 22), local(2026, 3, 7, 2))]


def test_equal_times_mean_a_24_hour_session():
    rule = Recurrence("once", time(9), time(9), on_date=date(2026, 3, 12))
    (s,) = occurrences(rule, local(2026, 3, 1), local(2026, 4, 1))
    assert s.end == local(2026, 3, 13, 9)


# ------------------------------------------------------------ next_session


def test_next_session_returns_ongoing():
    # At 15:00 on Wed 4 March the 14:00-16:00 session is running: that is "next".
    assert next_session(WED_AFTERNOON, NOW) == Session(local(2026, 3, 4, 14), local(2026, 3, 4, 16))


def test_next_session_after_end_is_next_week():
    s = next_session(WED_AFTERNOON, local(2026, 3, 4, 16))
    assert s.start == local(2026, 3, 11, 14)


def test_next_session_none_after_valid_until():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,), valid_until=date(2026, 3, 4))
    assert next_session(rule, NOW).start == local(2026, 3, 4, 14)  # still ongoing
    assert next_session(rule, local(2026, 3, 4, 16)) is None


def test_next_session_before_valid_from():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,), valid_from=date(2026, 4, 1))
    assert next_session(rule, NOW).start == local(2026, 4, 1, 14)


# ------------------------------------------------------------ DST


def test_dst_weekly_sunday_keeps_local_time():
    rule = Recurrence("weekly", time(10), time(12), weekdays=(SUN,))
    before, switch = list(occurrences(rule, local(2026, 3, 22), local(2026, 3, 30)))
    # 22 March: 10:00 CET = 09:00 UTC. 29 March: 10:00 CEST = 08:00 UTC.
    assert utc(before.start) == datetime(2026, 3, 22, 9)
    assert utc(switch.start) == datetime(2026, 3, 29, 8)
    assert switch.start.hour == 10 and switch.start.utcoffset() == timedelta(hours=2)
    # Autumn: 25 October 2026 10:00 is CET again = 09:00 UTC; 18 October is CEST = 08:00 UTC.
    oct18, oct25 = list(occurrences(rule, local(2026, 10, 18), local(2026, 10, 26)))
    assert (utc(oct18.start), utc(oct25.start)) == (datetime(2026, 10, 18, 8), datetime(2026, 10, 25, 9))


def test_dst_2025_dates():
    rule = Recurrence("weekly", time(19), time(20), weekdays=(SUN,))
    spring = [utc(s.start) for s in occurrences(rule, local(2025, 3, 23), local(2025, 3, 31))]
    # 23 March 2025 19:00 CET = 18:00 UTC; 30 March (switch day) 19:00 CEST = 17:00 UTC.
    assert spring == [datetime(2025, 3, 23, 18), datetime(2025, 3, 30, 17)]
    autumn = [utc(s.start) for s in occurrences(rule, local(2025, 10, 19), local(2025, 10, 27))]
    assert autumn == [datetime(2025, 10, 19, 17), datetime(2025, 10, 26, 18)]


def test_nonexistent_start_moves_forward():
    # 02:30 does not exist on 29 March 2026; it becomes 03:30 CEST = 01:30 UTC.
    rule = Recurrence("once", time(2, 30), time(4), on_date=date(2026, 3, 29))
    (s,) = occurrences(rule, local(2026, 3, 28), local(2026, 3, 30))
    assert (s.start.hour, s.start.minute) == (3, 30)
    assert utc(s.start) == datetime(2026, 3, 29, 1, 30)
    assert s.duration == timedelta(minutes=30)


def test_session_inside_gap_shifts_whole():
    # Both ends move forward one hour: 03:15-03:45 CEST (01:15-01:45 UTC).
    rule = Recurrence("once", time(2, 15), time(2, 45), on_date=date(2026, 3, 29))
    (s,) = occurrences(rule, local(2026, 3, 28), local(2026, 3, 30))
    assert (utc(s.start), utc(s.end)) == (datetime(2026, 3, 29, 1, 15), datetime(2026, 3, 29, 1, 45))


def test_session_emptied_by_gap_is_dropped():
    # 02:30 -> 03:30 CEST, but 03:00 exists, so the end would precede the start.
    rule = Recurrence("once", time(2, 30), time(3), on_date=date(2026, 3, 29))
    assert list(occurrences(rule, local(2026, 3, 28), local(2026, 3, 30))) == []


def test_overnight_session_over_spring_forward():
    # Sat 28 March 22:00 CET (21:00 UTC) until Sun 02:00, which does not exist
    # and becomes 03:00 CEST (01:00 UTC): 4 hours elapsed.
    rule = Recurrence("weekly", time(22), time(2), weekdays=(SAT,))
    (s,) = occurrences(rule, local(2026, 3, 28, 12), local(2026, 3, 29, 12))
    assert (utc(s.start), utc(s.end)) == (datetime(2026, 3, 28, 21), datetime(2026, 3, 29, 1))


def test_ambiguous_time_uses_first_occurrence_unless_fold():
    # 25 October 2026 02:30 happens twice: 00:30 UTC (CEST) and 01:30 UTC (CET).
    rule = Recurrence("once", time(2, 30), time(3, 30), on_date=date(2026, 10, 25))
    (s,) = occurrences(rule, local(2026, 10, 24), local(2026, 10, 26))
    assert utc(s.start) == datetime(2026, 10, 25, 0, 30)
    # 03:30 CET = 02:30 UTC, so two hours really elapse.
    assert s.duration == timedelta(hours=2)
    later = Recurrence("once", time(2, 30, fold=1), time(3, 30), on_date=date(2026, 10, 25))
    (s2,) = occurrences(later, local(2026, 10, 24), local(2026, 10, 26))
    assert utc(s2.start) == datetime(2026, 10, 25, 1, 30)
    # is_on compares instants, not wall clocks: 01:45 UTC is inside only the second one.
    at = datetime(2026, 10, 25, 1, 45, tzinfo=UTC)
    assert is_on(rule, at) and is_on(later, at)
    assert not is_on(later, datetime(2026, 10, 25, 1, 0, tzinfo=UTC))


# ------------------------------------------------------------ is_in_week


def test_is_in_week():
    # NOW is Wed 4 March 15:00; the week ends Sunday 8 March 24:00.
    monday = Recurrence("weekly", time(9), time(10), weekdays=(MON,))
    friday = Recurrence("weekly", time(9), time(10), weekdays=(FRI,))
    sunday_late = Recurrence("weekly", time(23), time(23, 30), weekdays=(SUN,))
    assert not is_in_week(monday, NOW)  # Monday 2 March is over; 9 March is next week
    assert is_in_week(friday, NOW)
    assert is_in_week(sunday_late, NOW)
    assert is_in_week(WED_AFTERNOON, NOW)  # ongoing counts
    assert not is_in_week(WED_AFTERNOON, local(2026, 3, 4, 16))
    # Sunday 8 March 23:59 local: Monday 00:00 sessions belong to the next week.
    midnight_monday = Recurrence("weekly", time(0), time(1), weekdays=(MON,))
    assert not is_in_week(midnight_monday, local(2026, 3, 8, 23, 59))


# ------------------------------------------------------------ matches_slot


@pytest.mark.parametrize(
    "start,end,part,expected",
    [
        (time(10), time(12), "morning", True),
        (time(10), time(12), "afternoon", False),  # ends exactly when afternoon starts
        (time(12), time(14), "morning", False),  # starts exactly when morning ends
        (time(12), time(14), "afternoon", True),
        (time(17), time(18), "evening", False),
        (time(17), time(18, 1), "evening", True),
        (time(18), time(20), "evening", True),
        (time(5), time(6), "morning", False),
        (time(11), time(19), "afternoon", True),  # spans all three
        (time(11), time(19), "evening", True),
    ],
)
def test_matches_slot_part_of_day_boundaries(start, end, part, expected):
    rule = Recurrence("weekly", start, end, weekdays=(WED,))
    assert matches_slot(rule, WED, part) is expected
    assert matches_slot(rule, THU, part) is False


def test_matches_slot_weekday_and_none():
    monthly = Recurrence("monthly", time(19), time(21), weekdays=(MON,), nth=1)
    assert matches_slot(monthly, MON, "evening")
    assert matches_slot(monthly, MON, None)
    assert not matches_slot(monthly, TUE, None)
    assert matches_slot(monthly, None, "evening")
    assert not matches_slot(monthly, None, "morning")
    assert matches_slot(monthly, None, None)
    # once: 12 March 2026 is a Thursday.
    once = Recurrence("once", time(14), time(16), on_date=date(2026, 3, 12))
    assert matches_slot(once, THU, "afternoon")
    assert not matches_slot(once, WED, "afternoon")


def test_matches_slot_overnight():
    late = Recurrence("weekly", time(22), time(2), weekdays=(TUE,))
    assert matches_slot(late, TUE, "evening")
    assert not matches_slot(late, WED, "morning")  # tail 00:00-02:00 is no part of day
    assert not matches_slot(late, WED, None)
    shelter = Recurrence("weekly", time(20), time(7), weekdays=(SUN,))
    assert matches_slot(shelter, MON, "morning")  # tail 00:00-07:00 reaches 06:00-07:00, wraps Sun->Mon
    assert matches_slot(shelter, MON, None)


def test_matches_slot_rejects_bad_arguments():
    with pytest.raises(ValueError):
        matches_slot(WED_AFTERNOON, 7, None)
    with pytest.raises(ValueError):
        matches_slot(WED_AFTERNOON, WED, "night")


# ------------------------------------------------------------ describe


def test_describe_weekly():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,))
    assert describe(rule) == "elke woensdag 14:00–16:00"
    assert describe(rule, "fr") == "tous les mercredis 14:00\u2009–\u200916:00"
    assert describe(rule, "en") == "every Wednesday 14:00–16:00"
    multi = Recurrence("weekly", time(9), time(12), weekdays=(MON, WED, FRI))
    assert describe(multi, "nl") == "elke maandag, woensdag en vrijdag 09:00–12:00"
    assert describe(multi, "en") == "every Monday, Wednesday and Friday 09:00–12:00"


def test_describe_biweekly():
    rule = Recurrence("biweekly", time(14), time(16), weekdays=(TUE,), valid_from=date(2026, 3, 1))
    assert describe(rule, "nl") == "om de twee weken op dinsdag 14:00–16:00, vanaf 1 maart 2026"
    assert describe(rule, "fr") == "toutes les deux semaines le mardi 14:00\u2009–\u200916:00, à partir du 1er mars 2026"
    assert describe(rule, "en") == "every two weeks on Tuesday 14:00–16:00, from 1 March 2026"


def test_describe_monthly():
    first = Recurrence("monthly", time(19), time(21), weekdays=(MON,), nth=1)
    assert describe(first, "nl") == "elke 1e maandag van de maand 19:00–21:00"
    assert describe(first, "fr") == "chaque 1er lundi du mois 19:00\u2009–\u200921:00"
    assert describe(first, "en") == "every 1st Monday of the month 19:00–21:00"
    last = Recurrence("monthly", time(18), time(20), weekdays=(FRI,), nth=-1, valid_until=date(2026, 6, 30))
    assert describe(last, "nl") == "elke laatste vrijdag van de maand 18:00–20:00, tot en met 30 juni 2026"
    assert describe(last, "fr") == "chaque dernier vendredi du mois 18:00\u2009–\u200920:00, jusqu'au 30 juin 2026"
    assert describe(last, "en") == "every last Friday of the month 18:00–20:00, until 30 June 2026"


def test_describe_once_and_locale_fallback():
    rule = Recurrence("once", time(19), time(21), on_date=date(2026, 3, 12))
    assert describe(rule, "nl") == "op 12 maart 2026 19:00–21:00"
    assert describe(rule, "fr") == "le 12 mars 2026 19:00\u2009–\u200921:00"
    assert describe(rule, "en") == "on 12 March 2026 19:00–21:00"
    assert describe(rule, "fr_BE") == describe(rule, "fr")
    assert describe(rule, "de") == describe(rule, "nl")  # unknown -> site default


def test_describe_bounded_both_sides():
    rule = Recurrence("weekly", time(14), time(16), weekdays=(WED,),
                      valid_from=date(2026, 3, 1), valid_until=date(2026, 6, 30))
    assert describe(rule).endswith(", van 1 maart 2026 tot en met 30 juni 2026")
    assert describe(rule, "fr").endswith(", du 1er mars 2026 au 30 juin 2026")
    assert describe(rule, "en").endswith(", from 1 March 2026 until 30 June 2026")


# ------------------------------------------------------------ upcoming


def test_upcoming_merges_and_limits():
    friday = Recurrence("weekly", time(9), time(10), weekdays=(FRI,))
    once = Recurrence("once", time(19), time(21), on_date=date(2026, 3, 12))
    got = upcoming([WED_AFTERNOON, friday, once], NOW, 5)
    # Ongoing Wed 4 14:00, Fri 6 09:00, Wed 11 14:00, Thu 12 19:00, Fri 13 09:00.
    assert starts(got) == [
        datetime(2026, 3, 4, 14), datetime(2026, 3, 6, 9), datetime(2026, 3, 11, 14),
        datetime(2026, 3, 12, 19), datetime(2026, 3, 13, 9),
    ]
    assert upcoming([friday], NOW, 0) == []
    assert upcoming([], NOW, 3) == []


# ------------------------------------------------------------ validate


def test_valid_rules_have_no_problems():
    assert WED_AFTERNOON.validate() == []
    assert Recurrence("monthly", time(9), time(10), weekdays=(MON,), nth=-1).validate() == []
    assert Recurrence("once", time(9), time(10), on_date=date(2026, 3, 12)).validate() == []
    assert Recurrence("biweekly", time(9), time(10), weekdays=(MON,), valid_from=date(2026, 3, 2)).validate() == []


@pytest.mark.parametrize(
    "rule,message",
    [
        (Recurrence("daily", time(9), time(10), weekdays=(MON,)),
         "frequency: choose one of weekly, biweekly, monthly, once"),
        (Recurrence("weekly", time(9), time(10)), "weekdays: pick at least one weekday"),
        (Recurrence("weekly", time(9), time(10), weekdays=(7,)),
         "weekdays: use numbers 0 (Monday) to 6 (Sunday)"),
        (Recurrence("weekly", time(9), time(10), weekdays=(MON, MON)), "weekdays: a weekday is listed twice"),
        (Recurrence("monthly", time(9), time(10), weekdays=(MON, TUE), nth=1),
         "weekdays: pick one weekday for a monthly schedule"),
        (Recurrence("monthly", time(9), time(10), weekdays=(MON,), nth=6),
         "nth: choose 1, 2, 3, 4, 5 or -1 (last) for a monthly schedule"),
        (Recurrence("monthly", time(9), time(10), weekdays=(MON,)),
         "nth: choose 1, 2, 3, 4, 5 or -1 (last) for a monthly schedule"),
        (Recurrence("weekly", time(9), time(10), weekdays=(MON,), nth=1), "nth: only used for a monthly schedule"),
        (Recurrence("once", time(9), time(10)), "on_date: pick the date of the one-off session"),
        (Recurrence("biweekly", time(9), time(10), weekdays=(MON,)),
         "valid_from: needed for a biweekly schedule (it fixes which weeks)"),
        (Recurrence("weekly", time(9), time(10), weekdays=(MON,),
                    valid_from=date(2026, 3, 10), valid_until=date(2026, 3, 1)),
         "valid_until: is before valid_from"),
        (Recurrence("once", time(9), time(10), on_date=date(2026, 3, 12), valid_until=date(2026, 3, 1)),
         "on_date: falls outside valid_from/valid_until"),
        (Recurrence("weekly", time(9, tzinfo=UTC), time(10), weekdays=(MON,)),
         "start_time: give a local time without a time zone"),
        (Recurrence("once", time(9), time(10), on_date=datetime(2026, 3, 12)), "on_date: must be a date"),
    ],
)
def test_validate_messages(rule, message):
    assert message in rule.validate()


def test_queries_refuse_invalid_rules():
    bad = Recurrence("monthly", time(9), time(10), weekdays=(MON,), nth=6)
    with pytest.raises(InvalidRecurrence) as exc:
        occurrences(bad, NOW, NOW + timedelta(days=30))
    assert exc.value.problems == ["nth: choose 1, 2, 3, 4, 5 or -1 (last) for a monthly schedule"]
    for call in (lambda: next_session(bad, NOW), lambda: is_on(bad, NOW), lambda: describe(bad),
                 lambda: upcoming([WED_AFTERNOON, bad], NOW, 3)):
        with pytest.raises(ValueError):
            call()


def test_list_weekdays_become_tuple_and_rule_is_hashable():
    rule = Recurrence("weekly", time(9), time(10), weekdays=[MON, WED])
    assert rule.weekdays == (MON, WED)
    assert rule == Recurrence("weekly", time(9), time(10), weekdays=(MON, WED))
    assert len({rule, Recurrence("weekly", time(9), time(10), weekdays=(MON, WED))}) == 1
