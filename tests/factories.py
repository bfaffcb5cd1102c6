"""Test data factories: one small function per kind of record, with sensible defaults.

Listings (organisation, initiative, meeting place, schedule) go through the app's one writer
(community/services/writer.py: the fields' `clean`, then `apply`, which sets taxonomy terms and
rooms and gives a placed meeting place its areas), so a factory's record is what the workspace or
an importer would have stored. Activities, accounts and the review records are made directly, as
their services would refuse to make them without a logged-in user.

Every factory adds to `db.session` and flushes (so ids are there) but never commits: a test or
fixture commits once when its data is complete. They need an application context.

    d1 = factories.area("D1", level="district", box=(3.70, 51.04, 3.72, 51.06))
    place = factories.place(name="Buurthuis West", latitude=51.05, longitude=3.71)
    soup = factories.initiative(name="Soepcafé", at=[place], working_models=["location"])
    factories.schedule(soup, place, weekdays=[2], start="14:00", end="16:00")
"""
from __future__ import annotations

import itertools
import json
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def _db():
    from community.extensions import db
    return db


def _add(obj):
    db = _db()
    db.session.add(obj)
    db.session.flush()
    return obj


def _written(entity_type: str, obj, values: dict):
    """Clean `values` with the entity's field descriptions and apply them, as every writer does."""
    from community.services import writer
    writer.apply(entity_type, obj, writer.clean(entity_type, values, only_form=False))
    return _add(obj)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """The hash of PASSWORD; scrypt is slow on purpose, so it is computed once per run."""
    from werkzeug.security import generate_password_hash
    return generate_password_hash(PASSWORD, method="scrypt")


def square(lon0, lat0, lon1, lat1) -> str:
    """A rectangle as GeoJSON MultiPolygon text (the areas' geometry column)."""
    return json.dumps({"type": "MultiPolygon", "coordinates": [[[[lon0, lat0], [lon1, lat0], [lon1, lat1],
                                                                   [lon0, lat1], [lon0, lat0]]]]})


def local(day, hh: int, mm: int = 0) -> datetime:
    """A Brussels wall-clock time on `day`, in UTC (as activities store it)."""
    from community.scheduling import TZ
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(timezone.utc)


# ------------------------------------------------------------------ areas and listings

def area(code: str, name: str | None = None, level: str = "district", box=(3.70, 51.04, 3.74, 51.06),
         parent=None, geometry: str | None = None):
    """An area: a rectangle `box` (lon0, lat0, lon1, lat1) unless `geometry` (GeoJSON text) is given."""
    from shapely.geometry import shape
    from community.models import Area
    geometry = geometry or square(*box)
    bounds = shape(json.loads(geometry)).bounds
    return _add(Area(code=code, name=name or code, level=level, parent_id=parent.id if parent else None,
                     geometry=geometry, min_lon=bounds[0], min_lat=bounds[1], max_lon=bounds[2],
                     max_lat=bounds[3]))


def organisation(**values):
    from community.models import Organisation
    values.setdefault("name", f"Vzw {next(_numbers)}")
    return _written("organisation", Organisation(languages=[]), values)


_organisation = organisation  # initiative() has a parameter of that name


def place(**values):
    """A meeting place in Ghent; `rooms` as lines ("Grote zaal (40)"). Its areas are assigned."""
    from community.models import MeetingPlace
    values.setdefault("name", f"Buurthuis {next(_numbers)}")
    for name, default in (("street", "Teststraat"), ("number", "1"), ("postcode", "9000"),
                          ("municipality", "Gent"), ("latitude", 51.05), ("longitude", 3.72)):
        values.setdefault(name, default)
    return _written("meeting_place", MeetingPlace(rooms=[], areas=[]), values)


def initiative(organisation=None, at=(), **values):
    """An initiative of `organisation` (a new one if not given) held at the places in `at`."""
    from community.models import Initiative, InitiativeAtPlace
    values.setdefault("name", f"Initiatief {next(_numbers)}")
    obj = Initiative(organisation=organisation or _organisation(), terms=[],
                     locations=[InitiativeAtPlace(place=p, schedules=[]) for p in at])
    return _written("initiative", obj, values)


def schedule(initiative, place=None, note: str = "", **spec):
    """An opening time of `initiative` at `place` (its first place if not given), from plain values
    as a file or the form gives them: frequency (weekly), weekdays, start, end, nth, date, ..."""
    from community.services.schedules import recurrence_from, schedule_row
    from community.models import InitiativeAtPlace
    spec.setdefault("weekdays", [0])
    spec.setdefault("start", "14:00")
    spec.setdefault("end", "16:00")
    place = place or initiative.locations[0].place
    link = next((loc for loc in initiative.locations if loc.place is place), None)
    if link is None:
        link = InitiativeAtPlace(place=place, schedules=[])
        initiative.locations.append(link)
    row = schedule_row(recurrence_from(spec), note)
    link.schedules.append(row)
    _db().session.flush()
    return row


# ------------------------------------------------------------------ people and their records

def user(email: str | None = None, role: str = "worker", areas=(), organisation=None):
    """An account that logs in with PASSWORD; workers and coordinators work in `areas`."""
    from community.models import User, UserArea
    return _add(User(email=email or f"user{next(_numbers)}@test.example", role=role, password_hash=password_hash(),
                     organisation_id=organisation.id if organisation else None,
                     areas=[UserArea(area_id=a.id) for a in areas]))


def activity(worker, place, *, day=None, start: int = 14, end: int = 16, room=None, **values):
    """An activity of `worker` at `place` (in its district), tomorrow 14-16 unless told otherwise."""
    from community.models import Activity
    day = day or datetime.now(timezone.utc).date() + timedelta(days=1)
    district = next((pa.area_id for pa in place.areas if pa.level == "district"), None)
    values.setdefault("title", f"Activiteit {next(_numbers)}")
    values.setdefault("visibility", "internal")
    return _add(Activity(worker_id=worker.id, place_id=place.id, room_id=room.id if room else None,
                         area_id=values.pop("area_id", district), starts_at=local(day, start),
                         ends_at=local(day, end), terms=[], partners=[], **values))


def report(initiative, message: str = "De uren kloppen niet"):
    """A resident's 'this is outdated' report on an initiative."""
    from community.models import OutdatedReport
    return _add(OutdatedReport(initiative=initiative, message=message))


def change_request(initiative, editor, proposed: dict, original: dict | None = None):
    """An editor's proposal to change an initiative, waiting for review."""
    from community.models import ChangeRequest
    return _add(ChangeRequest(entity_type="initiative", entity_id=initiative.id,
                              organisation_id=initiative.organisation_id, proposed=proposed,
                              original=original if original is not None else {k: "" for k in proposed},
                              submitted_by_id=editor.id))


def feed_token(user, token: str = "0" * 64, area=None):
    """A stored calendar-link hash (not a usable token: use calendar_feeds.create_feed for that)."""
    from community.models import FeedToken
    return _add(FeedToken(token=token, user_id=user.id, area_id=area.id if area else None))
