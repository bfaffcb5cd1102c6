"""Writing listings: organisations, initiatives, meeting places and schedules, with their rules."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from .. import taxonomy
from ..extensions import db
from ..models.types import new_id, utcnow
from ..models import (Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, Room,
                      Schedule)
from ..importers.common import key
from ..scheduling import Recurrence
from .areas import LEVELS, areas_frame, assign_places

INITIATIVE_FIELDS = ("name", "description", "status", "tie_type", "cost", "price", "childcare",
                     "low_literacy", "registration_required", "wheelchair", "contact", "url",
                     "last_verified")
INITIATIVE_DEFAULTS = {"description": "", "status": "active", "tie_type": "both", "cost": "free", "price": "",
                       "childcare": "unknown", "low_literacy": False, "registration_required": False,
                       "wheelchair": "unknown", "contact": "", "url": "", "last_verified": None}
PLACE_FIELDS = ("name", "kind", "street", "number", "postcode", "municipality", "latitude",
                "longitude", "accessibility", "wheelchair")
ORGANISATION_FIELDS = ("name", "description", "website", "email", "phone", "languages")
SINGLE_CHOICE = {"status": taxonomy.STATUSES, "tie_type": taxonomy.TIE_TYPES, "cost": taxonomy.COSTS,
                 "childcare": taxonomy.CHILDCARE, "wheelchair": taxonomy.WHEELCHAIR}


def place_key(name: str, street: str, number: str, postcode: str) -> str:
    return "|".join(key(x) for x in (name, street, number, postcode))


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


def _schedule_values(rule: Recurrence, note: str = "") -> dict:
    return {"frequency": rule.frequency, "weekdays": ",".join(str(d) for d in rule.weekdays),
            "start_time": rule.start_time, "end_time": rule.end_time, "nth": rule.nth,
            "on_date": rule.on_date, "valid_from": rule.valid_from, "valid_until": rule.valid_until,
            "note": note}


def schedule_row(rule: Recurrence, note: str = "") -> Schedule:
    return Schedule(**_schedule_values(rule, note))


def _same_schedules(current: list[Schedule], wanted: list[tuple[Recurrence, str]]) -> bool:
    return Counter((s.recurrence(), s.note) for s in current) == Counter(wanted)


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
        self.name = values["name"]
        for name in INITIATIVE_FIELDS:
            if name in values:
                setattr(self, name, values[name])
        self._codes: dict[str, set[str]] = {}
        self.locations: list[NewLocation] = []

    def codes(self, scheme: str) -> list[str]:
        return sorted(self._codes.get(scheme, ()))

    def set_codes(self, scheme: str, codes) -> None:
        self._codes[scheme] = set(codes)

    def row(self) -> dict:
        """Every column, so that all rows of a bulk insert have the same keys."""
        row = {"id": self.id, "organisation_id": self.organisation_id, "external_id": self.external_id,
               "is_demo": self.is_demo, "archived_at": None}
        row.update({name: getattr(self, name, INITIATIVE_DEFAULTS.get(name)) for name in INITIATIVE_FIELDS})
        return row


@dataclass
class NewLocation:
    place: MeetingPlace
    schedules: list = field(default_factory=list)
    id: object = field(default_factory=new_id)


@dataclass
class ListingWriter:
    """Upserts listings with in-memory look-ups, so a 50,000-row import is not 150,000 queries.

    Identity: an external id when the source has one, else the organisation's name, the
    place's name and address, and the initiative's organisation + name.
    """

    demo: bool = False
    created: dict = field(default_factory=lambda: {"organisations": 0, "initiatives": 0, "places": 0})
    updated: dict = field(default_factory=lambda: {"organisations": 0, "initiatives": 0, "places": 0})
    _new_places: list = field(default_factory=list)
    _new_initiatives: list = field(default_factory=list)

    def __post_init__(self):
        orgs = db.session.scalars(select(Organisation)).all()
        self.orgs_by_ext = {o.external_id: o for o in orgs if o.external_id}
        self.orgs_by_name = {key(o.name): o for o in orgs}
        places = db.session.scalars(select(MeetingPlace)).all()
        self.places_by_ext = {p.external_id: p for p in places if p.external_id}
        self.places_by_key = {place_key(p.name, p.street, p.number, p.postcode): p for p in places}
        # Load every link and schedule up front: one query instead of one per initiative.
        inits = db.session.scalars(select(Initiative).options(
            selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules))).all()
        self.inits_by_ext = {i.external_id: i for i in inits if i.external_id}
        self.inits_by_key = {(i.organisation_id, key(i.name)): i for i in inits}

    @staticmethod
    def _apply(obj, values: dict, fields) -> bool:
        changed = False
        for name in fields:
            if name in values and getattr(obj, name) != values[name]:
                setattr(obj, name, values[name])
                changed = True
        return changed

    def organisation(self, values: dict) -> Organisation:
        ext = values.get("external_id") or None
        org = self.orgs_by_ext.get(ext) if ext else None
        org = org or self.orgs_by_name.get(key(values["name"]))
        if org is None:
            org = Organisation(id=new_id(), external_id=ext, is_demo=self.demo, languages=[])
            self._apply(org, values, ORGANISATION_FIELDS)
            db.session.add(org)
            self.created["organisations"] += 1
        elif self._apply(org, values, ORGANISATION_FIELDS):
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
            self._apply(place, values, PLACE_FIELDS)
            db.session.add(place)
            self.created["places"] += 1
            moved = True
        else:
            moved = (place.latitude, place.longitude) != (values.get("latitude"), values.get("longitude"))
            if self._apply(place, values, PLACE_FIELDS):
                self.updated["places"] += 1
        for room in values.get("rooms") or ():
            current = next((r for r in place.rooms if key(r.name) == key(room["name"])), None)
            if current is None:
                place.rooms.append(Room(name=room["name"], capacity=room.get("capacity")))
            elif current.capacity != room.get("capacity"):
                current.capacity = room.get("capacity")
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
            changed = self._apply(init, values, INITIATIVE_FIELDS)
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
            rows = {Initiative: [], InitiativeTerm: [], InitiativeAtPlace: [], Schedule: []}
            for init in pending[start:start + batch]:
                rows[Initiative].append({**init.row(), "created_at": now, "updated_at": now})
                rows[InitiativeTerm] += [{"initiative_id": init.id, "scheme": scheme, "code": code}
                                         for scheme in init._codes for code in init.codes(scheme)]
                for link in init.locations:
                    rows[InitiativeAtPlace].append({"id": link.id, "initiative_id": init.id,
                                                    "place_id": link.place.id, "note": ""})
                    rows[Schedule] += [{**_schedule_values(rule, note), "id": new_id(), "location_id": link.id}
                                       for rule, note in link.schedules]
            for model, model_rows in rows.items():  # parents before children
                if model_rows:
                    db.session.execute(insert(model.__table__), model_rows)
