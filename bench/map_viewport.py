"""Map data by viewport at Flanders scale: the home page's weight and the map endpoints' times.

    PYTHONPATH=. python bench/map_viewport.py build --workdir /tmp/mapbench      # once: ~ a few minutes
    PYTHONPATH=. python bench/map_viewport.py measure --workdir /tmp/mapbench

`build` makes two SQLite databases in --workdir: `demo.db` (migrations and the demo district, 80
listings) and `region.db` (the demo, then all 2,767 Flemish and Brussels wijken and 304
municipalities from ../shared/data/flanders, and --listings synthetic listings (fixed seed) at
20,000 meeting places spread over the wijken, each an initiative with one or two weekly sessions).

`measure` answers requests in-process (Flask's test client; gzip by the app's own compression,
as a browser asks for it) and prints, for both databases: the home page `/` in bytes raw and
gzip, and the median of --rounds requests of the marker endpoint for a city view (Ghent, zoom
13) and a Flanders view (zoom 8), and of the boundary endpoint for the same views, first
(empty cache) and cached. Times are in-process single requests, for comparison between the two
scales, not server throughput (bench/scale.py measures that under gunicorn).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLANDERS = ROOT.parent.parent / "shared" / "data" / "flanders"
if not FLANDERS.exists():
    FLANDERS = Path("/work/shared/data/flanders")
SEED = 20261203
CITY = {"bbox": "3.66,51.02,3.79,51.09", "zoom": "13"}
REGION = {"bbox": "2.2,50.6,6.2,51.6", "zoom": "8"}


def app_for(path: Path):
    from community import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "INSTANCE_PATH": str(path.parent / "instance"),
                       "SECRET_KEY": "bench", "BUURTKRACHT_TILE_URL": "", "RATELIMIT_ENABLED": False})


def _fresh(path: Path):
    from flask_migrate import upgrade
    from community.demo import load_demo
    from community.extensions import db
    path.unlink(missing_ok=True)
    app = app_for(path)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    return app


def _random_points(rng: random.Random, count: int):
    """`count` points, each inside a wijk chosen at random (uniformly over the wijken)."""
    from shapely.geometry import Point, shape
    wijken = [shape(f["geometry"]) for f in json.loads((FLANDERS / "wijken.geojson").read_text())["features"]]
    points = []
    while len(points) < count:
        area = rng.choice(wijken)
        x0, y0, x1, y1 = area.bounds
        for _ in range(50):
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if area.contains(Point(x, y)):
                points.append((round(y, 6), round(x, 6)))
                break
    return points


def add_region_listings(count: int, places: int, seed: int = SEED) -> None:
    from community.extensions import db
    from community.scheduling import Recurrence
    from community.services.writer import ListingWriter
    sys.path.insert(0, str(ROOT / "bench"))
    from finder_page import ACTIVITIES, FLAVOURS, LANGUAGE_SETS, PLACE_KINDS, PLACE_WORDS

    rng = random.Random(seed)
    writer = ListingWriter(demo=True)
    organisations = [writer.organisation({
        "external_id": f"region-org-{n:05d}", "name": f"{rng.choice(FLAVOURS)} vzw {n:05d}",
        "description": "Fictieve organisatie.", "website": "", "email": f"info{n}@bench.example",
        "phone": "+32 9 000 00 00", "languages": ["nl"]}) for n in range(count // 12)]
    spots = []
    for n, (lat, lon) in enumerate(_random_points(rng, places)):
        kind = rng.choice(PLACE_KINDS)
        spots.append(writer.place({
            "external_id": f"region-place-{n:05d}", "name": f"{PLACE_WORDS[kind]} {rng.choice(FLAVOURS)} {n:05d}",
            "kind": kind, "street": f"Straat {n}", "number": str(1 + n % 200), "postcode": "9000",
            "municipality": "", "latitude": lat, "longitude": lon, "accessibility": "",
            "wheelchair": rng.choice(["yes", "no", "unknown"])}))
    for n in range(count):
        activity, model, groups, functions = rng.choice(ACTIVITIES)
        place = spots[n % places] if n < places else rng.choice(spots)
        values = {
            "external_id": f"region-init-{n:05d}", "name": f"{activity} {rng.choice(FLAVOURS)} {n:05d}",
            "description": f"{activity} in de buurt.", "status": "active", "tie_type": "both",
            "cost": rng.choices(["free", "social_tariff", "paid"], [6, 3, 1])[0], "price": "",
            "childcare": rng.choice(["none", "children_welcome", "childcare_provided", "unknown"]),
            "low_literacy": False, "registration_required": rng.random() < 0.3, "wheelchair": "unknown",
            "contact": "", "url": "", "last_verified": date(2026, 1 + n % 10, 1 + n % 28)}
        codes = {"working_model": [model], "target_group": groups, "network_function": functions,
                 "language": rng.choice(LANGUAGE_SETS)}
        initiative = writer.initiative(rng.choice(organisations), values, codes)
        start = rng.choice([9, 10, 13, 14, 16, 18, 19])
        rule = Recurrence(frequency="weekly", start_time=clock(start, 0), end_time=clock(start + 2, 0),
                          weekdays=tuple(sorted(rng.sample(range(7), rng.choice([1, 1, 2])))),
                          valid_from=date(2026, 1, 5))
        writer.held_at(initiative, place, [(rule, "")])
    writer.finish()
    db.session.commit()


def build(workdir: Path, listings: int, places: int) -> None:
    from community.extensions import db
    from community.importers.areas import import_areas
    workdir.mkdir(parents=True, exist_ok=True)
    _fresh(workdir / "demo.db")
    app = _fresh(workdir / "region.db")
    with app.app_context():
        import_areas(FLANDERS / "municipalities.geojson", level="municipality")
        import_areas(FLANDERS / "wijken.geojson", level="district", parent_level="municipality")
        db.session.commit()
        started = time.perf_counter()
        add_region_listings(listings, places)
        print(f"{listings} listings in {time.perf_counter() - started:.0f} s")


def _timed(client, path: str, rounds: int, headers=None) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
        size = len(response.get_data())
    return statistics.median(times), size


def measure(workdir: Path, rounds: int) -> None:
    from urllib.parse import urlencode
    gz = {"Accept-Encoding": "gzip"}
    from flask_migrate import upgrade
    for name in ("demo", "region"):
        app = app_for(workdir / f"{name}.db")
        with app.app_context():
            upgrade()  # a data set built before a later migration
        client = app.test_client()
        client.get("/")  # warm up: imports, first connection
        raw = client.get("/").get_data()
        ms, gzipped = _timed(client, "/", rounds, gz)
        print(f"{name}: / {len(raw):,} bytes raw, {gzipped:,} gzip, {ms:.0f} ms")
        for label, view in (("city", CITY), ("Flanders", REGION)):
            for path in ("/map/markers", "/map/areas"):
                args = dict(view)
                if path == "/map/areas":
                    args["level"] = "municipality" if int(view["zoom"]) < 10 else "district"
                url = f"{path}?{urlencode(args)}"
                with app.app_context():
                    from community.extensions import cache
                    cache.clear()
                first, _ = _timed(client, url, 1, gz)
                ms, size = _timed(client, url, rounds, gz)
                print(f"{name}: {url} first {first:.0f} ms, then {ms:.0f} ms, {size:,} bytes gzip")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["build", "measure"])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapbench"))
    parser.add_argument("--listings", type=int, default=50_000)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if args.action == "build":
        build(args.workdir, args.listings, args.places)
    else:
        measure(args.workdir, args.rounds)


if __name__ == "__main__":
    main()
