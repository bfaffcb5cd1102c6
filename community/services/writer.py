"""The one writer of listings: every path (workspace edit, approval, importers, demo) writes here.

It cleans values with the field descriptions in community/fields.py (messages name the field),
applies them to records (taxonomy terms, rooms, a moved place's areas) and, for files, upserts
by identity with in-memory look-ups and bulk inserts. Who may change what, and the audit entry
of a workspace change, stay with services/editing.py, which calls clean, snapshot and apply.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import lazyload, selectinload

from ..extensions import db
from ..fields import ENTITIES, INITIATIVE, Entity, parse_rooms, room_text
from ..importers.common import key
from ..models import (Activity, Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, Room,
                      Schedule, ScheduleSlot)
from ..models.types import new_id, utcnow
from ..scheduling import TZ, Recurrence
from . import content_hashes  # noqa: F401  (other writes forget an import's content hashes)
from . import search  # noqa: F401  (every write of a listing writes its search documents again)
from .areas import LEVELS, areas_frame, assign_places
from .next_sessions import mark_stale
from .schedules import last_day, schedule_row, schedule_values, slot_rows
from ..errors import Invalid


def today() -> date:
    return datetime.now(TZ).date()


def entity(entity_type: str) -> Entity:
    return ENTITIES[entity_type]


# ------------------------------------------------------------------ values

def clean(entity_type: str, values: dict, *, only_form: bool = True) -> dict:
    """Stored values for the given fields (absent ones stay absent); Invalid names each bad field."""
    out, errors = {}, {}
    now = today()
    for f in entity(entity_type).fields:
        if f.name not in values or (only_form and not f.in_form):
            continue
        try:
            value = f.clean(values[f.name], now)
        except ValueError as exc:
            errors[f.name] = f"{f.label}: {exc}"
            continue
        if f.required and value in ("", None):
            errors[f.name] = str(f.required)
            continue
        out[f.name] = value
    if errors:
        raise Invalid(errors)
    return out


def snapshot(entity_type: str, obj) -> dict:
    """The editable fields as JSON-friendly values, for diffs, proposals and the audit log."""
    values = {}
    for f in entity(entity_type).form_fields:
        if f.kind == "codes" and f.scheme:
            values[f.name] = obj.codes(f.scheme)
        elif f.kind == "rooms":
            values[f.name] = [room_text(r.name, r.capacity) for r in obj.rooms]
        elif f.kind == "codes":
            values[f.name] = sorted(getattr(obj, f.name) or [])
        else:
            values[f.name] = getattr(obj, f.name)
    return values


def apply(entity_type: str, obj, values: dict) -> None:
    """Set cleaned values on a record; a moved meeting place gets its areas again."""
    description = entity(entity_type)
    for name, value in values.items():
        f = description[name]
        if f.kind == "codes" and f.scheme:
            obj.set_codes(f.scheme, value)
        elif f.kind == "rooms":
            _sync_rooms(obj, value)
        else:
            setattr(obj, name, value)
    if entity_type == "meeting_place" and ({"latitude", "longitude"} & set(values)):
        assign_places([obj])


def _sync_rooms(place: MeetingPlace, wanted) -> None:
    rooms = parse_rooms(wanted)
    names = {key(n) for n, _c in rooms}
    for room in list(place.rooms):
        if key(room.name) not in names:
            in_use = room.id and db.session.scalar(select(Activity.id).where(Activity.room_id == room.id).limit(1))
            if in_use:
                raise Invalid({"rooms": _("The room %(room)s has activities and cannot be removed.", room=room.name)})
            place.rooms.remove(room)
    for name, capacity in rooms:
        current = next((r for r in place.rooms if key(r.name) == key(name)), None)
        if current is None:
            place.rooms.append(Room(name=name, capacity=capacity))
        else:
            current.name, current.capacity = name, capacity


# ------------------------------------------------------------------ files: bulk upserts

def place_key(name: str, street: str, number: str, postcode: str) -> str:
    return "|".join(key(x) for x in (name, street, number, postcode))


def _same_schedules(current: list[Schedule], wanted: list[tuple[Recurrence, str]]) -> bool:
    return Counter((s.recurrence(), s.note) for s in current) == Counter(wanted)


INITIATIVE_COLUMNS = INITIATIVE.column_fields


class NewInitiative:
    """An initiative new to the database, kept as plain values and inserted in bulk by finish().

    It offers the part of Initiative's interface the writer uses (fields, codes, locations), so
    a file that names the same initiative twice updates one record. The ORM's per-object
    bookkeeping made a 50,000-row import take minutes; bulk inserts take seconds.
    """

    def __init__(self, organisation_id, values: dict, demo: bool):
        self.id = new_id()
        self.organisation_id = organisation_id
        self.external_id = values.get("external_id") or None
        self.is_demo = demo
        self.content_hash = None  # set by an import (importers/fingerprints.py)
        for f in INITIATIVE_COLUMNS:
            setattr(self, f.name, values[f.name] if f.name in values else f.empty())
        self._codes: dict[str, set[str]] = {}
        self.locations: list[NewLocation] = []

    def codes(self, scheme: str) -> list[str]:
        return sorted(self._codes.get(scheme, ()))

    def set_codes(self, scheme: str, codes) -> None:
        self._codes[scheme] = set(codes)

    def row(self) -> dict:
        """Every column, so that all rows of a bulk insert have the same keys."""
        row = {"id": self.id, "organisation_id": self.organisation_id, "external_id": self.external_id,
               "is_demo": self.is_demo, "archived_at": None, "content_hash": self.content_hash}
        row.update({f.name: getattr(self, f.name) for f in INITIATIVE_COLUMNS})
        return row


@dataclass
class NewLocation:
    place: MeetingPlace
    schedules: list = field(default_factory=list)
    id: object = field(default_factory=new_id)


def _changed(obj, values: dict, entity_type: str) -> bool:
    """Apply the column values that differ; True when any did."""
    changed = False
    for f in entity(entity_type).column_fields:
        if f.name in values and getattr(obj, f.name) != values[f.name]:
            setattr(obj, f.name, values[f.name])
            changed = True
    return changed


@dataclass
class ListingWriter:
    """Upserts listings from files with in-memory look-ups, so 50,000 rows are not 150,000 queries.

    Identity: an external id when the source has one, else the organisation's name, the
    place's name and address, and the initiative's organisation + name. Values come cleaned by
    the fields' descriptions (the importer calls Field.clean per column).
    """

    demo: bool = False
    created: dict = field(default_factory=lambda: {"organisations": 0, "initiatives": 0, "places": 0})
    updated: dict = field(default_factory=lambda: {"organisations": 0, "initiatives": 0, "places": 0})
    _new_places: list = field(default_factory=list)
    _new_initiatives: list = field(default_factory=list)
    # An import's look-ups of every record's id (importers/fingerprints.Plan): records are loaded
    # when first named, instead of all of them up front.
    index: object = None

    def __post_init__(self):
        if self.index is not None:
            (self.orgs_by_ext, self.orgs_by_name, self.places_by_ext, self.places_by_key,
             self.inits_by_ext, self.inits_by_key) = self.index.writer_maps()
            return
        orgs = db.session.scalars(select(Organisation)).all()
        self.orgs_by_ext = {o.external_id: o for o in orgs if o.external_id}
        self.orgs_by_name = {key(o.name): o for o in orgs}
        places = db.session.scalars(select(MeetingPlace)).all()
        self.places_by_ext = {p.external_id: p for p in places if p.external_id}
        self.places_by_key = {place_key(p.name, p.street, p.number, p.postcode): p for p in places}
        # Load every link and schedule up front: one query instead of one per initiative. A
        # link's place is already in the session (loaded above), so it is not joined again.
        inits = db.session.scalars(select(Initiative).options(
            selectinload(Initiative.locations).options(lazyload(InitiativeAtPlace.place),
                                                       selectinload(InitiativeAtPlace.schedules)))).all()
        self.inits_by_ext = {i.external_id: i for i in inits if i.external_id}
        self.inits_by_key = {(i.organisation_id, key(i.name)): i for i in inits}

    def organisation(self, values: dict) -> Organisation:
        ext = values.get("external_id") or None
        org = self.orgs_by_ext.get(ext) if ext else None
        org = org or self.orgs_by_name.get(key(values["name"]))
        if org is None:
            org = Organisation(id=new_id(), external_id=ext, is_demo=self.demo, languages=[])
            _changed(org, values, "organisation")
            db.session.add(org)
            self.created["organisations"] += 1
        elif _changed(org, values, "organisation"):
            self.updated["organisations"] += 1
        if ext:
            self.orgs_by_ext[ext] = org
        self.orgs_by_name[key(org.name)] = org
        return org

    def place(self, values: dict) -> MeetingPlace:
        ext = values.get("external_id") or None
        pkey = place_key(values["name"], values.get("street", ""), values.get("number", ""),
                         values.get("postcode", ""))
        place = self.places_by_ext.get(ext) if ext else None
        place = place or self.places_by_key.get(pkey)
        moved = False
        if place is None:
            place = MeetingPlace(id=new_id(), external_id=ext, is_demo=self.demo, rooms=[], areas=[])
            _changed(place, values, "meeting_place")
            db.session.add(place)
            self.created["places"] += 1
            moved = True
        else:
            moved = (place.latitude, place.longitude) != (values.get("latitude"), values.get("longitude"))
            if _changed(place, values, "meeting_place"):
                self.updated["places"] += 1
        for name, capacity in parse_rooms(_room_lines(values.get("rooms"))):
            current = next((r for r in place.rooms if key(r.name) == key(name)), None)
            if current is None:
                place.rooms.append(Room(name=name, capacity=capacity))
            elif current.capacity != capacity:
                current.capacity = capacity
        if moved:
            self._new_places.append(place)
        if ext:
            self.places_by_ext[ext] = place
        self.places_by_key[pkey] = place
        return place

    def initiative(self, organisation: Organisation, values: dict, codes: dict[str, list[str]]) -> Initiative:
        ext = values.get("external_id") or None
        init = self.inits_by_ext.get(ext) if ext else None
        init = init or self.inits_by_key.get((organisation.id, key(values["name"])))
        if init is None:
            init = NewInitiative(organisation.id, values, self.demo)
            for scheme, scheme_codes in codes.items():
                init.set_codes(scheme, scheme_codes)
            self._new_initiatives.append(init)
            self.created["initiatives"] += 1
        else:
            changed = _changed(init, values, "initiative")
            if init.organisation_id != organisation.id:
                if isinstance(init, NewInitiative):
                    init.organisation_id = organisation.id
                else:
                    init.organisation = organisation
                changed = True
            for scheme, scheme_codes in codes.items():
                if init.codes(scheme) != sorted(set(scheme_codes)):
                    init.set_codes(scheme, scheme_codes)
                    changed = True
            if changed and not isinstance(init, NewInitiative):
                self.updated["initiatives"] += 1
        if ext:
            self.inits_by_ext[ext] = init
        self.inits_by_key[(organisation.id, key(init.name))] = init
        return init

    def held_at(self, initiative: Initiative, place: MeetingPlace,
                schedules: list[tuple[Recurrence, str]]) -> InitiativeAtPlace:
        """Link initiative and place; the given schedules replace that link's schedules."""
        link = next((loc for loc in initiative.locations if loc.place is place), None)
        if isinstance(initiative, NewInitiative):
            if link is None:
                link = NewLocation(place=place)
                initiative.locations.append(link)
            link.schedules = list(schedules)
            return link
        if link is None:
            link = InitiativeAtPlace(place=place, schedules=[])
            initiative.locations.append(link)
        if not _same_schedules(link.schedules, schedules):
            link.schedules = [schedule_row(rule, note) for rule, note in schedules]
        return link

    def finish(self) -> None:
        """Compute the areas of new or moved places, then insert new initiatives in bulk."""
        if self._new_places:
            frames = {lvl: areas_frame(lvl) for lvl in LEVELS}
            assign_places(self._new_places, frames)
            self._new_places = []
        db.session.flush()  # organisations and places first: the bulk rows refer to them
        self._insert_new_initiatives()

    def _insert_new_initiatives(self, batch: int = 2000) -> None:
        """Insert in batches, building each batch's rows only when it is sent, to keep memory low."""
        pending, self._new_initiatives = self._new_initiatives, []
        now = utcnow()
        for start in range(0, len(pending), batch):
            rows = {Initiative: [], InitiativeTerm: [], InitiativeAtPlace: [], Schedule: [], ScheduleSlot: []}
            for init in pending[start:start + batch]:
                rows[Initiative].append({**init.row(), "created_at": now, "updated_at": now})
                rows[InitiativeTerm] += [{"initiative_id": init.id, "scheme": scheme, "code": code}
                                         for scheme in init._codes for code in init.codes(scheme)]
                for link in init.locations:
                    slots = []
                    for rule, note in link.schedules:
                        schedule_id = new_id()
                        rows[Schedule].append({**schedule_values(rule, note), "id": schedule_id,
                                               "location_id": link.id})
                        slots += slot_rows(schedule_id, link.id, rule)
                    rows[InitiativeAtPlace].append({"id": link.id, "initiative_id": init.id, "place_id": link.place.id,
                                                    "note": "", "last_day": last_day(slots)})
                    rows[ScheduleSlot] += slots
            for model, model_rows in rows.items():  # parents before children
                if model_rows:
                    db.session.execute(insert(model.__table__), model_rows)


