"""The audit log: who changed which fields of which record, when, with old and new values."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry


def changed_fields(old: dict, new: dict) -> dict:
    """{field: {"old": ..., "new": ...}} for the fields whose value differs."""
    return {name: {"old": old.get(name), "new": value}
            for name, value in new.items() if old.get(name) != value}


def record(user, entity_type: str, entity_id: uuid.UUID, action: str, changes: dict | None = None) -> AuditEntry:
    entry = AuditEntry(user_id=getattr(user, "id", None), entity_type=entity_type,
                       entity_id=entity_id, action=action, changes=changes or {})
    db.session.add(entry)
    return entry


def history(entity_id: uuid.UUID, limit: int = 50) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == entity_id)
                                   .order_by(AuditEntry.created_at.desc()).limit(limit)))


def recent(entity_ids: set | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest entries, optionally only for the given records."""
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc()).limit(limit)
    if entity_ids is not None:
        if not entity_ids:
            return []
        query = query.where(AuditEntry.entity_id.in_(entity_ids))
    return list(db.session.scalars(query))
