"""Benchmark: every page at Flanders scale against the demo district, beside a static file (issue 11).

    python bench/scale.py [--db sqlite|postgresql|both] [--quick] [--fresh] [--samples 20] [--budget 12]
    python bench/scale.py --profile '/initiatives' [--db sqlite]     # one page in-process, cProfile

For each database: the demo district (`load-demo`) and the region (bench/scale_data.py: every Flemish
wijk with a synthetic population, 20,000 meeting places and 50,000 initiatives with schedules, fixed
seed, imported with `import-listings`, first import and an unchanged re-import timed), each built
once and cached in bench/.cache (keyed by seed, size and code version; --fresh rebuilds). Each
scale is served by gunicorn on loopback with `make run`'s settings (2 workers x 4 threads; on
PostgreSQL with the shared cache in Redis, the scale-out set-up) and measured by one client, one
request at a time, the pages interleaved round by round with a static file served by the same
gunicorn (the ceiling). A page gets --samples requests, or fewer once it has used --budget seconds
(at least 3, unless they take 2.5 budgets, or the scale has been measured for --max-minutes and the
page takes over a second); a request that fails or takes over --timeout seconds is a failure, and
its time counts as infinite in the percentiles (so does a 4xx: the bench asked wrongly). Output: a
table per database (p50/p95 at both scales, growth, ratio to the static file), the import and memory
figures, and every target marked PASS or FAIL.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Client, app_env, drop_database, flask, gunicorn, p, peak_rss_mib, worker_pids  # noqa: E402
import scale_data  # noqa: E402
from scale_report import report  # noqa: E402

STATIC = "/static/css/site.css"
DISTRICT, MUNICIPALITY = "44021W04", "44021"
NEAR = "Korenmarkt 1, 9000 Gent"
# Map views as a 1280 x 800 px window shows them: Ghent's centre at zoom 13, Flanders at zoom 9.
VIEWS = (("Ghent z13", 3.7250, 51.0540, 13), ("Flanders z9", 4.23, 51.10, 9))
DETAIL = re.compile(r'href="/initiatives/([0-9a-f-]{36})"')
COMPUTING = re.compile(r'http-equiv="refresh"|data-computing|class="computing', re.I)
REQUEST_TIMEOUT = 30  # gunicorn's default worker timeout, which `make run` keeps


def pages(detail: str | None, last_page: int, map_urls: list[tuple[str, str]]) -> list[tuple[str, str, str | None]]:
    """(label, path, who): who is None (anonymous), 'worker' or 'coordinator'."""
    return [("static file", STATIC, None), ("/", "/", None), ("/initiatives", "/initiatives", None),
            ("day/part/cost", "/initiatives?day=2&part=afternoon&cost=free", None),
            ("q=koffie", "/initiatives?q=koffie", None),
            ("near (Ghent address)", "/initiatives?near=" + NEAR.replace(" ", "+").replace(",", "%2C"), None),
            (f"district={DISTRICT}", f"/initiatives?district={DISTRICT}", None),
            ("detail page", detail and f"/initiatives/{detail}", None), (f"/areas/{DISTRICT}", f"/areas/{DISTRICT}", None),
            ("HSDS page 1", "/api/hsds/services?page=1", None),
            (f"HSDS last page ({last_page})", f"/api/hsds/services?page={last_page}", None),
            ("/work/", "/work/", "worker"), ("/work/listings", "/work/listings", "worker"),
            ("/work/stale", "/work/stale", "worker"), ("/work/activities/new", "/work/activities/new", "worker"),
            ("/review/ cached", "/review/", "coordinator"),
            *[(label, url, None) for label, url in map_urls]]


def view_query(lon: float, lat: float, zoom: int, areas: bool) -> str:
    """bbox (min lon, min lat, max lon, max lat) and zoom of a 1280 x 800 px map at this centre."""
    degrees = 360 / (256 * 2 ** zoom)  # per pixel along the equator; Web Mercator narrows latitude
    half_lon, half_lat = 640 * degrees, 400 * degrees * math.cos(math.radians(lat))
    query = f"bbox={lon - half_lon:.4f},{lat - half_lat:.4f},{lon + half_lon:.4f},{lat + half_lat:.4f}&zoom={zoom}"
    return query + (f"&level={'district' if zoom >= 10 else 'municipality'}" if areas else "")


LIST_APP = """
import json, click
from community import create_app
app = create_app()
commands = []
for name, command in app.cli.commands.items():
    commands += [[name, sub] for sub in command.commands] if isinstance(command, click.Group) else [[name]]
