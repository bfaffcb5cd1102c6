"""The activity log: planning in Brussels time, districts, room clashes, logging counts without
personal details, the calendar, ICS feeds, 'what's on', figures, export and CSRF."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.community.workspace import as_user, begun, local, post, text_of, wclient, world  # noqa: F401


def _plan(world, **changes):
    data = {"title": "Buurtsoep", "day": "2030-07-10", "start": "14:00", "end": "16:00", "place": str(world.p1.id),
            "room": "", "visibility": "public", "working_models": ["location", "peer"], "target_groups": ["elderly"]}
    data.update(changes)
    return data


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_planning_stores_brussels_time_as_utc_and_the_district(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, "/work/activities/new", _plan(world, partners=[str(world.o2.id)]))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "Buurtsoep"))
    # 10 July is summer time (UTC+2): 14:00 in Brussels is 12:00 UTC.
    assert activity.starts_at == datetime(2030, 7, 10, 12, 0, tzinfo=timezone.utc)
    assert activity.ends_at == datetime(2030, 7, 10, 14, 0, tzinfo=timezone.utc)
    assert activity.area_id == world.d1.id
    assert activity.codes("working_model") == ["location", "peer"]
    assert [p.organisation_id for p in activity.partners] == [world.o2.id]
    assert activity.worker_id == world.users["worker_in"].id


def test_winter_time_and_a_map_point_outside_a_meeting_place(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, "/work/activities/new", _plan(world, title="Parkwandeling", day="2030-01-15", place="",
                                                           latitude="51.045", longitude="3.705"))
    assert response.status_code == 302
    activity = db.session.scalar(select(Activity).where(Activity.title == "Parkwandeling"))
    assert activity.starts_at == datetime(2030, 1, 15, 13, 0, tzinfo=timezone.utc)  # UTC+1
    assert activity.place_id is None and (activity.latitude, activity.longitude) == (51.045, 3.705)
    assert activity.area_id == world.d1.id  # computed from the point


def test_planning_problems_are_named_per_field_and_nothing_is_written(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    before = _count(db, Activity)
    response = post(wclient, "/work/activities/new", _plan(world, title="", place="", end="13:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#title"' in html
    db.session.rollback()
    response = post(wclient, "/work/activities/new", _plan(world, place="", end="13:00"))
    html = response.get_data(as_text=True)
    assert 'href="#place"' in html and 'href="#end"' in html and "There is a problem" in html
    assert _count(db, Activity) == before


def test_a_title_with_contact_details_is_refused(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    before = _count(db, Activity)
    response = post(wclient, "/work/activities/new", _plan(world, title="Koffie bij Jan, 0470 12 34 56"))
    html = response.get_data(as_text=True)
    assert "leave out e-mail addresses and phone numbers" in html and 'href="#title"' in html
    assert _count(db, Activity) == before


def test_reset_mail_failure_shows_the_link_instead(app, monkeypatch):
    import smtplib
    from community.models import User
    from community.services import accounts

    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "no")
    monkeypatch.setattr(smtplib, "SMTP", refuse)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.test_request_context("/"):
        assert accounts.send_reset_mail(User(email="w@example.org"), "http://x/reset/t") is False


def test_a_worker_cannot_plan_in_another_district(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    before = _count(db, Activity)
    response = post(wclient, "/work/activities/new", _plan(world, place=str(world.p2.id)))
    assert "This place lies outside your districts." in response.get_data(as_text=True)
    assert _count(db, Activity) == before


def test_room_clash_is_shown_then_moving_the_activity_saves_it(app, db, world, wclient):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    day = world.a1.starts_at.astimezone(__import__("community.scheduling", fromlist=["TZ"]).TZ).date().isoformat()
    before = _count(db, Activity)
    response = post(wclient, "/work/activities/new", _plan(world, day=day, start="15:00", end="17:00", room=str(world.r1.id)))
    html = text_of(response)
    assert response.status_code == 200
    assert "The room is already booked at this time" in html and "Soep en babbel" in html
    assert _count(db, Activity) == before
    # Moved to right after the booking: [16:00, 18:00) touches [14:00, 16:00) but does not overlap.
    response = post(wclient, "/work/activities/new", _plan(world, day=day, start="16:00", end="18:00", room=str(world.r1.id)))
    assert response.status_code == 302
    assert _count(db, Activity) == before + 1


def test_a_clash_kept_on_purpose_is_flagged_on_the_calendar(app, db, world, wclient):
    from community.scheduling import TZ
    as_user(wclient, world.users["worker_in"])
    day = world.a1.starts_at.astimezone(TZ).date()
    response = post(wclient, "/work/activities/new", _plan(world, title="Dubbel geboekt", day=day.isoformat(),
                                                           start="15:00", end="17:00", room=str(world.r1.id),
                                                           allow_clash="y"))
    assert response.status_code == 302
    page = text_of(wclient.get(f"/work/calendar?week={day.isoformat()}"))
    assert "2 activities this week share a room at the same time." in page
    assert page.count("Room clash") == 2


def test_cancelled_activities_do_not_clash(app, db, world):
    from community.services import activities
    world.a1.status = "cancelled"
    db.session.commit()
    assert activities.room_clashes(world.r1.id, world.a1.starts_at, world.a1.ends_at) == []


def test_calendar_shows_my_districts_only(app, db, world, wclient):
    from community.scheduling import TZ
    as_user(wclient, world.users["worker_in"])
    week = world.a1.starts_at.astimezone(TZ).date().isoformat()
    page = text_of(wclient.get(f"/work/calendar?week={week}"))
    assert "Soep en babbel" in page and "Oost overleg" not in page
    coordinator = __import__("tests.community.workspace", fromlist=["fresh_request_client"]).fresh_request_client(app)
    as_user(coordinator, world.users["coordinator"])
    page = text_of(coordinator.get(f"/work/calendar?week={week}"))
    assert "Soep en babbel" in page and "Oost overleg" in page


def test_mark_done_form_is_prefilled_from_the_plan(app, db, world, wclient):
    world.a1.set_codes("target_group", ["elderly", "families"])
    db.session.commit()
    as_user(wclient, world.users["worker_in"])
    html = wclient.get(f"/work/activities/{world.a1.id}/done").get_data(as_text=True)
    checked = re.findall(r'name="target_groups_reached"[^>]*value="(\w+)"\s*checked', html)
    assert sorted(checked) == ["elderly", "families"]
    assert 'inputmode="numeric"' in html
    # No field anywhere for residents' names.
    assert not re.search(r'name="[^"]*name[^"]*"', html)


def test_a_planned_activity_cannot_be_logged_as_held_before_it_begins(app, db, world, wclient):
    """Counts of an activity planned for tomorrow would enter the municipality's figures as held."""
    as_user(wclient, world.users["worker_in"])
    counts = {"participants": "14", "new_participants": "3", "volunteers": "2"}
    response = post(wclient, f"/work/activities/{world.a1.id}/done", counts)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "it can be logged as held once it has begun" in html
    db.session.expire_all()
    assert (world.a1.status, world.a1.participants) == ("planned", None)
    page = wclient.get(f"/work/activities/{world.a1.id}").get_data(as_text=True)
    assert "once it has begun" in page and f"/work/activities/{world.a1.id}/done" not in page
    begun(db, world.a1, hours_ago=0)  # it begins now: it may be logged
    assert post(wclient, f"/work/activities/{world.a1.id}/done", counts).status_code == 302
    db.session.expire_all()
    assert (world.a1.status, world.a1.participants) == ("done", 14)


