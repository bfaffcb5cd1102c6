"""Keeping listings current: direct edits, editors' proposals and their review, verification,
archiving, schedules and residents' outdated-information reports (their lists: worklists.py)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..errors import BadRequest, Invalid, NotFound
from ..extensions import db
from ..importers.common import key
from ..models import (AddressPoint, ChangeRequest, Initiative, InitiativeAtPlace, MeetingPlace,
                      Organisation, OutdatedReport, Schedule)
from ..models.types import utcnow
from . import audit, writer
from .areas import LEVELS, areas_frame
from .permissions import (Scope, can, change_request_scope, initiative_scope, may, place_scope,
                          refuse, report_scope, require, scope_of)
from .schedules import recurrence_from, schedule_problems, schedule_row

ENTITY_TYPES = ("organisation", "initiative", "meeting_place")
MODELS = {"organisation": Organisation, "initiative": Initiative, "meeting_place": MeetingPlace}


today = writer.today


# ------------------------------------------------------------------ scopes

def _get_allowed(user, model, record_id, action: str, scope_of_record):
    """A record the user may act on: an unknown id is 404, someone else's 403."""
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound()
    require(user, action, scope_of_record(record))
    return record


def get_listing(user, entity_type: str, entity_id: uuid.UUID, action: str = "workspace.view"):
    """A listing the user may act on: unknown ids are 404, someone else's are 403."""
    if entity_type not in MODELS:
        raise NotFound()
    obj = db.session.get(MODELS[entity_type], entity_id)
    if obj is None:
        raise NotFound()
    if action == "edit":
        if not (can(user, "listing.edit_direct", scope_of(entity_type, obj))
                or can(user, "listing.propose", scope_of(entity_type, obj))):
            require(user, "listing.edit_direct", scope_of(entity_type, obj))
    else:
        require(user, action, scope_of(entity_type, obj))
    return obj


def get_initiative_to_verify(user, initiative_id: uuid.UUID) -> Initiative:
    """get_listing(user, "initiative", id, "listing.verify") in two queries: the scope is
    asked of the database, not read from the initiative's places and their areas."""
    initiative = db.session.get(Initiative, initiative_id, options=[lazyload(Initiative.terms)])
    if initiative is None:
        raise NotFound()
    if not may(user, "listing.verify", "initiative", initiative.id):
        refuse()
    return initiative


def may_edit(user, entity_type: str, obj) -> bool:
    scope = scope_of(entity_type, obj)
    return can(user, "listing.edit_direct", scope) or can(user, "listing.propose", scope)


# ------------------------------------------------------------------ positions

def areas_at(latitude: float, longitude: float, levels=LEVELS) -> dict:
    """{level: area id} of the areas holding a point (levels without one are left out)."""
    from geo.areas import assign_points
    found = {}
    for level in levels:
        frame = areas_frame(level)
        if frame.empty:
            continue
        code = assign_points([longitude], [latitude], frame, code_col="code")[0]
        if code is not None:
            found[level] = dict(zip(frame["code"], frame["id"]))[code]
    return found


# ------------------------------------------------------------------ addresses

MAX_ADDRESS_SEARCH = 200  # a longer LIKE pattern is "too complex" for SQLite (a 500 before)


def search_addresses(text: str, limit: int = 10) -> list[AddressPoint]:
    """Addresses from our own address data matching 'Street 12' or 'Street 12, 9000'."""
    text = (text or "").strip()
    if len(text) < 3:
        return []
    if len(text) > MAX_ADDRESS_SEARCH:
        raise BadRequest({"q": _("The search text is too long (at most 200 characters).")})
    postcode = ""
    if "," in text:
        text, _sep, rest = text.partition(",")
        postcode = "".join(ch for ch in rest if ch.isdigit())[:4]
    words = text.split()
    number = words.pop() if len(words) > 1 and any(ch.isdigit() for ch in words[-1]) else ""
    query = select(AddressPoint).where(AddressPoint.street_key.startswith(key(" ".join(words))))
    if number:
        query = query.where(AddressPoint.number == number)
    if postcode:
        query = query.where(AddressPoint.postcode == postcode)
    return list(db.session.scalars(query.order_by(AddressPoint.street_key, AddressPoint.number).limit(limit)))