print(json.dumps({"rules": [[r.rule, r.endpoint, sorted(r.arguments)] for r in app.url_map.iter_rules()
                            if 'GET' in r.methods], "commands": commands}))
"""


def inspect_app(env: dict) -> tuple[list[tuple[str, str]], list[str] | None]:
    """From the running code: the GET endpoints whose rule or name says map (JSON, not images), each
    with the views over Ghent and over Flanders as (label, url); and the `flask` command that runs
    background-job workers (a command named *worker*), if there is one."""
    done = subprocess.run([sys.executable, "-c", LIST_APP], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    if done.returncode != 0:
        print(f"  could not list the app's routes: {done.stderr[-500:]}", file=sys.stderr)
        return [], None
    found = json.loads(done.stdout.strip().splitlines()[-1])
    worker = next((c for c in found["commands"] if "worker" in c[-1]), None)
    urls = []
    for rule, endpoint, arguments in found["rules"]:
        if "map" not in (rule + endpoint).lower() or rule.endswith((".png", ".svg")) or endpoint == "static":
            continue
        path = rule
        for name in arguments:
            value = {"z": "13", "zoom": "13", "x": "4187", "y": "2735", "code": DISTRICT, "level": "district"}.get(name)
            if value is None:
                break
            path = re.sub(r"<(?:[^:>]+:)?" + name + ">", value, path)
        else:
            urls += [(f"{path} {name}", f"{path}?{view_query(lon, lat, zoom, 'area' in path)}")
                     for name, lon, lat, zoom in VIEWS]
    return urls, worker


def first_detail(client: Client) -> str | None:
    """The first initiative on the district's list (None when no list answered: the page then fails)."""
    for path in (f"/initiatives?district={DISTRICT}", "/initiatives"):
        found = DETAIL.search(client.request(path)[2])
        if found:
            return found.group(1)
    return None


def last_hsds_page(client: Client) -> int:
    _s, status, body, _u = client.request("/api/hsds/services?page=1")
    try:
        return max(1, int(json.loads(body)["total_pages"]))
    except (ValueError, KeyError, TypeError):
        return 1


def review_first_view(client: Client, opts) -> dict:
    """The first /review/ of a fresh server; when it answers with a 'computing' page, how long until
    the result is there (polled once a second, as its refresh would)."""
    seconds, status, body, _u = client.request("/review/")
    computing = status == 202 or (status == 200 and bool(COMPUTING.search(body)))  # 202 Accepted: a job runs
    out = {"seconds": seconds if status in (200, 202) else math.inf, "status": status, "computing": computing}
    if computing:
        started = time.perf_counter()
        while time.perf_counter() - started < opts.review_wait:
            time.sleep(1)
            _s, status, body, _u = client.request("/review/")
            if status == 200 and not COMPUTING.search(body):
                out["ready_after"] = time.perf_counter() - started + seconds
                break
        else:
            out["ready_after"] = math.inf
    return out


def home_weight(base: str) -> dict:
    _s, _st, gzipped, _u, headers = Client(base, headers={"Accept-Encoding": "gzip"}).fetch("/")
    _s, _st, raw, _u, _h = Client(base, headers={"Accept-Encoding": "identity"}).fetch("/")
    return {"gzip_kib": len(gzipped) / 1024, "raw_kib": len(raw) / 1024,
            "encoding": headers.get("Content-Encoding", "")}


