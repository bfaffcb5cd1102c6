"""Choice lists of the workspace forms at any scale: a short list of matches of a search, the
user's recently used and chosen records first, never every row. What a posted id may be is
decided where it is used (a look-up of that id within the user's scope, services/activities.py
and editing.py), never by membership of a loaded list."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask_babel import gettext as _, ngettext
from sqlalchemy import and_, func, or_, select, true

from ..extensions import db
from ..models import Activity, ActivityPartner, Initiative, MeetingPlace, Organisation, Room
from .permissions import _role, listings_in_scope

LIMIT = 15  # matches shown; the search narrows the rest
RECENT = 5  # recently used records shown first when nothing is searched
MAX_SEARCH = 100
KINDS = ("places", "initiatives", "organisations")


@dataclass
class Choices:
    """Options (id, label) for one field: the chosen ones and the recently used first, then matches."""

    kind: str
    search: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    more: bool = False  # more matches than shown
    matched: int = 0  # rows shown that match the search
    rooms: dict = field(default_factory=dict)  # place id -> [(room id, room name)] (places only)
    names: dict = field(default_factory=dict)  # id -> name (the label may add an address)

    @property
    def message(self) -> str:
        """What the list holds, for the hint under the field and the live region of the search."""
        shown = self.matched
        if self.more:
            return _("The first %(num)d matches are shown: type more of the name to narrow the list.", num=shown) \
                if self.search else _("Type part of the name to find others.")
        if self.search and not shown:
            return _("Nothing found for '%(text)s'.", text=self.search)
        return ngettext("%(num)d match.", "%(num)d matches.", shown) if self.search else ""


def clean_search(text) -> str:
    return " ".join(str(text or "").split())[:MAX_SEARCH]


def ids(values) -> list[uuid.UUID]:
    found = []
    for value in values if isinstance(values, (list, tuple)) else [values]:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def _words_match(columns, search: str):
    """Every word of the search in one of the columns (case-insensitive), as an SQL condition."""
    conditions = []
    for word in search.split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(*(c.ilike(pattern, escape="\\") for c in columns)))
    return and_(true(), *conditions)


def _recent(user, column):
    """The ids of the records the user used last in their activities (a subquery)."""
    return (select(column).where(Activity.worker_id == user.id, column.is_not(None))
            .group_by(column).order_by(func.max(Activity.created_at).desc()).limit(RECENT))


def _choices(kind, model, label_columns, usable, search, chosen, recent, columns, label) -> Choices:
    """Two queries whatever the number of records: the chosen and recent ones, then the matches."""
    search = clean_search(search)
    chosen = ids(chosen)
    base = select(model.id, *label_columns).where(usable, model.archived_at.is_(None))
    first = []
    picks = [model.id.in_(chosen)] if chosen else []
    if recent is not None and not search:
        picks.append(model.id.in_(recent))
    if picks:
        rows = {row[0]: row for row in db.session.execute(base.where(or_(*picks)))}
        first = [rows[i] for i in chosen if i in rows] + sorted(
            (r for i, r in rows.items() if i not in chosen), key=lambda r: r[1].lower())
    seen = {r[0] for r in first}
    matches = db.session.execute(base.where(_words_match(columns, search)).order_by(model.name, model.id)
                                 .limit(LIMIT + len(seen) + 1)).all()
    rest = [r for r in matches if r[0] not in seen]
    more = len(rest) > LIMIT
    listed = first + rest[:LIMIT]
    return Choices(kind, search, [(str(r[0]), label(r)) for r in listed], more,
                   matched=sum(1 for r in matches if r[0] in seen) + len(rest[:LIMIT]),
                   names={str(r[0]): r[1] for r in listed})


def _place_label(row) -> str:
    _id, name, street, number, municipality = row
    where = ", ".join(p for p in (" ".join(p for p in (street, number) if p), municipality) if p)
    return f"{name} ({where})" if where else name


def usable_places(user, purpose: str = "activity"):
    """SQL condition: the meeting places `user` may choose: for an activity or an opening time
    those in their areas; an organisation's editor proposes an initiative at any place."""
    if purpose == "listing" and _role(user) == "editor":
        return true()
    return listings_in_scope(user, "activity.plan" if purpose == "activity" else "listing.edit_direct",
                             "meeting_place")


def place_choices(user, search="", chosen=(), purpose: str = "activity") -> Choices:
    found = _choices("places", MeetingPlace, (MeetingPlace.name, MeetingPlace.street, MeetingPlace.number,
                                              MeetingPlace.municipality),
                     usable_places(user, purpose), search, chosen, _recent(user, Activity.place_id),
                     (MeetingPlace.name, MeetingPlace.street, MeetingPlace.municipality), _place_label)
    found.rooms = rooms_of([uuid.UUID(i) for i, _label in found.options])
    return found


def rooms_of(place_ids) -> dict:
    """{place id: [(room id, name)]} of the listed places, in one query."""
    rooms: dict = {str(i): [] for i in place_ids}
    if place_ids:
        for room_id, place_id, name in db.session.execute(
                select(Room.id, Room.place_id, Room.name).where(Room.place_id.in_(place_ids))
                .order_by(Room.name)):
            rooms[str(place_id)].append((str(room_id), name))
    return rooms


def usable_initiatives(user):
    """SQL condition: the initiatives `user` may plan an activity for (those in their areas)."""
    return listings_in_scope(user, "activity.plan", "initiative")


def initiative_choices(user, search="", chosen=()) -> Choices:
    return _choices("initiatives", Initiative, (Initiative.name,), usable_initiatives(user), search, chosen,
                    _recent(user, Activity.initiative_id), (Initiative.name,), lambda r: r[1])


def usable_organisations(user, purpose: str = "partner"):
    """SQL condition: any organisation can be a partner or run an initiative; an organisation's
    editor proposes initiatives of their own organisation only."""
    if purpose == "initiative" and _role(user) == "editor":
        return Organisation.id == user.organisation_id if user.organisation_id else Organisation.id.is_(None)
    return true()


def organisation_choices(user, search="", chosen=(), purpose: str = "partner") -> Choices:
    recent = (select(ActivityPartner.organisation_id).join(Activity, Activity.id == ActivityPartner.activity_id)
              .where(Activity.worker_id == user.id).group_by(ActivityPartner.organisation_id)
              .order_by(func.max(Activity.created_at).desc()).limit(RECENT))
    return _choices("organisations", Organisation, (Organisation.name,), usable_organisations(user, purpose),
                    search, chosen, recent, (Organisation.name,), lambda r: r[1])


def choices_for(user, kind: str, search="", chosen=(), purpose: str = "") -> Choices:
    """One kind's choices, for the suggestion list's JSON (work/choices.py)."""
    if kind == "places":
        return place_choices(user, search, chosen, purpose or "activity")
    if kind == "initiatives":
        return initiative_choices(user, search, chosen)
    return organisation_choices(user, search, chosen, purpose or "partner")
