"""Benchmark: the buurtwerkers' workspace in-process, one request at a time (issues 10 and 11).

    python bench/workspace.py [--db sqlite|postgresql] [--listings 0|50000] [--repeat 30]
                              [--checkout DIR] [--profile plan|log|verify]

A fresh database with the demo district (80 listings), plus --listings more initiatives of
organisations at places spread over Ghent (made with the same generator as
bench/import_listings.py, fixed seed, imported with the importer). Then, in the process, with
Flask's test client logged in as the demo worker:
- the writes alone: "plan an activity" (the form's GET not timed), "log activity" (mark done)
  and "verify listing", each --repeat times one after another: p50 and p95 ms and SQL statements;
- the workspace pages (`/work/`, `/work/listings`, `/work/stale`, `/work/activities/new`):
  p50 ms, SQL statements and response size.
No server and no network: what is measured is the application and its database. --checkout
runs another checkout's code (e.g. `git archive main` unpacked) with this script.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"')
PLACE = re.compile(r'<select[^>]*name="place"[^>]*>.*?<option[^>]*value="([0-9a-f-]{36})"', re.S)
ACTIVITY = re.compile(r"/work/activities/([0-9a-f-]{36})")
VERIFY = re.compile(r'action="(/work/initiatives/[0-9a-f-]{36}/verify)"')


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--listings", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--page-repeat", type=int, default=5)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--profile", choices=("plan", "log", "verify"))
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one write of each kind")
    parser.add_argument("--statements", metavar="PATH", help="time each SQL statement of one GET of PATH")
    parser.add_argument("--database", help="reuse a database an earlier run made (its URL): no set-up")
    opts = parser.parse_args()
    sys.path.insert(0, str(opts.checkout.resolve()))
    sys.path.insert(1, str(ROOT / "bench"))
    os.chdir(opts.checkout)
    from import_listings import fresh_database, make_file
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-workspace-bench-"))
    os.environ.update(SECRET_KEY="bench", DATABASE_URL=opts.database or fresh_database(opts.db, workdir),
                      RATELIMIT_STORAGE_URI="memory://")
    print("database:", os.environ["DATABASE_URL"], flush=True)
    from flask_migrate import upgrade
    from sqlalchemy import event
    from community import create_app
    from community.demo import load_demo
    from community.extensions import db
    app = create_app()
    with app.app_context():
        upgrade()
        if not opts.database:
            load_demo()
            db.session.commit()
        if opts.listings and not opts.database:
            from community.importers.listings import import_listings
            started = time.perf_counter()
            import_listings(make_file(workdir / "listings.csv", opts.listings))
            db.session.commit()
            print(f"imported {opts.listings} listings in {time.perf_counter() - started:.0f} s", flush=True)
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, sql, *a: statements.append(sql))
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": TOKEN.search(html).group(1),
                                "email": "worker@demo.buurtkracht.example", "password": "buurtkracht-demo"})

    profiler = None

    def timed(method, path, data=None):
        statements.clear()
        if profiler is not None and method == "POST":
            profiler.enable()
        started = time.perf_counter()
        response = client.open(path, method=method, data=data)
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        return seconds, len(statements), response

    def form_of(path):
        html = client.get(path).get_data(as_text=True)
        data = {"csrf_token": TOKEN.search(html).group(1)}
        key = KEY.search(html)
        if key:
            data["submission_key"] = key.group(1)
        return html, data

    def plan(n):
        html, data = form_of("/work/activities/new")
        data.update({"title": f"Bench {n}", "day": "2020-06-01", "start": f"{8 + n % 10:02d}:00",
                     "end": f"{9 + n % 10:02d}:00", "place": PLACE.search(html).group(1), "room": "",
                     "visibility": "internal", "working_models": ["peer"], "target_groups": ["elderly"]})
        seconds, count, response = timed("POST", "/work/activities/new", data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        return seconds, count, ACTIVITY.search(response.headers["Location"]).group(1)

    def log(activity_id):
        _html, data = form_of(f"/work/activities/{activity_id}/done")
        data.update({"participants": "12", "new_participants": "2", "volunteers": "1",
                     "target_groups_reached": ["elderly"], "reflection": "Goed verlopen.",
                     "no_personal_details": "y"})
        seconds, count, response = timed("POST", f"/work/activities/{activity_id}/done", data)
        assert response.status_code == 302, response.status_code
        return seconds, count

    stale_html = client.get("/work/stale").get_data(as_text=True)
    verify_paths = VERIFY.findall(stale_html)

    def verify(n):
        path = verify_paths[n % len(verify_paths)]
        _html, data = form_of(path.removesuffix("/verify"))  # the initiative's page carries the button
        seconds, count, response = timed("POST", path, data)
        assert response.status_code == 302, response.status_code
        return seconds, count

    for n in range(3):  # warm up caches (areas frame, templates)
        log(plan(n)[2])
        verify(n)
    if opts.statements:
        timings = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda conn, *a: conn.info.__setitem__("t", time.perf_counter()))
            event.listen(db.engine, "after_cursor_execute", lambda conn, _cur, sql, *a: timings.append(
                ((time.perf_counter() - conn.info["t"]) * 1000, sql)))
        client.get(opts.statements)
        timings.clear()
        client.get(opts.statements)
        for ms, sql in timings:
            print(f"{ms:7.1f} ms  {' '.join(sql.split())[:400]}")
        return
    if opts.sql:
        activity_id = plan(5000)[2]
        print("\n-- plan\n" + "\n".join(s.replace("\n", " ")[:300] for s in statements))
        log(activity_id)
        print("\n-- log\n" + "\n".join(s.replace("\n", " ")[:300] for s in statements))
        verify(0)
        print("\n-- verify\n" + "\n".join(s.replace("\n", " ")[:300] for s in statements))
        return
    if opts.profile:  # cProfile of --repeat writes of one kind: where the time goes
        import cProfile
        import pstats
        ids = [plan(1000 + n)[2] for n in range(opts.repeat)] if opts.profile == "log" else []
        write = {"plan": lambda n: plan(2000 + n), "log": lambda n: log(ids[n]), "verify": verify}[opts.profile]
        profiler = cProfile.Profile()  # timed() runs it around each POST only
        for n in range(opts.repeat):
            write(n)
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        return
    rows = {"plan activity POST": [], "log activity POST": [], "verify listing POST": []}
    for n in range(opts.repeat):
        seconds, count, activity_id = plan(100 + n)
        rows["plan activity POST"].append((seconds, count))
        rows["log activity POST"].append(log(activity_id))
        rows["verify listing POST"].append(verify(n))
    with app.app_context():
        from community.models import Initiative
        count = db.session.scalar(db.select(db.func.count()).select_from(Initiative))
    label = f"{opts.db}, {count:,} initiatives, {opts.checkout.name or 'this checkout'}"
    print(f"\n{label}: writes alone, {opts.repeat} each")
    print("| write | p50 ms | p95 ms | SQL statements |")
    print("|---|---:|---:|---:|")
    for name, values in rows.items():
        times = [s for s, _c in values]
        print(f"| {name} | {p(times, .5):.1f} | {p(times, .95):.1f} | {statistics.median(c for _s, c in values):.0f} |")
    if opts.skip_pages:
        return
    print(f"\n{label}: pages, {opts.page_repeat} each")
    print("| page | p50 ms | SQL statements | KB |")
    print("|---|---:|---:|---:|")
    for path in ("/work/", "/work/listings", "/work/stale", "/work/activities/new"):
        values = [timed("GET", path) for _ in range(opts.page_repeat)]
        status = values[-1][2].status_code
        size = len(values[-1][2].get_data()) / 1024
        print(f"| `{path}` | {p([s for s, _c, _r in values], .5):.0f}{'' if status == 200 else f' ({status})'} | "
              f"{values[-1][1]} | {size:.0f} |", flush=True)


if __name__ == "__main__":
    main()
