"""Issue 13: the home page lists the neighbourhoods (their pages and printable guides) so they are
reachable without opening an offer; one municipality's districts, not every district of Flanders."""
from __future__ import annotations

import gzip
import re

from tests import factories


def test_the_home_page_links_the_busiest_municipalitys_neighbourhoods(app, db, client):
    gent = factories.area("G", name="Gent", level="municipality", box=(3.60, 51.00, 3.80, 51.10))
    other = factories.area("A", name="Aalst", level="municipality", box=(4.00, 50.90, 4.10, 51.00))
    factories.area("G2", name="Zwijnaarde", parent=gent, box=(3.60, 51.00, 3.70, 51.10))
    factories.area("G1", name="Brugse Poort", parent=gent, box=(3.70, 51.00, 3.80, 51.10))
    factories.area("A1", name="Centrum Aalst", parent=other, box=(4.00, 50.90, 4.10, 51.00))
    for n in range(3):
        factories.place(name=f"Plek {n}", latitude=51.05, longitude=3.65 + n * 0.05)
    factories.place(name="Aalst", latitude=50.95, longitude=4.05)
    db.session.commit()
    html = client.get("/?lang=en").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="neighbourhoods".*?</section>', html, re.S).group(0)
    assert "Neighbourhoods of Gent" in section
    assert re.findall(r'href="(/areas/[^"]+)"', section) == ["/areas/G1", "/areas/G1/guide", "/areas/G2",
                                                            "/areas/G2/guide"]
    assert "Aalst" not in section
    assert client.get("/areas/G1/guide").status_code == 200


def test_the_demo_home_page_stays_small(demo_app):
    client = demo_app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert html.count('href="/areas/44021W') >= 2 * 25  # Ghent's 25 wijken, page and guide
    assert len(gzip.compress(html.encode())) < 7 * 1024
