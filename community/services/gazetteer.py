"""The gazetteer: places and addresses as residents type them, found in our own data only.

What "near" can name, best first when a text fits several: a neighbourhood (district) by its
whole name, a leading part or a part between " - " ("Brugse Poort" for "Brugse Poort -
Rooigem"); a municipality; a deelgemeente (taxonomy.POSTCODE_PLACES); a postcode; a meeting
place by name; a street, with or without number, postcode and municipality in any order. A
name is matched whole first, then by its beginning, then inside a longer name, then with small
typing errors (rapidfuzz); case, accents, "St-"/"Sint-" and "steenweg" written apart never
matter (geo.placenames). A house number we do not know gives the nearest one on that street.
A street in several postcodes, or a text that fits several places equally, is a choice for the
resident (NearChoices), never a silent pick.

The look-up data (every street with its numbers and points, the area and place names) is built
once per process and kept while the data versions ("areas" for areas and addresses, "listings"
for meeting places; community/data_version.py) stay the same.
"""
from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from flask_babel import gettext as _
from shapely.geometry import shape
from sqlalchemy import select

from geo.crs import METRIC, WGS84, transformer
from geo.distance import project_metric
from geo.placenames import NameIndex, compact, fold, nearest_number, parse
from .. import data_version, taxonomy
from ..errors import BadRequest
from ..extensions import db
from ..models import AddressPoint, Area, MeetingPlace

MAX_CHOICES = 8       # a short list: more than this and the resident should type more
MAX_ALTERNATIVES = 4  # "not what you meant?"
POSTCODE_CELL_M = 250  # a postcode's area: the 250 m squares that hold its addresses
# Kinds of named place, best first when a text names several equally well.
RANK = {"district": 0, "municipality": 1, "deelgemeente": 2, "postcode": 3, "place": 4, "street": 5}


@dataclass(frozen=True)
class NearChoice:
    label: str  # what the resident reads
    text: str   # what `near` becomes: finds exactly this place again


class NearChoices(BadRequest):
    """`near` fits several places: `choices` are the resident's options."""

    def __init__(self, message: str, choices: list[NearChoice]):
        super().__init__(message, field="near")
        self.choices = choices


@dataclass(eq=False)
class Street:
    """One street in one postcode and municipality, with its house numbers and their points."""

    name: str
    postcode: str
    municipality: str
    numbers: list[str] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)

    @property
    def key(self) -> str:
        return compact(self.name)

    def address(self, number: str = "") -> str:
        street = f"{self.name} {number}" if number else self.name
        return f"{street}, {self.postcode} {self.municipality}".strip(", ")

    def choice_label(self, number: str = "") -> str:
        """"Kortrijksesteenweg 12, 9051 Gent (Afsnee, Sint-Denijs-Westrem)", with the number we would
        take when the one asked is not in our data."""
        places = [p for p in taxonomy.POSTCODE_PLACES.get(self.postcode, ()) if fold(p) != fold(self.municipality)]
        exact = True
        if number:
            i, exact = nearest_number(number, self.numbers)
            number = self.numbers[i]
        label = self.address(number) + (f" ({', '.join(places)})" if places else "")
        return label if exact else _("%(address)s (the nearest number we know)", address=label)

    def middle(self) -> int:
        """The address point nearest the middle of the street's points (for a street without number)."""
        lats, lons = np.asarray(self.lats), np.asarray(self.lons)
        return int(np.argmin((lats - lats.mean()) ** 2 + ((lons - lons.mean()) * 0.63) ** 2))


@dataclass(frozen=True)
class Named:
    kind: str  # district | municipality | deelgemeente | postcode | place
    name: str
    code: str  # area code, postcode, place id
    latitude: float | None = None
    longitude: float | None = None

    @property
    def rank(self) -> int:
        return RANK[self.kind]


@dataclass(frozen=True)
class Candidate:
    """A place a text may mean: a Named one, or a street (with the house number asked)."""

    rank: int
    named: Named | None = None
    streets: tuple[Street, ...] = ()
    number: str = ""

    @property
    def identity(self):
        return self.named if self.named is not None else ("street", self.streets[0].key)

    def choices(self) -> list[NearChoice]:
        if self.named is not None:
            text = self.named.code if self.named.kind == "postcode" else self.named.name
            return [NearChoice(describe(self.named), text)]
        return [NearChoice(s.choice_label(self.number), s.address(self.number)) for s in self.streets]


