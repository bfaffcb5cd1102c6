"""The finder page costs the same number of SQL queries with the demo's 80 listings and with 5,000 more.

The finder filters, counts, orders and pages in SQL and loads only the page's listings, so each
query shape below runs a fixed set of statements whatever the number of rows they match.
"""
from __future__ import annotations

import csv

from sqlalchemy import select

from community.extensions import db
from community.models import Area, Initiative
from tests.community.test_query_counts import counted

SHAPES = ["/initiatives", "/initiatives?page=2", "/initiatives?day=2&part=afternoon", "/initiatives?cost=free",
          "/initiatives?when=week", "/initiatives?model=peer", "/initiatives?near=51.0575,3.7052&radius=2000"]
DAYS = ["0", "1", "2", "3", "4", "5", "6", "2,4"]


def _add_listings(tmp_path, count: int) -> None:
    """`count` initiatives with weekly, biweekly and monthly opening times at count/10 places in
    the demo's Brugse Poort."""
    from community.importers.listings import import_listings
    path = tmp_path / "more.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["name", "organisation", "place", "latitude", "longitude", "working_models",
                      "frequency", "weekdays", "start", "end", "nth", "valid_from"])
        for i in range(count):
            frequency = ("weekly", "weekly", "biweekly", "monthly")[i % 4]
            out.writerow([f"Extra {i}", f"Vereniging {i % 500}", f"Zaal {i % (count // 10)}",
                          f"{51.0570 + (i % 40) * 0.0001:.5f}", f"{3.7050 + (i % 25) * 0.0001:.5f}", "peer",
                          frequency, DAYS[i % len(DAYS)] if frequency != "monthly" else str(i % 7),
                          f"{9 + i % 12}:00", f"{10 + i % 12}:30", "2" if frequency == "monthly" else "",
                          "2026-01-05" if frequency == "biweekly" else ""])
    import_listings(path)
    db.session.commit()


def _queries(client, urls: list[str]) -> list[int]:
    client.get(urls[0])  # the first request of a process reads settings once
    counts = []
    for url in urls:
        db.session.remove()
        with counted(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(statements))
    return counts


def test_the_finder_page_costs_the_same_queries_with_80_and_with_5000_more_listings(demo_app, demo_db, tmp_path):
    client = demo_app.test_client()
    district = demo_db.session.scalar(select(Area.code).where(Area.level == "district").order_by(Area.code))
    urls = SHAPES + [f"/initiatives?district={district}"]
    before = demo_db.session.scalar(select(db.func.count()).select_from(Initiative))
    small = _queries(client, urls)
    _add_listings(tmp_path, 5_000)
    assert db.session.scalar(select(db.func.count()).select_from(Initiative)) == before + 5_000
    large = _queries(client, urls)
    assert large == small, f"queries per page: {dict(zip(urls, small))} with {before} listings, {large} with 5,000 more"
