"""Who may do what: one place for every authorisation rule, tested as a role x action matrix.

Views call `require(current_user, action, target)`; services call `can(...)` when they filter.
Residents are anonymous and may only use public pages, so anonymous users can do none of these.

A refusal is a 403, except for the kinds of record in PRIVATE_RECORDS: there the record's
existence is itself private, so a refusal is a 404, exactly as for an id that does not exist.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import Forbidden, NotFound

if TYPE_CHECKING:  # the scope functions only read attributes; the models are imported where queried
    from ..models import Activity, Area, ChangeRequest, Initiative, MeetingPlace, Organisation, OutdatedReport, User

# action -> roles that may do it at all; scope checks (district, organisation) follow below.
RULES: dict[str, set[str]] = {
    "workspace.view": {"worker", "editor", "coordinator", "admin"},
    "listing.edit_direct": {"worker", "coordinator", "admin"},
    "listing.archive": {"worker", "coordinator", "admin"},
    "listing.propose": {"editor"},
    "listing.review": {"worker", "coordinator", "admin"},
    "listing.verify": {"worker", "coordinator", "admin"},
    "report.resolve": {"worker", "coordinator", "admin"},
    "activity.plan": {"worker", "coordinator", "admin"},
    "activity.edit": {"worker", "coordinator", "admin"},
    "activity.view": {"worker", "coordinator", "admin"},
    "activity.export": {"worker", "coordinator", "admin"},
    "feed.create": {"worker", "coordinator", "admin"},
    "audit.view": {"worker", "coordinator", "admin"},
    "account.password": {"worker", "editor", "coordinator", "admin"},
    "user.manage": {"coordinator", "admin"},
    "area.manage": {"coordinator", "admin"},
    "coverage.view": {"worker", "coordinator", "admin"},
    "coverage.export": {"worker", "coordinator", "admin"},
}

# Records whose existence is private (a refusal answers 404, so ids cannot be probed), and why.
# Every other record is refused with 403: listings are published on the public site, activities
# share rooms across districts (room clashes show them), proposals and reports are about listings.
PRIVATE_RECORDS: dict[str, str] = {
    "user": "an account is personal data: whether someone has one is for those who manage it",
    "feed": "a calendar link is a secret of its owner: nobody else learns that it exists",
}


@dataclass(frozen=True)
class Scope:
    """What an object belongs to, for the scope checks: its areas (any level) and organisation.

    area_ids=None means "not tied to an area yet" (an organisation without listings): any
    worker or coordinator may act on it; an empty set means "outside every area": admins only.
    """

    area_ids: frozenset | None
    organisation_id: uuid.UUID | None = None


def _role(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role


def user_area_ids(user) -> set[uuid.UUID]:
    """The areas a user works in, with every area below them (a municipality holds its districts)."""
    from flask import g, has_app_context
    from sqlalchemy import select
    from ..extensions import db
    from ..models import Area
    # Lists filter many objects per request: remember the answer for this request only.
    memo_key = (user.id, frozenset(user.area_ids))
    memo = g.setdefault("_user_area_ids", {}) if has_app_context() else {}
    if memo_key in memo:
        return set(memo[memo_key])
    ids = set(user.area_ids)
    frontier = set(ids)
    while frontier:
        children = set(db.session.scalars(select(Area.id).where(Area.parent_id.in_(frontier))))
        frontier = children - ids
        ids |= children
    memo[memo_key] = frozenset(ids)
    return ids


def can(user, action: str, target=None) -> bool:
    """May `user` do `action`, on `target` (an area id, an organisation id or an object) if given?"""
    role = _role(user)
    if role is None or role not in RULES.get(action, set()):
        return False
    if role == "admin" or target is None:
        return True
    area_ids = getattr(target, "area_ids", None)
    if isinstance(target, uuid.UUID):
        area_ids = {target}
    organisation_id = getattr(target, "organisation_id", None)
    if role == "editor":
        return organisation_id is not None and organisation_id == user.organisation_id
    if area_ids is not None:
        return bool(set(area_ids) & user_area_ids(user))
    return True


def can_manage_user(actor, user, organisation_scope: Scope | None = None) -> bool:
    """Admins manage everyone; a coordinator manages non-admins whose areas lie within theirs
    (an editor through the areas of their organisation's listings)."""
    if not can(actor, "user.manage"):
        return False
    if _role(actor) == "admin":
        return True
    if user.role == "admin":
        return False
    if user.role == "editor":
        return organisation_scope is None or can(actor, "user.manage", organisation_scope)
    return bool(user.area_ids) and user.area_ids <= user_area_ids(actor)


def refuse(record: str | None = None):
    """Raise the refusal for a kind of record: 404 for a private one, 403 otherwise."""
    raise NotFound() if record in PRIVATE_RECORDS else Forbidden()


def require(user, action: str, target=None, *, record: str | None = None) -> None:
    """Refuse unless `user` may do `action` (on `target`); `record` names the kind of record
    looked up, so that a private one is refused as if it did not exist."""
    if not can(user, action, target):
        refuse(record)


def require_owner(user, owner_id, record: str) -> None:
    """Refuse unless `user` owns the record (calendar links: only their owner may revoke them)."""
    if _role(user) is None or owner_id != user.id:
        refuse(record)


# ------------------------------------------------------------------ scopes of records

def place_scope(place: MeetingPlace) -> Scope:
    return Scope(area_ids=frozenset(pa.area_id for pa in place.areas))


def initiative_scope(initiative: Initiative) -> Scope:
    ids = frozenset(pa.area_id for loc in initiative.locations for pa in loc.place.areas)
    return Scope(area_ids=ids, organisation_id=initiative.organisation_id)


def initiative_scopes(organisation_of: dict, area_rows) -> dict:
    """initiative_scope for many initiatives at once, from plain rows: `organisation_of` maps
    initiative id -> organisation id, `area_rows` are (initiative id, area id) pairs of the
    areas of the places where each is held (one query instead of two per initiative)."""
    areas: dict = {initiative_id: set() for initiative_id in organisation_of}
    for initiative_id, area_id in area_rows:
        areas[initiative_id].add(area_id)
    return {initiative_id: Scope(area_ids=frozenset(areas[initiative_id]), organisation_id=organisation_id)
            for initiative_id, organisation_id in organisation_of.items()}


def organisation_scope(organisation: Organisation) -> Scope:
    """An organisation belongs to the areas of the places where its initiatives are held;
    one without any yet is not tied to an area (any worker may complete it)."""
    places = [loc.place for init in organisation.initiatives for loc in init.locations]
    ids = frozenset(pa.area_id for place in places for pa in place.areas)
    return Scope(area_ids=ids if places else None, organisation_id=organisation.id)


def scope_of(entity_type: str, obj) -> Scope:
    return {"organisation": organisation_scope, "initiative": initiative_scope,
            "meeting_place": place_scope}[entity_type](obj)


def activity_scope(activity: Activity) -> Scope:
    return Scope(area_ids=frozenset({activity.area_id}) if activity.area_id else frozenset())


def change_request_scope(cr: ChangeRequest) -> Scope:
    """A proposed change belongs to the record it changes; a new one to the chosen place's
    areas and the proposing organisation."""
    from ..extensions import db
    from ..models import Initiative, MeetingPlace, Organisation
    models = {"organisation": Organisation, "initiative": Initiative, "meeting_place": MeetingPlace}
    if cr.entity_id is not None:
        obj = db.session.get(models[cr.entity_type], cr.entity_id)
        if obj is not None:
            return scope_of(cr.entity_type, obj)
    place_id = cr.proposed.get("place_id")
    place = db.session.get(MeetingPlace, uuid.UUID(place_id)) if place_id else None
    return Scope(area_ids=frozenset(pa.area_id for pa in place.areas) if place else frozenset(),
                 organisation_id=cr.organisation_id)


def report_scope(report: OutdatedReport) -> Scope:
    """A resident's report belongs to what it is about; one about nothing left, to admins only."""
    if report.initiative is not None:
        return initiative_scope(report.initiative)
    if report.place is not None:
        return place_scope(report.place)
    return Scope(area_ids=frozenset())


def organisation_scope_of_user(user: User) -> Scope | None:
    """An organisation editor belongs to their organisation's areas; other roles to their own."""
    if user.role != "editor" or user.organisation_id is None:
        return None
    from ..extensions import db
    from ..models import Organisation
    organisation = db.session.get(Organisation, user.organisation_id)
    return organisation_scope(organisation) if organisation else None


# ------------------------------------------------------------------ what a user sees

def districts_of(user) -> list[Area]:
    """The districts a user works in (every district for an admin), by code."""
    from sqlalchemy import select
    from ..extensions import db
    from ..models import Area
    query = select(Area).where(Area.level == "district").order_by(Area.code)
    if _role(user) != "admin":
        query = query.where(Area.id.in_(user_area_ids(user)))
    return list(db.session.scalars(query))


def activities_visible_to(user):
    """SQL condition: activities in the user's districts, and their own wherever they are."""
    from sqlalchemy import or_, true
    from ..models import Activity
    if _role(user) == "admin":
        return true()
    return or_(Activity.area_id.in_(user_area_ids(user)), Activity.worker_id == user.id)


# ------------------------------------------------------------------ scopes as SQL conditions

def listings_in_scope(user, action: str, kind: str, *, one=False):
    """SQL condition: the records of `kind` ("meeting_place", "initiative", "organisation") on
    which `user` may do `action`: the same answer as can(user, action, <kind>_scope(record)) for
    every record, asked of the database instead of record by record (lists at any scale).

    As IN (the ids in the user's areas), which the database answers from the area index first;
    `one=True` for a condition on one record (a correlated EXISTS: a few index look-ups), or
    `one=<column>` for records whose id is in that column of another table (reports)."""
    from sqlalchemy import exists, false, or_, select, true
    from ..models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, PlaceArea
    role = _role(user)
    if role is None or role not in RULES.get(action, set()):
        return false()
    if role == "admin":
        return true()
    model = {"meeting_place": MeetingPlace, "initiative": Initiative, "organisation": Organisation}[kind]
    record = model.id if one is True or one is False else one  # the id the condition is about
    if role == "editor":  # their organisation's listings; places have no organisation
        if kind == "meeting_place" or user.organisation_id is None:
            return false()
        if kind == "organisation":
            return record == user.organisation_id
        if record is model.id:
            return Initiative.organisation_id == user.organisation_id
        return record.in_(select(Initiative.id).where(Initiative.organisation_id == user.organisation_id))
    areas = user_area_ids(user)
    if kind == "meeting_place":
        if one is not False:
            return exists().where(PlaceArea.place_id == record, PlaceArea.area_id.in_(areas))
        return MeetingPlace.id.in_(select(PlaceArea.place_id).where(PlaceArea.area_id.in_(areas)))
    held = (select(InitiativeAtPlace.initiative_id)
            .join(PlaceArea, PlaceArea.place_id == InitiativeAtPlace.place_id)
            .where(PlaceArea.area_id.in_(areas)))
    if kind == "initiative":
        if one is not False:
            return exists(held.where(InitiativeAtPlace.initiative_id == record))
        return Initiative.id.in_(held)
    # An organisation belongs to the areas of its initiatives' places; one held nowhere yet, to anyone.
    located = select(Initiative.organisation_id).join(InitiativeAtPlace,
                                                      InitiativeAtPlace.initiative_id == Initiative.id)
    here = located.join(PlaceArea, PlaceArea.place_id == InitiativeAtPlace.place_id) \
        .where(PlaceArea.area_id.in_(areas))
    nowhere = ~exists(located.where(Initiative.organisation_id == record))  # by the organisation index
    if one is not False:
        return or_(nowhere, exists(here.where(Initiative.organisation_id == record)))
    return or_(Organisation.id.in_(here), nowhere)


def may(user, action: str, kind: str, record_id) -> bool:
    """can(user, action, <kind>_scope(record)) for one record, asked of the database in one
    query instead of loading the record's places and areas (the write paths use it)."""
    role = _role(user)
    if role is None or role not in RULES.get(action, set()):
        return False
    if role == "admin":
        return True
    from sqlalchemy import select
    from ..extensions import db
    from ..models import Initiative, MeetingPlace, Organisation
    model = {"meeting_place": MeetingPlace, "initiative": Initiative, "organisation": Organisation}[kind]
    return db.session.scalar(select(model.id).where(model.id == record_id,
                                                    listings_in_scope(user, action, kind, one=True))) is not None
