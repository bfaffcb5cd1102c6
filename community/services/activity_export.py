"""The activity log's export for annual reports: a period (and district) as a workbook or CSV.

It leaves the team, so counts below 5 are left out (their flag column says '<5'); reflections stay
in the workspace. The formats are services/spreadsheet.py's.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import Invalid
from ..extensions import db
from ..fields import ACTIVITY
from ..models import Activity, Area
from ..scheduling import TZ
from .disclosure import THRESHOLD, split_small
from .periods import check_period
from .permissions import can, require
from .spreadsheet import Column, table_file


def export_areas(user) -> list[Area]:
    """Districts the user may export: their own (admins: all)."""
    require(user, "activity.export")
    districts = db.session.scalars(select(Area).where(Area.level == "district").order_by(Area.code)).all()
    return [a for a in districts if can(user, "activity.export", a.id)]


# The activity log's export: (code, label); a field of the activity takes its label from
# fields.ACTIVITY, the others are the export's own. Counts come with a flag column each.
_COUNTS = ("participants", "new_participants", "volunteers")
_EXPORT_LABELS = {"date": _l("Date"), "start": _l("Start"), "end": _l("End"), "district_code": _l("District code"),
                  "district": _l("District"), "initiative": _l("Initiative"), "place": _l("Meeting place"),
                  "room": _l("Room"), "partners": _l("Partners")}
EXPORT_COLUMNS = ("date", "start", "end", "district_code", "district", "title", "initiative", "place",
                  "room", "working_models", "target_groups", "target_groups_reached", "partners",
                  "visibility", "status", *(name for count in _COUNTS for name in (count, count + "_hidden")))


def export_columns() -> list[Column]:
    def label(code: str):
        if code.endswith("_hidden"):
            return _("%(count)s: fewer than %(n)s, not shown", count=ACTIVITY[code[:-7]].label, n=THRESHOLD)
        return _EXPORT_LABELS.get(code) or ACTIVITY[code].label
    return [Column(code, str(label(code))) for code in EXPORT_COLUMNS]


def export_file(user, first_day: date, last_day: date, area_id=None, fmt: str = "csv") -> tuple[bytes, str, str]:
    """The activity log of a period (and district) for annual reports, as one of
    spreadsheet.SPREADSHEET_FORMATS: (bytes, Content-Type, extension).

    It leaves the team, so counts below 5 are left out (their flag column says '<5');
    reflections stay in the workspace.
    """
    rows = _export_rows(user, first_day, last_day, area_id)
    return table_file(fmt, export_columns(), rows, _("Activities"))


def export_csv(user, first_day: date, last_day: date, area_id=None) -> str:
    """The export as CSV for programs (",", decimal point, machine codes as header)."""
    return export_file(user, first_day, last_day, area_id, "csv-plain")[0].decode("utf-8")


def _export_rows(user, first_day: date, last_day: date, area_id=None) -> list[list]:
    require(user, "activity.export")
    check_period(first_day, last_day)
    if last_day < first_day:
        raise Invalid({"last_day": _("The end of the period must be on or after its start.")})
    areas = export_areas(user)
    if area_id is not None:
        require(user, "activity.export", area_id)
        allowed = {area_id}
    else:
        allowed = {a.id for a in areas}
    start = datetime.combine(first_day, time(0), tzinfo=TZ).astimezone(timezone.utc)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(timezone.utc)
    query = (select(Activity).where(Activity.area_id.in_(allowed), Activity.status != "cancelled",
                                    Activity.starts_at >= start, Activity.starts_at < end)
             .order_by(Activity.starts_at)
             .options(selectinload(Activity.area), selectinload(Activity.place), selectinload(Activity.room),
                      selectinload(Activity.initiative)))
    return [_export_row(a) for a in db.session.scalars(query)]


def _export_row(a: Activity) -> list:
    local_start, local_end = a.starts_at.astimezone(TZ), a.ends_at.astimezone(TZ)
    counts = [value for count in _COUNTS for value in split_small(getattr(a, count))]
    return [local_start.date().isoformat(), local_start.strftime("%H:%M"), local_end.strftime("%H:%M"),
            a.area.code if a.area else "", a.area.name if a.area else "", a.title,
            a.initiative.name if a.initiative else "", a.place.name if a.place else "",
            a.room.name if a.room else "", "|".join(a.codes("working_model")),
            "|".join(a.codes("target_group")), "|".join(a.codes("target_group_reached")),
            "|".join(sorted(p.organisation.name for p in a.partners)), a.visibility, a.status, *counts]
