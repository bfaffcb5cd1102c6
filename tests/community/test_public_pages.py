"""Public pages: detail pages, district pages, guides, reports, and hostile text shown as text."""
from __future__ import annotations

import re
from datetime import time

import pytest

from community.extensions import db
from sqlalchemy import func, select

HOSTILE = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "${alert(3)}", "`${alert(4)}`",
    "\" onmouseover=\"alert(5)", "'); alert(6); ('", "</script><script>alert(7)</script>",
    "x" * 400, "\u202eتجربة نص من اليمين إلى اليسار", "{{ 7*7 }}",
]


@pytest.fixture
def hostile_listing(app, db):
    from community.models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation, Schedule
    org = Organisation(name=HOSTILE[0], description=HOSTILE[1], website="javascript:alert(8)", languages=[])
    place = MeetingPlace(name=HOSTILE[6], street=HOSTILE[4], number="1", postcode="9000", municipality=HOSTILE[3],
                         latitude=51.05, longitude=3.72, accessibility=HOSTILE[5])
    init = Initiative(name=HOSTILE[1], description="\n".join(HOSTILE), organisation=org, price=HOSTILE[2],
                      contact=HOSTILE[9], url="javascript:alert(9)", cost="paid", terms=[])
    init.set_codes("working_model", ["location"])
    init.locations.append(InitiativeAtPlace(place=place, schedules=[Schedule(
        frequency="weekly", weekdays="2", start_time=time(14), end_time=time(16), note=HOSTILE[0])]))
    db.session.add(init)
    db.session.commit()
    return init


def _assert_inert(html: str):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert 'onerror="alert' not in html
    assert 'href="javascript:' not in html


