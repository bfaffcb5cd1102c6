"""What a listings file sets on each organisation, meeting place and initiative, as a hash.

An unchanged re-import compares these hashes with lean selects (id, external id, name, hash)
and writes nothing; only the records whose hash differs go to the writer, and only they are
loaded as objects. The content hashed is what the rows set, read through the field
descriptions (community/fields.py), so a field added there is hashed too: an organisation's
non-empty cells, a place's fields and rooms, an initiative's fields and terms, which
organisation it belongs to, and the places it is held at with their schedules. A place or an
organisation named by many rows is one record with one hash (its values as the writer leaves
them: the last row's, rooms and organisation cells gathered), so a change to a shared place is
one write, not one per initiative held there.

Records are matched as the writer matches them (external id, else name and address), in file
order. A file that names one record in two ways (an external id on some rows only, two names
for one id, one initiative under two organisations) is written in full, as before hashes.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from ..extensions import db
from ..fields import INITIATIVE, MEETING_PLACE, ORGANISATION, Entity
from ..models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, PlaceArea
from ..services.schedules import schedule_values
from ..services.writer import place_key
from .common import key


def digest(content) -> str:
    """32 hex digits for content made of tuples, text, numbers, booleans, None, dates and times.

    The text hashed is Python's repr, which is exact and fixed for these types (lists are turned
    into tuples first), and about four times as fast as JSON on a 50,000-row file.
    """
    return hashlib.blake2b(repr(content).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _plain(value):
    return tuple(value) if isinstance(value, list) else value


# Per kind of record, the described fields a row's values hold (terms and rooms are kept apart).
_HASHED = {entity.name: tuple(f.name for f in entity.column_fields) for entity in (ORGANISATION, MEETING_PLACE, INITIATIVE)}


def described(entity: Entity, values: dict) -> tuple:
    """The record's external id and its described field values, in the description's order.

    The checked values of a row hold every field of an initiative and a place (absent columns
    give the field's empty value); an organisation only its non-empty cells, whose (field, value)
    pairs are kept.
    """
    ext = values.get("external_id") or None
    if entity is ORGANISATION:
        return (ext, *((name, _plain(values[name])) for name in _HASHED[entity.name]
                       if values.get(name) not in ("", None)))
    return (ext, *map(values.get, _HASHED[entity.name]))


class Survey:
    """Pass one's memory of a checked file: per row what names its records, and digests.

    Far smaller than the checked values (about 300 bytes a row): repeated organisation, place
    and schedule values are kept once.
    """

    def __init__(self):
        self.rows: list[tuple] = []
        self._once: dict = {}
        self._schedules: dict = {}

    def _same(self, value):
        return self._once.setdefault(value, value)

    def add(self, number: int, values: dict) -> None:
        org, place, init = values["organisation"], values["place"], values["initiative"]
        schedule = None
        if values["schedule"] is not None:
            rule = (values["schedule"], values["schedule_note"])
            schedule = self._schedules.get(rule)
            if schedule is None:
                schedule = self._schedules[rule] = digest(tuple(schedule_values(*rule).items()))
        rooms = tuple(place.get("rooms") or ()) or None
        self.rows.append((
            number,
            self._same((org.get("external_id") or None, key(org["name"]))),
            self._same(described(ORGANISATION, org)),
            self._same((place.get("external_id") or None, place_key(place["name"], place.get("street", ""),
                                                                   place.get("number", ""), place.get("postcode", "")))),
            self._same(described(MEETING_PLACE, place)),
            rooms and self._same(rooms),
            (init.get("external_id") or None, key(init["name"])),
            digest((described(INITIATIVE, init), tuple((k, tuple(v)) for k, v in sorted(values["codes"].items())))),
            schedule))


@dataclass(eq=False)  # records are told apart by identity (they key dictionaries)
class _Record:
    """A record named by the file: its database id (None when new), identity and gathered content."""

    id: uuid.UUID | None
    names: tuple          # (external id, name key) of its first row
    values: dict | tuple = field(default_factory=dict)  # organisations: gathered cells; places: the last row's
    rooms: dict = field(default_factory=dict)           # places: key(room) -> room, gathered
    own: str = ""         # initiatives: the digest of the last row's fields and terms
    organisation: "_Record | None" = None
    links: dict = field(default_factory=dict)  # initiatives: place record -> schedule digests
    hash: str = ""


class Plan:
    """Which records of a surveyed file differ from the database, found without loading any.

    `rows` maps the row numbers to write to their (organisation, place, initiative) records;
    `organisations` and `places` are the records whose own values changed. `writer_maps()` gives
    the writer its look-ups (every record's id by external id and by name), loading a record only
    when the writer asks for it.
    """

    def __init__(self, survey: Survey):
        session = db.session
        orgs = session.execute(select(Organisation.id, Organisation.external_id, Organisation.name,
                                      Organisation.content_hash)).all()
        places = session.execute(select(MeetingPlace.id, MeetingPlace.external_id, MeetingPlace.name,
                                        MeetingPlace.street, MeetingPlace.number, MeetingPlace.postcode,
                                        MeetingPlace.content_hash)).all()
        inits = session.execute(select(Initiative.id, Initiative.external_id, Initiative.organisation_id,
                                       Initiative.name, Initiative.content_hash)).all()
        self.stored = {r.id: r.content_hash for rows in (orgs, places, inits) for r in rows}
        self.orgs_by_ext = {r.external_id: r.id for r in orgs if r.external_id}
        self.orgs_by_name = {key(r.name): r.id for r in orgs}
        self.places_by_ext = {r.external_id: r.id for r in places if r.external_id}
        self.places_by_key = {place_key(r.name, r.street, r.number, r.postcode): r.id for r in places}
        self.inits_by_ext = {r.external_id: r.id for r in inits if r.external_id}
        self.inits_by_key = {(r.organisation_id, key(r.name)): r.id for r in inits}
        self.ambiguous = False
        self._held: list = []  # loaded records stay referenced (the session's identity map is weak)
        self._match(survey)

    # ---------------------------------------------------------------- matching, as the writer does

    def _find(self, maps: tuple[dict, dict, dict, dict], records: dict, ext, name):
        """The record a row names: by external id, else by name; new records get one of their own.

        The writer later sees only the changed rows, so an answer that depends on what an earlier
        row registered (rather than on the database) makes the plan ambiguous, unless it is a
        record new in this file (all of whose rows are written).
        """
        db_ext, db_name, by_ext, by_name = maps
        found = by_ext.get(ext) if ext else None
        found = found if found is not None else by_name.get(name)
        from_db = db_ext.get(ext) if ext else None
        from_db = from_db if from_db is not None else db_name.get(name)
        if found is None:
            record = _Record(None, (ext, name))
            found = ("new", id(record))
            records[found] = record
        elif found not in records:
            records[found] = _Record(found, (ext, name))
        record = records[found]
        if record.names != (ext, name) or (found != from_db and record.id is not None):
            self.ambiguous = True
        if ext:
            by_ext[ext] = found
        by_name[name] = found
        return record

    def _match(self, survey: Survey) -> None:
        orgs_maps = (self.orgs_by_ext, self.orgs_by_name, dict(self.orgs_by_ext), dict(self.orgs_by_name))
        place_maps = (self.places_by_ext, self.places_by_key, dict(self.places_by_ext), dict(self.places_by_key))
        init_maps = (self.inits_by_ext, self.inits_by_key, dict(self.inits_by_ext), dict(self.inits_by_key))
        orgs, places, inits = {}, {}, {}
        self.row_records: list[tuple[int, _Record, _Record, _Record]] = []
        for number, org_names, org_values, place_names, place_values, rooms, init_names, own, schedule in survey.rows:
            org = self._find(orgs_maps, orgs, *org_names)
            org.values.update(org_values[1:])  # an empty organisation cell never blanks an earlier one
            place = self._find(place_maps, places, *place_names)
            place.values = place_values  # (external id, the fields' values in _HASHED's order)
            if rooms:
                place.rooms.update((key(r), r) for r in rooms)
            org_key = org.id if org.id is not None else ("new", id(org))
            init = self._find(init_maps, inits, init_names[0], (org_key, init_names[1]))
            if init.organisation not in (None, org):
                self.ambiguous = True
            init.organisation, init.own = org, own
            init.links.setdefault(place, []).extend([schedule] if schedule else [])
            self.row_records.append((number, org, place, init))
        for record in orgs.values():
            record.hash = digest((record.names, tuple(record.values.items())))
        for record in places.values():
            record.hash = digest((record.names, record.values, tuple(record.rooms.values())))
        for init in inits.values():
            links = sorted(((place.names, tuple(sorted(schedules))) for place, schedules in init.links.items()), key=repr)
            init.hash = digest((init.names[0], init.names[1][1], init.own, init.organisation.names, tuple(links)))
        self.records = {"organisations": list(orgs.values()), "places": list(places.values()),
                        "initiatives": list(inits.values())}

    def changed(self, record: _Record) -> bool:
        return self.ambiguous or record.id is None or self.stored.get(record.id) != record.hash

    @property
    def named(self) -> int:
        return sum(len(records) for records in self.records.values())

    def to_write(self) -> tuple[list, list, list]:
        """Changed organisations, changed places, and the rows of changed initiatives (file order)."""
        orgs = [r for r in self.records["organisations"] if self.changed(r)]
        places = [r for r in self.records["places"] if self.changed(r)]
        rows = [row for row in self.row_records if self.changed(row[3])]
        return orgs, places, rows

    @staticmethod
    def values_of(record: _Record) -> dict:
        """The values to hand the writer for a record: gathered from all its rows."""
        if isinstance(record.values, dict):
            values = {k: list(v) if isinstance(v, tuple) else v for k, v in record.values.items()}
        else:
            values = dict(zip(_HASHED[MEETING_PLACE.name], record.values[1:]))
        values["external_id"] = record.names[0]
        if record.rooms:
            values["rooms"] = list(record.rooms.values())
        return values

    # ---------------------------------------------------------------- the writer's look-ups

    def preload(self, rows, orgs, places) -> None:
        """Load the records the writer will touch, a chunk at a time, before it asks for them."""
        init_ids = {r[3].id for r in rows if r[3].id}
        org_ids = {r.id for r in orgs if r.id} | {r[1].id for r in rows if r[1].id}
        place_ids = {r.id for r in places if r.id} | {r[2].id for r in rows if r[2].id}
        for chunk in _chunks(init_ids):
            loaded = db.session.scalars(select(Initiative).where(Initiative.id.in_(chunk))
                                        .options(*INITIATIVE_OPTIONS)).all()
            self._held += loaded
            place_ids |= {link.place_id for init in loaded for link in init.locations}
        for chunk in _chunks(org_ids):
            self._held += db.session.scalars(select(Organisation).where(Organisation.id.in_(chunk))).all()
        for chunk in _chunks(place_ids):
            self._held += db.session.scalars(select(MeetingPlace).where(MeetingPlace.id.in_(chunk))
                                             .options(*PLACE_OPTIONS)).all()

    def writer_maps(self) -> tuple:
        def load(model, options=()):
            def one(record_id):
                record = db.session.get(model, record_id, options=options)
                self._held.append(record)
                return record
            return one
        org, place, init = load(Organisation), load(MeetingPlace, PLACE_OPTIONS), load(Initiative, INITIATIVE_OPTIONS)
        return (Records(self.orgs_by_ext, org), Records(self.orgs_by_name, org),
                Records(self.places_by_ext, place), Records(self.places_by_key, place),
                Records(self.inits_by_ext, init), Records(self.inits_by_key, init))


# A place's areas without their geometry (the writer only replaces them); links without their place
# (already loaded, or loaded as a place when the writer compares it).
PLACE_OPTIONS = (selectinload(MeetingPlace.areas).lazyload(PlaceArea.area), selectinload(MeetingPlace.rooms))
INITIATIVE_OPTIONS = (selectinload(Initiative.locations).options(lazyload(InitiativeAtPlace.place),
                                                                 selectinload(InitiativeAtPlace.schedules)),)


def _chunks(ids, size: int = 500):
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class Records(dict):
    """Look-up key -> record for the writer, holding ids until a record is asked for."""

    def __init__(self, items: dict, load):
        super().__init__(items)
        self._load = load

    def get(self, name, default=None):
        value = super().get(name, default)
        if isinstance(value, uuid.UUID):
            value = self._load(value)
            self[name] = value
        return value
