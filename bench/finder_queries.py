"""The finder's query shapes in process at demo size and at Flanders size, on SQLite or PostgreSQL.

    PYTHONPATH=. python bench/finder_queries.py --listings 50000            # SQLite in a temp folder
    PYTHONPATH=. python bench/finder_queries.py --listings 80 --db postgresql://127.0.0.1/bench_finder
    PYTHONPATH=/work/main python bench/finder_queries.py ...                 # the same on another checkout

Data (fixed seed): 300 municipalities of about 9 districts each (2,768 rectangles over Flanders),
listings / 2.5 meeting places spread over them, one initiative per listing with one or two
schedules (hardly any on a Sunday): 70 % weekly (10 % of those a summer activity that ended, 2025), 10 % every two weeks, 10 %
monthly (nth or last weekday), 10 % one date. About 2 % of the names hold "koffie"; 0.05 % of the
initiatives have the working model "competence" and 0.03 % of the sessions are on a Sunday. Rows are bulk
inserted (schedule_slot rows too where the checkout has that table), then ANALYZE.

Timed per shape, `--rounds` times after one warm-up: finder.find() plus what the list page asks
of the result (total, pages, the page's items), and apart from it `result.matches` (every
match, what the page's map data read until the map moved to its viewport endpoint). Medians in ms,
and the fastest round (on a shared machine the least disturbed). `--only q=` times the search text
shapes alone (a plain word, two words, a typo that finds nothing and asks for a did-you-mean).
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time as timer
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

SEED = 11
WORDS = ["buurt", "taal", "brei", "soep", "wandel", "fiets", "huiswerk", "repair", "zang", "yoga", "schaak",
         "moestuin", "lees", "kook", "dans"]


def _square(lon0, lat0, lon1, lat1) -> str:
    import json
    return json.dumps({"type": "MultiPolygon", "coordinates": [[[[lon0, lat0], [lon1, lat0], [lon1, lat1],
                                                                   [lon0, lat1], [lon0, lat0]]]]})


# Few offers meet on a Sunday (0.03 % of the sessions): "Sunday" is the selective day for the planner.
DAY_WEIGHTS = (20, 20, 20, 20, 20, 20, 0.036)


def _schedules(rng: random.Random) -> list[dict]:
    out = []
    for _ in range(rng.choice([1, 1, 2])):
        start = time(rng.choice(range(8, 21)), rng.choice([0, 30]))
        end = time(min(start.hour + rng.choice([1, 2, 3]), 23), start.minute)
        kind = rng.random()
        days = sorted({rng.choices(range(7), weights=DAY_WEIGHTS)[0] for _ in range(rng.choice([1, 2]))})
        row = {"start_time": start, "end_time": end, "nth": None, "on_date": None, "valid_from": None,
               "valid_until": None, "weekdays": ",".join(str(d) for d in days)}
        if kind < 0.7:
            row["frequency"] = "weekly"
            if rng.random() < 0.1:
                row.update(valid_from=date(2025, 7, 1), valid_until=date(2025, 8, 31))
        elif kind < 0.8:
            row.update(frequency="biweekly", valid_from=date(2026, 1, 5) + timedelta(days=rng.randint(0, 13)))
        elif kind < 0.9:
            row.update(frequency="monthly", weekdays=str(days[0]), nth=rng.choice([1, 2, 3, 4, -1]))
        else:
            day = date(2026, 3, 4) + timedelta(days=rng.randint(-30, 90))
            row.update(frequency="once", weekdays="", on_date=day - timedelta(days=day.weekday() == 6))
        out.append(row)
    return out


def build(app, listings: int) -> dict:
    from sqlalchemy import insert, text
    from community.extensions import db
    from community.models import (Area, Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation,
                                  PlaceArea, Schedule)
    from community.scheduling import Recurrence
    try:
        from community.models import ScheduleSlot
        from community.services.schedules import slot_rows
    except ImportError:
        ScheduleSlot = slot_rows = None
    rng = random.Random(SEED)
    lon0, lat0, lon1, lat1 = 2.55, 50.70, 5.90, 51.40
    cols, rows_ = 46, 60  # 2,760 districts, grouped 3 x 3 in 300 municipalities (some smaller at the edge)
    districts, municipalities = [], {}
    for r in range(rows_):
        for c in range(cols):
            code = f"W{r:02d}{c:02d}"
            m = (r // 3, c // 3)
            box = (lon0 + c * (lon1 - lon0) / cols, lat0 + r * (lat1 - lat0) / rows_,
                   lon0 + (c + 1) * (lon1 - lon0) / cols, lat0 + (r + 1) * (lat1 - lat0) / rows_)
            districts.append((code, m, box))
            municipalities.setdefault(m, []).append(box)
    with app.app_context():
        area_rows, ids = [], {}
        for m, boxes in municipalities.items():
            ids[m] = uuid.uuid4()
            b = (min(x[0] for x in boxes), min(x[1] for x in boxes),
                 max(x[2] for x in boxes), max(x[3] for x in boxes))
            area_rows.append({"id": ids[m], "code": f"M{m[0]:02d}{m[1]:02d}", "name": f"Gemeente {m[0]}-{m[1]}",
                              "level": "municipality", "parent_id": None, "geometry": _square(*b),
                              "min_lon": b[0], "min_lat": b[1], "max_lon": b[2], "max_lat": b[3]})
        db.session.execute(insert(Area), area_rows)
        district_ids = []
        area_rows = []
        for n, (code, m, b) in enumerate(districts):
            district_ids.append(uuid.uuid4())
            area_rows.append({"id": district_ids[-1], "code": code, "name": f"Wijk {WORDS[n % 15].title()} {n}",
                              "level": "district", "parent_id": ids[m], "geometry": _square(*b),
                              "min_lon": b[0], "min_lat": b[1], "max_lon": b[2], "max_lat": b[3]})
        db.session.execute(insert(Area), area_rows)
        org = uuid.uuid4()
        db.session.execute(insert(Organisation), [{"id": org, "name": "Bench vzw", "languages": []}])
        places, place_areas = [], []
        for n in range(max(2, int(listings / 2.5))):
            d = rng.randrange(len(districts))
            b = districts[d][2]
            places.append({"id": uuid.uuid4(), "name": f"Plek {n}", "latitude": rng.uniform(b[1], b[3]),
                           "longitude": rng.uniform(b[0], b[2])})
            place_areas.append({"place_id": places[-1]["id"], "level": "district", "area_id": district_ids[d]})
            place_areas.append({"place_id": places[-1]["id"], "level": "municipality",
                                "area_id": ids[districts[d][1]]})
        db.session.execute(insert(MeetingPlace), places)
        db.session.execute(insert(PlaceArea), place_areas)
        models = ("competence", "buddy", "personal_network", "peer", "context", "organisation", "location")
        batch = {Initiative: [], InitiativeAtPlace: [], Schedule: [], InitiativeTerm: [], "slots": []}
        for n in range(listings):
            init, link = uuid.uuid4(), uuid.uuid4()
            word = "koffie" if rng.random() < 0.02 else rng.choice(WORDS)
            batch[Initiative].append({"id": init, "organisation_id": org, "status": "active",
                                      "name": f"{word.title()}{rng.choice(WORDS)} {n}",
                                      "cost": rng.choice(["free", "social_tariff", "paid"])})
            batch[InitiativeAtPlace].append({"id": link, "initiative_id": init,
                                             "place_id": rng.choice(places)["id"]})
            # "competence" is rare (0.05 %), so that a model filter is a selective one for the planner
            batch[InitiativeTerm].append({"initiative_id": init, "scheme": "working_model",
                                          "code": rng.choices(models, weights=(0.05, 20, 20, 20, 20, 10, 9.95))[0]})
            slots = []
            for values in _schedules(rng):
                sid = uuid.uuid4()
                batch[Schedule].append({**values, "id": sid, "location_id": link, "note": ""})
                if slot_rows:
                    rule = Recurrence(frequency=values["frequency"], start_time=values["start_time"],
                                      end_time=values["end_time"], nth=values["nth"], on_date=values["on_date"],
                                      weekdays=tuple(int(d) for d in values["weekdays"].split(",") if d),
                                      valid_from=values["valid_from"], valid_until=values["valid_until"])
                    slots += slot_rows(sid, link, rule)
            batch["slots"] += slots
            if slots and hasattr(InitiativeAtPlace, "last_day"):  # as the writer keeps it, where the checkout has it
                batch[InitiativeAtPlace][-1]["last_day"] = max(slot["until_day"] for slot in slots)
        for model in (Initiative, InitiativeAtPlace, Schedule, InitiativeTerm):
            for start in range(0, len(batch[model]), 5000):
                db.session.execute(insert(model), batch[model][start:start + 5000])
        for start in range(0, len(batch["slots"]), 5000):
            db.session.execute(insert(ScheduleSlot), batch["slots"][start:start + 5000])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return _look_ups(db)


def built(app) -> dict | None:
    """The look-ups of a database built before (--db given twice), or None if it is empty."""
    from sqlalchemy import text
    from community.extensions import db
    with app.app_context():
        if not db.session.execute(text("SELECT count(*) FROM initiative")).scalar():
            return None
        return _look_ups(db)


def _look_ups(db) -> dict:
    """The district with the most places, and the coordinates of a place in it for `near`."""
    from sqlalchemy import text
    code = db.session.execute(text(
        "SELECT a.code FROM place_area pa JOIN area a ON a.id = pa.area_id WHERE pa.level = 'district' "
        "GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1")).scalar()
    lat, lon = db.session.execute(text(
        "SELECT p.latitude, p.longitude FROM meeting_place p JOIN place_area pa ON pa.place_id = p.id "
        "JOIN area a ON a.id = pa.area_id WHERE a.code = :code "
        "AND p.id IN (SELECT place_id FROM initiative_at_place) ORDER BY p.name LIMIT 1"), {"code": code}).one()
    return {"district": code, "near": f"{lat:.5f},{lon:.5f}"}


def shapes(extra: dict) -> dict[str, dict]:
    return {"broad": {}, "day=2&part=afternoon&cost=free": {"day": 2, "part": "afternoon", "cost": "free"},
            "q=koffie": {"text": "koffie"}, "q=koffie plek (two words)": {"text": "koffie plek"},
            "q=taalcaffe (typo: none, did you mean)": {"text": "taalcaffe"}, "near": {"near": extra["near"]},
            "district": {"district": extra["district"]}, "when=now": {"when": "now"},
            "when=week": {"when": "week"}, "broad, page 50": {"page": 50}}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", default="", help="a database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--only", default="", help="time only the shapes whose name holds one of these "
                                                   "comma-separated words (e.g. 'q=')")
    args = parser.parse_args(argv)
    from flask_migrate import upgrade
    from community import create_app
    from community.scheduling import TZ
    from community.services import finder
    workdir = Path(tempfile.mkdtemp(prefix="finder-bench-"))
    url = args.db or f"sqlite:///{workdir / 'finder.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(workdir / "instance"),
                      "SECRET_KEY": "bench", "BUURTKRACHT_TILE_URL": "", "RATELIMIT_STORAGE_URI": "memory://",
                      "BUURTKRACHT_NEXT_SESSION_REFRESH": 0})  # the moment is fixed: no refresh at the real time
    with app.app_context():
        upgrade()
    started = timer.perf_counter()
    extra = built(app) or build(app, args.listings)
    print(f"{args.listings} listings on {url.split(':')[0]}: ready in {timer.perf_counter() - started:.1f} s")
    now = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)
    only = [w for w in args.only.split(",") if w]
    stored = _store_next_sessions(app, now)
    _time_shapes(app, finder, {k: v for k, v in shapes(extra).items() if not only or any(w in k for w in only)},
                 now, args.rounds)
    if stored is not None:
        # The stored sessions as an hour without a refresh leaves them (the job runs every five
        # minutes): the links whose session ended since are computed live and merged in.
        stale = _store_next_sessions(app, now - timedelta(hours=1), count_stale_at=now)
        print(f"  stored an hour before the moment ({stale} of the links stale then):")
        _time_shapes(app, finder, {k: v for k, v in shapes(extra).items() if k in ("broad", "day=2&part=afternoon&cost=free")},
                     now, args.rounds)


def _store_next_sessions(app, moment, count_stale_at=None) -> int | None:
    """Store every link's next session as a refresh at `moment` would (checkouts that store them);
    with `count_stale_at`, the number of links stale at that later moment."""
    try:
        from community.services import next_sessions
    except ImportError:
        return None
    from sqlalchemy import func, select, text, update
    from community.extensions import db
    from community.models import InitiativeAtPlace
    from community.scheduling.weekly import Clock
    with app.app_context():
        link = InitiativeAtPlace.__table__
        with db.engine.begin() as connection:
            connection.execute(update(link).values(next_from=0, next_until=0))
            next_sessions.refresh(connection, moment)
            connection.execute(text("ANALYZE"))  # as after an import: the planner knows how few are stale
        at = Clock.at(count_stale_at or moment)
        return db.session.scalar(select(func.count()).select_from(link).where(next_sessions.stale(at, link)))


def _time_shapes(app, finder, shapes_, now, rounds) -> None:
    for name, values in shapes_.items():
        page_ms, all_ms, total = [], [], 0
        for n in range(rounds + 1):
            with app.test_request_context("/"):
                t0 = timer.perf_counter()
                result = finder.find(finder.FinderQuery(**values), now=now)
                total, _pages, _items = result.total, result.pages, result.page_items()
                t1 = timer.perf_counter()
                _all = result.matches
                t2 = timer.perf_counter()
            if n:
                page_ms.append((t1 - t0) * 1000)
                all_ms.append((t2 - t1) * 1000)
        print(f"  {name:34s} {total:6d} results  find+page {statistics.median(page_ms):8.1f} ms"
              f" (min {min(page_ms):7.1f})  + every match {statistics.median(all_ms):8.1f} ms")


if __name__ == "__main__":
    main()