# ------------------------------------------------------------------ schedule slots (the finder's)

@event.listens_for(Schedule, "after_insert")
@event.listens_for(Schedule, "after_update")
def _write_slots(_mapper, connection, schedule: Schedule) -> None:
    """A schedule written through the ORM gets its schedule_slot rows again (bulk inserts above
    write them with the schedules); a removed schedule's rows go with it (ON DELETE CASCADE)."""
    connection.execute(delete(ScheduleSlot.__table__).where(ScheduleSlot.schedule_id == schedule.id))
    connection.execute(insert(ScheduleSlot.__table__),
                       slot_rows(schedule.id, schedule.location_id, schedule.recurrence()))
    _write_last_day(connection, schedule.location_id)
    mark_stale(connection, schedule.location_id)  # its next session is stored again at the commit


@event.listens_for(Schedule, "after_delete")
def _schedule_removed(_mapper, connection, schedule: Schedule) -> None:
    _write_last_day(connection, schedule.location_id)
    mark_stale(connection, schedule.location_id)


def _write_last_day(connection, location_id) -> None:
    """The link's last day from its slots as they are now. A flush writes a link's new schedules
    and removes its old ones in some order: the last of these events sees the final slots."""
    link = InitiativeAtPlace.__table__
    latest = (select(func.max(ScheduleSlot.until_day)).where(ScheduleSlot.location_id == location_id)
              .scalar_subquery())
    connection.execute(update(link).where(link.c.id == location_id).values(last_day=latest))


def _room_lines(rooms) -> list[str]:
    """Rooms as the demo gives them ({'name', 'capacity'}) or as cleaned text lines."""
    return [room_text(r["name"], r.get("capacity")) if isinstance(r, dict) else r for r in (rooms or ())]
