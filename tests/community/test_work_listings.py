"""Keeping listings current: direct edits with an audit trail, editors' proposals through the
review queue with a field-by-field diff, verification, stale lists, reports, archive, schedules,
the address look-up, object-level checks and users managed by coordinators."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from tests import factories
from tests.community.workspace import as_user, fresh_request_client, post, text_of, wclient, world  # noqa: F401


def _initiative_form(initiative, **changes):
    data = {"name": initiative.name, "description": initiative.description, "status": initiative.status,
            "tie_type": initiative.tie_type, "cost": initiative.cost, "price": initiative.price,
            "childcare": initiative.childcare, "wheelchair": initiative.wheelchair,
            "working_models": initiative.working_models, "target_groups": initiative.target_groups}
    data.update(changes)
    return data


def _audit(db, entity_id):
    from community.models import AuditEntry
    return db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == entity_id)
                              .order_by(AuditEntry.created_at)).all()


def test_worker_edits_directly_and_the_audit_log_has_old_and_new(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, f"/work/initiatives/{world.i1.id}",
                    _initiative_form(world.i1, cost="social_tariff", price="2 euro", working_models=["location", "peer"]))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.i1.cost == "social_tariff" and world.i1.working_models == ["location", "peer"]
    [entry] = _audit(db, world.i1.id)
    assert entry.action == "update" and entry.user_id == world.users["worker_in"].id
    assert entry.changes["cost"] == {"old": "free", "new": "social_tariff"}
    assert entry.changes["working_models"] == {"old": [], "new": ["location", "peer"]}
    assert set(entry.changes) == {"cost", "price", "working_models"}
    history = text_of(wclient.get(f"/work/initiatives/{world.i1.id}"))
    assert "Cost: free → social_tariff" in history


def test_editor_change_waits_for_review_then_is_approved(app, db, world, wclient):
    from community.models import ChangeRequest
    as_user(wclient, world.users["editor_this"])
    response = post(wclient, f"/work/initiatives/{world.i1.id}", _initiative_form(world.i1, name="Soepcafé West-Centrum",
                                                                                  description="Elke woensdag soep."))
    assert response.status_code == 302 and response.headers["Location"].endswith("/work/proposals")
    db.session.expire_all()
    assert world.i1.name == "Soepcafé West"  # unchanged until approved
    assert "Soepcafé West-Centrum" not in fresh_request_client(app).get(f"/initiatives/{world.i1.id}").get_data(as_text=True)
    cr = db.session.scalar(select(ChangeRequest).where(ChangeRequest.entity_id == world.i1.id,
                                                       ChangeRequest.id != world.cr1.id))
    assert cr.status == "pending" and set(cr.proposed) == {"name", "description"}
    assert "Waiting for review" in text_of(wclient.get("/work/proposals"))

    reviewer = fresh_request_client(app)
    as_user(reviewer, world.users["worker_in"])
    assert "Soepcafé West" in text_of(reviewer.get("/work/review"))
    diff = text_of(reviewer.get(f"/work/review/{cr.id}"))
    assert "Name Soepcafé West Soepcafé West-Centrum" in diff
    assert "Description (empty) Elke woensdag soep." in diff
    response = post(reviewer, f"/work/review/{cr.id}", {"decision": "approve", "note": "Dank je"}, token_from="/work/review")
    assert response.status_code == 302
    db.session.expire_all()
    assert world.i1.name == "Soepcafé West-Centrum" and cr.status == "approved"
    assert cr.reviewed_by_id == world.users["worker_in"].id
    actions = [(e.action, e.user_id) for e in _audit(db, world.i1.id)]
    assert actions == [("propose", world.users["editor_this"].id), ("approve", world.users["worker_in"].id)]
    assert _audit(db, world.i1.id)[1].changes["name"] == {"old": "Soepcafé West", "new": "Soepcafé West-Centrum"}


def test_rejected_change_changes_nothing(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    post(wclient, f"/work/review/{world.cr1.id}", {"decision": "reject", "note": "Klopt niet"})
    db.session.expire_all()
    assert world.cr1.status == "rejected" and world.cr1.review_note == "Klopt niet" and world.i1.price == ""


def test_approval_keeps_later_direct_edits_to_other_fields(app, db, world, wclient):
    """The editor proposed only a price; a worker changed the name meanwhile. Approval keeps both."""
    world.i1.name = "Nieuwe naam"
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    post(wclient, f"/work/review/{world.cr1.id}", {"decision": "approve"})
    db.session.expire_all()
    assert (world.i1.name, world.i1.price) == ("Nieuwe naam", "1 euro")


def test_editor_proposes_a_new_initiative_and_approval_creates_it(app, db, world, wclient):
    from community.models import ChangeRequest, Initiative
    as_user(wclient, world.users["editor_this"])
    post(wclient, "/work/initiatives/new", {"organisation": str(world.o1.id), "place": str(world.p1.id),
                                            "name": "Breicafé", "status": "active", "tie_type": "bonding",
                                            "cost": "free", "childcare": "unknown", "wheelchair": "unknown",
                                            "working_models": ["peer"]})
    assert db.session.scalar(select(Initiative).where(Initiative.name == "Breicafé")) is None
    cr = db.session.scalar(select(ChangeRequest).where(ChangeRequest.entity_id.is_(None)))
    reviewer = fresh_request_client(app)
    as_user(reviewer, world.users["coordinator"])
    post(reviewer, f"/work/review/{cr.id}", {"decision": "approve"})
    created = db.session.scalar(select(Initiative).where(Initiative.name == "Breicafé"))
    assert created.organisation_id == world.o1.id and created.working_models == ["peer"]
    assert [loc.place_id for loc in created.locations] == [world.p1.id]


def test_editor_cannot_propose_for_another_organisation(app, db, world, wclient):
    from community.models import ChangeRequest
    as_user(wclient, world.users["editor_other"])
    before = db.session.scalar(select(func.count()).select_from(ChangeRequest))
    assert post(wclient, f"/work/initiatives/{world.i1.id}", _initiative_form(world.i1, name="Gekaapt")).status_code == 403
    response = post(wclient, "/work/initiatives/new", {"organisation": str(world.o1.id), "place": str(world.p1.id),
                                                       "name": "Gekaapt", "status": "active", "tie_type": "both",
                                                       "cost": "free", "childcare": "unknown", "wheelchair": "unknown"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == before


def test_guessed_ids_give_403_or_404_never_data(app, db, world, wclient):
    as_user(wclient, world.users["editor_other"])
    for url in (f"/work/initiatives/{world.i1.id}", f"/work/organisations/{world.o1.id}", f"/work/places/{world.p1.id}",
                f"/work/activities/{world.a1.id}", f"/work/review/{world.cr1.id}"):
        response = wclient.get(url)
        assert response.status_code == 403 and "Soepcafé West" not in response.get_data(as_text=True), url
    outsider = fresh_request_client(app)
    as_user(outsider, world.users["worker_out"])
    for url in (f"/work/activities/{world.a1.id}", f"/work/activities/{world.a1.id}/done", f"/work/places/{world.p1.id}"):
        response = outsider.get(url)
        assert response.status_code == 403 and "Soep en babbel" not in response.get_data(as_text=True)
    for url in (f"/work/activities/{uuid.uuid4()}", f"/work/initiatives/{uuid.uuid4()}", f"/work/review/{uuid.uuid4()}",
                f"/work/users/{uuid.uuid4()}"):
        assert outsider.get(url).status_code in (403, 404)
    assert outsider.get(f"/work/activities/{uuid.uuid4()}").status_code == 404


def test_verified_today_and_the_stale_list(app, db, world, wclient):
    factories.initiative(world.o1, at=[world.p1], name="Nooit gecontroleerd", last_verified=None)
    factories.initiative(world.o1, at=[world.p1], name="Pas gecontroleerd", last_verified=date.today())
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    page = text_of(wclient.get("/work/stale"))
    assert page.index("Nooit gecontroleerd") < page.index("Soepcafé West")  # never verified first, then oldest
    assert "Pas gecontroleerd" not in page and "Taalcafé Oost" not in page  # recent; other district
    app.config["BUURTKRACHT_STALE_MONTHS"] = 12 * 20  # configurable: with 20 years, 2020 is recent enough
    page = text_of(wclient.get("/work/stale"))
    assert "Nooit gecontroleerd" in page and "Soepcafé West" not in page
    app.config["BUURTKRACHT_STALE_MONTHS"] = 12
    post(wclient, f"/work/initiatives/{world.i1.id}/verify", {"back": "/work/stale"})
    db.session.expire_all()
    from community.services.editing import today
    assert world.i1.last_verified == today()
    assert "Soepcafé West" not in text_of(wclient.get("/work/stale"))
    assert [e.action for e in _audit(db, world.i1.id)] == ["verify"]


def test_report_is_resolved_with_a_note(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, f"/work/reports/{world.report1.id}/resolve", {"note": ""})
    assert "Write a short note" in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.report1.status == "open"
    post(wclient, f"/work/reports/{world.report1.id}/resolve", {"note": "Nieuwe uren ingevuld"})
    db.session.expire_all()
    assert world.report1.status == "resolved" and world.report1.resolution_note == "Nieuwe uren ingevuld"
    assert world.report1.resolved_by_id == world.users["worker_in"].id
    assert "De uren kloppen niet" not in text_of(wclient.get("/work/reports"))


def test_archived_listing_disappears_for_residents_and_can_be_restored(app, db, world, wclient):
    public = fresh_request_client(app)
    assert public.get(f"/initiatives/{world.i1.id}").status_code == 200
    as_user(wclient, world.users["worker_in"])
    post(wclient, f"/work/initiatives/{world.i1.id}/archive")
    assert public.get(f"/initiatives/{world.i1.id}").status_code == 404
    post(wclient, f"/work/initiatives/{world.i1.id}/archive", {"restore": "1"})
    assert public.get(f"/initiatives/{world.i1.id}").status_code == 200
    assert [e.action for e in _audit(db, world.i1.id)] == ["archive", "restore"]


def test_schedules_are_added_and_removed(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, f"/work/initiatives/{world.i1.id}/schedules/new",
                    {"place": str(world.p1.id), "frequency": "monthly", "weekdays": ["2"], "start": "14:00", "end": "16:00"})
    assert "There is a problem" in response.get_data(as_text=True)  # monthly needs which week
    response = post(wclient, f"/work/initiatives/{world.i1.id}/schedules/new",
                    {"place": str(world.p1.id), "frequency": "weekly", "weekdays": ["2"], "start": "14:00", "end": "16:00"})
    assert response.status_code == 302
    db.session.expire_all()
    [schedule] = world.i1.locations[0].schedules
    assert schedule.weekday_list == (2,)
    assert "elke woensdag 14:00–16:00" in text_of(wclient.get(f"/work/initiatives/{world.i1.id}?lang=nl"))
    post(wclient, f"/work/schedules/{schedule.id}/delete")
    db.session.expire_all()
    assert world.i1.locations[0].schedules == []


def test_new_place_takes_its_position_from_our_address_data(app, db, world, wclient):
    from community.models import AddressPoint, MeetingPlace
    db.session.add(AddressPoint(street="Weststraat", street_key="weststraat", number="9", postcode="9000",
                                municipality="Gent", latitude=51.046, longitude=3.712))
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    form = {"name": "Speelplein West", "kind": "park", "street": "Weststraat", "number": "9", "postcode": "9000",
            "municipality": "Gent", "wheelchair": "unknown", "rooms": "Paviljoen (20)\nKeuken"}
    assert post(wclient, "/work/places/new", form).status_code == 302
    place = db.session.scalar(select(MeetingPlace).where(MeetingPlace.name == "Speelplein West"))
    assert (place.latitude, place.longitude) == (51.046, 3.712)
    assert place.area_code("district") == "D1"
    assert sorted((r.name, r.capacity) for r in place.rooms) == [("Keuken", None), ("Paviljoen", 20)]
    response = post(wclient, "/work/places/new", {**form, "name": "Onbekend", "number": "999"})
    assert 'href="#latitude"' in response.get_data(as_text=True)
    lookup = wclient.get("/work/addresses?q=Weststraat+9&format=json").get_json()
    assert lookup == [{"label": "Weststraat 9, 9000 Gent", "street": "Weststraat", "number": "9", "postcode": "9000",
                       "municipality": "Gent", "lat": 51.046, "lon": 3.712}]


def test_worker_cannot_put_a_place_outside_their_districts(app, db, world, wclient):
    from community.models import MeetingPlace
    as_user(wclient, world.users["worker_in"])
    form = {"name": "Elders", "kind": "other", "latitude": "51.05", "longitude": "3.73", "wheelchair": "unknown"}
    response = post(wclient, "/work/places/new", form)
    assert "This position lies outside your areas." in response.get_data(as_text=True)
    assert db.session.scalar(select(MeetingPlace).where(MeetingPlace.name == "Elders")) is None


def test_listing_text_is_escaped(app, db, world, wclient):
    world.i1.name = "<script>alert(1)</script>"
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    for url in ("/work/listings", "/work/stale", "/work/reports", f"/work/review/{world.cr1.id}"):
        html = wclient.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html, url


# ------------------------------------------------------------------ users

def test_coordinator_creates_a_worker_with_a_handover_link(app, db, world, wclient):
    from community.models import User
    as_user(wclient, world.users["coordinator"])
    response = post(wclient, "/work/users/new", {"email": "nieuw@test.example", "role": "worker", "areas": ["D2"],
                                                 "is_enabled": "y"}, token_from="/work/users")
    assert response.status_code == 200 and "/reset/" in response.get_data(as_text=True)
    created = db.session.scalar(select(User).where(User.email == "nieuw@test.example"))
    assert created.role == "worker" and [ua.area_id for ua in created.areas] == [world.d2.id]


def test_coordinator_cannot_create_admins_or_see_them(app, db, world, wclient):
    from community.models import User
    as_user(wclient, world.users["coordinator"])
    response = post(wclient, "/work/users/new", {"email": "baas@test.example", "role": "admin", "password": "een lang wachtwoord"},
                    token_from="/work/users")
    assert "There is a problem" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "baas@test.example")) is None
    assert "admin@test.example" not in text_of(wclient.get("/work/users"))
    assert wclient.get(f"/work/users/{world.users['admin'].id}").status_code == 404


def test_user_form_errors_name_the_fields(app, db, world, wclient):
    as_user(wclient, world.users["admin"])
    response = post(wclient, "/work/users/new", {"email": "x@test.example", "role": "worker", "password": "kort"},
                    token_from="/work/users")
    html = response.get_data(as_text=True)
    assert 'href="#password"' in html and "at least 10 characters" in html
