"""Workspace choice lists at any scale (issue 11): a search narrows the initiatives, places and
organisations offered, without JavaScript too (the form sent with GET comes back with the
matches and everything typed kept); the JSON for the suggestion list follows the same rules; a
posted id outside the user's scope is refused on its field; the SQL scope conditions agree with
the record-by-record rules (community/services/permissions.py)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories
from workspace import as_user, post, text_of, wclient, world  # noqa: F401  (fixtures)

PLAN = {"title": "Buurtsoep", "day": "2030-07-10", "start": "14:00", "end": "16:00", "visibility": "internal"}


def _options(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<option[^>]*>(.*?)</option>", select_html, re.S)]


def _more_places(world, count: int):
    from community.extensions import db
    made = [factories.place(name=f"Zaal {i:02d}", street="Weststraat", number=str(i + 10),
                            latitude=51.05, longitude=3.705 + i * 0.0001) for i in range(count)]
    db.session.commit()
    return made


def test_a_search_without_javascript_narrows_the_places_and_keeps_what_was_typed(app, db, world, wclient):
    _more_places(world, 30)
    as_user(wclient, world.users["worker_in"])
    html = wclient.get("/work/activities/new").get_data(as_text=True)
    listed = _options(html, "place")
    assert len(listed) <= 1 + 5 + 15, listed  # never every row: recently used, the first matches, a hint
    assert "Type part of the name to find others." in text_of(wclient.get("/work/activities/new"))
    # The search button sends the whole form with GET: the matches come back, the title too.
    response = wclient.get("/work/activities/new", query_string={
        "title": "Soep en babbel", "place_search": "buurthuis west", "search": "Search"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _options(html, "place") == ["No meeting place (a spot on the map)", "Buurthuis West (Weststraat 1, Gent)"]
    assert 'value="Soep en babbel"' in html
    assert "1 match." in text_of(response)
    # Its rooms are listed with it; another place's are not.
    assert _options(html, "room") == ["No particular room", "Buurthuis West: Grote zaal"]
    # The chosen place stays in the list when another search finds other places.
    html = wclient.get("/work/activities/new", query_string={
        "place": str(world.p1.id), "place_search": "zaal 2", "search": "Search"}).get_data(as_text=True)
    assert _options(html, "place")[:2] == ["No meeting place (a spot on the map)", "Buurthuis West (Weststraat 1, Gent)"]
    assert "Zaal 20 (Weststraat 30, Gent)" in _options(html, "place")
    assert re.search(rf'<option selected value="{world.p1.id}"|<option value="{world.p1.id}" selected', html)


def test_a_search_by_get_never_keeps_the_forms_secrets_in_the_address(app, db, world, wclient):
    # The no-JavaScript search sends the whole form, CSRF token and one-time key included: the
    # answer is the same address without them, so neither stays in the history or a Referer.
    as_user(wclient, world.users["worker_in"])
    response = wclient.get("/work/activities/new", query_string=[
        ("csrf_token", "secret-token"), ("submission_key", "once"), ("title", "Soep & babbel"),
        ("place_search", "buurthuis west"), ("search", "Search")])
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "secret" not in location and "submission_key" not in location
    assert location == "/work/activities/new?title=Soep+%26+babbel&place_search=buurthuis+west&search=Search"
    followed = wclient.get(location)
    assert followed.status_code == 200 and 'value="Soep &amp; babbel"' in followed.get_data(as_text=True)


def test_only_places_and_initiatives_in_the_users_districts_are_offered(app, db, world, wclient):
    as_user(wclient, world.users["worker_in"])
    html = wclient.get("/work/activities/new", query_string={"place_search": "buurthuis",
                                                              "initiative_search": "caf"}).get_data(as_text=True)
    assert "Buurthuis West (Weststraat 1, Gent)" in _options(html, "place")
    assert not any("Oost" in o for o in _options(html, "place"))
    assert _options(html, "initiative") == ["None", "Soepcafé West"]


def test_the_suggestion_list_json_follows_the_same_rules(app, db, world, wclient):
    _more_places(world, 30)
    as_user(wclient, world.users["worker_in"])
    found = wclient.get("/work/choices/places", query_string={"q": "zaal 05"}).get_json()
    assert [o["label"] for o in found["options"]] == ["Zaal 05 (Weststraat 15, Gent)"]
    assert found["message"] == "1 match." and found["more"] is False
    found = wclient.get("/work/choices/places", query_string={"q": "ZAAL"}).get_json()
    assert [o["label"] for o in found["options"]] == [f"Zaal {i:02d} (Weststraat {i + 10}, Gent)" for i in range(15)]
    assert found["more"] is True and found["message"].startswith("The first 15 matches are shown")
    found = wclient.get("/work/choices/places", query_string={"q": "Oost"}).get_json()
    assert found["options"] == [] and found["message"] == "Nothing found for 'Oost'."
    found = wclient.get("/work/choices/places", query_string={"q": "west"}).get_json()
    assert found["rooms"][str(world.p1.id)] == [{"id": str(world.r1.id), "label": "Buurthuis West: Grote zaal"}]
    organisations = wclient.get("/work/choices/organisations", query_string={"q": "vzw"}).get_json()
    assert [o["label"] for o in organisations["options"]] == ["Vzw Oost", "Vzw West"]  # any may be a partner
    editor = wclient.application.test_client()
    editor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    as_user(editor, world.users["editor_this"])
    mine = editor.get("/work/choices/organisations", query_string={"for": "initiative", "q": "vzw"}).get_json()
    assert [o["label"] for o in mine["options"]] == ["Vzw West"]  # an editor proposes for their own


@pytest.mark.parametrize("field, value, message", [
    ("place", "p2", "This place lies outside your districts."),
    ("initiative", "i2", "This initiative is not held in your districts: choose one of yours, or none."),
    ("partners", "unknown", "Choose partner organisations from the list."),
])
def test_a_posted_id_outside_the_users_scope_is_refused_on_its_field(app, db, world, wclient, field, value, message):
    from community.models import Activity
    as_user(wclient, world.users["worker_in"])
    ids = {"p2": str(world.p2.id), "i2": str(world.i2.id), "unknown": "00000000-0000-4000-8000-000000000000"}
    data = {**PLAN, "place": str(world.p1.id), field: ids[value]}
    before = db.session.scalar(select(db.func.count()).select_from(Activity))
    response = post(wclient, "/work/activities/new", data, token_from="/work/activities/new")
    assert response.status_code == 200
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True) or f'href="#{field}' in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(select(db.func.count()).select_from(Activity)) == before


@pytest.mark.parametrize("role", ["worker_in", "worker_out", "editor_this", "editor_other", "coordinator", "admin"])
@pytest.mark.parametrize("action, kind", [("activity.plan", "meeting_place"), ("activity.plan", "initiative"),
                                          ("listing.edit_direct", "organisation"), ("listing.propose", "initiative")])
def test_the_sql_scope_agrees_with_the_rules_record_by_record(app, db, world, role, action, kind):
    from community.models import Initiative, MeetingPlace, Organisation
    from community.services import permissions
    lonely = factories.organisation(name="Vzw Nergens")  # held nowhere yet: any worker may complete it
    db.session.commit()
    user = world.users[role]
    model = {"meeting_place": MeetingPlace, "initiative": Initiative, "organisation": Organisation}[kind]
    in_sql = set(db.session.scalars(select(model.id).where(permissions.listings_in_scope(user, action, kind))))
    one_by_one = {r.id for r in db.session.scalars(select(model))
                  if permissions.can(user, action, permissions.scope_of(kind, r))}
    assert in_sql == one_by_one
    assert {r.id for r in db.session.scalars(select(model)) if permissions.may(user, action, kind, r.id)} == one_by_one
    assert lonely.id in db.session.scalars(select(Organisation.id)).all()


@pytest.mark.parametrize("role", ["worker_in", "worker_out", "coordinator", "admin"])
def test_open_reports_in_sql_are_those_the_rules_allow(app, db, world, role):
    from community.models import OutdatedReport
    from community.services import permissions, worklists
    factories.report(world.i2, "Oost klopt niet")
    place_report = OutdatedReport(message="Adres fout", place_id=world.p2.id)
    db.session.add(place_report)
    db.session.commit()
    user = world.users[role]
    listed = {r.id for r in worklists.open_reports(user).items}
    allowed = {r.id for r in db.session.scalars(select(OutdatedReport))
               if permissions.can(user, "report.resolve", permissions.report_scope(r))}
    assert listed == allowed and listed
