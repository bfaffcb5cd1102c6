"""Benchmark the residents' finder page (5,000 listings) against a naive folium page, in Chromium.

    PYTHONPATH=. python bench/finder_page.py                 # 5 rounds, 5,000 listings
    PYTHONPATH=. python bench/finder_page.py --rounds 3 --listings 2000

Ours: `/` of the app (our own Leaflet; static/js/mapkit.js builds the map and
static/js/map.js draws the markers with markercluster, both from the page's JSON
islands), served by gunicorn. folium is needed for the peer only: `pip install '.[bench]'`.
Peer: the page folium makes by itself for the same listings: one `folium.Marker`
per listing with a `folium.Popup` of escaped text (name, place, next session),
folium's default JS/CSS (Leaflet 1.9.3, jQuery, Bootstrap, awesome-markers,
Font Awesome, ...) fetched once from the npm registry into --assets (outside
the repository) and its CDN addresses rewritten to a local static server. The
peer page is a small Flask app with the same gzip (community.compression) and
Flask's static file serving, also under gunicorn with the same settings.

Both servers: gunicorn, 2 sync workers (as `make run`), 127.0.0.1, free ports.
Before timing, each server answers the page twice per worker (warm-up).
The database: migrations, community.demo.load_demo(), then --listings synthetic
listings (fixed seed) at Ghent's real address points from the demo data, each
an initiative with one or two weekly sessions; SQLite in a throw-away folder.

For each page and round, a fresh browser context (empty cache) loads the page
("cold"), then a second tab in the same context loads it again ("warm": vendor
assets in the HTTP cache). Measured:
- bytes: sum of CDP Network.loadingFinished encodedDataLength (headers and
  compressed body as received) for requests that went over the network; on the
  warm load, requests served from the cache are left out. Flask sends static
  files with `Cache-Control: no-cache`, so on both pages every cached asset is
  revalidated (a 304 of 250-550 bytes, counted: it crosses the network).
- ready: ms from navigation start (performance.timeOrigin) to the first
  animation frame in which the map shows its markers, polled every frame by a
  script injected before the page's own. Ours: `html.map-ready` is set (map.js
  has drawn everything) and at least one `.leaflet-marker-icon` (a marker or a
  cluster) is in the DOM. Peer: the number of `.leaflet-marker-icon` elements
  equals the number of listings (folium's inline script adds every marker to
  the map; there is no other "done" signal), i.e. the same "all markers drawn"
  point; the marker images themselves may still be decoding, as ours may be.
Rounds alternate ours/peer; medians and min-max over the rounds are printed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from datetime import date, time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BUURTKRACHT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEED = 20261127
VIEWPORT = {"width": 1280, "height": 900}

# folium 0.20's default assets -> (npm package, file inside the package). Two are not on npm:
# Bootstrap 3.0.0's glyphicons sheet (taken from bootstrap@3.1.1, the oldest 3.x there) and
# folium's own rotate sheet (written out below from its published pattern).
NPM_PACKAGES = ["leaflet@1.9.3", "jquery@3.7.1", "bootstrap@5.2.2", "bootstrap@3.1.1",
                "drmonty-leaflet-awesome-markers@2.0.2", "@fortawesome/fontawesome-free@6.2.0"]


# --------------------------------------------------------------------------- data

ACTIVITIES = [
    ("Taalcafé", "competence", ["newcomers", "everyone"], ["belonging"]),
    ("Huiswerkklas", "competence", ["youth", "families"], ["practical"]),
    ("Repair Café", "peer", ["everyone"], ["practical", "belonging"]),
    ("Buurtsoep", "location", ["everyone", "poverty"], ["belonging", "practical"]),
    ("Breicafé", "peer", ["elderly", "everyone"], ["belonging", "emotional"]),
    ("Wandelclub", "peer", ["elderly", "everyone"], ["belonging"]),
    ("Praatgroep", "peer", ["mental_health"], ["emotional"]),
    ("Buddywerking", "buddy", ["newcomers", "elderly"], ["emotional", "practical"]),
    ("Speelnamiddag", "context", ["families", "youth"], ["belonging"]),
    ("Computerhulp", "competence", ["elderly", "poverty"], ["practical"]),
    ("Moestuinploeg", "location", ["everyone"], ["belonging", "stability"]),
    ("Ouderkring", "peer", ["families"], ["emotional", "belonging"]),
    ("Samen koken", "context", ["everyone", "newcomers"], ["belonging"]),
    ("Schaakclub", "peer", ["everyone", "youth"], ["belonging"]),
    ("Zitdans", "context", ["elderly", "disability"], ["belonging", "stability"]),
    ("Netwerkcafé", "personal_network", ["poverty", "everyone"], ["practical", "stability"]),
    ("Buurtrestaurant", "organisation", ["everyone", "poverty"], ["belonging"]),
    ("Voorleesuur", "location", ["families"], ["belonging"]),
]
FLAVOURS = ["De Brug", "'t Pleintje", "Samen Sterk", "De Klaproos", "Het Anker", "Zonnebloem",
            "De Wijkwinkel", "Open Deur", "Babbelkot", "De Linde", "Vlot", "Buurtkracht",
            "Het Kruispunt", "Draadje", "De Kaai", "Het Nest", "Lotus", "Ons Huis"]
PLACE_KINDS = ["community_centre", "library", "school", "sports", "cafe", "religious",
               "neighbourhood_restaurant", "other"]
PLACE_WORDS = {"community_centre": "Buurthuis", "library": "Bibliotheekfiliaal", "school": "Basisschool",
               "sports": "Sporthal", "cafe": "Buurtcafé", "religious": "Parochiezaal",
               "neighbourhood_restaurant": "Buurtrestaurant", "other": "Lokaal"}
LANGUAGE_SETS = [["nl"], ["nl"], ["nl", "en"], ["nl", "fr"], ["nl", "ar"], ["nl", "tr"],
                 ["nl", "en", "fr"], ["nl", "pl", "bg"], ["nl", "so", "ti"], ["nl", "uk", "ru"]]


def add_synthetic_listings(count: int, seed: int = SEED) -> int:
    """Add `count` listings (initiative x place) spread over Ghent's real address points."""
    import csv
    from community.demo import DATA
    from community.extensions import db
    from community.scheduling import Recurrence
    from community.services.writer import ListingWriter

    rng = random.Random(seed)
    with gzip.open(DATA / "addresses_gent.csv.gz", "rt", encoding="utf-8") as handle:
        addresses = list(csv.DictReader(handle))
    place_count = max(1, count * 2 // 5)
    writer = ListingWriter(demo=True)
    organisations = [writer.organisation({
        "external_id": f"bench-org-{n:04d}", "name": f"{rng.choice(FLAVOURS)} vzw {n:04d}",
        "description": "Fictieve organisatie voor de benchmark.", "website": "",
        "email": f"info{n}@bench.example", "phone": "+32 9 000 00 00", "languages": ["nl"]})
        for n in range(max(1, count // 12))]
    places = []
    for n, address in enumerate(rng.sample(addresses, place_count)):
        kind = rng.choice(PLACE_KINDS)
        places.append(writer.place({
            "external_id": f"bench-place-{n:05d}",
            "name": f"{PLACE_WORDS[kind]} {rng.choice(FLAVOURS)} {address['street']}",
            "kind": kind, "street": address["street"], "number": address["house_number"],
            "postcode": address["postcode"], "municipality": address["municipality"],
            "latitude": float(address["latitude"]), "longitude": float(address["longitude"]),
            "accessibility": "", "wheelchair": rng.choice(["yes", "no", "unknown"])}))
    for n in range(count):
        activity, model, groups, functions = rng.choice(ACTIVITIES)
        place = places[n % place_count] if n < place_count else rng.choice(places)
        other_model = rng.choice([None, None, rng.choice(("competence", "peer", "context", "buddy"))])
        values = {
            "external_id": f"bench-init-{n:05d}",
            "name": f"{activity} {rng.choice(FLAVOURS)} {n:04d}",
            "description": f"{activity} in de buurt: iedereen welkom, ook als je niemand kent.",
            "status": "active" if rng.random() < 0.95 else "temporarily_closed",
            "tie_type": rng.choice(["bonding", "bridging", "both"]),
            "cost": rng.choices(["free", "social_tariff", "paid"], [6, 3, 1])[0],
            "price": "", "childcare": rng.choice(["none", "children_welcome", "childcare_provided", "unknown"]),
            "low_literacy": rng.random() < 0.4, "registration_required": rng.random() < 0.3,
            "wheelchair": rng.choice(["yes", "no", "unknown"]),
            "contact": "Vraag naar de onthaalmedewerker, +32 9 000 00 00", "url": "",
            "last_verified": date(2026, rng.randint(1, 10), rng.randint(1, 28)),
        }
        codes = {"working_model": sorted({model, other_model} - {None}), "target_group": groups,
                 "network_function": functions, "language": rng.choice(LANGUAGE_SETS)}
        initiative = writer.initiative(rng.choice(organisations), values, codes)
        start = rng.choice([9, 10, 13, 14, 16, 18, 19])
        weekdays = tuple(sorted(rng.sample(range(7), rng.choice([1, 1, 1, 2]))))
        rule = Recurrence(frequency="weekly", start_time=clock(start, rng.choice([0, 30])),
                          end_time=clock(start + 2, 0), weekdays=weekdays,
                          valid_from=date(2026, 1, 5))
        writer.held_at(initiative, place, [(rule, "")])
    writer.finish()
    db.session.commit()
    return count


def app_config(workdir: Path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'finder.db'}",
            "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench",
            "BUURTKRACHT_TILE_URL": ""}


def build_database(workdir: Path, count: int) -> None:
    from flask_migrate import upgrade
    from community import create_app
    from community.demo import load_demo
    from community.extensions import db
    app = create_app(app_config(workdir))
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        add_synthetic_listings(count)
        db.engine.dispose()


# --------------------------------------------------------------------------- the naive peer page

def _extract(tgz: Path, member_prefix: str, target: Path) -> None:
    """Copy the files under `member_prefix` in an npm tarball to `target`, keeping sub-folders."""
    with tarfile.open(tgz) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(member_prefix):
                out = target / member.name[len(member_prefix):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.extractfile(member).read())


def _glyphicons_css(bootstrap3_css: str) -> str:
    rules = re.findall(r"[^{}]+\{[^{}]*\}", bootstrap3_css)
    return "\n".join(r.strip() for r in rules
                     if "Glyphicons Halflings" in r or r.strip().startswith(".glyphicon"))


def ensure_assets(cache: Path) -> Path:
    """folium's default CDN files, mirrored as <cache>/www/<host>/<path>; npm is asked only once."""
    www = cache / "www"
    done = cache / "www.done"
    if done.exists():
        return www
    packed = cache / "npm"
    packed.mkdir(parents=True, exist_ok=True)
    if len(list(packed.glob("*.tgz"))) < len(NPM_PACKAGES):
        subprocess.run(["npm", "pack", "--silent", *NPM_PACKAGES], cwd=packed, check=True,
                       stdout=subprocess.DEVNULL)
    tgz = {p.name: p for p in packed.glob("*.tgz")}
    if www.exists():
        shutil.rmtree(www)
    jsd = www / "cdn.jsdelivr.net" / "npm"
    _extract(tgz["leaflet-1.9.3.tgz"], "package/", jsd / "leaflet@1.9.3")
    _extract(tgz["bootstrap-5.2.2.tgz"], "package/dist/", jsd / "bootstrap@5.2.2" / "dist")
    _extract(tgz["fortawesome-fontawesome-free-6.2.0.tgz"], "package/css/",
             jsd / "@fortawesome" / "fontawesome-free@6.2.0" / "css")
    _extract(tgz["fortawesome-fontawesome-free-6.2.0.tgz"], "package/webfonts/",
             jsd / "@fortawesome" / "fontawesome-free@6.2.0" / "webfonts")
    jquery = www / "code.jquery.com"
    _extract(tgz["jquery-3.7.1.tgz"], "package/dist/", jquery / "dist")
    shutil.copy(jquery / "dist" / "jquery.min.js", jquery / "jquery-3.7.1.min.js")
    awesome = www / "cdnjs.cloudflare.com" / "ajax" / "libs" / "Leaflet.awesome-markers" / "2.0.2"
    _extract(tgz["drmonty-leaflet-awesome-markers-2.0.2.tgz"], "package/css/", awesome)
    _extract(tgz["drmonty-leaflet-awesome-markers-2.0.2.tgz"], "package/js/", awesome)
    glyph = www / "netdna.bootstrapcdn.com" / "bootstrap" / "3.0.0"
    _extract(tgz["bootstrap-3.1.1.tgz"], "package/dist/fonts/", glyph / "fonts")
    with tarfile.open(tgz["bootstrap-3.1.1.tgz"]) as archive:
        css = archive.extractfile("package/dist/css/bootstrap.css").read().decode()
    (glyph / "css").mkdir(parents=True)
    (glyph / "css" / "bootstrap-glyphicons.css").write_text(_glyphicons_css(css))
    rotate = (www / "cdn.jsdelivr.net" / "gh" / "python-visualization" / "folium" / "folium" / "templates"
              / "leaflet.awesome.rotate.min.css")
    rotate.parent.mkdir(parents=True)
    rotate.write_text("".join(f".fa-rotate-{d}{{-ms-transform:rotate({d}deg); -webkit-transform:rotate({d}deg);"
                              f" transform:rotate({d}deg);}}" for d in range(1, 360)))
    done.touch()
    return www


def local_url(cdn_url: str) -> str:
    return "/cdn/" + cdn_url.split("://", 1)[1]


def naive_page(listings: list[dict], www: Path) -> str:
    """One folium.Marker per listing, popups of escaped text, folium's default assets (made local)."""
    import folium
    m = folium.Map(location=[51.054, 3.725], zoom_start=12, tiles=None, control_scale=True)
    for item in listings:
        text = " · ".join(t for t in (item["name"], item["place"], item["next_text"]) if t)
        folium.Marker([item["lat"], item["lon"]], popup=folium.Popup(text, parse_html=True)).add_to(m)
    page = m.get_root().render()
    for _, url in [*m.default_js, *m.default_css]:
        local = local_url(url)
        assert (www / local.removeprefix("/cdn/")).exists(), f"{url} has no local copy"
        page = page.replace(url, local)
    assert "https://" not in page and "http://" not in page, "the naive page still names an outside host"
    return page


def naive_app(page_path: str, www: str):
    """WSGI app for the peer page: the page at /, the CDN mirror under /cdn/, the app's gzip."""
    from flask import Flask
    from community.compression import register_compression
    app = Flask("naive_folium", static_folder=www, static_url_path="/cdn")
    page = Path(page_path).read_text(encoding="utf-8")
    app.add_url_rule("/", "page", lambda: page)
    register_compression(app)
    return app


def listings_for_peer(workdir: Path) -> list[dict]:
    """The listings our finder shows with no filter, with the texts our popups show."""
    from flask_babel import format_datetime, gettext
    from community import create_app
    from community.services import finder
    app = create_app(app_config(workdir))
    with app.test_request_context("/?lang=nl"):
        result = finder.find(finder.FinderQuery())
        return [{"lat": round(item.place.latitude, 5), "lon": round(item.place.longitude, 5),
                 "name": item.initiative.name, "place": item.place.name,
                 "next_text": (gettext("Next: %(when)s",
                                       when=format_datetime(item.next_start, "EEE d MMM, HH:mm"))
                               if item.next_start else "")}
                for item in result.listings]


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_spec: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                "--timeout", "120", app_spec], cwd=ROOT, env=env,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer on port {port}: see {log}")


def warm_up(url: str) -> None:
    """Two rounds of two parallel requests, so both workers have served the page once."""
    from concurrent.futures import ThreadPoolExecutor
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Accept-Language": "nl-BE"})
    with ThreadPoolExecutor(2) as pool:
        for _ in range(2):
            list(pool.map(lambda _: urllib.request.urlopen(request, timeout=120).read(), range(2)))


# --------------------------------------------------------------------------- browser

READY_PROBE = """
(() => {
  const markers = document.getElementsByClassName('leaflet-marker-icon');
  const ready = () => %s;
  const check = () => {
    if (ready()) { window.__benchReadyAt = performance.now(); return; }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""
OURS_READY = "document.documentElement.classList.contains('map-ready') && markers.length > 0"
PEER_READY = "markers.length >= %d"


def load_once(context, url: str, probe: str) -> dict:
    """Open `url` in a new tab of `context`; bytes over the network and ms until the map is drawn."""
    page = context.new_page()
    page.add_init_script(READY_PROBE % probe)
    cdp = context.new_cdp_session(page)
    cached: set[str] = set()
    finished: dict[str, int] = {}
    in_flight: set[str] = set()
    last_activity = [time.monotonic()]

    def started(event):
        in_flight.add(event["requestId"])
        last_activity[0] = time.monotonic()

    def ended(event, size=None):
        in_flight.discard(event["requestId"])
        last_activity[0] = time.monotonic()
        if size is not None:
            finished[event["requestId"]] = size

    cdp.on("Network.requestWillBeSent", started)
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
    cdp.on("Network.responseReceived", lambda e: cached.add(e["requestId"])
           if e["response"].get("fromDiskCache") or e["response"].get("fromPrefetchCache") else None)
    cdp.on("Network.loadingFinished", lambda e: ended(e, e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", ended)
    cdp.send("Network.enable")
    page.goto(url, wait_until="commit", timeout=120_000)
    # Polled from here: the app's Content-Security-Policy forbids the eval that wait_for_function uses.
    deadline = time.monotonic() + 120
    while (ready_ms := page.evaluate("window.__benchReadyAt")) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}: the map did not get its markers within 120 s")
        time.sleep(0.05)
    page.wait_for_load_state("load", timeout=120_000)
    # Count late requests too (images, fonts): wait for 500 ms without network activity.
    while in_flight or time.monotonic() - last_activity[0] < 0.5:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}: requests still running after 120 s")
        page.wait_for_timeout(100)
    network = {rid: size for rid, size in finished.items() if rid not in cached}
    result = {"ready_ms": ready_ms, "bytes": sum(network.values()), "requests": len(network),
              "from_cache": len(cached)}
    cdp.detach()
    page.close()
    return result


def measure(url_ours: str, url_peer: str, peer_markers: int, rounds: int) -> dict:
    from playwright.sync_api import sync_playwright
    runs: dict = {(who, kind): [] for who in ("ours", "peer") for kind in ("cold", "warm")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for n in range(rounds):
                order = [("ours", url_ours, OURS_READY), ("peer", url_peer, PEER_READY % peer_markers)]
                for who, url, probe in (order if n % 2 == 0 else order[::-1]):
                    context = browser.new_context(viewport=VIEWPORT, locale="nl-BE")
                    runs[(who, "cold")].append(load_once(context, url, probe))
                    runs[(who, "warm")].append(load_once(context, url, probe))
                    context.close()
                print(f"round {n + 1}/{rounds}: " + ", ".join(
                    f"{who} {kind} {runs[(who, kind)][-1]['ready_ms']:.0f} ms "
                    f"{runs[(who, kind)][-1]['bytes'] / 1024:.0f} KB" for who, kind in runs), flush=True)
        finally:
            browser.close()
    return runs


# --------------------------------------------------------------------------- report

def _median_range(values, fmt) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}-{fmt(max(values))})"


def report(runs: dict, listings: int, page_sizes: dict) -> None:
    kb = lambda v: f"{v / 1024:.0f}"  # noqa: E731
    ms = lambda v: f"{v:.0f}"  # noqa: E731
    print(f"\n{listings:,} listings; medians over {len(runs[('ours', 'cold')])} rounds (min-max)\n")
    print("| page | load | KB over the network | requests | ms to map with markers |")
    print("|---|---|---:|---:|---:|")
    for (who, kind), values in runs.items():
        print(f"| {who} | {kind} | {_median_range([v['bytes'] for v in values], kb)} "
              f"| {statistics.median(v['requests'] for v in values):.0f} "
              f"| {_median_range([v['ready_ms'] for v in values], ms)} |")
    print("\n| ratio ours/peer | bytes | time |")
    print("|---|---:|---:|")
    for kind in ("cold", "warm"):
        ours, peer = runs[("ours", kind)], runs[("peer", kind)]
        ratio = lambda key: statistics.median(v[key] for v in ours) / statistics.median(v[key] for v in peer)  # noqa: E731
        print(f"| {kind} | {ratio('bytes'):.3f} | {ratio('ready_ms'):.3f} |")
    print("\nHTML document alone (KB gzip / KB raw): "
          + ", ".join(f"{who} {kb(z)} / {kb(r)}" for who, (z, r) in page_sizes.items()))
    warm = statistics.median(v["bytes"] for v in runs[("ours", "warm")])
    ready = statistics.median(v["ready_ms"] for v in runs[("ours", "warm")])
    cold_ready = statistics.median(v["ready_ms"] for v in runs[("ours", "cold")])
    print(f"\nTarget <= 300 KB with vendor assets cached: {kb(warm)} KB -> {'met' if warm <= 300 * 1024 else 'MISSED'}")
    print(f"Target map visible <= 1.5 s: warm {ready:.0f} ms, cold {cold_ready:.0f} ms -> "
          f"{'met' if max(ready, cold_ready) <= 1500 else 'MISSED'}")


def document_size(url: str) -> tuple[int, int]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "Accept-Language": "nl-BE"})
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        raw = gzip.decompress(body) if response.headers.get("Content-Encoding") == "gzip" else body
    return len(body), len(raw)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--assets", type=Path, default=Path(tempfile.gettempdir()) / "bench-assets",
                        help="cache for folium's default assets (outside the repository)")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away database folder")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    www = ensure_assets(args.assets)
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-finder-bench-"))
    servers = []
    try:
        build_database(workdir, args.listings)
        peer_listings = listings_for_peer(workdir)
        (workdir / "naive.html").write_text(naive_page(peer_listings, www), encoding="utf-8")
        print(f"database and pages ready in {time.perf_counter() - started:.0f} s "
              f"({len(peer_listings):,} listings shown, {workdir})", flush=True)
        ours_port, peer_port = free_port(), free_port()
        config = app_config(workdir)
        servers.append(start_gunicorn(f"community:create_app({config!r})", ours_port, workdir / "ours.log"))
        servers.append(start_gunicorn(f"finder_page:naive_app({str(workdir / 'naive.html')!r}, {str(www)!r})",
                                      peer_port, workdir / "peer.log"))
        url_ours, url_peer = f"http://127.0.0.1:{ours_port}/", f"http://127.0.0.1:{peer_port}/"
        warm_up(url_ours)
        warm_up(url_peer)
        sizes = {"ours": document_size(url_ours), "peer": document_size(url_peer)}
        runs = measure(url_ours, url_peer, len(peer_listings), args.rounds)
        report(runs, len(peer_listings), sizes)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