def locate(street: str, number: str, postcode: str) -> AddressPoint | None:
    query = select(AddressPoint).where(AddressPoint.street_key == key(street), AddressPoint.number == (number or "").strip())
    if postcode:
        query = query.where(AddressPoint.postcode == postcode.strip())
    return db.session.scalars(query.limit(1)).first()


def _fill_position(values: dict) -> None:
    """A place without coordinates gets them from our address data, or a message saying how to give them."""
    if values.get("latitude") is not None and values.get("longitude") is not None:
        lat, lon = values["latitude"], values["longitude"]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Invalid({"latitude": _("Latitude must be between -90 and 90 and longitude between -180 and 180.")})
        return
    found = locate(values.get("street", ""), values.get("number", ""), values.get("postcode", ""))
    if found is None:
        raise Invalid({"latitude": _("We could not find this address in our address data. "
                                     "Click the place on the map or enter latitude and longitude.")})
    values["latitude"], values["longitude"] = round(found.latitude, 7), round(found.longitude, 7)


# ------------------------------------------------------------------ saving

@dataclass
class Saved:
    applied: bool  # False: the change waits in the review queue
    obj: object = None
    change_request: ChangeRequest | None = None


def save_listing(user, entity_type: str, obj, values: dict, *, organisation_id=None, place_id=None) -> Saved:
    """Create (obj None) or change a listing: directly for workers and coordinators of its areas,
    as a proposal for the organisation's own editor. organisation_id and place_id: for a new
    initiative, who runs it and where it is held."""
    values = writer.clean(entity_type, values)
    if entity_type == "meeting_place":
        _fill_position(values)
    if obj is None:
        return _create(user, entity_type, values, organisation_id, place_id)
    scope = scope_of(entity_type, obj)
    before = writer.snapshot(entity_type, obj)
    changes = audit.changed_fields(before, values)
    if can(user, "listing.edit_direct", scope):
        if changes:
            writer.apply(entity_type, obj, {k: values[k] for k in changes})
            if entity_type == "meeting_place" and not can(user, "listing.edit_direct", place_scope(obj)):
                raise Invalid({"latitude": _("This position lies outside your areas.")})
            audit.record(user, entity_type, obj.id, "update", changes)
        return Saved(applied=True, obj=obj)
    if can(user, "listing.propose", scope):
        description = writer.entity(entity_type)
        changes = {k: v for k, v in changes.items() if description[k].proposable}
        if not changes:
            return Saved(applied=False, obj=obj)
        cr = ChangeRequest(entity_type=entity_type, entity_id=obj.id, organisation_id=scope.organisation_id,
                           proposed={k: values[k] for k in changes}, original={k: before[k] for k in changes},
                           submitted_by_id=user.id)
        db.session.add(cr)
        db.session.flush()
        audit.record(user, entity_type, obj.id, "propose", changes)
        return Saved(applied=False, obj=obj, change_request=cr)
    require(user, "listing.edit_direct", scope)  # raises Forbidden
    raise AssertionError("unreachable")


def _new_object(entity_type: str, organisation_id, place_id):
    if entity_type == "organisation":
        return Organisation(languages=[])
    if entity_type == "meeting_place":
        return MeetingPlace(rooms=[], areas=[])
    organisation, place = _initiative_choices(organisation_id, place_id)
    return Initiative(organisation=organisation, terms=[],
                      locations=[InitiativeAtPlace(place=place, schedules=[])])


def _initiative_choices(organisation_id, place_id):
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    place = db.session.get(MeetingPlace, place_id) if place_id else None
    errors = {}
    if organisation is None or organisation.archived_at is not None:
        errors["organisation"] = _("Choose the organisation that runs this initiative.")
    if place is None or place.archived_at is not None:
        errors["place"] = _("Choose the meeting place where this initiative is held.")
    if errors:
        raise Invalid(errors)
    return organisation, place


