"""The finder's time questions as SQL over schedule_slot: day and part of day, on now, this week, next session.

The numbers are scheduling/weekly.py's (day numbers from a Monday, seconds, wall clock minus the
Brussels offset); the arithmetic is plain integers, the same on SQLite and PostgreSQL. What the
Python rules (scheduling.matches_slot, is_on, is_in_week, next_session) say, this says:
tests/community/test_finder_sql.py compares them on random schedules.

One difference is left on purpose: a session that the spring-forward gap would push past its
own end (02:30-03:00 on the last Sunday of March) is dropped by the Python rules and kept here.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import and_, case, func, literal, or_, select, true, union_all
from sqlalchemy.orm import aliased

from ..models import ScheduleSlot as Slot
from ..scheduling.weekly import DAY, EARLIEST_PART, SUMMER, WINTER, Clock, part_seconds

# Wall clock and instant differ by one hour at most where summer time starts or ends: the
# "on now" prefilter on time of day keeps that margin, the arithmetic after it is exact.
MARGIN = SUMMER - WINTER


def slot_matches(day: int | None, part: str | None):
    """Slots that can put a session on `day` overlapping `part` (as scheduling.matches_slot).

    Validity is asked by `in_force`. A session past midnight counts for the next day where it
    overlaps a part.
    """
    if part:
        lo, hi = part_seconds(part)
        same_day = and_(Slot.start_sec < hi, Slot.end_sec > lo)
        next_day = Slot.end_sec > DAY + lo
    else:
        same_day, next_day = true(), Slot.end_sec > DAY + EARLIEST_PART
    if day is None:
        return or_(same_day, next_day)
    return or_(and_(Slot.weekday == day, same_day), and_(Slot.weekday == (day - 1) % 7, next_day))


def in_force(clock: Clock):
    """Slots whose rule counts today (as scheduling.in_force): an ended summer activity is not on
    "Wednesday afternoon", a later one not yet; a one-off counts until its day is over."""
    return and_(Slot.until_day >= clock.today, or_(Slot.frequency == "once", Slot.from_day <= clock.today))


def not_ended(clock: Clock):
    """Links with a schedule that has not ended (scheduling.has_ended: the last day is before
    today), or with none at all: what the finder, the map and area pages offer.

    initiative_at_place.last_day holds the latest last day of the link's slots (the writer
    keeps it): a condition on the row itself. Asking the slots (every link past its last day,
    then whether another slot goes on) cost 15 ms per statement at 50,000 listings on SQLite,
    and grows with every schedule that ends.
    """
    from ..models import InitiativeAtPlace
    return or_(InitiativeAtPlace.last_day.is_(None), InitiativeAtPlace.last_day >= clock.today)


def _utc(clock: Clock, wall):
    """Wall-clock seconds to instants: minus summer time inside the clock's summer spans."""
    spans = [and_(wall >= lo, wall < hi) for lo, hi in clock.summer]
    if not spans:
        return wall - WINTER
    return wall - case((or_(*spans), SUMMER), else_=WINTER)


def _ended(clock: Clock, wall_end):
    """Has a session ending at `wall_end` ended by now? Only yesterday's and today's can have:
    unless summer time starts or ends within those days, one offset holds for all of them."""
    window = (0, 3 * DAY)
    if any(window[0] < edge < window[1] for span in clock.summer for edge in span):
        return _utc(clock, wall_end) <= clock.now_utc
    summer = any(lo <= window[0] and window[1] <= hi for lo, hi in clock.summer)
    return wall_end <= clock.now_utc + (SUMMER if summer else WINTER)


def _prefilter(clock: Clock, when: str, S=Slot):
    """Slots that can matter at all: not ended; for 'now' and 'week' only the weekdays that can."""
    conditions = [S.until_day >= clock.yesterday, S.from_day <= clock.last_day]
    if when == "now":
        yesterday = (clock.weekday - 1) % 7
        conditions += [S.from_day <= clock.today, or_(
            and_(S.weekday == clock.weekday, S.start_sec <= clock.time_of_day + MARGIN),
            and_(S.weekday == yesterday, S.end_sec > DAY + clock.time_of_day - MARGIN))]
    elif when == "week":
        days = sorted({(clock.weekday - 1) % 7, *range(clock.weekday, 7)})
        conditions += [S.from_day <= clock.today + 6 - clock.weekday, S.weekday.in_(days)]
    return conditions


