"""What the review reads from the database: areas, indicator values, address points, offers, activities.

Column selects where a row is all that is needed; the offers go through the
models because their codes, schedules and containing areas are model logic.
Nothing here computes: ``computation`` turns these frames into the review.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (Activity, ActivityPartner, AddressPoint, Area, IndicatorValue, Initiative,
                       InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, Schedule)
from ...scheduling import TZ, matches_slot
from .parameters import COUNTED_STATUSES, LEVELS, stale_months

OFFER_COLUMNS = ["initiative_id", "name", "organisation", "organisation_id", "place", "place_id", "place_kind",
                 "lon", "lat", "models", "groups", "tie_type", "free", "childcare", "evening", "weekend",
                 "verified", "accessibility_unknown"] + ["in_" + lvl for lvl in LEVELS]
ACTIVITY_COLUMNS = ["participants", "new", "partners", "lon", "lat", "area_code"]


def data_version() -> tuple:
    """Changes whenever anything the review reads changes (and every day: periods move). One query."""
    parts = (
        (func.count(Initiative.id), func.max(Initiative.updated_at)),
        (func.count(MeetingPlace.id), func.max(MeetingPlace.updated_at)),
        (func.count(InitiativeAtPlace.id),), (func.count(Schedule.id),),
        (func.count(InitiativeTerm.code),),
        (func.count(Area.id), func.max(Area.created_at)),
        (func.count(IndicatorValue.id), func.sum(IndicatorValue.value)),
        (func.count(Activity.id), func.max(Activity.updated_at)),
        (func.count(AddressPoint.id), func.max(AddressPoint.id)),
    )
    columns = [select(column).scalar_subquery() for group in parts for column in group]
    return (datetime.now(TZ).date().isoformat(), tuple(db.session.execute(select(*columns)).one()))


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
    """One row per counted initiative at each of its meeting places (not archived), with what the review asks."""
    fresh_from = datetime.now(TZ).date() - timedelta(days=round(stale_months() * 30.44))
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.archived_at.is_(None), Initiative.status.in_(COUNTED_STATUSES))
        .options(selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules),
                 selectinload(Initiative.organisation)).order_by(Initiative.name)).all()
    rows = []
    for init in initiatives:
        for loc in init.locations:
            place = loc.place
            if place.archived_at is not None:
                continue
            rules = [s.recurrence() for s in loc.schedules]
            row = {
                "initiative_id": str(init.id), "name": init.name, "organisation": init.organisation.name,
                "organisation_id": str(init.organisation_id), "place": place.name, "place_id": str(place.id),
                "place_kind": place.kind, "lon": place.longitude, "lat": place.latitude,
                "models": init.working_models, "groups": init.target_groups, "tie_type": init.tie_type,
                "free": init.cost == "free",
                "childcare": init.childcare in ("children_welcome", "childcare_provided"),
                "evening": any(_safe_slot(r, None, "evening") for r in rules),
                "weekend": any(_safe_slot(r, 5, None) or _safe_slot(r, 6, None) for r in rules),
                "verified": init.last_verified is not None and init.last_verified >= fresh_from,
                "accessibility_unknown": init.wheelchair == "unknown" and place.wheelchair == "unknown",
            }
            for level in LEVELS:
                row["in_" + level] = place.area_code(level)
            rows.append(row)
    return pd.DataFrame(rows, columns=OFFER_COLUMNS)


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
