"""Areas as GeoDataFrames, and which area a point lies in."""
from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import aliased

from geo.areas import assign_points
from ..extensions import db
from ..importers.common import key
from ..models import Area, MeetingPlace, PlaceArea

LEVELS = ("municipality", "district", "sector")


def areas_frame(level: str | None = None) -> gpd.GeoDataFrame:
    query = select(Area.id, Area.code, Area.name, Area.level, Area.geometry)
    if level:
        query = query.where(Area.level == level)
    rows = db.session.execute(query.order_by(Area.code)).all()
    return gpd.GeoDataFrame(
        {"id": [r.id for r in rows], "code": [r.code for r in rows], "name": [r.name for r in rows],
         "level": [r.level for r in rows]},
        geometry=[shape(json.loads(r.geometry)) for r in rows], crs="EPSG:4326")


def assign_places(places: list[MeetingPlace], frames: dict[str, gpd.GeoDataFrame] | None = None) -> None:
    """Store the containing area of each place at every level (replacing what was there)."""
    if not places:
        return
    frames = frames if frames is not None else {lvl: areas_frame(lvl) for lvl in LEVELS}
    lon = np.array([p.longitude for p in places], dtype=float)
    lat = np.array([p.latitude for p in places], dtype=float)
    for level, frame in frames.items():
        if frame.empty:
            continue
        codes = assign_points(lon, lat, frame, code_col="code")
        ids = dict(zip(frame["code"], frame["id"]))
        for place, code in zip(places, codes):
            current = next((pa for pa in place.areas if pa.level == level), None)
            if code is None:
                if current is not None:
                    place.areas.remove(current)
            elif current is None:
                place.areas.append(PlaceArea(level=level, area_id=ids[code]))
            else:
                current.area_id = ids[code]


def reassign_all_places() -> int:
    """After areas change, recompute every place's areas. Returns the number of places."""
    places = db.session.scalars(select(MeetingPlace)).all()
    assign_places(list(places))
    return len(places)


@dataclass(frozen=True)
class DistrictChoice:
    code: str
    name: str
    municipality: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.municipality})" if self.municipality else self.name


def _words(text: str) -> str:
    return key(text.replace("(", " ").replace(")", " "))


def district_choices(text: str) -> list[DistrictChoice]:
    """The districts a resident may mean by `text`, best first; matched without case or accents.

    A district's code, name or "name (municipality)" is one; else a municipality's name gives its
    districts; else every district whose "name (municipality)" holds all the words typed.
    """
    wanted = _words(text)
    if not wanted:
        return []
    municipality = aliased(Area)
    rows = db.session.execute(select(Area.code, Area.name, municipality.name)
                              .outerjoin(municipality, municipality.id == Area.parent_id)
                              .where(Area.level == "district")).all()
    by_name = sorted((DistrictChoice(code, name, parent or "") for code, name, parent in rows),
                     key=lambda c: (_words(c.name), _words(c.municipality)))
    exact = [c for c in by_name if wanted in (_words(c.code), _words(c.name), _words(c.label))]
    if exact:
        return exact
    within = [c for c in by_name if c.municipality and _words(c.municipality) == wanted]
    if within:
        return within
    words = wanted.split()
    found = [c for c in by_name if all(word in _words(c.label) for word in words)]
    return sorted(found, key=lambda c: not _words(c.name).startswith(wanted))  # stable: then by name


def district_label(code: str) -> str:
    """How the finder's district field shows a chosen district: "Brugse Poort (Gent)"."""
    municipality = aliased(Area)
    row = db.session.execute(select(Area.name, municipality.name)
                             .outerjoin(municipality, municipality.id == Area.parent_id)
                             .where(Area.code == code)).first()
    return DistrictChoice(code, row[0], row[1] or "").label if row else code


def home_neighbourhoods() -> tuple[Area | None, list[Area]]:
    """The municipality with the most meeting places and its districts by name, for the home page:
    their pages and printable guides reachable without opening an offer. One municipality's
    districts (Ghent has 25), never every district of Flanders (2,563)."""
    from sqlalchemy import func
    busiest = db.session.execute(
        select(PlaceArea.area_id).where(PlaceArea.level == "municipality")
        .group_by(PlaceArea.area_id).order_by(func.count().desc(), PlaceArea.area_id).limit(1)).scalar()
    if busiest is None:
        return None, []
    municipality = db.session.get(Area, busiest)
    districts = db.session.scalars(select(Area).where(Area.parent_id == busiest, Area.level == "district")
                                   .order_by(Area.name)).all()
    return municipality, list(districts)
