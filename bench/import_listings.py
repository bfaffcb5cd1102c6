"""Benchmark: importing a 50,000-row listings CSV from the command line, first import and re-import.

    python bench/import_listings.py [--rows 50000] [--repeat 3] [--db sqlite|postgresql] [--changed 0.01]

Each run is a fresh process (`flask --app community import-listings FILE`) on a freshly migrated
database, so time and peak memory (ru_maxrss of the child) include start-up, reading, validating
and writing. The peer is the same file read by Python's `csv` module alone in a fresh process
(the floor any importer pays for reading it), reported as a ratio. The file is generated with a
fixed seed: 50,000 initiatives of 5,000 organisations at 2,000 meeting places, each with a
weekly schedule and two working models. After the first import and the unchanged re-import, a
copy with a share of the rows changed (--changed, 1 % by default: their description) is
imported, and the HSDS services pages 1 and last are timed in a fresh process (in-process
requests through the test client, the median of 5 after one warm-up).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fresh_database, run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["external_id", "name", "organisation", "place", "street", "number", "postcode", "municipality",
          "latitude", "longitude", "working_models", "target_groups", "cost", "childcare", "weekdays",
          "start", "end", "description"]
MODELS = ["competence", "buddy", "personal_network", "peer", "context", "organisation", "location"]
GROUPS = ["everyone", "elderly", "families", "youth", "newcomers"]


def make_file(path: Path, rows: int, seed: int = 20261202, changed: float = 0.0) -> Path:
    """The bench file; with `changed` > 0 the same file with that share of rows' descriptions changed."""
    every = round(1 / changed) if changed else 0
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for i in range(rows):
            place = i % 2000
            out.writerow([
                f"bench-{i}", f"Activiteit {i}", f"Organisatie {i % 5000}", f"Plek {place}",
                f"Straat {place % 300}", str(place % 97 + 1), "9000", "Gent",
                f"{51.00 + (place % 50) * 0.002:.5f}", f"{3.68 + (place // 50) * 0.002:.5f}",
                "|".join(rnd.sample(MODELS, 2)), rnd.choice(GROUPS), rnd.choice(["free", "social_tariff", "paid"]),
                rnd.choice(["none", "children_welcome", "unknown"]), str(rnd.randrange(7)), "14:00", "16:00",
                "Samen koken en praten in de buurt." + (" Nu ook op zondag." if every and i % every == 0 else "")])
    return path


HSDS = ("import json, os, statistics, sys, time\n"
        "from community import create_app\n"
        "app = create_app()\n"
        "client = app.test_client()\n"
        "last = client.get('/api/hsds/services').get_json()['total_pages']\n"
        "for page in (1, last):\n"
        "    times = []\n"
        "    for _ in range(6):\n"
        "        started = time.perf_counter()\n"
        "        response = client.get(f'/api/hsds/services?page={page}')\n"
        "        times.append(time.perf_counter() - started)\n"
        "        assert response.status_code == 200 and response.get_json()['size'] > 0\n"
        "    print('HSDS', page, statistics.median(times[1:]))\n")


def hsds_pages(env: dict, cwd: Path) -> dict[str, float]:
    """Seconds for HSDS page 1 and the last page (50 a page), in a fresh process."""
    done = subprocess.run([sys.executable, "-c", HSDS], env=env, capture_output=True, text=True, cwd=cwd,
                          timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"HSDS pages failed:\n{done.stderr[-3000:]}")
    lines = [line.split() for line in done.stdout.splitlines() if line.startswith("HSDS")]
    return {"HSDS page 1" if line[1] == "1" else f"HSDS last page ({line[1]})": float(line[2]) for line in lines}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--changed", type=float, default=0.01, help="share of rows changed in the third import")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also run another checkout of the project (e.g. a worktree of an older commit), "
                             "alternating with this one, so both see the same machine load")
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-import-bench-"))
    data = make_file(workdir / "listings.csv", opts.rows)
    changed = make_file(workdir / "changed.csv", opts.rows, changed=opts.changed)
    pages: dict[str, list[float]] = {}
    checkouts = {"this checkout": ROOT}
    if opts.compare:
        checkouts[f"{opts.compare.name} (compared)"] = opts.compare.resolve()
    results: dict[str, list[tuple[float, float, float]]] = {"csv module (peer)": []}
    peer_file = workdir / "peer.py"
    peer_file.write_text("import csv, sys\n"
                         "n = sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8'), delimiter=';'))\n")
    for _ in range(opts.repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(peer_file), str(data)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        results["csv module (peer)"].append((time.perf_counter() - started, 0.0, cpu))
        for label, checkout in checkouts.items():
            env = {**os.environ, "SECRET_KEY": "bench", "DATABASE_URL": fresh_database(opts.db, workdir)}
            run(["flask", "--app", "community", "db", "upgrade"], env, checkout)
            seconds, peak, cpu, out = run(["flask", "--app", "community", "import-listings", str(data)], env, checkout)
            assert f"{opts.rows} rows read" in out, out
            results.setdefault(f"{label}: first import", []).append((seconds, peak, cpu))
            seconds, peak, cpu, out = run(["flask", "--app", "community", "import-listings", str(data)], env, checkout)
            results.setdefault(f"{label}: unchanged re-import", []).append((seconds, peak, cpu))
            assert "0 created, 0 updated" in out, out
            seconds, peak, cpu, out = run(["flask", "--app", "community", "import-listings", str(changed)], env,
                                          checkout)
            results.setdefault(f"{label}: re-import, {opts.changed:.0%} of rows changed", []).append(
                (seconds, peak, cpu))
            for name, seconds in hsds_pages(env, checkout).items():
                pages.setdefault(f"{label}: {name}", []).append(seconds)
    floor = statistics.median(s for s, _p, _c in results["csv module (peer)"])
    cpu_floor = statistics.median(c for _s, _p, c in results["csv module (peer)"])
    print(f"{opts.rows} rows, {opts.db}, {opts.repeat} runs (median; each a fresh process)")
    print("| what | s | CPU s | peak MiB | x csv module (s) | x csv module (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, values in results.items():
        seconds = statistics.median(s for s, _p, _c in values)
        peak = statistics.median(p for _s, p, _c in values)
        cpu = statistics.median(c for _s, _p, c in values)
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {peak:.0f} | {seconds / floor:.1f} | {cpu / cpu_floor:.1f} |")
    for label in checkouts:
        first = statistics.median(s for s, _p, _c in results[f"{label}: first import"])
        first_cpu = statistics.median(c for _s, _p, c in results[f"{label}: first import"])
        again = results[f"{label}: unchanged re-import"]
        print(f"{label}: a first import / an unchanged re-import: {first / statistics.median(s for s, _p, _c in again):.1f}x "
              f"(CPU {first_cpu / statistics.median(c for _s, _p, c in again):.1f}x)")
    print("| page | ms |")
    print("|---|---:|")
    for name, values in pages.items():
        print(f"| {name} | {statistics.median(values) * 1000:.1f} |")


if __name__ == "__main__":
    main()