def test_mark_done_with_counts(app, db, world, wclient):
    begun(db, world.a1)
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, f"/work/activities/{world.a1.id}/done",
                    {"participants": "14", "new_participants": "3", "volunteers": "2",
                     "target_groups_reached": ["elderly"], "reflection": "Goede sfeer."})
    assert response.status_code == 302
    db.session.expire_all()
    assert (world.a1.status, world.a1.participants, world.a1.new_participants, world.a1.volunteers) == ("done", 14, 3, 2)
    assert world.a1.codes("target_group_reached") == ["elderly"]


def test_more_new_participants_than_participants_is_refused(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    response = post(wclient, f"/work/activities/{world.a1.id}/done",
                    {"participants": "3", "new_participants": "5", "volunteers": "0"})
    html = response.get_data(as_text=True)
    assert 'href="#new_participants"' in html
    db.session.expire_all()
    assert world.a1.status == "planned"


@pytest.mark.parametrize("reflection", ["Mail jan.peeters@example.org voor de foto's", "Bel haar op 0470 12 34 56",
                                        "+32 9 123 45 67 belde terug"])
def test_reflection_with_contact_details_is_held_back_until_confirmed(app, db, world, wclient, reflection):
    begun(db, world.a1)
    as_user(wclient, world.users["worker_in"])
    counts = {"participants": "10", "new_participants": "1", "volunteers": "1", "reflection": reflection}
    response = post(wclient, f"/work/activities/{world.a1.id}/done", counts)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "looks like it contains an e-mail address or a phone number" in html
    assert 'name="no_personal_details"' in html
    db.session.expire_all()
    assert world.a1.status == "planned" and world.a1.reflection == ""
    response = post(wclient, f"/work/activities/{world.a1.id}/done", {**counts, "no_personal_details": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.a1.status == "done"


def test_ordinary_reflections_pass(app, db, world):
    from community.services.activities import personal_details_in
    assert personal_details_in("12 mensen, 3 nieuw; om 14:00 begonnen, 2025 was drukker.") == []


def test_activity_has_no_column_for_names(app):
    from community.models import Activity
    assert not [c.name for c in Activity.__table__.columns if "name" in c.name]


def test_move_and_cancel_are_in_the_audit_log(app, db, world, wclient):
    from community.models import AuditEntry
    as_user(wclient, world.users["worker_in"])
    post(wclient, f"/work/activities/{world.a1.id}/edit", _plan(world, title="Soep en babbel", day="2030-02-02",
                                                                 room=str(world.r1.id)))
    post(wclient, f"/work/activities/{world.a1.id}/cancel")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_id == world.a1.id)
                                 .order_by(AuditEntry.created_at)).all()
    assert [e.action for e in entries] == ["update", "cancel"]
    assert entries[0].changes["starts_at"]["new"].startswith("2030-02-02")
    assert entries[0].user_id == world.users["worker_in"].id


# ------------------------------------------------------------------ feeds and what's on

def _feed_url(client, area=""):
    response = post(client, "/work/feeds", {"area": area}, token_from="/work/feeds")
    match = re.search(r'value="http://localhost(/work/calendar/[^"]+\.ics)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return match.group(1)


def test_worker_feed_is_ics_with_their_activities(app, db, world, wclient):
    from icalendar import Calendar
    from community.models import FeedToken
    as_user(wclient, world.users["worker_in"])
    url = _feed_url(wclient)
    token = url.rsplit("/", 1)[1][:-4]
    assert db.session.get(FeedToken, token) is None  # only the hash is stored
    response = app.test_client().get(url)  # a calendar app: no cookies
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Soep en babbel"]
    assert events[0].decoded("dtstart") == world.a1.starts_at
    assert "Buurthuis West" in str(events[0]["location"])


def test_district_feed_and_revoking(app, db, world, wclient):
    from icalendar import Calendar
    as_user(wclient, world.users["coordinator"])
    url = _feed_url(wclient, "D2")
    events = Calendar.from_ical(app.test_client().get(url).data).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Oost overleg"]
    feeds = wclient.get("/work/feeds").get_data(as_text=True)
    revoke = re.search(r'action="(/work/feeds/[0-9a-f]+/revoke)"', feeds).group(1)
    post(wclient, revoke, token_from="/work/feeds")
    assert app.test_client().get(url).status_code == 404


def test_feed_stops_when_the_worker_loses_the_district_or_is_disabled(app, db, world, wclient):
    from community.models import UserArea
    as_user(wclient, world.users["worker_in"])
    url = _feed_url(wclient, "D1")
    assert app.test_client().get(url).status_code == 200
    world.users["worker_in"].areas = [UserArea(area_id=world.d2.id)]
    db.session.commit()
    assert app.test_client().get(url).status_code == 404
    assert app.test_client().get("/work/calendar/not-a-token.ics").status_code == 404


def test_public_activities_for_whats_on(app, db, world):
    from community.services.activities import public_activities
    start = datetime.now(timezone.utc)
    found = public_activities(start, start + timedelta(days=7))
    assert [a.title for a in found] == ["Soep en babbel"]  # A2 is internal
    assert found[0].place_name == "Buurthuis West" and (found[0].latitude, found[0].longitude) == (51.05, 3.71)
    assert public_activities(start, start + timedelta(days=7), area_code="D2") == []
    world.a1.status = "done"
    db.session.commit()
    assert public_activities(start, start + timedelta(days=7)) == []


# ------------------------------------------------------------------ figures and export

def _done(db, world, title, day, participants, new, area="d1"):
    place = world.p1 if area == "d1" else world.p2  # P1 lies in D1, P2 in D2
    activity = factories.activity(world.users["worker_in"], place, day=day, start=10, end=12, title=title,
                                  status="done", participants=participants, new_participants=new, volunteers=1,
                                  reflection="Niet exporteren")
    activity.set_codes("working_model", ["competence"])
    db.session.add(activity)
    db.session.commit()
    return activity


def test_export_hides_small_counts_and_reflections(app, db, world, wclient):
    _done(db, world, "Kleine groep", date(2025, 3, 4), 3, 1)
    _done(db, world, "Grote groep", date(2025, 3, 5), 25, 7)
    _done(db, world, "Buiten de periode", date(2025, 5, 1), 30, 2)
    as_user(wclient, world.users["worker_in"])
    response = wclient.get("/work/export?first_day=2025-03-01&last_day=2025-03-31&district=D1&format=csv-plain")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    # A small count is never text in a number column: the number is left out, its flag column says why.
    assert [(r["title"], r["participants"], r["participants_hidden"], r["new_participants"],
             r["new_participants_hidden"], r["volunteers"], r["volunteers_hidden"]) for r in rows] == [
        ("Kleine groep", "", "<5", "", "<5", "", "<5"), ("Grote groep", "25", "", "7", "", "", "<5")]
    assert rows[0]["district_code"] == "D1" and rows[0]["working_models"] == "competence"
    assert "Niet exporteren" not in response.get_data(as_text=True)


def test_export_as_a_workbook_and_as_a_belgian_csv_reads_back_with_the_right_numbers(app, db, world, wclient):
    """What a municipality opens in Excel: numbers as numbers, headers in their language, accents intact."""
    import openpyxl
    _done(db, world, "Taalcafé – groot", date(2025, 3, 5), 25, 7)
    _done(db, world, "Kleine groep", date(2025, 3, 4), 3, 1)
    as_user(wclient, world.users["worker_in"])
    query = "/work/export?first_day=2025-03-01&last_day=2025-03-31&district=D1&lang=nl"
    book = wclient.get(query + "&format=xlsx")
    assert book.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert book.headers["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(book.data))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Datum", "Begin", "Einde"] and "Deelnemers" in header
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    big = next(r for r in rows if r["Titel"] == "Taalcafé – groot")
    assert big["Deelnemers"] == 25 and isinstance(big["Deelnemers"], int)
    small = next(r for r in rows if r["Titel"] == "Kleine groep")
    assert small["Deelnemers"] is None and "<5" in small.values()
    legend = {row[0].value: row[1].value for row in workbook["columns"].iter_rows(min_row=2)}
    assert legend["participants"] == "Deelnemers" and "participants_hidden" in legend

    belgian = wclient.get(query + "&format=csv")
    raw = belgian.data
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with its byte-order mark
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert lines[0][:3] == ["Datum", "Begin", "Einde"] and lines[1][:3] == ["date", "start", "end"]
    table = [dict(zip(lines[1], line)) for line in lines[2:]]
    assert {r["title"]: r["participants"] for r in table} == {"Kleine groep": "", "Taalcafé – groot": "25"}


def test_a_belgian_csv_writes_decimals_with_a_comma_and_programs_get_a_point(app):
    from community.services.spreadsheet import Column, table_file
    columns = [Column("share", "Aandeel"), Column("name", "Naam")]
    with app.test_request_context("/?lang=nl"):
        body, _type, _ext = table_file("csv", columns, [[0.25, "=1+1"]], "t")
        # quoted, as every field holding a separator (spreadsheets still read a number)
        assert body.decode("utf-8-sig").splitlines()[2] == "\"0,25\";'=1+1"
        body, _type, _ext = table_file("csv-plain", columns, [[0.25, "x"]], "t")
        assert body.decode("utf-8").splitlines() == ["share,name", "0.25,x"]
    with app.test_request_context("/?lang=en"):
        body, _type, _ext = table_file("csv", columns, [[0.25, "x"]], "t")
        assert body.decode("utf-8-sig").splitlines()[2] == "0.25,x"


def test_export_period_problems_are_named(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    response = wclient.get("/work/export?first_day=2025-03-31&last_day=2025-03-01&district=D1")
    assert response.mimetype == "text/html" and 'href="#last_day"' in response.get_data(as_text=True)


def test_my_figures_count_my_own_done_activities(app, db, world, wclient):
    from community.scheduling import TZ
    today = datetime.now(TZ).date()
    _done(db, world, "Deze maand", today.replace(day=1), 3, 1)
    as_user(wclient, world.users["worker_in"])
    page = text_of(wclient.get("/work/me"))
    # Shown exactly: these are the worker's own figures, not beyond the team.
    assert "Total 1 3 1 1" in page


def test_dashboard_protects_small_counts_for_coordinators_only(app, db, world, wclient):
    from community.scheduling import TZ
    from tests.community.workspace import fresh_request_client
    _done(db, world, "Recent", datetime.now(TZ).date() - timedelta(days=3), 4, 2)
    as_user(wclient, world.users["worker_in"])
    page = text_of(wclient.get("/work/"))
    assert "Westwijk 1 4 2" in page and "Recent" in page
    coordinator = fresh_request_client(app)
    as_user(coordinator, world.users["coordinator"])
    page = text_of(coordinator.get("/work/"))
    assert "Westwijk fewer than 5 fewer than 5 fewer than 5" in page


def test_dashboard_lists_what_needs_doing(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    page = text_of(wclient.get("/work/"))
    assert "Soep en babbel" in page  # upcoming
    assert "Soepcafé West" in page  # stale since 2020
    assert "De uren kloppen niet" in page  # open report
    assert "1 change waits for review." in page and "1 open report." in page  # issue 15: plurals
    assert "1 listing was not verified" in page or "listings were not verified" in page
    nl = text_of(wclient.get("/work/?lang=nl"))
    assert "1 wijziging wacht op nazicht." in nl and "1 open melding." in nl


# ------------------------------------------------------------------ CSRF

@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_wrong_csrf_is_400_and_writes_nothing(app, db, world, wclient, token):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    wclient.get("/work/")  # a session with a real token exists
    before = _count(db, Activity)
    data = _plan(world)
    if token:
        data["csrf_token"] = token
    assert wclient.post("/work/activities/new", data=data).status_code == 400
    assert wclient.post(f"/work/activities/{world.a1.id}/cancel", data={"csrf_token": token} if token else {}).status_code == 400
    db.session.expire_all()
    assert _count(db, Activity) == before and world.a1.status == "planned"


def test_audit_log_page_shows_changes_in_my_districts_only(app, db, world, wclient):
    from tests.community.workspace import fresh_request_client
    as_user(wclient, world.users["worker_in"])
    post(wclient, f"/work/activities/{world.a1.id}/cancel")
    colleague = fresh_request_client(app)
    as_user(colleague, world.users["coordinator"])
    assert "activity · cancel" in text_of(colleague.get("/work/audit"))
    outsider = fresh_request_client(app)
    as_user(outsider, world.users["worker_out"])
    assert "activity · cancel" not in text_of(outsider.get("/work/audit"))