class Index:
    """Areas, deelgemeenten, postcodes and streets (the "areas" data version)."""

    def __init__(self):
        self.names = NameIndex()      # Named areas, deelgemeenten, postcodes
        self.streets = NameIndex()    # Street groups
        self.postcodes: set[str] = set()
        self.localities: dict[str, tuple[set[str], str]] = {}  # folded name -> (postcodes, municipality fold)
        self.postcode_points: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._geometry: dict[str, object] = {}
        self._lock = threading.Lock()

    @classmethod
    def build(cls) -> "Index":
        index = cls()
        groups: dict[tuple[str, str, str], Street] = {}
        rows = db.session.execute(select(AddressPoint.street, AddressPoint.number, AddressPoint.postcode,
                                         AddressPoint.municipality, AddressPoint.latitude,
                                         AddressPoint.longitude)).all()
        by_postcode: dict[str, list] = defaultdict(list)
        for street, number, postcode, municipality, lat, lon in rows:
            group = groups.get((street, postcode, municipality))
            if group is None:
                group = groups[(street, postcode, municipality)] = Street(street, postcode, municipality)
            group.numbers.append(number)
            group.lats.append(lat)
            group.lons.append(lon)
            if postcode:
                by_postcode[postcode].append((lon, lat))
        for group in groups.values():
            index.streets.add(group.name, group, whole=False)
        municipalities = {m for _s, _p, m in groups if m}
        areas = db.session.execute(select(Area.code, Area.name, Area.level, Area.min_lat, Area.max_lat,
                                          Area.min_lon, Area.max_lon)
                                   .where(Area.level.in_(("district", "municipality")))).all()
        district_names = set()
        for code, name, level, *_bounds in areas:
            target = Named(level, name, code)
            index.names.add(name, target)
            index.names.add(code, target, whole=False)
            if level == "district":
                district_names.add(compact(name))
                for part in name.split(" - "):
                    index.names.add(part.rstrip(". "), target)
            else:
                municipalities.add(name)
        for postcode, points in by_postcode.items():
            index.postcodes.add(postcode)
            index.postcode_points[postcode] = (np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        for postcode, places in taxonomy.POSTCODE_PLACES.items():
            if postcode not in index.postcodes:
                continue
            index.names.add(postcode, Named("postcode", postcode, postcode), whole=False)
            for place in places:
                index.localities.setdefault(fold(place), (set(), ""))[0].add(postcode)
                if compact(place) not in district_names:  # "Drongen": the neighbourhood of that name
                    index.names.add(place, Named("deelgemeente", place, postcode))
        for postcode in index.postcodes - set(taxonomy.POSTCODE_PLACES):
            index.names.add(postcode, Named("postcode", postcode, postcode), whole=False)
        for municipality in municipalities:
            postcodes, _m = index.localities.get(fold(municipality), (set(), ""))
            index.localities[fold(municipality)] = (postcodes, fold(municipality))
        index.names.finish()
        index.streets.finish()
        return index

    # ---------------------------------------------------------------- geometry (metric, EPSG:31370)

    def area_geometry(self, named: Named):
        """The area's outline in metres (cached): an Area's boundary, a postcode's address squares."""
        cache_key = f"{named.kind}:{named.code}"
        with self._lock:
            found = self._geometry.get(cache_key)
        if found is not None:
            return found
        if named.kind in ("district", "municipality"):
            geojson = db.session.scalar(select(Area.geometry).where(Area.code == named.code))
            geometry = shapely.transform(shape(json.loads(geojson)), _to_metric, interleaved=False)
        else:
            lons, lats = self.postcode_points[named.code]
            xs, ys = project_metric(lons, lats)
            cells = np.unique(np.column_stack([np.floor(xs / POSTCODE_CELL_M), np.floor(ys / POSTCODE_CELL_M)]), axis=0)
            boxes = shapely.box(cells[:, 0] * POSTCODE_CELL_M, cells[:, 1] * POSTCODE_CELL_M,
                                (cells[:, 0] + 1) * POSTCODE_CELL_M, (cells[:, 1] + 1) * POSTCODE_CELL_M)
            geometry = shapely.coverage_union_all(boxes)  # squares of a grid: edge to edge, never overlapping
        shapely.prepare(geometry)
        with self._lock:
            self._geometry[cache_key] = geometry
        return geometry

    def centre(self, named: Named, geometry) -> tuple[float, float]:
        """(lat, lon) of an area's centre: a point inside it (for a postcode, its middle address)."""
        cache_key = f"centre:{named.kind}:{named.code}"
        found = self._geometry.get(cache_key)
        if found is None:
            found = self._geometry[cache_key] = self._centre(named, geometry)
        return found

    def _centre(self, named: Named, geometry) -> tuple[float, float]:
        if named.kind in ("postcode", "deelgemeente"):
            lons, lats = self.postcode_points[named.code]
            i = int(np.argmin((lats - lats.mean()) ** 2 + ((lons - lons.mean()) * 0.63) ** 2))
            return float(lats[i]), float(lons[i])
        point = geometry.representative_point()
        lon, lat = transformer(METRIC, WGS84).transform(point.x, point.y)
        return round(float(lat), 6), round(float(lon), 6)


def _to_metric(x, y):
    return transformer(WGS84, METRIC).transform(x, y)


class Places:
    """Meeting places by name (the "listings" data version)."""

    def __init__(self):
        self.names = NameIndex()

    @classmethod
    def build(cls) -> "Places":
        places = cls()
        for place_id, name, lat, lon in db.session.execute(
                select(MeetingPlace.id, MeetingPlace.name, MeetingPlace.latitude, MeetingPlace.longitude)
                .where(MeetingPlace.archived_at.is_(None))):
            places.names.add(name, Named("place", name, str(place_id), lat, lon))
        places.names.finish()
        return places


_BUILT: dict[tuple[str, str], tuple[str, object]] = {}
_BUILDING = threading.Lock()


def _cached(kind: str, topic: str, build):
    """The index of `kind` for this database, rebuilt when its data version moved."""
    token = data_version.current()[topic]
    cache_key = (str(db.engine.url), kind)
    found = _BUILT.get(cache_key)
    if found is not None and found[0] == token:
        return found[1]
    with _BUILDING:
        found = _BUILT.get(cache_key)
        if found is not None and found[0] == token:
            return found[1]
        value = build()
        if len(_BUILT) > 16:  # test runs make many databases: keep the process's memory bounded
            _BUILT.clear()
        _BUILT[cache_key] = (token, value)
        return value


def index() -> Index:
    return _cached("index", "areas", Index.build)


def places() -> Places:
    return _cached("places", "listings", Places.build)


# -------------------------------------------------------------------- resolution

@dataclass(frozen=True)
class Found:
    """What a text was understood as: one candidate, and what else it could have meant."""

    candidate: Candidate
    street: Street | None = None
    point: int = -1           # index of the address point on `street`
    exact_number: bool = True
    alternatives: tuple[NearChoice, ...] = ()


def describe(named: Named) -> str:
    if named.kind == "district":
        return _("the %(name)s neighbourhood", name=named.name)
    if named.kind == "municipality":
        return _("the municipality of %(name)s", name=named.name)
    if named.kind == "postcode":
        places = taxonomy.POSTCODE_PLACES.get(named.code, ())
        return (_("postcode %(code)s (%(places)s)", code=named.code, places=", ".join(places)) if places
                else _("postcode %(code)s", code=named.code))
    if named.kind == "deelgemeente":
        return _("%(name)s (postcode %(code)s)", name=named.name, code=named.code)
    return named.name


def _named_candidates(hits) -> list[Candidate]:
    """Candidates from Named hits and Street groups, streets of one name gathered into one."""
    out: list[Candidate] = []
    streets: dict[str, list[Street]] = {}
    for hit in hits:
        if isinstance(hit, Street):
            streets.setdefault(hit.key, []).append(hit)
        elif all(c.named != hit for c in out):
            out.append(Candidate(hit.rank, named=hit))
    out += [Candidate(RANK["street"], streets=tuple(sorted(group, key=lambda s: s.postcode)))
            for group in streets.values()]
    return sorted(out, key=lambda c: c.rank)  # stable: the order found within a kind


def _splits(words: tuple[str, ...], gazetteer: Index) -> list[tuple[tuple[str, ...], str]]:
    """The words as typed, then without a municipality or deelgemeente at the end or the start."""
    out = [(words, "")]
    for size in (4, 3, 2, 1):
        if len(words) > size:
            tail, head = " ".join(words[-size:]), " ".join(words[:size])
            if tail in gazetteer.localities:
                out.append((words[:-size], tail))
            if head in gazetteer.localities:
                out.append((words[size:], head))
    return out


def _within(streets, postcode: str, locality: str, gazetteer: Index) -> list[Street]:
    if postcode:
        streets = [s for s in streets if s.postcode == postcode]
    if locality:
        postcodes, municipality = gazetteer.localities[locality]
        streets = [s for s in streets if s.postcode in postcodes or fold(s.municipality) == municipality]
    return list(streets)


TIERS = ("exact", "beginning", "inside", "typo")


def _tier(names: NameIndex, tier: str, key: str, folded: str = "") -> list[tuple[int, object]]:
    """(typing errors, target) for the names that match `key` in this tier."""
    if tier == "exact":
        return [(0, t) for t in names.exact(key)]
    if tier == "beginning":
        return [(0, t) for t in names.beginning(key, folded)]
    if tier == "inside":
        return [(0, t) for t in names.inside(key)] if len(key) >= 5 else []
    return names.typos(key)


def _best(hits: list[tuple[int, object]]) -> list:
    best = min((d for d, _t in hits), default=0)
    return [t for d, t in hits if d == best]


def _address(parsed, gazetteer: Index) -> Found | None:
    """Street words with a number or a postcode: a street first."""
    for tier in TIERS:
        for words, locality in _splits(parsed.words, gazetteer):
            key = "".join(words)
            if len(key) < 3:
                continue
            streets = _best(_tier(gazetteer.streets, tier, key))
            if not streets:
                continue
            names = {s.key for s in streets}
            within = _within(streets, parsed.postcode, locality, gazetteer)
            if len({s.key for s in within}) == 1 and len(within) == 1:
                return _on_street(within[0], parsed.number, _street_alternatives(streets, within[0], parsed.number))
            shown = within or streets
            shown = sorted(shown, key=lambda s: (s.key, s.postcode))[:MAX_CHOICES]
            choices = [NearChoice(s.choice_label(parsed.number), s.address(parsed.number)) for s in shown]
            if not within:
                where = parsed.postcode or locality.title()
                message = _("We know no %(street)s in %(where)s: which one do you mean?",
                            street=shown[0].name if len(names) == 1 else " ".join(parsed.words), where=where)
            elif len(names) == 1:
                message = _("%(street)s runs through several postcodes: which one do you mean?", street=shown[0].name)
            else:
                message = _("Several streets match “%(text)s”: which one do you mean?", text=" ".join(parsed.words))
            raise NearChoices(message, choices)
    return None


def _street_alternatives(streets, chosen: Street, number: str) -> tuple[NearChoice, ...]:
    return tuple(NearChoice(s.choice_label(number), s.address(number))
                 for s in streets if s is not chosen)[:MAX_ALTERNATIVES]


def _on_street(street: Street, number: str, alternatives=()) -> Found:
    if number:
        point, exact = nearest_number(number, street.numbers)
    else:
        point, exact = street.middle(), True
    return Found(Candidate(RANK["street"], streets=(street,), number=number), street, point, exact, alternatives)


def _named(parsed, gazetteer: Index, place_index: Places) -> Found | None:
    """A text without a house number: areas, deelgemeenten, postcodes, places and streets by name."""
    if not parsed.words and parsed.postcode:
        return Found(Candidate(RANK["postcode"], named=Named("postcode", parsed.postcode, parsed.postcode)))
    for tier in TIERS:
        for words, locality in _splits(parsed.words, gazetteer):
            key, folded = "".join(words), " ".join(words)
            if len(key) < 3:
                continue
            hits = [hit for names in (gazetteer.names, place_index.names, gazetteer.streets)
                    for hit in _tier(names, tier, key, folded)]
            if not hits:
                continue
            candidates = _named_candidates(_best(hits))
            candidates = [c for c in candidates if not c.streets or _within(c.streets, parsed.postcode, locality, gazetteer)]
            if not candidates:
                continue
            top = [c for c in candidates if c.rank == candidates[0].rank]
            if len(top) == 1:
                chosen = top[0]
                others = [c for c in candidates if c is not chosen] + (
                    _named_candidates([t for _d, t in _tier(gazetteer.streets, "beginning", key)])
                    if tier == "exact" else [])
                alternatives = tuple(choice for c in others if c.identity != chosen.identity
                                     for choice in c.choices())[:MAX_ALTERNATIVES]
                if chosen.streets:
                    streets = _within(chosen.streets, parsed.postcode, locality, gazetteer)
                    if len(streets) > 1:
                        raise NearChoices(_("%(street)s runs through several postcodes: which one do you mean?",
                                            street=streets[0].name),
                                          [NearChoice(s.choice_label(), s.address()) for s in streets][:MAX_CHOICES])
                    found = _on_street(streets[0], "")
                    return Found(found.candidate, found.street, found.point, True, alternatives)
                return Found(chosen, alternatives=alternatives)
            choices = [choice for c in candidates for choice in c.choices()][:MAX_CHOICES]
            raise NearChoices(_("Several places match “%(text)s”: which one do you mean?", text=" ".join(parsed.words)),
                              choices)
    return None


def lookup(text: str) -> Found | None:
    """What `text` names in our data (None: nothing); raises NearChoices when it names several."""
    gazetteer = index()
    parsed = parse(text, gazetteer.postcodes)
    if parsed.number or (parsed.postcode and parsed.words):
        only_locality = parsed.words and " ".join(parsed.words) in gazetteer.localities
        if parsed.postcode and not parsed.number and only_locality:
            return Found(Candidate(RANK["postcode"], named=Named("postcode", parsed.postcode, parsed.postcode)))
        found = _address(parsed, gazetteer) if parsed.words else None
        if found is not None:
            return found
    return _named(type(parsed)(parsed.words, "", parsed.postcode), gazetteer, places())
