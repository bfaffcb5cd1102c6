"""Issue 13, "nothing that has ended": an offer whose every schedule has ended is left out of the
finder, the map, area pages and printed guides, and its page says when it ended; one that starts
later is still found and says when it starts; guides list only the schedules in force today."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from community.scheduling import TZ
from tests import factories

TODAY = datetime.now(TZ).date()
PAST = TODAY - timedelta(days=100)       # the summer that is over
LONG_AGO = TODAY - timedelta(days=300)
FUTURE = TODAY + timedelta(days=60)      # the spring that has not begun
BBOX = "3.60,50.98,3.85,51.12"


@pytest.fixture
def offers(app, db):
    """Six offers in district E1, all on Wednesday afternoon (and every other day for 'Buurtsoep'):
    Zomerspelen ended, Kerstmarkt a one-off that is over, Voorjaarsatelier starts later,
    Samentuin's weekly schedule ended but its monthly one goes on, Buurtsoep runs every day,
    Altijd open has no schedule at all."""
    district = factories.area("E1", name="Eindwijk", box=(3.70, 51.04, 3.74, 51.06))
    place = factories.place(name="Buurthuis Einde", latitude=51.05, longitude=3.72)
    org = factories.organisation(name="Buurtwerk")
    made = {}
    for name in ("Zomerspelen", "Kerstmarkt", "Voorjaarsatelier", "Samentuin", "Buurtsoep", "Altijd open"):
        made[name] = factories.initiative(org, at=[place], name=name, working_models=["location"])
    factories.schedule(made["Zomerspelen"], weekdays=[2], valid_from=LONG_AGO, valid_until=PAST)
    factories.schedule(made["Kerstmarkt"], frequency="once", weekdays=[], date=PAST)
    factories.schedule(made["Voorjaarsatelier"], weekdays=[2], valid_from=FUTURE)
    factories.schedule(made["Samentuin"], weekdays=[2], valid_from=LONG_AGO, valid_until=PAST, note="zomer")
    factories.schedule(made["Samentuin"], frequency="monthly", weekdays=[6], nth=1)
    factories.schedule(made["Buurtsoep"], weekdays=list(range(7)), start="00:00", end="23:59")
    db.session.commit()
    return {"district": district, "place": place, **made}


def _names(html: str) -> set[str]:
    return {name for name in ("Zomerspelen", "Kerstmarkt", "Voorjaarsatelier", "Samentuin", "Buurtsoep",
                              "Altijd open") if name in html}


SHOWN = {"Voorjaarsatelier", "Samentuin", "Buurtsoep", "Altijd open"}


def test_the_finder_leaves_out_what_has_ended(app, offers):
    from community.services.finder import FinderQuery, find
    with app.test_request_context("/"):
        assert {item.initiative.name for item in find(FinderQuery()).listings} == SHOWN
        assert find(FinderQuery()).total == 4
        # the one that starts later is found, but not as on now, this week or on Wednesday afternoon
        week = {i.initiative.name for i in find(FinderQuery(when="week")).listings}
        assert "Buurtsoep" in week and not week & {"Zomerspelen", "Kerstmarkt", "Voorjaarsatelier", "Altijd open"}
        assert {i.initiative.name for i in find(FinderQuery(when="now")).listings} == {"Buurtsoep"}
        assert {i.initiative.name for i in find(FinderQuery(day=2, part="afternoon")).listings} == {"Buurtsoep"}


def test_the_pages_leave_out_what_has_ended(client, offers):
    assert _names(client.get("/initiatives").get_data(as_text=True)) == SHOWN
    assert _names(client.get("/").get_data(as_text=True)) == SHOWN
    assert _names(client.get("/areas/E1").get_data(as_text=True)) == SHOWN
    markers = client.get("/map/markers", query_string={"bbox": BBOX, "zoom": "14"}).get_json()
    assert markers["total"] == 4
    assert {m["name"] for m in markers["markers"]} == SHOWN


@pytest.mark.parametrize("url", ["/print?district=E1&lang=nl", "/areas/E1/guide?lang=nl"])
def test_printed_guides_list_only_the_schedules_in_force(client, offers, url):
    html = client.get(url).get_data(as_text=True)
    days = dict(re.findall(r'<section class="guide-day"[^>]*>\s*<h2[^>]*>([^<]+)</h2>(.*?)</section>', html, re.S))
    assert set(days) == {"Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag", "Zaterdag", "Zondag"}
    assert _names(days["Woensdag"]) == {"Buurtsoep"}   # not the ended one, not the one begun later
    assert _names(days["Zondag"]) == {"Buurtsoep", "Samentuin"}  # Samentuin's monthly Sunday goes on
    assert "zomer" not in days["Woensdag"]
    assert "Zomerspelen" not in html and "Kerstmarkt" not in html


def test_the_detail_page_says_when_it_ended_or_starts(client, offers):
    from flask_babel import format_date
    ended = client.get(f"/initiatives/{offers['Zomerspelen'].id}?lang=en").get_data(as_text=True)
    later = client.get(f"/initiatives/{offers['Voorjaarsatelier'].id}?lang=en").get_data(as_text=True)
    once = client.get(f"/initiatives/{offers['Kerstmarkt'].id}?lang=en").get_data(as_text=True)
    going = client.get(f"/initiatives/{offers['Samentuin'].id}?lang=en").get_data(as_text=True)
    with client.application.test_request_context("/?lang=en"):
        past, future = format_date(PAST, "long"), format_date(FUTURE, "long")
    assert f"Ended on {past}" in ended and f"Ended on {past}" in once
    assert f"Starts on {future}" in later
    assert "Ended on" not in going and "Starts on" not in going
    # in the results, the later one carries its note
    results = client.get("/initiatives?lang=en").get_data(as_text=True)
    assert results.count("Starts on") == 1 and f"Starts on {future}" in results
    # and on the place's page, beside its name
    place = client.get(f"/places/{offers['place'].id}?lang=en").get_data(as_text=True)
    assert f"Ended on {past}" in place and f"Starts on {future}" in place


def test_period_of_rules():
    from datetime import time
    from community.scheduling import Period, Recurrence, period
    today = date(2026, 12, 4)

    def weekly(**bounds):
        return Recurrence("weekly", time(14), time(16), weekdays=(2,), **bounds)
    assert period([], today) is None
    assert period([weekly()], today) is None
    assert period([weekly(valid_until=date(2026, 8, 31))], today) == Period(ended=date(2026, 8, 31))
    assert period([weekly(valid_until=today)], today) is None  # its last day counts
    assert period([weekly(valid_until=date(2026, 6, 30)), weekly(valid_until=date(2026, 8, 31))],
                  today) == Period(ended=date(2026, 8, 31))
    assert period([weekly(valid_until=date(2026, 8, 31)), weekly(valid_from=date(2027, 3, 1)),
                   weekly(valid_from=date(2027, 1, 5))], today) == Period(starts=date(2027, 1, 5))
    assert period([Recurrence("once", time(14), time(16), on_date=today)], today) is None
    # a one-off later counts already (its sentence says the day), as scheduling.in_force says
    assert period([Recurrence("once", time(14), time(16), on_date=date(2027, 1, 9))], today) is None


def test_hsds_schedules_carry_their_validity(client, offers):
    services = client.get("/api/hsds/services?per_page=500").get_json()["contents"]
    schedules = {s["service_id"]: s for item in services for sal in item["service_at_locations"]
                 for s in sal["schedules"]}
    ended = schedules[str(offers["Zomerspelen"].id)]
    assert ended["valid_from"] == LONG_AGO.isoformat() and ended["valid_to"] == PAST.isoformat()
    assert schedules[str(offers["Voorjaarsatelier"].id)]["valid_from"] == FUTURE.isoformat()
    assert schedules[str(offers["Kerstmarkt"].id)]["valid_to"] == PAST.isoformat()


def test_the_writer_keeps_each_links_last_day(app, db):
    """initiative_at_place.last_day (what the finder asks) follows every way schedules are written:
    added, changed and removed through the ORM, replaced, and inserted in bulk by the importers."""
    from datetime import time
    from sqlalchemy import select
    from community.models import InitiativeAtPlace
    from community.scheduling import Recurrence
    from community.scheduling.weekly import OPEN_UNTIL, day_number
    from community.services.writer import ListingWriter

    def stored(link_id):
        db.session.expire_all()
        return db.session.scalar(select(InitiativeAtPlace.last_day).where(InitiativeAtPlace.id == link_id))

    place = factories.place(name="Plek")
    init = factories.initiative(at=[place], name="Soep")
    link = init.locations[0]
    db.session.commit()
    assert stored(link.id) is None                                   # no schedule yet
    summer = factories.schedule(init, place, weekdays=[2], valid_until=PAST)
    db.session.commit()
    assert stored(link.id) == day_number(PAST)                       # ended
    weekly = factories.schedule(init, place, weekdays=[4])
    db.session.commit()
    assert stored(link.id) == OPEN_UNTIL                             # one goes on
    weekly.valid_until = LONG_AGO                                   # changed in the workspace
    db.session.commit()
    assert stored(link.id) == day_number(PAST)
    link = db.session.get(InitiativeAtPlace, link.id)
    link.schedules.remove(next(s for s in link.schedules if s.id == summer.id))
    db.session.commit()
    assert stored(link.id) == day_number(LONG_AGO)
    link = db.session.get(InitiativeAtPlace, link.id)
    link.schedules.clear()
    db.session.commit()
    assert stored(link.id) is None
    writer = ListingWriter()                                         # an import: new initiatives in bulk
    org = writer.organisation({"name": "Buurtwerk"})
    new = writer.initiative(org, {"name": "Nieuw"}, {})
    writer.held_at(new, place, [(Recurrence("weekly", time(9), time(11), weekdays=(1,), valid_until=FUTURE), ""),
                                (Recurrence("once", time(9), time(11), on_date=PAST), "")])
    writer.finish()
    db.session.commit()
    new_link = db.session.scalar(select(InitiativeAtPlace.id).where(InitiativeAtPlace.id != link.id))
    assert stored(new_link) == day_number(FUTURE)
