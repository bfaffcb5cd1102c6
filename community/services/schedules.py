"""Schedules given as plain values (a file's columns, a form, the demo): parsed and checked."""
from __future__ import annotations

from datetime import date, time

from .. import taxonomy
from ..models import Schedule
from ..scheduling import Recurrence
from ..scheduling.weekly import slot_values


def schedule_problems(spec: dict) -> list[str]:
    """Problems with a schedule given as plain values (frequency, weekdays, start, end, ...)."""
    try:
        rule = recurrence_from(spec)
    except (TypeError, ValueError) as exc:
        return [str(exc)]
    return rule.validate()


def _time(value, field_name: str) -> time:
    if isinstance(value, time):
        return value
    text = str(value or "").strip().replace(".", ":").replace("u", ":")
    try:
        hours, minutes = (text.split(":") + ["0"])[:2]
        return time(int(hours), int(minutes or 0))
    except ValueError:
        raise ValueError(f"{field_name} {value!r} is not a time like 14:00") from None


def _date(value, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{field_name} {value!r} is not a date like 2026-03-14") from None


def recurrence_from(spec: dict) -> Recurrence:
    frequency = taxonomy.FREQUENCIES.lookup(spec.get("frequency") or "weekly")
    if frequency is None:
        raise ValueError(f"frequency {spec.get('frequency')!r} is not one of "
                         f"{', '.join(taxonomy.FREQUENCIES.codes)}")
    weekdays = spec.get("weekdays") or ()
    if isinstance(weekdays, str):
        parts = [p for p in weekdays.replace("|", ",").replace(";", ",").split(",") if p.strip()]
        days = []
        for part in parts:
            code = part.strip() if part.strip().isdigit() else taxonomy.WEEKDAYS.lookup(part)
            if code is None or not 0 <= int(code) <= 6:
                raise ValueError(f"weekday {part.strip()!r} is not a weekday (0=Monday ... 6=Sunday, or a name)")
            days.append(int(code))
        weekdays = days
    nth = spec.get("nth")
    return Recurrence(
        frequency=frequency, start_time=_time(spec.get("start"), "start"),
        end_time=_time(spec.get("end"), "end"), weekdays=tuple(sorted(int(d) for d in weekdays)),
        nth=int(nth) if nth not in (None, "") else None,
        on_date=_date(spec.get("date"), "date"), valid_from=_date(spec.get("valid_from"), "valid_from"),
        valid_until=_date(spec.get("valid_until"), "valid_until"))


def schedule_values(rule: Recurrence, note: str = "") -> dict:
    return {"frequency": rule.frequency, "weekdays": ",".join(str(d) for d in rule.weekdays),
            "start_time": rule.start_time, "end_time": rule.end_time, "nth": rule.nth,
            "on_date": rule.on_date, "valid_from": rule.valid_from, "valid_until": rule.valid_until,
            "note": note}


def schedule_row(rule: Recurrence, note: str = "") -> Schedule:
    return Schedule(**schedule_values(rule, note))


def slot_rows(schedule_id, location_id, rule: Recurrence) -> list[dict]:
    """The schedule_slot rows of a schedule (see scheduling/weekly.py)."""
    return [{**values, "schedule_id": schedule_id, "location_id": location_id} for values in slot_values(rule)]


def last_day(slots: list[dict]) -> int | None:
    """A link's last day (initiative_at_place.last_day) from the slot rows of all its schedules."""
    return max((slot["until_day"] for slot in slots), default=None)
