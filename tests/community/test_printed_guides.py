"""Issue 13, printed guides: they say which filters were used, carry a QR code (made here) to the
same result online, list a weekday's sessions without naming the weekday again, and keep to the
day and part of the day searched for."""
from __future__ import annotations

import re

import pytest

from tests import factories


@pytest.fixture
def offers(app, db):
    factories.area("P1", name="Printwijk", box=(3.70, 51.04, 3.74, 51.06))
    place = factories.place(name="Buurthuis Print", latitude=51.05, longitude=3.72)
    org = factories.organisation(name="Buurtwerk")
    soup = factories.initiative(org, at=[place], name="Soepmiddag", cost="free", working_models=["location"])
    factories.schedule(soup, weekdays=[2], start="12:00", end="14:00")
    factories.schedule(soup, weekdays=[0], start="09:00", end="11:00")
    games = factories.initiative(org, at=[place], name="Spelavond", cost="free", working_models=["location"])
    factories.schedule(games, frequency="biweekly", weekdays=[2], start="19:00", end="22:00", valid_from="2026-01-07",
                       valid_until="2099-06-30")
    repair = factories.initiative(org, at=[place], name="Repair Café", cost="paid", working_models=["organisation"])
    factories.schedule(repair, frequency="monthly", weekdays=[2], nth=1, start="14:00", end="17:00")
    db.session.commit()


def _days(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section class="guide-day"[^>]*>\s*<h2[^>]*>([^<]+)</h2>(.*?)</section>', html, re.S))


def test_the_printed_guide_says_which_filters_were_used(client, offers):
    html = client.get("/print?cost=free&day=2&group=elderly&district=P1&lang=en").get_data(as_text=True)
    used = re.search(r'<p class="guide-filters">(.*?)</p>', html, re.S).group(1)
    assert "Filters used:" in used
    for words in ("price: Free", "day: Wednesday", "for whom: Older people", "neighbourhood: Printwijk"):
        assert words in used, used
    assert "No filters: every offer." in client.get("/print?lang=en").get_data(as_text=True)


def test_a_search_text_in_the_filters_is_text(client, offers):
    html = client.get("/print", query_string={"q": '<script>alert(1)</script>', "lang": "en"}).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "search text: “&lt;script&gt;alert(1)&lt;/script&gt;”" in html


def test_the_qr_code_leads_to_the_same_result_online(client, offers):
    from community.services.public import qr_svg
    html = client.get("/print?cost=free&day=2&lang=en").get_data(as_text=True)
    svg = re.search(r'<figure class="guide-qr">\s*(<svg.*?</svg>)', html, re.S).group(1)
    assert svg == qr_svg("http://localhost/initiatives?cost=free&day=2")  # made here, not fetched
    assert "http" not in svg and "<script" not in svg
    guide = client.get("/areas/P1/guide").get_data(as_text=True)
    assert re.search(r'<figure class="guide-qr">\s*(<svg.*?</svg>)', guide, re.S).group(1) == qr_svg(
        "http://localhost/areas/P1")


def test_a_weekday_is_not_repeated_under_its_own_heading(client, offers):
    days = _days(client.get("/print?lang=en").get_data(as_text=True))
    assert set(days) == {"Monday", "Wednesday"}
    wednesday = days["Wednesday"]
    assert "Wednesday" not in wednesday and "wednesday" not in wednesday.lower()
    assert "every week" in wednesday and "every two weeks, until 30 June 2099" in wednesday
    assert "every month, the 1st" in wednesday
    nl = _days(client.get("/print?lang=nl").get_data(as_text=True))["Woensdag"]
    assert "woensdag" not in nl.lower() and "om de twee weken, tot en met 30 juni 2099" in nl


def test_a_guide_for_wednesday_afternoon_lists_only_wednesday_afternoon(client, offers):
    days = _days(client.get("/print?day=2&part=afternoon&lang=en").get_data(as_text=True))
    assert set(days) == {"Wednesday"}
    assert "Soepmiddag" in days["Wednesday"] and "Repair Café" in days["Wednesday"]
    assert "Spelavond" not in days["Wednesday"]     # 19:00, the evening


def test_describe_rhythm_never_names_the_day():
    from datetime import date, time
    from community.scheduling import Recurrence, describe_rhythm
    rules = [Recurrence("weekly", time(14), time(16), weekdays=(2, 4)),
             Recurrence("biweekly", time(14), time(16), weekdays=(2,), valid_from=date(2026, 1, 7)),
             Recurrence("monthly", time(14), time(16), weekdays=(2,), nth=-1),
             Recurrence("once", time(14), time(16), on_date=date(2026, 12, 16))]
    for language, names in (("nl", ("woensdag", "vrijdag")), ("fr", ("mercredi", "vendredi")),
                            ("en", ("wednesday", "friday"))):
        texts = [describe_rhythm(rule, language).lower() for rule in rules]
        assert not any(name in text for text in texts for name in names), texts
    assert describe_rhythm(rules[2], "fr") == "chaque mois, le dernier"
    assert describe_rhythm(rules[3], "en") == "on 16 December 2026"