def measure(base: str, clients: dict, plan: list, opts) -> dict:
    """Interleaved rounds; every page until it has its samples or has used its budget."""
    times: dict[str, list[float]] = {label: [] for label, _p, _w in plan}
    spent = dict.fromkeys(times, 0.0)
    statuses: dict[str, dict[int, int]] = {label: {} for label in times}
    deadline = time.monotonic() + opts.max_minutes * 60
    for _round in range(opts.samples):
        for label, path, who in plan:
            n, failures = len(times[label]), sum(1 for t in times[label] if t == math.inf)
            slow = n and spent[label] / n > 1.0  # past the deadline only these stop; cheap ones go on
            if failures >= 2 or (n >= 3 and spent[label] >= opts.budget) or spent[label] >= 2.5 * opts.budget \
                    or (slow and label != "static file" and time.monotonic() > deadline):
                continue
            if path is None or who not in clients:  # no detail link found, or the log-in failed
                seconds, status = math.inf, -1
            else:
                seconds, status, _b, url, _h = clients[who].fetch(path)
                status = -2 if who and "/login" in url else status  # sent to the log-in page
            statuses[label][status] = statuses[label].get(status, 0) + 1
            spent[label] += seconds
            failed = status <= 0 or status >= 400 or seconds > opts.timeout  # a 4xx: the bench asked wrongly
            times[label].append(math.inf if failed else seconds)
    return {label: {"path": path, "n": len(times[label]), "p50": p(times[label], .5), "p95": p(times[label], .95),
                    "failures": sum(1 for t in times[label] if t == math.inf), "statuses": statuses[label]}
            for label, path, _w in plan}


