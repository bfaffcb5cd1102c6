"""Benchmark: a mixed load on gunicorn (issue 10), beside a static file served by the same server.

    python bench/load.py [--db sqlite|postgresql] [--workers 4] [--threads 1] [--seconds 30]
                         [--compare CHECKOUT]

For each checkout: a fresh database with the demo district, gunicorn on loopback, then
1. one write alone: 20 "plan an activity" POSTs one after another (p50 ms) and its SQL;
2. the mixed load for --seconds: residents (3 clients cycling through the home page, the list,
   a filtered and a text search), workers (2 clients logged in, each planning an activity and
   logging one as held), a coordinator (1 client on the coverage review), /healthz (1 client)
   and the ceiling, a static file (1 client). Bounded: closed loop, loopback only.
Reported per route: requests, requests/s, p50/p95/p99 ms, errors (5xx, refused/timed out),
and p50 as a multiple of the static file's p50 in the same run.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import TOKEN, Client, fresh_database, free_port, p  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KEY = re.compile(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"')
PLACE = re.compile(r'<select[^>]*name="place"[^>]*>.*?<option[^>]*value="([0-9a-f-]{36})"', re.S)
ACTIVITY = re.compile(r"/work/activities/([0-9a-f-]{36})")


def plan(client: Client, n: int) -> tuple[float, int, str]:
    """GET the form (not timed), POST a plan (timed); returns seconds, status, the activity id."""
    _s, _st, html, _u = client.request("/work/activities/new")
    token, place = TOKEN.search(html), PLACE.search(html)
    if not (token and place):
        return 0.0, 0, ""
    data = {"csrf_token": token.group(1), "title": f"Bench {n}", "day": "2020-06-01",
            "start": f"{8 + n % 10:02d}:00", "end": f"{9 + n % 10:02d}:00", "place": place.group(1),
            "room": "", "visibility": "internal", "working_models": ["peer"], "target_groups": ["elderly"]}
    key = KEY.search(html)
    if key:
        data["submission_key"] = key.group(1)
    seconds, status, _text, url = client.request("/work/activities/new", data)
    found = ACTIVITY.search(url or "")
    return seconds, status, found.group(1) if found else ""


def log_done(client: Client, activity_id: str) -> tuple[float, int]:
    _s, _st, html, _u = client.request(f"/work/activities/{activity_id}/done")
    token = TOKEN.search(html)
    if not token:
        return 0.0, 0
    data = {"csrf_token": token.group(1), "participants": "12", "new_participants": "2", "volunteers": "1",
            "target_groups_reached": ["elderly"], "reflection": "Goed verlopen.", "no_personal_details": "y"}
    key = KEY.search(html)
    if key:
        data["submission_key"] = key.group(1)
    seconds, status, _t, _u = client.request(f"/work/activities/{activity_id}/done", data)
    return seconds, status


def pct(values: list[float], q: float) -> float:
    return p(values, q) if values else float("nan")


def run_checkout(label: str, checkout: Path, opts, workdir: Path) -> None:
    env = {**os.environ, "SECRET_KEY": "bench", "DATABASE_URL": fresh_database(opts.db, workdir),
           "RATELIMIT_STORAGE_URI": "memory://"}
    flask = [sys.executable, "-m", "flask", "--app", "community"]
    for step in (["db", "upgrade"], ["load-demo"]):
        subprocess.run(flask + step, env=env, cwd=checkout, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(opts.workers),
                               "--threads", str(opts.threads), "--bind", f"127.0.0.1:{port}",
                               "community:create_app()"], env=env, cwd=checkout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[tuple[float, int]]] = {}
    lock = threading.Lock()

    def note(route: str, seconds: float, status: int):
        with lock:
            results.setdefault(route, []).append((seconds, status))

    try:
        for _ in range(150):
            if Client(base).request("/healthz")[1] == 200:
                break
            time.sleep(0.2)
        alone = Client(base)
        alone.log_in("worker@demo.buurtkracht.example")
        single = [plan(alone, n)[0] for n in range(20)]
        stop = threading.Event()

        def residents():
            c = Client(base)
            pages = ["/", "/initiatives", "/initiatives?day=2&part=afternoon&cost=free", "/initiatives?q=koffie"]
            while not stop.is_set():
                for page in pages:
                    s, status, _t, _u = c.request(page)
                    note(page.split("&")[0], s, status)

        def worker(email: str, offset: int):
            c = Client(base)
            c.log_in(email)
            n = offset
            while not stop.is_set():
                n += 1
                s, status, activity_id = plan(c, n)
                note("POST plan activity", s, status)
                if activity_id:
                    s, status = log_done(c, activity_id)
                    note("POST log activity", s, status)

        def coordinator():
            c = Client(base)
            c.log_in("coordinator@demo.buurtkracht.example")
            while not stop.is_set():
                s, status, _t, _u = c.request("/review/")
                note("/review/", s, status)

        def fixed(path: str):
            c = Client(base)
            while not stop.is_set():
                s, status, _t, _u = c.request(path)
                note(path, s, status)

        threads = ([threading.Thread(target=residents) for _ in range(3)]
                   + [threading.Thread(target=worker, args=(f"worker{'' if i == 0 else '2'}@demo.buurtkracht.example",
                                                              1000 * (i + 1))) for i in range(2)]
                   + [threading.Thread(target=coordinator), threading.Thread(target=fixed, args=("/healthz",)),
                      threading.Thread(target=fixed, args=("/static/css/site.css",))])
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(opts.seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ceiling = statistics.median(s for s, status in results.get("/static/css/site.css", [(1, 200)]) if status == 200)
    print(f"\n{label}: {opts.db}, {opts.workers} workers x {opts.threads} threads, {elapsed:.0f} s")
    print(f"one plan POST alone (20 in a row): p50 {pct(single, .5):.0f} ms, p95 {pct(single, .95):.0f} ms")
    print("| route | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | failed | p50 x static |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for route, values in sorted(results.items()):
        ok = [s for s, status in values if 200 <= status < 400]
        errors = sum(1 for _s, status in values if status >= 500)
        failed = sum(1 for _s, status in values if status == 0)
        print(f"| {route} | {len(values)} | {len(values) / elapsed:.1f} | {pct(ok, .5):.0f} | {pct(ok, .95):.0f} | "
              f"{pct(ok, .99):.0f} | {errors} | {failed} | {pct(ok, .5) / (ceiling * 1000):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-load-bench-"))
    run_checkout("this checkout", ROOT, opts, workdir)
    if opts.compare:
        run_checkout(f"{opts.compare.name} (compared)", opts.compare.resolve(), opts, workdir)


if __name__ == "__main__":
    main()