def test_hostile_text_is_escaped_on_every_public_page(client, hostile_listing):
    init = hostile_listing
    place = init.locations[0].place
    pages = ["/", "/initiatives", "/print", f"/initiatives/{init.id}", f"/places/{place.id}",
             f"/organisations/{init.organisation_id}"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        _assert_inert(html)
        assert "&lt;script&gt;alert(" in html or "\\u003cscript\\u003e" in html, path


def test_map_data_cannot_close_its_script_tag(client, hostile_listing):
    html = client.get("/").get_data(as_text=True)
    data = html.split('id="map-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data  # tojson escapes <, so </script> in a name cannot end the block


def test_detail_pages_and_404(client, hostile_listing):
    import uuid
    assert client.get(f"/initiatives/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/places/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/organisations/{uuid.uuid4()}").status_code == 404
    assert client.get("/initiatives/not-a-uuid").status_code == 404
    assert client.get("/areas/NOPE").status_code == 404


def test_archived_or_inactive_initiatives_are_not_shown(client, db, hostile_listing):
    hostile_listing.status = "defunct"
    db.session.commit()
    assert client.get(f"/initiatives/{hostile_listing.id}").status_code == 404


def _csrf(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_outdated_report_stores_only_the_message(client, db, hostile_listing):
    from community.models import OutdatedReport
    path = f"/initiatives/{hostile_listing.id}"
    token = _csrf(client, path)
    response = client.post(path + "/report", data={
        "csrf_token": token, "message": "Het uur is veranderd. Bel me op 0470 12 34 56 of mail an@example.org"})
    assert response.status_code == 302
    report = db.session.scalar(select(OutdatedReport))
    assert report.initiative_id == hostile_listing.id and report.status == "open"
    assert "0470" not in report.message and "example.org" not in report.message
    assert set(c.name for c in OutdatedReport.__table__.columns) == {
        "id", "initiative_id", "place_id", "message", "status", "created_at", "resolved_at",
        "resolved_by_id", "resolution_note"}


def test_outdated_report_without_csrf_is_refused_and_writes_nothing(client, db, hostile_listing):
    from community.models import OutdatedReport
    response = client.post(f"/initiatives/{hostile_listing.id}/report", data={"message": "Het is verhuisd."})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(OutdatedReport)) == 0


def test_outdated_report_needs_a_message(client, db, hostile_listing):
    path = f"/places/{hostile_listing.locations[0].place.id}"
    response = client.post(path + "/report", data={"csrf_token": _csrf(client, path), "message": ""})
    assert response.status_code == 400
    assert b"Write what is no longer right" in response.data


def test_outdated_reports_are_rate_limited(client, db, hostile_listing):
    path = f"/initiatives/{hostile_listing.id}"
    token = _csrf(client, path)
    codes = [client.post(path + "/report", data={"csrf_token": token, "message": f"Bericht nummer {i}"}).status_code
             for i in range(7)]
    assert codes[:5] == [302] * 5 and codes[5:] == [429, 429]


def test_language_switch_and_safe_next(client):
    response = client.get("/lang/fr?next=https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = client.get("/lang/fr?next=/initiatives")
    assert response.headers["Location"] == "/initiatives"
    assert "lang=fr" in response.headers["Set-Cookie"]
    assert client.get("/lang/xx").status_code == 404


def test_demo_district_pages(demo_app):
    client = demo_app.test_client()
    page = client.get("/areas/44021W04")
    assert page.status_code == 200 and b"Brugse Poort" in page.data
    guide = client.get("/areas/44021W04/guide")
    assert guide.status_code == 200
    html = guide.get_data(as_text=True)
    assert "guide-table" in html and "Demo data" in html or "demo" in html.lower()
    empty = client.get("/areas/44021W19/guide")  # Zwijnaarde has no offer in the demo
    assert empty.status_code == 200 and b"Nothing is listed" in empty.data


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/x", "//evil.example", "https://evil.example",
                                    "/\\evil.example"])
def test_language_switch_never_redirects_away(client, target):
    response = client.get(f"/lang/nl?next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_outdated_report_keeps_times_and_dates_but_not_phone_numbers():
    from community.services.outdated import scrub
    assert scrub("Nu op dinsdag 10.00 - 12.00, vanaf 01/09/2025") == "Nu op dinsdag 10.00 - 12.00, vanaf 01/09/2025"
    assert "0470" not in scrub("Bel 0470 12 34 56") and "123" not in scrub("Tel 09 123 45 67")


def test_csv_cells_that_look_like_formulas_are_neutralised():
    from community.services.spreadsheet import csv_safe
    assert [csv_safe(v) for v in ("=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "Buurtsoep", 3, -0.5)] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "Buurtsoep", 3, -0.5]


def test_proxy_count_uses_the_forwarded_address(tmp_path):
    from flask import request
    from community import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t",
                      "BUURTKRACHT_PROXY_COUNT": 1})
    seen = {}

    @app.get("/whoami")
    def whoami():
        seen["addr"] = request.remote_addr
        return "ok"
    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen["addr"] == "203.0.113.7"


def test_a_link_with_lang_keeps_its_language_on_the_next_click(client):
    """Issue 13: '?lang=fr' was lost on the next click (only the language menu set the cookie)."""
    first = client.get("/initiatives?lang=fr")
    assert first.status_code == 200 and '<html lang="fr">' in first.get_data(as_text=True)
    assert "lang=fr" in first.headers.get("Set-Cookie", "")
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/initiatives").get_data(as_text=True)
    assert "Set-Cookie" not in client.get("/?lang=xx").headers or "lang=xx" not in client.get("/?lang=xx").headers["Set-Cookie"]


def test_chosen_filters_stay_folded_and_are_listed_above_the_results(client):
    """Issue 13: on a 360 px phone the opened filter panel put the first result five screens down."""
    html = client.get("/initiatives?day=2&part=afternoon&cost=free&lang=en").get_data(as_text=True)
    assert '<details class="more-filters">' in html  # not open
    assert "More filters (3 chosen)" in html
    chips = re.findall(r'<a class="chosen-filter" href="\?([^"]*)"', html)
    assert len(chips) == 3
    assert all("cost=free" not in chip.replace("&amp;", "&") for chip in chips if "day=2" in chip and "part=" in chip)
    assert html.index("More filters") < html.index('id="results-heading"') < html.index('class="chosen-filter"')