def _create(user, entity_type, values, organisation_id, place_id) -> Saved:
    if entity_type == "initiative":
        # Scope of what is proposed: the organisation and the chosen place's areas.
        _organisation, place = _initiative_choices(organisation_id, place_id)
        scope = Scope(area_ids=frozenset(pa.area_id for pa in place.areas), organisation_id=organisation_id)
    elif entity_type == "meeting_place":
        scope = Scope(area_ids=frozenset(areas_at(values["latitude"], values["longitude"]).values()))
        if can(user, "listing.edit_direct") and not can(user, "listing.edit_direct", scope):
            raise Invalid({"latitude": _("This position lies outside your areas.")})
    else:
        scope = Scope(area_ids=None)
    if can(user, "listing.edit_direct", scope):
        obj = _new_object(entity_type, organisation_id, place_id)
        writer.apply(entity_type, obj, values)
        db.session.add(obj)
        db.session.flush()
        audit.record(user, entity_type, obj.id, "create",
                     audit.changed_fields({}, {**values, **({"organisation_id": str(organisation_id),
                                                            "place_id": str(place_id)}
                                                           if entity_type == "initiative" else {})}))
        return Saved(applied=True, obj=obj)
    if entity_type == "initiative" and can(user, "listing.propose", scope):
        proposed = {**values, "organisation_id": str(organisation_id), "place_id": str(place_id)}
        cr = ChangeRequest(entity_type=entity_type, entity_id=None, organisation_id=organisation_id,
                           proposed=proposed, original={}, submitted_by_id=user.id)
        db.session.add(cr)
        db.session.flush()
        audit.record(user, "change_request", cr.id, "propose", audit.changed_fields({}, proposed))
        return Saved(applied=False, change_request=cr)
    require(user, "listing.edit_direct", scope)
    raise AssertionError("unreachable")


def archive(user, entity_type: str, obj, restore: bool = False) -> None:
    require(user, "listing.archive", scope_of(entity_type, obj))
    old = obj.archived_at
    obj.archived_at = None if restore else (obj.archived_at or utcnow())
    if old != obj.archived_at:
        audit.record(user, entity_type, obj.id, "restore" if restore else "archive",
                     {"archived_at": {"old": old.isoformat() if old else None,
                                      "new": obj.archived_at.isoformat() if obj.archived_at else None}})


def verify(user, initiative: Initiative) -> None:
    """'Verified today': someone checked the listing with the organisation."""
    if not may(user, "listing.verify", "initiative", initiative.id):
        refuse()
    old, initiative.last_verified = initiative.last_verified, today()
    audit.record(user, "initiative", initiative.id, "verify",
                 {"last_verified": {"old": old.isoformat() if old else None,
                                    "new": initiative.last_verified.isoformat()}})


# ------------------------------------------------------------------ schedules

def add_schedule(user, initiative: Initiative, place_id, spec: dict) -> Schedule:
    require(user, "listing.edit_direct", initiative_scope(initiative))
    place = db.session.get(MeetingPlace, place_id) if place_id else None
    if place is None or place.archived_at is not None:
        raise Invalid({"place": _("Choose the meeting place where this session is held.")})
    if not can(user, "listing.edit_direct", place_scope(place)):
        raise Invalid({"place": _("This meeting place lies outside your areas.")})
    problems = schedule_problems(spec)
    if problems:
        raise Invalid({"frequency": "; ".join(problems)})
    link = next((loc for loc in initiative.locations if loc.place_id == place.id), None)
    if link is None:
        link = InitiativeAtPlace(place=place, schedules=[])
        initiative.locations.append(link)
    schedule = schedule_row(recurrence_from(spec), spec.get("note") or "")
    link.schedules.append(schedule)
    db.session.flush()
    from ..scheduling import describe
    audit.record(user, "initiative", initiative.id, "add_schedule",
                 {"schedule": {"old": None, "new": f"{place.name}: {describe(schedule.recurrence(), 'en')}"}})
    return schedule


def get_schedule(user, schedule_id: uuid.UUID) -> Schedule:
    return _get_allowed(user, Schedule, schedule_id, "listing.edit_direct",
                        lambda schedule: initiative_scope(schedule.location.initiative))


def remove_schedule(user, schedule: Schedule) -> None:
    initiative = schedule.location.initiative
    require(user, "listing.edit_direct", initiative_scope(initiative))
    from ..scheduling import describe
    text = f"{schedule.location.place.name}: {describe(schedule.recurrence(), 'en')}"
    schedule.location.schedules.remove(schedule)
    audit.record(user, "initiative", initiative.id, "remove_schedule", {"schedule": {"old": text, "new": None}})


