"""What the review reads from the database: areas, indicator values, address points, offers, activities.

Column selects only (a handful of statements, whatever the data's size); the rules that are
model logic are called, not copied: schedules through ``community.scheduling``, the weekday
list through ``Schedule.parse_weekdays``. Nothing here computes: ``computation`` turns these
frames into the review.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import shape
from sqlalchemy import String, cast, func, select

from ... import data_version as versions
from ...extensions import db
from ...models import (Activity, ActivityPartner, AddressPoint, Area, IndicatorValue, Initiative,
                       InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, PlaceArea, Schedule)
from ...scheduling import TZ, Recurrence, matches_slot
from .parameters import COUNTED_STATUSES, LEVELS, stale_months

OFFER_COLUMNS = ["initiative_id", "name", "organisation", "organisation_id", "place", "place_id", "place_kind",
                 "lon", "lat", "models", "groups", "tie_type", "free", "childcare", "evening", "weekend",
                 "verified", "accessibility_unknown"] + ["in_" + lvl for lvl in LEVELS]
ACTIVITY_COLUMNS = ["participants", "new", "partners", "lon", "lat", "area_code"]


def data_version() -> tuple:
    """Changes whenever anything the review reads changes, and every day (periods move): one select.

    (day, areas token, listings token, activities token): see ``community.data_version``.
    """
    tokens = versions.current()
    return (datetime.now(TZ).date().isoformat(), tokens["areas"], tokens["listings"], tokens["activities"])


def load_areas() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Every area (index code: name, level, parent code, generated) and its geometry in EPSG:4326."""
    rows = db.session.execute(select(Area.id, Area.code, Area.name, Area.level, Area.parent_id,
                                     Area.geometry, Area.is_generated).order_by(Area.code)).all()
    code_of = {r.id: r.code for r in rows}
    areas = pd.DataFrame({
        "code": [r.code for r in rows], "name": [r.name for r in rows], "level": [r.level for r in rows],
        "parent": [code_of.get(r.parent_id) for r in rows], "generated": [r.is_generated for r in rows],
    }).set_index("code")
    geometries = gpd.GeoDataFrame({"code": [r.code for r in rows]},
                                  geometry=[shape(json.loads(r.geometry)) for r in rows],
                                  crs="EPSG:4326").set_index("code")
    return areas, geometries


def load_indicator_values() -> pd.DataFrame:
    """Every stored indicator value: columns code, indicator, year, value."""
    rows = db.session.execute(select(Area.code, IndicatorValue.indicator, IndicatorValue.year,
                                     IndicatorValue.value).join(Area, IndicatorValue.area_id == Area.id)).all()
    return pd.DataFrame(rows, columns=["code", "indicator", "year", "value"])


def load_address_points() -> np.ndarray | None:
    """(n, 2) longitude and latitude of every address point, None when there are none."""
    rows = db.session.execute(select(AddressPoint.longitude, AddressPoint.latitude)).all()
    if not rows:
        return None
    # Column-wise: numpy reading 100,000 Row objects one by one takes about a second.
    lon, lat = zip(*rows)
    return np.column_stack([np.array(lon, dtype=float), np.array(lat, dtype=float)])


def load_offers() -> pd.DataFrame:
    """One row per counted initiative at each of its meeting places (not archived), with what the review asks.

    Four column selects, whatever the number of offers: the offers with their place and
    organisation, the codes, the schedules and the places' areas (the last three whole: a
    look-up by key costs less than a filter in SQL). Ids are read as text (turning 400,000
    of them into UUID objects took most of the time). Evening and weekend come from
    ``community.scheduling``, once per distinct rule.
    """
    fresh_from = datetime.now(TZ).date() - timedelta(days=round(stale_months() * 30.44))
    rows = db.session.execute(
        select(_text(InitiativeAtPlace.id).label("location_id"), _text(Initiative.id).label("id"), Initiative.name,
               Organisation.name.label("organisation"), _text(Initiative.organisation_id).label("organisation_id"),
               MeetingPlace.name.label("place"), _text(MeetingPlace.id).label("place_id"), MeetingPlace.kind,
               MeetingPlace.longitude, MeetingPlace.latitude, Initiative.tie_type, Initiative.cost,
               Initiative.childcare, Initiative.last_verified, Initiative.wheelchair,
               MeetingPlace.wheelchair.label("place_wheelchair"))
        .join(Initiative, InitiativeAtPlace.initiative_id == Initiative.id)
        .join(Organisation, Initiative.organisation_id == Organisation.id)
        .join(MeetingPlace, InitiativeAtPlace.place_id == MeetingPlace.id)
        .where(Initiative.archived_at.is_(None), Initiative.status.in_(COUNTED_STATUSES),
               MeetingPlace.archived_at.is_(None))
        .order_by(Initiative.name, Initiative.id, MeetingPlace.name, MeetingPlace.id)).all()
    if not rows:
        return pd.DataFrame(columns=OFFER_COLUMNS)
    codes = _offer_codes()
    evening, weekend = _offer_times()
    areas = _place_areas()
    frame = pd.DataFrame({
        "initiative_id": _uuid_text([r.id for r in rows]), "name": [r.name for r in rows],
        "organisation": [r.organisation for r in rows],
        "organisation_id": _uuid_text([r.organisation_id for r in rows]),
        "place": [r.place for r in rows], "place_id": _uuid_text([r.place_id for r in rows]),
        "place_kind": [r.kind for r in rows], "lon": [r.longitude for r in rows], "lat": [r.latitude for r in rows],
        "models": [codes.get((r.id, "working_model"), []) for r in rows],
        "groups": [codes.get((r.id, "target_group"), []) for r in rows],
        "tie_type": [r.tie_type for r in rows], "free": [r.cost == "free" for r in rows],
        "childcare": [r.childcare in ("children_welcome", "childcare_provided") for r in rows],
        "evening": [r.location_id in evening for r in rows], "weekend": [r.location_id in weekend for r in rows],
        "verified": [r.last_verified is not None and r.last_verified >= fresh_from for r in rows],
        "accessibility_unknown": [r.wheelchair == "unknown" and r.place_wheelchair == "unknown" for r in rows],
    })
    for level in LEVELS:
        frame["in_" + level] = [areas.get((r.place_id, level)) for r in rows]
    return frame[OFFER_COLUMNS]


