"""Benchmark: residents' pages while a 50,000-row import writes (issue 10.1), SQLite or PostgreSQL.

    python bench/reads_during_import.py [--rows 50000] [--db sqlite|postgresql] [--compare CHECKOUT]

For each checkout: a fresh database with the demo district, gunicorn with --workers on
loopback, then the same read mix twice: idle, and while `flask import-listings` writes a
50,000-row file (the file of bench/import_listings.py). The ceiling is a static file served
by the same gunicorn in the same phase. Reported per page: p50, p95, 5xx and other failures,
and the p95 during the import as a multiple of the idle p95 (the target is <= 3x, no 5xx).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, free_port, get, p  # noqa: E402
from import_listings import make_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/static/css/site.css", "/healthz", "/", "/initiatives", "/initiatives?day=2&part=afternoon&cost=free"]


def load(base: str, stop: threading.Event, clients: int, minimum: int) -> dict[str, list[tuple[float, int]]]:
    """`clients` threads cycling through PAGES until `stop` is set and each did `minimum` rounds."""
    results: dict[str, list[tuple[float, int]]] = {p: [] for p in PAGES}
    lock = threading.Lock()

    def worker():
        rounds = 0
        while not stop.is_set() or rounds < minimum:
            for page in PAGES:
                seconds, status = get(base + page)
                with lock:
                    results[page].append((seconds, status))
            rounds += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def run_checkout(label: str, checkout: Path, kind: str, data: Path, workdir: Path, workers: int, clients: int):
    env = {**os.environ, "SECRET_KEY": "bench", "DATABASE_URL": fresh_database(kind, workdir)}
    flask = [sys.executable, "-m", "flask", "--app", "community"]
    for step in (["db", "upgrade"], ["load-demo"]):
        subprocess.run(flask + step, env=env, cwd=checkout, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
                               f"127.0.0.1:{port}", "community:create_app()"], env=env, cwd=checkout,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            if get(base + "/healthz")[1] == 200:
                break
            time.sleep(0.2)
        stop = threading.Event()
        stop.set()
        idle = load(base, stop, clients, minimum=15)
        stop = threading.Event()
        started = time.perf_counter()
        importer = subprocess.Popen(flask + ["import-listings", str(data)], env=env, cwd=checkout,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        collector: dict = {}
        thread = threading.Thread(target=lambda: collector.update(load(base, stop, clients, minimum=3)))
        thread.start()
        out, err = importer.communicate(timeout=1800)
        import_seconds = time.perf_counter() - started
        stop.set()
        thread.join()
        if importer.returncode != 0:
            raise SystemExit(f"{label}: import failed\n{out}\n{err[-2000:]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{label}: import {import_seconds:.1f} s; {workers} workers, {clients} clients")
    print("| page | idle p50 ms | idle p95 ms | import p50 ms | import p95 ms | p95 x idle | 5xx | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for page in PAGES:
        quiet = [s for s, status in idle[page] if status == 200]
        busy_all = collector[page]
        busy = [s for s, status in busy_all if status == 200]
        errors = sum(1 for _, status in busy_all if status >= 500)
        failed = sum(1 for _, status in busy_all if status == 0)
        ratio = p(busy, 0.95) / p(quiet, 0.95) if busy and quiet else float("nan")
        print(f"| {page} | {p(quiet, .5):.0f} | {p(quiet, .95):.0f} | "
              f"{p(busy, .5) if busy else float('nan'):.0f} | {p(busy, .95) if busy else float('nan'):.0f} | "
              f"{ratio:.1f} | {errors} of {len(busy_all)} | {failed} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also run another checkout (e.g. a worktree of an older commit)")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-reads-bench-"))
    data = make_file(workdir / "listings.csv", opts.rows)
    run_checkout("this checkout", ROOT, opts.db, data, workdir, opts.workers, opts.clients)
    if opts.compare:
        run_checkout(f"{opts.compare.name} (compared)", opts.compare.resolve(), opts.db, data, workdir,
                     opts.workers, opts.clients)


if __name__ == "__main__":
    main()