def run_scale(scale: str, kind: str, opts, workdir: Path) -> dict:
    size = {"seed": opts.seed, "initiatives": opts.initiatives, "places": opts.places, "province": opts.province}
    url, record = scale_data.instance(scale, kind, size, workdir, fresh=opts.fresh)
    extra = {}
    if kind == "postgresql" and not opts.no_redis:  # the scale-out set-up: a cache all workers share
        extra = {"REDIS_URL": "redis://127.0.0.1:6379/0", "BUURTKRACHT_CACHE_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:"}
    env = app_env(url, **extra)
    users = scale_data.DEMO_USERS if scale == "demo" else {role: email for email, role, _a in scale_data.REGION_USERS}
    job_worker = None
    try:
        map_urls, worker_command = inspect_app(env)
        if extra and worker_command:  # with Redis, background jobs wait for a worker process
            job_worker = subprocess.Popen([sys.executable, "-m", *flask(*worker_command)], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with gunicorn(env) as (base, master):
            started_workers = sorted(worker_pids(master))
            headers = {"Accept-Encoding": "gzip"}
            clients = {None: Client(base, opts.timeout, headers), "worker": Client(base, opts.timeout, headers),
                       "coordinator": Client(base, opts.timeout, headers)}
            for who in ("worker", "coordinator"):
                try:
                    clients[who].log_in(users[who])
                except AssertionError as exc:  # its pages count as failures
                    print(f"  {exc}", file=sys.stderr)
                    del clients[who]
            print(f"  {scale} on {kind}: measuring {base}", file=sys.stderr, flush=True)
            review = review_first_view(clients["coordinator"], opts) if "coordinator" in clients else \
                {"seconds": math.inf, "status": -1, "computing": False}
            detail, last_page = first_detail(clients[None]), last_hsds_page(clients[None])
            plan = pages(detail, last_page, map_urls)
            results = measure(base, clients, plan, opts)
            weight = home_weight(base)
            workers = worker_pids(master)
            rss = max((peak_rss_mib(pid) for pid in workers), default=math.nan)
            restarted = sorted(workers) != started_workers
            job_rss = peak_rss_mib(job_worker.pid) if job_worker else math.nan
    finally:
        if job_worker:
            job_worker.terminate()
            job_worker.wait(timeout=30)
        drop_database(url)
    return {"record": record, "pages": results, "review_first": review, "home": weight,
            "worker_peak_rss_mib": rss, "workers_restarted": restarted, "redis": bool(extra),
            "job_worker": " ".join(worker_command) if job_worker else "", "job_worker_peak_rss_mib": job_rss}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def profile(opts) -> None:
    """One page in-process under cProfile, on the cached region database of --db."""
    import cProfile
    import os
    import pstats
    kind = "sqlite" if opts.db == "both" else opts.db
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-scale-"))
    size = {"seed": opts.seed, "initiatives": opts.initiatives, "places": opts.places, "province": opts.province}
    url, _record = scale_data.instance("region", kind, size, workdir)
    os.environ.update(app_env(url))
    sys.path.insert(0, str(ROOT))
    from community import create_app
    app = create_app()
    try:
        client = app.test_client()
        who = next((w for label, path, w in pages("x", 1, []) if path == opts.profile.split("?")[0]), None)
        if who:
            email = next(e for e, role, _a in scale_data.REGION_USERS if role == who)
            html = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            client.post("/login", data={"csrf_token": token, "email": email, "password": "buurtkracht-demo"})
        client.get(opts.profile)  # warm: first-request costs apart
        started = time.perf_counter()
        profiler = cProfile.Profile()
        profiler.enable()
        response = client.get(opts.profile)
        profiler.disable()
        print(f"{opts.profile}: {response.status_code}, {(time.perf_counter() - started) * 1000:.0f} ms in process, "
              f"{len(response.data) / 1024:.0f} KiB")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        with app.app_context():
            from community.extensions import db
            db.engine.dispose()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: one province (Oost-Vlaanderen), 2,000 initiatives, 5 samples")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data sets even when cached")
    parser.add_argument("--initiatives", type=int, default=50_000)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--province", help="only this province's wijken (e.g. 40000)")
    parser.add_argument("--seed", type=int, default=scale_data.SEED)
    parser.add_argument("--samples", type=int, default=20, help="requests per page (p95 needs about 20)")
    parser.add_argument("--budget", type=float, default=12, help="seconds a page may use before it stops at 3")
    parser.add_argument("--timeout", type=float, default=60, help="a request slower than this is a failure")
    parser.add_argument("--max-minutes", type=float, default=6,
                        help="after this long measuring one scale, pages over 1 s with a sample get no more")
    parser.add_argument("--review-wait", type=float, default=180, help="seconds to wait for a computing review")
    parser.add_argument("--no-redis", action="store_true", help="PostgreSQL without the shared Redis cache")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--profile", metavar="PATH", help="profile one page in-process instead")
    opts = parser.parse_args()
    if opts.quick:
        opts.initiatives, opts.places, opts.province = 2_000, 800, opts.province or "40000"
        opts.samples, opts.budget = min(opts.samples, 5), min(opts.budget, 5)
    if opts.profile:
        return profile(opts)
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-scale-"))
    kinds = ("sqlite", "postgresql") if opts.db == "both" else (opts.db,)
    started, results = time.perf_counter(), {}
    for kind in kinds:
        results[kind] = {"load_before": load_average()}
        for scale in ("demo", "region"):
            results[kind][scale] = run_scale(scale, kind, opts, workdir)
        results[kind]["load_after"] = load_average()
    results["meta"] = {"commit": scale_data.commit(), "seconds": round(time.perf_counter() - started),
                       "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "request_timeout": REQUEST_TIMEOUT,
                       "options": {k: v for k, v in vars(opts).items() if k not in ("json", "profile")}}
    text = report(results, kinds)
    print(text)
    if opts.json:
        opts.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
