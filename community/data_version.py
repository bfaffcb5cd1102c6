"""Data versions: cheap and exact "has anything changed" for caches of whole-data results (the review).

Each topic has a row in ``data_version`` whose token is new at every committed write of one of
the topic's tables. The bump happens in the writing transaction, just before its commit (so a
reader never sees new data under an old token, and a rolled-back write bumps nothing), whatever
wrote: the one writer (services/writer.py), the importers' bulk statements, the workspace, the
demo. Session hooks find the writes (objects flushed, and insert/update/delete statements run
through the session), so no write path has to remember it. Reading every version is one
primary-key select of a few rows, whatever the data's size (the count-and-max query it replaced
read 12 aggregates over every listing table).
"""
from __future__ import annotations

import uuid
from itertools import chain

from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .extensions import db

#: topic -> the tables whose writes change it.
TOPICS = {
    "areas": ("area", "indicator_value", "address_point"),
    "listings": ("organisation", "initiative", "initiative_term", "initiative_at_place", "schedule",
                 "meeting_place", "place_area"),
    "activities": ("activity", "activity_partner"),
}
_TOPIC_OF = {table: topic for topic, tables in TOPICS.items() for table in tables}
_CHANGED = "buurtkracht_changed_topics"


def current() -> dict[str, str]:
    """topic -> its token now (one select). A topic without a row reads as ""."""
    from .models import DataVersion
    found = dict(db.session.execute(select(DataVersion.topic, DataVersion.token)).all())
    return {topic: found.get(topic, "") for topic in TOPICS}


def bump(session: Session, topics) -> None:
    """Give each topic a new token in the session's transaction (its row is made by the first write)."""
    from .models import DataVersion
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    for topic in sorted(set(topics)):
        token = uuid.uuid4().hex
        renew = update(DataVersion).where(DataVersion.topic == topic).values(counter=DataVersion.counter + 1,
                                                                              token=token)
        if session.execute(renew).rowcount:
            continue
        made = session.execute(insert(DataVersion).values(topic=topic, counter=1, token=token)
                               .on_conflict_do_nothing(index_elements=["topic"]))
        if not made.rowcount:  # another transaction made it meanwhile
            session.execute(renew)


def _note(session: Session, tables) -> None:
    topics = {_TOPIC_OF[t] for t in tables if t in _TOPIC_OF}
    if topics:
        session.info.setdefault(_CHANGED, set()).update(topics)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, flush_context) -> None:
    # session.new, .dirty and .deleted are worked out anew at every access: each is asked once
    # (asked per object, a first import of 58,886 rows grew quadratic).
    changed = chain(session.new, session.deleted, (obj for obj in session.dirty if session.is_modified(obj)))
    _note(session, {getattr(obj, "__tablename__", None) for obj in changed})


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _note(state.session, {getattr(table, "name", None)})


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # the outer commit bumps
    session.flush()
    topics = session.info.pop(_CHANGED, None)
    if topics:
        bump(session, topics)
