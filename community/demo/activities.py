"""Demo workspace: fictional accounts and a year of fictional activities, uneven across districts.

Seeded, so a load on a given day always gives the same data; running it again changes nothing
(accounts and activities that exist are left alone). Nothing here describes real people.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..extensions import db
from ..importers.common import ImportSummary, Progress, no_progress
from ..models import (Activity, ActivityPartner, Area, ChangeRequest, Initiative, MeetingPlace, Organisation,
                      OutdatedReport, PlaceArea, User, UserArea)
from ..scheduling import TZ

DEMO_PASSWORD = "buurtkracht-demo"
DEMO_DOMAIN = "demo.buurtkracht.example"
# (e-mail, role, area codes, organisation external id)
DEMO_ACCOUNTS = (
    (f"worker@{DEMO_DOMAIN}", "worker", ("44021W01", "44021W04", "44021W07"), None),
    (f"worker2@{DEMO_DOMAIN}", "worker", ("44021W13", "44021W18", "44021W02"), None),
    (f"coordinator@{DEMO_DOMAIN}", "coordinator", ("44021",), None),
    (f"editor@{DEMO_DOMAIN}", "editor", (), "demo-org-01"),
    (f"admin@{DEMO_DOMAIN}", "admin", (), None),
)
# Activities per week and district: deliberately uneven, so dashboards and the coverage review
# show busy, quiet and empty districts.
WEEKLY_RATE = {"44021W01": 1.6, "44021W04": 1.3, "44021W07": 0.5, "44021W13": 1.0, "44021W18": 0.25,
               "44021W02": 0.12}
WORKER_OF = {"44021W01": 0, "44021W04": 0, "44021W07": 0, "44021W13": 1, "44021W18": 1, "44021W02": 1}
TITLES = {
    "location": ("Buurtsoep en babbel", "Buurtontbijt", "Straatfeest voorbereiden", "Koffie op het plein"),
    "competence": ("Digitaal spreekuur", "Oefenen met Nederlands", "Smartphonecafé", "Fietsles"),
    "peer": ("Praatgroep mantelzorgers", "Ontmoeting alleenstaande ouders", "Lotgenotengroep"),
    "organisation": ("Vrijwilligerscafé", "Repaircafé", "Samen koken met vrijwilligers"),
    "buddy": ("Duo-wandeling", "Buddy-avond"),
    "personal_network": ("Netwerkgesprek", "Familiedag"),
    "context": ("Huisbezoekenronde", "Spreekuur met het OCMW"),
}
MODEL_WEIGHTS = {"location": 6, "competence": 4, "organisation": 3, "peer": 2, "context": 1,
                 "buddy": 1, "personal_network": 0.5}
REFLECTIONS = ("Goede sfeer, een paar nieuwe gezichten.", "Minder volk door het weer.",
               "Volgende keer beter aankondigen aan de schoolpoort.", "Buren hielpen elkaar spontaan.",
               "Veel vragen over energiefacturen; doorverwezen.", "")
SLOTS = ((time(9, 30), 2), (time(10), 2), (time(14), 2), (time(14, 30), 1.5), (time(18, 30), 2), (time(19), 2.5))
NAMESPACE = uuid.UUID("6b1f7c1e-3c55-4d0b-9a58-1f0a4c2d9e10")


def _demo_id(*parts) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def load_demo_workspace(progress: Progress = no_progress, today: date | None = None) -> ImportSummary:
    """Accounts, a year of activities, two residents' reports and one proposal waiting for review."""
    from ..services.accounts import hash_password
    summary = ImportSummary(what="demo workspace")
    areas = {a.code: a for a in db.session.scalars(select(Area))}
    users = []
    password_hash = None
    for email, role, codes, org_ext in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            organisation = db.session.scalar(select(Organisation).where(Organisation.external_id == org_ext)) if org_ext else None
            user = User(id=_demo_id("user", email), email=email, role=role, password_hash=password_hash, is_demo=True,
                        organisation_id=organisation.id if organisation else None,
                        areas=[UserArea(area_id=areas[c].id) for c in codes if c in areas])
            db.session.add(user)
            summary.created += 1
        else:
            summary.unchanged += 1
        users.append(user)
    db.session.flush()

    if db.session.scalar(select(Activity.id).where(Activity.is_demo.is_(True)).limit(1)) is None:
        summary.created += _activities(users, areas, today or datetime.now(TZ).date(), progress)
    _reports_and_proposal(users, summary)
    summary.notes.append(f"demo accounts (password {DEMO_PASSWORD!r}): "
                         + ", ".join(f"{e} ({r})" for e, r, *_rest in DEMO_ACCOUNTS))
    return summary