# ------------------------------------------------------------------ review queue

def review_queue(user) -> list[ChangeRequest]:
    require(user, "listing.review")
    pending = db.session.scalars(select(ChangeRequest).where(ChangeRequest.status == "pending")
                                 .order_by(ChangeRequest.submitted_at)).all()
    return [cr for cr in pending if can(user, "listing.review", change_request_scope(cr))]


def my_proposals(user) -> list[ChangeRequest]:
    return list(db.session.scalars(select(ChangeRequest).where(ChangeRequest.submitted_by_id == user.id)
                                   .order_by(ChangeRequest.submitted_at.desc()).limit(50)))


def get_change_request(user, cr_id: uuid.UUID) -> ChangeRequest:
    return _get_allowed(user, ChangeRequest, cr_id, "listing.review", change_request_scope)


@dataclass
class FieldDiff:
    field: str
    current: object
    proposed: object
    changed_since: bool  # the record changed after the proposal was made


def diff(cr: ChangeRequest) -> list[FieldDiff]:
    current = {}
    if cr.entity_id is not None:
        obj = db.session.get(MODELS[cr.entity_type], cr.entity_id)
        current = writer.snapshot(cr.entity_type, obj) if obj else {}
    rows = []
    for name, value in cr.proposed.items():
        now = current.get(name)
        rows.append(FieldDiff(name, now, value,
                              cr.entity_id is not None and name in cr.original and cr.original[name] != now))
    return rows


def entity_name(entity_type: str, entity_id) -> str:
    obj = db.session.get(MODELS[entity_type], entity_id) if entity_type in MODELS and entity_id else None
    return obj.name if obj else ""


def decide(user, cr: ChangeRequest, approve: bool, note: str = ""):
    """Approve (apply the proposed fields) or reject a pending change, with an optional note."""
    require(user, "listing.review", change_request_scope(cr))
    if cr.status != "pending":
        raise Invalid({"note": _("This change was already reviewed.")})
    cr.status = "approved" if approve else "rejected"
    cr.reviewed_by_id, cr.reviewed_at, cr.review_note = user.id, utcnow(), (note or "").strip()
    if not approve:
        audit.record(user, cr.entity_type if cr.entity_id else "change_request", cr.entity_id or cr.id,
                     "reject", {})
        return None
    values = {k: v for k, v in cr.proposed.items() if k in writer.entity(cr.entity_type)}
    if cr.entity_id is None:
        organisation_id = uuid.UUID(cr.proposed["organisation_id"])
        place_id = uuid.UUID(cr.proposed["place_id"])
        obj = _new_object(cr.entity_type, organisation_id, place_id)
        writer.apply(cr.entity_type, obj, values)
        db.session.add(obj)
        db.session.flush()
        cr.entity_id = obj.id
        audit.record(user, cr.entity_type, obj.id, "approve", audit.changed_fields({}, values))
        return obj
    obj = db.session.get(MODELS[cr.entity_type], cr.entity_id)
    if obj is None:
        raise NotFound()
    before = writer.snapshot(cr.entity_type, obj)
    changes = audit.changed_fields(before, values)
    writer.apply(cr.entity_type, obj, {k: values[k] for k in changes})
    audit.record(user, cr.entity_type, obj.id, "approve", changes)
    return obj


# ------------------------------------------------------------------ residents' reports

def get_report(user, report_id: uuid.UUID) -> OutdatedReport:
    return _get_allowed(user, OutdatedReport, report_id, "report.resolve", report_scope)


def resolve_report(user, report: OutdatedReport, note: str) -> None:
    require(user, "report.resolve", report_scope(report))
    if report.status != "open":
        raise Invalid({"note": _("This report was already resolved.")})
    note = (note or "").strip()
    if not note:
        raise Invalid({"note": _("Write a short note on what you did, for example 'new opening hours entered'.")})
    report.status, report.resolved_at, report.resolved_by_id, report.resolution_note = (
        "resolved", utcnow(), user.id, note)
    target = report.initiative_id or report.place_id
    audit.record(user, "initiative" if report.initiative_id else "meeting_place", target or report.id,
                 "resolve_report", {"report": {"old": report.message, "new": note}})
