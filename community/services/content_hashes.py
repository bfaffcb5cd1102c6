"""An import's content hash is forgotten when anything else changes the record it describes.

The hashes (organisation, meeting place, initiative: importers/fingerprints.py) say what the
last import set. A workspace edit, an approval, a schedule form or an archive changes a record
behind the import's back, so the next import must compare that record in full: every flush that
is not an import's clears the hash of each record it touches, through its parts too (terms,
places held at and their schedules belong to the initiative; rooms to the place).
"""
from __future__ import annotations

from contextlib import contextmanager
from itertools import chain

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..models import (Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation, Room,
                      Schedule)

IMPORTING = "buurtkracht.importing"
_OWNERS = {InitiativeTerm: ("initiative", "initiative_id"), InitiativeAtPlace: ("initiative", "initiative_id"),
           Room: ("place", "place_id")}


@contextmanager
def importing(session):
    """Writes in this block are an import's: it sets the hashes itself."""
    session.info[IMPORTING] = True
    try:
        yield
    finally:
        session.info.pop(IMPORTING, None)


def _loaded(obj, name: str):
    """A related object if it is in memory, without loading it."""
    value = inspect(obj).attrs[name].loaded_value
    return value if isinstance(value, (Initiative, MeetingPlace, InitiativeAtPlace)) else None


@event.listens_for(Session, "before_flush")
def _forget_import_hashes(session, _context, _instances) -> None:
    if session.info.get(IMPORTING):
        return
    initiative_ids, place_ids, location_ids = set(), set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, (Organisation, MeetingPlace, Initiative)):
            if obj.content_hash is not None:
                obj.content_hash = None
        elif type(obj) in _OWNERS:
            relation, column = _OWNERS[type(obj)]
            owner = _loaded(obj, relation)
            if owner is not None:
                owner.content_hash = None
            elif getattr(obj, column) is not None:
                (initiative_ids if relation == "initiative" else place_ids).add(getattr(obj, column))
        elif isinstance(obj, Schedule):
            location = _loaded(obj, "location")
            owner = _loaded(location, "initiative") if location is not None else None
            if owner is not None:
                owner.content_hash = None
            elif location is not None and location.initiative_id is not None:
                initiative_ids.add(location.initiative_id)
            elif obj.location_id is not None:
                location_ids.add(obj.location_id)
    if not (initiative_ids or place_ids or location_ids):
        return
    connection = session.connection()
    initiative, place = Initiative.__table__, MeetingPlace.__table__
    if location_ids:
        initiative_ids |= set(connection.scalars(select(InitiativeAtPlace.initiative_id)
                                                 .where(InitiativeAtPlace.id.in_(location_ids))))
    if initiative_ids:
        connection.execute(update(initiative).where(initiative.c.id.in_(initiative_ids),
                                                    initiative.c.content_hash.is_not(None))
                           .values(content_hash=None))
    if place_ids:
        connection.execute(update(place).where(place.c.id.in_(place_ids), place.c.content_hash.is_not(None))
                           .values(content_hash=None))