def _places_by_district(areas) -> dict[str, list[MeetingPlace]]:
    rows = db.session.execute(select(MeetingPlace, PlaceArea.area_id).join(PlaceArea)
                              .where(PlaceArea.level == "district", MeetingPlace.archived_at.is_(None))
                              .order_by(MeetingPlace.name)).all()
    code_of = {a.id: code for code, a in areas.items()}
    found: dict[str, list[MeetingPlace]] = {}
    for place, area_id in rows:
        found.setdefault(code_of[area_id], []).append(place)
    return found


def _activities(users, areas, today: date, progress: Progress) -> int:
    rng = random.Random(2026)
    places = _places_by_district(areas)
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.is_demo.is_(True))
                                            .order_by(Organisation.external_id)))
    initiatives = list(db.session.scalars(select(Initiative).where(Initiative.is_demo.is_(True))
                                          .order_by(Initiative.external_id)))
    models = list(MODEL_WEIGHTS)
    weights = [MODEL_WEIGHTS[m] for m in models]
    booked: dict = {}
    created = 0
    first_monday = today - timedelta(days=today.weekday() + 52 * 7)
    progress.start(56, "demo activities")
    for week in range(56):  # 52 weeks back, 4 weeks ahead
        monday = first_monday + timedelta(weeks=week)
        for code, rate in WEEKLY_RATE.items():
            if code not in areas or not places.get(code):
                continue
            count = int(rate) + (1 if rng.random() < rate - int(rate) else 0)
            for n in range(count):
                place = rng.choice(places[code])
                room = rng.choice(place.rooms) if place.rooms else None
                day = monday + timedelta(days=rng.randrange(0, 6))
                start, hours = rng.choice(SLOTS)
                starts = datetime.combine(day, start, tzinfo=TZ).astimezone(timezone.utc)
                ends = starts + timedelta(hours=hours)
                if room is not None and any(s < ends and e > starts for s, e in booked.get(room.id, [])):
                    continue  # the demo itself has no double bookings
                if room is not None:
                    booked.setdefault(room.id, []).append((starts, ends))
                model = rng.choices(models, weights)[0]
                extra = rng.choice([m for m in models if m != model]) if rng.random() < 0.3 else None
                groups = sorted(set(rng.sample(["everyone", "elderly", "families", "newcomers", "poverty", "youth",
                                                "disability", "mental_health"], rng.choice((1, 1, 2)))))
                held = day < today
                activity = Activity(
                    id=_demo_id("activity", week, code, n), title=rng.choice(TITLES[model]),
                    worker_id=users[WORKER_OF[code]].id, place_id=place.id, room_id=room.id if room else None,
                    area_id=areas[code].id, starts_at=starts, ends_at=ends,
                    visibility="public" if rng.random() < 0.55 else "internal",
                    status="done" if held else "planned", is_demo=True, terms=[], partners=[],
                    initiative_id=rng.choice(initiatives).id if initiatives and rng.random() < 0.4 else None,
                    reflection="")
                activity.set_codes("working_model", [model] + ([extra] if extra else []))
                activity.set_codes("target_group", groups)
                if organisations and rng.random() < 0.25:
                    activity.partners = [ActivityPartner(organisation_id=rng.choice(organisations).id)]
                if held:
                    participants = max(2, int(rng.gauss(14 if model == "location" else 8, 5)))
                    activity.participants = participants
                    activity.new_participants = min(participants, rng.randrange(0, 5))
                    activity.volunteers = rng.randrange(0, 4)
                    activity.reflection = rng.choice(REFLECTIONS)
                    activity.set_codes("target_group_reached", groups)
                db.session.add(activity)
                created += 1
        progress.advance()
    db.session.flush()
    return created


def _reports_and_proposal(users, summary: ImportSummary) -> None:
    first = db.session.scalar(select(Initiative).where(Initiative.external_id == "demo-init-01"))
    second = db.session.scalar(select(Initiative).where(Initiative.external_id == "demo-init-02"))
    for initiative, message in ((first, "De openingsuren op de website kloppen niet meer (demo)."),
                                (second, "Het telefoonnummer werkt niet (demo).")):
        if initiative is None:
            continue
        exists = db.session.scalar(select(OutdatedReport.id).where(OutdatedReport.message == message))
        if exists is None:
            db.session.add(OutdatedReport(id=_demo_id("report", message), initiative_id=initiative.id, message=message))
            summary.created += 1
    editor = next((u for u in users if u.role == "editor"), None)
    if editor is None or editor.organisation_id is None:
        return
    initiative = db.session.scalar(select(Initiative).where(Initiative.organisation_id == editor.organisation_id)
                                   .order_by(Initiative.external_id).limit(1))
    if initiative is None or db.session.get(ChangeRequest, _demo_id("proposal", initiative.id)) is not None:
        return
    db.session.add(ChangeRequest(id=_demo_id("proposal", initiative.id), entity_type="initiative",
                                 entity_id=initiative.id, organisation_id=editor.organisation_id,
                                 proposed={"price": "Gratis, soep 1 euro (demo)"}, original={"price": initiative.price},
                                 submitted_by_id=editor.id))
    summary.created += 1
