"""Workspace choice lists: a form's initiative, place, room and organisation fields filled from a
search (services/choices.py), never from every row; the same search as JSON for the suggestion
list (static/js/work-choices.js). Without JavaScript the search button sends the form with GET
and the page comes back with the matches, everything typed kept."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Room
from ..services import choices
from .blueprint import bp
from .helpers import as_uuid, me

PURPOSES = {"places": ("activity", "listing"), "initiatives": ("activity",),
            "organisations": ("partner", "initiative")}


def searching(args) -> bool:
    """A GET of a form page with a search in it (the no-JavaScript search button)."""
    return "search" in args or any(name.endswith("_search") for name in args)


def _data(field) -> list:
    value = field.data
    return [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v]


def _place_field(form, user, purpose: str, empty) -> choices.Choices:
    chosen = _data(form.place)
    room_id = as_uuid(form.room.data) if hasattr(form, "room") else None
    if not chosen and room_id is not None:  # a room chosen alone: its place is listed with it
        chosen = list(db.session.scalars(select(Room.place_id).where(Room.id == room_id)))
    found = choices.place_choices(user, form.place_search.data, chosen, purpose)
    form.place.choices = [("", empty)] + found.options
    if hasattr(form, "room"):
        names = dict(found.options)
        form.room.choices = [("", _l("No particular room"))] + [
            (room, f"{found.names[place]}: {name}") for place, rooms in found.rooms.items()
            for room, name in rooms if place in names]
    return found


def fill_activity_choices(form, user) -> dict:
    """The plan form's lists: places in the user's districts, their rooms, the initiatives in
    their districts, partner organisations; each the chosen and recently used first."""
    places = _place_field(form, user, "activity", _l("No meeting place (a spot on the map)"))
    initiatives = choices.initiative_choices(user, form.initiative_search.data, _data(form.initiative))
    form.initiative.choices = [("", _l("None"))] + initiatives.options
    partners = choices.organisation_choices(user, form.partners_search.data, _data(form.partners))
    form.partners.choices = partners.options
    return {"place": places, "initiative": initiatives, "partners": partners}


def fill_initiative_choices(form, user) -> dict:
    """A new initiative's organisation (an editor: their own) and meeting place."""
    organisations = choices.organisation_choices(user, form.organisation_search.data, _data(form.organisation),
                                                 "initiative")
    form.organisation.choices = [("", _l("Choose an organisation"))] + organisations.options
    places = _place_field(form, user, "listing", _l("Choose a meeting place"))
    return {"organisation": organisations, "place": places}


def fill_schedule_choices(form, user) -> dict:
    return {"place": _place_field(form, user, "listing", _l("Choose a meeting place"))}


@bp.get("/choices/<any(places, initiatives, organisations):kind>")
def choice_search(kind: str):
    """The suggestion list's matches: the same rules as the form's list, as JSON."""
    purpose = request.args.get("for", "")
    if purpose not in PURPOSES[kind]:
        purpose = PURPOSES[kind][0]
    found = choices.choices_for(me(), kind, request.args.get("q", ""), request.args.getlist("chosen"), purpose)
    return jsonify({"options": [{"id": i, "label": label} for i, label in found.options],
                    "rooms": {place: [{"id": room, "label": f"{found.names[place]}: {name}"} for room, name in rooms]
                              for place, rooms in found.rooms.items()},
                    "more": found.more, "message": found.message})
