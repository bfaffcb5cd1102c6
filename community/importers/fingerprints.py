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

from sqlalchemy import String, select, type_coerce
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


@dataclass(eq=False, slots=True)  # told apart by identity (they key dictionaries); 50,000 of them
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
        # Ids as 32 hexadecimal digits, as SQLite stores them: no UUID objects made, and text is
        # hashed and compared in C (UUID objects do both in Python, 300,000 times a file).
        orgs = [(_hex(r[0]), *r[1:]) for r in session.execute(
            select(type_coerce(Organisation.id, String), Organisation.external_id, Organisation.name,
                   Organisation.content_hash))]
        places = [(_hex(r[0]), *r[1:]) for r in session.execute(
            select(type_coerce(MeetingPlace.id, String), MeetingPlace.external_id, MeetingPlace.name,
                   MeetingPlace.street, MeetingPlace.number, MeetingPlace.postcode, MeetingPlace.content_hash))]
        inits = [(_hex(r[0]), *r[1:]) for r in session.execute(
            select(type_coerce(Initiative.id, String), Initiative.external_id, Initiative.content_hash))]
        self.stored = {r[0]: r[-1] for rows in (orgs, places, inits) for r in rows}
        self.orgs = _Lookup({ext: i for i, ext, *_ in orgs if ext}, {key(r[2]): r[0] for r in orgs}, memo=True)
        self.places = _Lookup({ext: i for i, ext, *_ in places if ext},
                              {place_key(*r[2:6]): r[0] for r in places}, memo=True)
        # Initiatives' names are read only if a row has to be matched by name.
        self.inits = _Lookup({ext: i for i, ext, _h in inits if ext}, _initiatives_by_name)
        self.ambiguous = False
        self._held: list = []  # loaded records stay referenced (the session's identity map is weak)
        self._match(survey)

    # ---------------------------------------------------------------- matching, as the writer does

    def _find(self, lookup: "_Lookup", records: dict, ext, name):
        """The record a row names, found as the writer finds it: by external id, else by name,
        the file's earlier rows before the database; new records get one of their own.

        The writer later sees only the changed rows, so a match that could come out otherwise
        without the unchanged rows makes the plan ambiguous: a record named in two ways, or a
        name matched that two records claimed in the file, or that the file took from another.
        """
        if lookup.memo is not None and ext:  # the same external id and name again: the same record
            record = lookup.memo.get((ext, name))
            if record is not None:
                return record
        found = (lookup.file_ext.get(ext) or lookup.db_ext.get(ext)) if ext else None
        if found is None:
            in_file, in_db = lookup.file_name.get(name), lookup.db_name.get(name)
            if name in lookup.claimed or (in_file is not None and in_db is not None and in_file != in_db):
                self.ambiguous = True
            found = in_file if in_file is not None else in_db
        if found is None:
            record = _Record(None, (ext, name))
            found = ("new", id(record))
            records[found] = record
        elif found not in records:
            records[found] = _Record(found, (ext, name))
        record = records[found]
        if record.names != (ext, name):
            self.ambiguous = True
        if ext:
            lookup.file_ext[ext] = found
            if lookup.memo is not None:
                lookup.memo[(ext, name)] = record
        if lookup.file_name.setdefault(name, found) != found:
            lookup.claimed.add(name)
            lookup.file_name[name] = found
        return record

    def _match(self, survey: Survey) -> None:
        orgs, places, inits = {}, {}, {}
        self.row_records: list[tuple[int, _Record, _Record, _Record]] = []
        rows, survey.rows = survey.rows, []
        for index, (number, org_names, org_values, place_names, place_values, rooms, init_names, own,
                    schedule) in enumerate(rows):
            rows[index] = None  # let go of each surveyed row as it is matched
            org = self._find(self.orgs, orgs, *org_names)
            org.values.update(org_values[1:])  # an empty organisation cell never blanks an earlier one
            place = self._find(self.places, places, *place_names)
            place.values = place_values  # (external id, the fields' values in _HASHED's order)
            if rooms:
                place.rooms.update((key(r), r) for r in rooms)
            org_key = org.id if org.id is not None else ("new", id(org))
            init = self._find(self.inits, inits, init_names[0], (org_key, init_names[1]))
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
            loaded = db.session.scalars(select(Initiative).where(Initiative.id.in_([_uuid(i) for i in chunk]))
                                        .options(*INITIATIVE_OPTIONS)).all()
            self._held += loaded
            place_ids |= {link.place_id.hex for init in loaded for link in init.locations}
        for chunk in _chunks(org_ids):
            self._held += db.session.scalars(select(Organisation).where(Organisation.id.in_([_uuid(i) for i in chunk]))).all()
        for chunk in _chunks(place_ids):
            self._held += db.session.scalars(select(MeetingPlace).where(MeetingPlace.id.in_([_uuid(i) for i in chunk]))
                                             .options(*PLACE_OPTIONS)).all()

    def writer_maps(self) -> tuple:
        def load(model, options=()):
            def one(record_id):
                record = db.session.get(model, _uuid(record_id), options=options)
                self._held.append(record)
                return record
            return one
        org, place, init = load(Organisation), load(MeetingPlace, PLACE_OPTIONS), load(Initiative, INITIATIVE_OPTIONS)
        return (Records(self.orgs.db_ext, org), Records(self.orgs.db_name, org),
                Records(self.places.db_ext, place), Records(self.places.db_name, place),
                Records(self.inits.db_ext, init),
                Records(lambda: {(_uuid(o), name): i for (o, name), i in self.inits.db_name.items()}, init))


class _Lookup:
    """One kind of record's look-ups: the database's (id by external id, by name), overlaid by
    what the file's rows registered so far, as the writer's dictionaries would hold them."""

    def __init__(self, by_ext: dict, by_name, *, memo: bool = False):
        self.db_ext = by_ext
        self._db_name = by_name  # a dictionary, or a function that reads it when first needed
        self.file_ext: dict = {}
        self.file_name: dict = {}
        self.claimed: set = set()  # names registered for two records
        self.memo: dict | None = {} if memo else None

    @property
    def db_name(self) -> dict:
        if callable(self._db_name):
            self._db_name = self._db_name()
        return self._db_name


def _initiatives_by_name() -> dict:
    rows = db.session.execute(select(type_coerce(Initiative.id, String), type_coerce(Initiative.organisation_id, String),
                                     Initiative.name))
    return {(_hex(organisation_id), key(name)): _hex(record_id) for record_id, organisation_id, name in rows}


def _hex(value) -> str:
    """An id as the driver gives it (SQLite: text; PostgreSQL: a UUID) as 32 hexadecimal digits."""
    return value if isinstance(value, str) and len(value) == 32 else uuid.UUID(str(value)).hex


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


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
    """Look-up key -> record for the writer, holding ids until a record is asked for.

    `items` may be a function giving the dictionary: it is called when the writer first looks.
    """

    def __init__(self, items, load):
        super().__init__({} if callable(items) else items)
        self._pending = items if callable(items) else None
        self._load = load

    def _fill(self) -> None:
        if self._pending is not None:
            items, self._pending = self._pending(), None
            for name, value in items.items():
                super().setdefault(name, value)

    def get(self, name, default=None):
        self._fill()
        value = super().get(name, default)
        if isinstance(value, (uuid.UUID, str)):
            value = self._load(value)
            super().__setitem__(name, value)
        return value

    def __setitem__(self, name, value) -> None:
        self._fill()
        super().__setitem__(name, value)