def _text(column):
    """An id column as the database's text (no UUID objects made)."""
    return cast(column, String)


def _uuid_text(values: list[str]) -> list[str]:
    """Ids in the usual 8-4-4-4-12 form (SQLite stores 32 hex digits, PostgreSQL's text has the dashes)."""
    return [v if len(v) == 36 else f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}" for v in values]


def _offer_codes() -> dict:
    """(initiative id, scheme) -> sorted codes, for the schemes the review reads."""
    codes: dict = {}
    for initiative_id, scheme, code in db.session.execute(
            select(_text(InitiativeTerm.initiative_id), InitiativeTerm.scheme, InitiativeTerm.code)
            .where(InitiativeTerm.scheme.in_(("working_model", "target_group")))):
        codes.setdefault((initiative_id, scheme), []).append(code)
    for found in codes.values():
        found.sort()
    return codes


def _offer_times() -> tuple[set, set]:
    """The locations with a session in the evening, and those with one at the weekend."""
    evening, weekend, judged = set(), set(), {}
    for row in db.session.execute(
            select(_text(Schedule.location_id).label("location_id"), Schedule.frequency, Schedule.weekdays,
                   Schedule.start_time, Schedule.end_time, Schedule.nth, Schedule.on_date, Schedule.valid_from,
                   Schedule.valid_until)):
        rule = Recurrence(frequency=row.frequency, start_time=row.start_time, end_time=row.end_time,
                          weekdays=Schedule.parse_weekdays(row.weekdays), nth=row.nth, on_date=row.on_date,
                          valid_from=row.valid_from, valid_until=row.valid_until)
        if rule not in judged:
            judged[rule] = (_safe_slot(rule, None, "evening"),
                            _safe_slot(rule, 5, None) or _safe_slot(rule, 6, None))
        at_evening, at_weekend = judged[rule]
        if at_evening:
            evening.add(row.location_id)
        if at_weekend:
            weekend.add(row.location_id)
    return evening, weekend


def _place_areas() -> dict:
    """(place id, level) -> area code."""
    return {(place_id, level): code for place_id, level, code in db.session.execute(
        select(_text(PlaceArea.place_id), PlaceArea.level, Area.code).join(Area, PlaceArea.area_id == Area.id))}


def _safe_slot(rule, weekday, part) -> bool:
    try:
        return matches_slot(rule, weekday, part)
    except ValueError:  # an invalid stored rule says nothing about evenings
        return False


def load_activities(period: int) -> tuple[pd.DataFrame, bool]:
    """Activities done in the last ``period`` days, and whether any activity was ever logged.

    Columns: participants, new, partners (sorted organisation names), lon, lat (the
    meeting place's when there is one) and area_code (the district stored on the activity).
    """
    logged = db.session.scalar(select(func.count(Activity.id))) > 0
    now = datetime.now(timezone.utc)
    done = (Activity.status == "done", Activity.starts_at >= now - timedelta(days=period), Activity.starts_at <= now)
    rows = db.session.execute(
        select(Activity.id, Activity.participants, Activity.new_participants, Activity.place_id,
               Activity.longitude, Activity.latitude, MeetingPlace.longitude.label("place_lon"),
               MeetingPlace.latitude.label("place_lat"), Area.code.label("area_code"))
        .outerjoin(MeetingPlace, Activity.place_id == MeetingPlace.id)
        .outerjoin(Area, Activity.area_id == Area.id).where(*done)).all()
    partners: dict = {}
    if rows:
        for activity_id, name in db.session.execute(
                select(ActivityPartner.activity_id, Organisation.name)
                .join(Organisation, ActivityPartner.organisation_id == Organisation.id)
                .join(Activity, ActivityPartner.activity_id == Activity.id).where(*done)):
            partners.setdefault(activity_id, []).append(name)
    records = []
    for r in rows:
        at_place = r.place_id is not None
        records.append({"participants": r.participants or 0, "new": r.new_participants or 0,
                        "partners": tuple(sorted(partners.get(r.id, ()))),
                        "lon": r.place_lon if at_place else r.longitude,
                        "lat": r.place_lat if at_place else r.latitude, "area_code": r.area_code})
    return pd.DataFrame(records, columns=ACTIVITY_COLUMNS), logged
