"""'Near' without an outside geocoder: coordinates, or a place in our own data (services/gazetteer.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import shapely
from flask_babel import gettext as _

from geo.crs import in_belgium
from geo.distance import distances_m, project_metric
from ..errors import BadRequest
from . import gazetteer
from .gazetteer import NearChoice, NearChoices  # noqa: F401  (the finder's callers catch these)

COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Location:
    """Where distances count from, and what the page says it understood (`label`)."""

    latitude: float
    longitude: float
    label: str
    kind: str  # coordinates | address | street | place | area (a neighbourhood, municipality or postcode)
    name: str = ""  # the place's own name ("Dampoort"), for "inside Dampoort"
    # An area's outline in metres (EPSG:31370): distances count from it, 0 inside.
    area: object = field(default=None, compare=False, repr=False)
    alternatives: tuple[NearChoice, ...] = ()  # "not what you meant?"

    def metric_bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) in metres of the place: the area's box, or the point."""
        if self.area is not None:
            return tuple(float(v) for v in self.area.bounds)
        x, y = project_metric(self.longitude, self.latitude)
        return float(x), float(y), float(x), float(y)

    def distances_m(self, lons, lats) -> np.ndarray:
        """Metres from this place to each point: from the area's edge (0 inside), else from the point."""
        if self.area is None:
            return distances_m(self.longitude, self.latitude, lons, lats)
        xs, ys = project_metric(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        return shapely.distance(self.area, shapely.points(xs, ys))


def _bad(message: str) -> BadRequest:
    return BadRequest(message, field="near")


def _coordinates(text: str) -> Location | None:
    match = COORDINATES.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _bad(_("%(text)s are not valid coordinates (latitude between -90 and 90, longitude between -180 and 180).", text=text))
    if not bool(in_belgium([lon], [lat])[0]):
        if bool(in_belgium([lat], [lon])[0]):
            raise _bad(_("%(text)s lies outside Belgium; latitude and longitude look swapped (latitude comes first).", text=text))
        raise _bad(_("%(text)s lies outside Belgium.", text=text))
    return Location(round(lat, 5), round(lon, 5), _("the point you chose"), "coordinates")


def resolve_near(text: str) -> Location:
    text = text.strip()
    if not text:
        raise _bad(_("Type a street, a place or a neighbourhood."))
    found = _coordinates(text)
    if found is not None:
        return found
    found = gazetteer.lookup(text)
    if found is not None:
        return _location(found)
    raise _bad(_("We could not find '%(text)s'. Try a street name (for example Sint-Baafsplein 1), "
                 "a meeting place or a neighbourhood.", text=text))


def _location(found: gazetteer.Found) -> Location:
    candidate = found.candidate
    if found.street is not None:
        street, i = found.street, found.point
        if not candidate.number:
            label, kind = street.address(), "street"
        elif found.exact_number:
            label, kind = street.address(street.numbers[i]), "address"
        else:
            label = _("%(address)s (the nearest number we know)", address=street.address(street.numbers[i]))
            kind = "address"
        return Location(round(street.lats[i], 6), round(street.lons[i], 6), label, kind, street.name,
                        alternatives=found.alternatives)
    named = candidate.named
    if named.kind == "place":
        return Location(named.latitude, named.longitude, named.name, "place", named.name,
                        alternatives=found.alternatives)
    index = gazetteer.index()
    area = index.area_geometry(named)
    lat, lon = index.centre(named, area)
    return Location(lat, lon, gazetteer.describe(named), "area", named.name, area=area,
                    alternatives=found.alternatives)