def _weekly(clock: Clock, conditions, S=Slot):
    """Next sessions of weekly, biweekly and one-off slots: the first of their weekdays from
    yesterday (and valid_from) on, in a biweekly rule's weeks, or the one after it if it is over."""
    base = case((S.from_day > clock.yesterday, S.from_day), else_=clock.yesterday)
    first = select(S.location_id, S.frequency, S.start_sec, S.end_sec, S.from_day, S.until_day,
                   (base + (S.weekday - base % 7 + 7) % 7).label("day")
                   ).where(S.frequency != "monthly", *conditions).subquery()
    biweekly = first.c.frequency == "biweekly"
    off_week = case((and_(biweekly, (first.c.day // 7 - first.c.from_day // 7) % 2 == 1), 7), else_=0)
    week = select(first.c.location_id, first.c.frequency, first.c.start_sec, first.c.end_sec, first.c.until_day,
                  (first.c.day + off_week).label("day")).subquery()
    over = _ended(clock, (week.c.day - clock.yesterday) * DAY + week.c.end_sec)
    step = case((week.c.frequency == "biweekly", 14), else_=7)
    due = select(week.c.location_id, week.c.start_sec, week.c.end_sec, week.c.until_day,
                 (week.c.day + case((over, step), else_=0)).label("day")).subquery()
    start = _utc(clock, (due.c.day - clock.yesterday) * DAY + due.c.start_sec)
    end = _utc(clock, (due.c.day - clock.yesterday) * DAY + due.c.end_sec)
    return select(due.c.location_id, start.label("next_start"), end.label("next_end")).where(
        due.c.day <= due.c.until_day)


def _monthly(clock: Clock, conditions, S=Slot):
    """Next sessions of monthly slots: their day in each month from yesterday's to the horizon's."""
    months = union_all(*(select(literal(lo).label("month_first"), literal(hi).label("month_next"))
                         for lo, hi in clock.months)).subquery()
    nth_day = months.c.month_first + (S.weekday - months.c.month_first % 7 + 7) % 7 + 7 * (S.nth - 1)
    last_day = months.c.month_next - 1 - ((months.c.month_next - 1) % 7 - S.weekday + 7) % 7
    day = case((S.nth == -1, last_day), else_=nth_day)
    # An nth weekday comes back within 119 days (a 5th Monday; every month for the others): the
    # months from the first day a session can be on to 121 days later hold the next one.
    base = case((S.from_day > clock.yesterday, S.from_day), else_=clock.yesterday)
    found = (select(S.location_id, S.start_sec, S.end_sec, S.from_day, S.until_day,
                    months.c.month_next, day.label("day"))
             .select_from(S).join(months, and_(months.c.month_next > base, months.c.month_first <= base + 121))
             .where(S.frequency == "monthly", *conditions).subquery())
    start = _utc(clock, (found.c.day - clock.yesterday) * DAY + found.c.start_sec)
    end = _utc(clock, (found.c.day - clock.yesterday) * DAY + found.c.end_sec)
    return select(found.c.location_id, start.label("next_start"), end.label("next_end")).where(
        found.c.day < found.c.month_next, found.c.day >= clock.yesterday, found.c.day >= found.c.from_day,
        found.c.day <= found.c.until_day,
        ~_ended(clock, (found.c.day - clock.yesterday) * DAY + found.c.end_sec))


def next_starts(clock: Clock, when: str = "", locations=None, ends: bool = False):
    """(location_id, next_start): each link's running or next session as an instant (Clock's
    seconds), for links with one; `locations` (a select of link ids) narrows the slots read.
    With `ends`, also `next_end`: the earliest end among the sessions each slot gives (the first
    moment at which the answer can change: services/next_sessions.py stores it).

    A MATERIALIZED common table expression: computed once per statement whatever the plan (a
    planner that thought the tables small, before ANALYZE, ran it again for every listing).
    """
    S = Slot
    if locations is not None:
        # The given links' slots first, once: read through the location index, they are all the
        # rest reads (PostgreSQL otherwise joined every monthly slot with every month before
        # narrowing them to a few stale links: 1.2 M rows for 837 links).
        picked = select(Slot).where(Slot.location_id.in_(locations)).cte(
            f"slots_{when or 'any'}{'_end' if ends else ''}").prefix_with("MATERIALIZED")
        S = aliased(Slot, picked)
    conditions = _prefilter(clock, when, S)
    starts = union_all(_weekly(clock, conditions, S), _monthly(clock, conditions, S)).subquery()
    columns = [starts.c.location_id, func.min(starts.c.next_start).label("next_start")]
    if ends:
        columns.append(func.min(starts.c.next_end).label("next_end"))
    return (select(*columns).group_by(starts.c.location_id)
            .cte(f"next_start_{when or 'any'}{'_end' if ends else ''}").prefix_with("MATERIALIZED"))


@lru_cache(maxsize=32)
def filter_starts(clock: Clock, when: str):
    # One object per clock and filter, so that a statement naming it twice (the filtered links
    # for the slots read, and the listings themselves) has it once.
    return next_starts(clock, when)


def time_filters(clock: Clock, day: int | None, part: str, when: str) -> list:
    """Conditions on initiative_at_place.id for the finder's day, part of day and 'when'."""
    from ..models import InitiativeAtPlace
    conditions = []
    if day is not None or part:
        conditions.append(InitiativeAtPlace.id.in_(select(Slot.location_id).where(slot_matches(day, part or None), in_force(clock))))
    if when:
        starts = filter_starts(clock, when)
        limit = starts.c.next_start <= clock.now_utc if when == "now" else starts.c.next_start < clock.week_end_utc
        conditions.append(InitiativeAtPlace.id.in_(select(starts.c.location_id).where(limit)))
    return conditions
