"""The data sets of bench/scale.py: the region (every Flemish wijk, synthetic population and listings,
fixed seed) and the demo district, each built through the project's own commands and cached on disk.

    python bench/scale_data.py --out DIR [--initiatives 200 --places 80]   # write the region's files

The region's files: `indicators.csv` (population and the need indicators per wijk, long format, for
`import-indicators --level district`) and `listings.csv` (one row per initiative, place and schedule,
for `import-listings`). Places are points inside their wijk (rejection sampling in the polygon), as
many per wijk as its share of the synthetic population; organisations are local (four neighbouring
places each); initiatives are spread over the places with weekly, biweekly, monthly and one-off
schedules, some ended, some only starting later, relative to a fixed ANCHOR date (so the file is the
same on every day). Vocabulary codes come from community/taxonomy.py.
"""
from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import json
import random
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, app_env, drop_database, flask, fresh_database, postgres_execute, run  # noqa: E402

sys.path.insert(0, str(ROOT))
from community import taxonomy  # noqa: E402

FLANDERS = ROOT.parent / "shared" / "data" / "flanders"  # shared/data next to the repository, as tests/ expects
CACHE = ROOT / "bench" / ".cache"
ADDRESSES = ROOT / "community" / "demo" / "data" / "addresses_gent.csv.gz"
ANCHOR = date(2026, 12, 1)
SEED = 20261203
LICENCE = ("Modellicentie Gratis Hergebruik v1.0. Wijken voor omgevingsanalyse. © gemeentebesturen, "
           "verzameld door Data & Analyse van de Vlaamse provincies")
SOURCE = "provinciesincijfers/gebiedsniveaus (shared/data/flanders)"
# Accounts made in the region instance with the demo's own areas, so both scales see the same scope.
REGION_USERS = (("worker@region.bench.example", "worker", ("44021W01", "44021W04", "44021W07")),
                ("coordinator@region.bench.example", "coordinator", ("44021",)))
DEMO_USERS = {"worker": "worker@demo.buurtkracht.example", "coordinator": "coordinator@demo.buurtkracht.example"}
ACTIVITIES = ("Koffieklets", "Taalcafé", "Buurtsoep", "Wandelclub", "Naaiatelier", "Huiswerkbegeleiding",
              "Repair Café", "Samen koken", "Petanque", "Breiclub", "Moestuin", "Schaakclub", "Zangkoor",
              "Fietsatelier", "Spelnamiddag", "Buddywerking", "Praatgroep", "Yoga op de stoel")
TEXTS = ("Samen {a} in {w}: iedereen welkom, ook wie nieuw is in de buurt.",
         "Een vaste afspraak voor buren in {w}. Er is koffie en thee.",
         "{a} voor jong en oud. Kom vrijblijvend eens langs in {w}.")
HEADER = ["external_id", "name", "description", "organisation", "organisation_id", "place", "place_id",
          "place_kind", "street", "number", "postcode", "municipality", "latitude", "longitude",
          "place_wheelchair", "status", "working_models", "target_groups", "network_functions", "tie_type",
          "cost", "childcare", "languages", "low_literacy", "registration_required", "last_verified",
          "frequency", "weekdays", "nth", "date", "valid_from", "valid_until", "start", "end"]


@functools.lru_cache(maxsize=4)
def wijken(province: str | None = None, municipality: str | None = None):
    """The Flemish Region's wijken (Brussels left out), optionally one province's or one municipality's."""
    import geopandas as gpd
    frame = gpd.read_file(FLANDERS / "wijken.geojson")
    frame = frame[frame["region_code"] == "2000"]
    if province:
        frame = frame[frame["province_code"] == province]
    if municipality:
        frame = frame[frame["municipality_code"] == municipality]
    return frame.sort_values("code").reset_index(drop=True)


def _points_in(polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    from shapely import contains_xy
    west, south, east, north = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < count:
        xy = np.column_stack([rng.uniform(west, east, 4 * count + 8), rng.uniform(south, north, 4 * count + 8)])
        found = np.vstack([found, xy[contains_xy(polygon, xy[:, 0], xy[:, 1])]])
    return found[:count]


def _schedule(rnd: random.Random) -> dict:
    """One opening time: mostly weekly, some biweekly, monthly and one-off; some ended, some later."""
    start_hour = rnd.choice((9, 10, 10, 13, 14, 14, 15, 18, 19))
    out = {"frequency": "", "weekdays": "", "nth": "", "date": "", "valid_from": "", "valid_until": "",
           "start": f"{start_hour:02d}:{rnd.choice(('00', '30'))}", "end": f"{start_hour + rnd.choice((1, 2, 2, 3)):02d}:00"}
    kind = rnd.random()
    if kind < 0.55:
        out.update(frequency="weekly", weekdays=",".join(map(str, sorted(rnd.sample(range(7), rnd.choice((1, 1, 2)))))))
    elif kind < 0.70:
        out.update(frequency="biweekly", weekdays=str(rnd.randrange(7)),
                   valid_from=(ANCHOR - timedelta(days=rnd.randrange(14, 400))).isoformat())
    elif kind < 0.85:
        out.update(frequency="monthly", weekdays=str(rnd.randrange(7)), nth=str(rnd.choice((1, 2, 3, 4, -1))))
    else:
        out.update(frequency="once", date=(ANCHOR + timedelta(days=rnd.randrange(-90, 150))).isoformat())
    shape = rnd.random()
    if out["frequency"] != "once" and shape < 0.08:  # ended
        out["valid_until"] = (ANCHOR - timedelta(days=rnd.randrange(1, 300))).isoformat()
        if out["valid_from"]:  # a biweekly one keeps a start before its end
            out["valid_from"] = (date.fromisoformat(out["valid_until"]) - timedelta(days=120)).isoformat()
    elif out["frequency"] != "once" and shape < 0.13:  # starts later
        out["valid_from"] = (ANCHOR + timedelta(days=rnd.randrange(7, 120))).isoformat()
    return out


def make_files(out: Path, initiatives: int, places: int, seed: int = SEED, province: str | None = None,
               municipality: str | None = None) -> dict:
    """Write indicators.csv and listings.csv into `out`; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    rnd, rng = random.Random(seed), np.random.default_rng(seed)
    frame = wijken(province, municipality)
    population = np.maximum(60, rng.lognormal(7.6, 0.7, len(frame))).round().astype(int)
    with (out / "indicators.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area_code", "indicator", "year", "value", "unit", "source"])
        for code, pop in zip(frame["code"], population):
            values = {"population": pop, "population_65_plus": round(pop * rng.uniform(0.12, 0.30)),
                      "children_0_11": round(pop * rng.uniform(0.08, 0.17)),
                      "single_person_households": round(pop * rng.uniform(0.08, 0.30)),
                      "deprivation_index": round(float(rng.uniform(5, 95)), 1)}
            for name, value in values.items():
                writer.writerow([code, name, 2022, value, "residents" if name != "deprivation_index" else "",
                                 "bench/scale_data.py: synthetic"])
    # Places per wijk by population share (at least one where the share rounds to nothing is not forced).
    share = rng.multinomial(places, population / population.sum())
    place_rows, organisation = [], ""
    for (_, wijk), count in zip(frame.iterrows(), share):
        for lon, lat in _points_in(wijk.geometry, int(count), rng):
            n = len(place_rows)
            if n % 4 == 0:  # four neighbouring places per organisation, named after the first one's town
                organisation = f"Vereniging {wijk['municipality_name']} {n // 4}"
            place_rows.append({"place": f"{rnd.choice(('Buurthuis', 'Zaal', 'Lokaal', 'Ontmoetingsruimte'))} "
                                        f"{wijk['name']} {n}", "place_id": f"place-{n}",
                               "place_kind": rnd.choice(taxonomy.PLACE_KINDS.codes),
                               "street": f"{wijk['name']}straat", "number": str(rnd.randrange(1, 200)),
                               "postcode": "", "municipality": wijk["municipality_name"],
                               "latitude": f"{lat:.7f}", "longitude": f"{lon:.7f}",
                               "place_wheelchair": rnd.choice(taxonomy.WHEELCHAIR.codes),
                               "wijk": wijk["name"], "organisation": organisation,
                               "organisation_id": f"org-{n // 4}"})
    models, groups = taxonomy.WORKING_MODELS.codes, taxonomy.TARGET_GROUPS.codes
    functions, languages = taxonomy.NETWORK_FUNCTIONS.codes, taxonomy.LANGUAGES.codes
    rows = 0
    with (out / "listings.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, HEADER, delimiter=";", extrasaction="ignore")
        writer.writeheader()
        for i in range(initiatives):
            place = place_rows[rnd.randrange(len(place_rows))]
            activity = rnd.choice(ACTIVITIES)
            base = {**place, "external_id": f"bench-{i}", "name": f"{activity} {place['wijk']} {i}",
                    "description": rnd.choice(TEXTS).format(a=activity.lower(), w=place["wijk"]),
                    "status": "active" if rnd.random() < 0.95 else rnd.choice(taxonomy.STATUSES.codes[1:]),
                    "working_models": "|".join(rnd.sample(models, rnd.choice((1, 1, 2)))),
                    "target_groups": "|".join(rnd.sample(groups, rnd.choice((1, 2)))),
                    "network_functions": "|".join(rnd.sample(functions, 1)),
                    "tie_type": rnd.choice(taxonomy.TIE_TYPES.codes),
                    "cost": rnd.choices(taxonomy.COSTS.codes, (6, 2, 2))[0],
                    "childcare": rnd.choice(taxonomy.CHILDCARE.codes),
                    "languages": "|".join(["nl"] + rnd.sample(languages[1:], rnd.choice((0, 0, 1, 2)))),
                    "low_literacy": rnd.choice(("ja", "nee")), "registration_required": rnd.choice(("ja", "nee", "nee")),
                    "last_verified": (ANCHOR - timedelta(days=rnd.randrange(0, 720))).isoformat()}
            if rnd.random() < 0.05:
                base["frequency"] = ""  # no schedule: 'ask the organisation'
                writer.writerow(base)
                rows += 1
                continue
            links = [place] + ([place_rows[rnd.randrange(len(place_rows))]] if rnd.random() < 0.08 else [])
            for where in links:
                for _ in range(2 if rnd.random() < 0.10 else 1):
                    writer.writerow({**base, **{k: where[k] for k in where if k not in ("organisation", "organisation_id")},
                                     **_schedule(rnd)})
                    rows += 1
    return {"wijken": len(frame), "population": int(population.sum()), "places": len(place_rows),
            "initiatives": initiatives, "rows": rows}


def code_version() -> str:
    """The commit's tree of the app plus uncommitted changes to it, and this file: what a cached build depends on."""
    parts = [subprocess.run(["git", "rev-parse", "HEAD:community"], cwd=ROOT, capture_output=True, text=True).stdout,
             subprocess.run(["git", "diff", "HEAD", "--", "community"], cwd=ROOT, capture_output=True, text=True).stdout,
             Path(__file__).read_text()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]


def commit() -> str:
    done = subprocess.run(["git", "log", "-1", "--format=%h %cs %s"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "community"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()[:80] + (" (+ uncommitted changes)" if dirty.stdout.strip() else "")


def _step(name: str, args: list[str], env: dict, steps: dict) -> str:
    seconds, peak, cpu, output = run(args, env)
    steps[name] = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_mib": round(peak)}
    print(f"  {name}: {seconds:.1f} s, {peak:.0f} MiB", file=sys.stderr, flush=True)
    return output


def build_region(url: str, files: Path, env_extra: dict) -> dict:
    env, steps = {**app_env(url), **env_extra, "BUURTKRACHT_USER_PASSWORD": "buurtkracht-demo"}, {}
    where = ["--where", "region_code=2000"]
    _step("migrate", flask("db", "upgrade"), env, steps)
    _step("import municipalities", flask("import-areas", str(FLANDERS / "municipalities.geojson"), "--level",
                                         "municipality", *where, "--source", SOURCE, "--licence", LICENCE), env, steps)
    _step("import wijken", flask("import-areas", str(FLANDERS / "wijken.geojson"), "--level", "district",
                                 "--parent-level", "municipality", "--parent-field", "municipality_code", *where,
                                 "--source", SOURCE, "--licence", LICENCE), env, steps)
    _step("import population", flask("import-indicators", str(files / "indicators.csv"), "--level", "district"),
          env, steps)
    _step("import addresses (Ghent)", flask("import-addresses", str(ADDRESSES)), env, steps)
    first = _step("first import", flask("import-listings", str(files / "listings.csv")), env, steps)
    again = _step("unchanged re-import", flask("import-listings", str(files / "listings.csv")), env, steps)
    steps["first import"]["summary"] = [line for line in first.splitlines() if ":" in line or "rows" in line][:6]
    steps["unchanged re-import"]["summary"] = [line for line in again.splitlines() if ":" in line or "rows" in line][:6]
    for email, role, areas in REGION_USERS:
        _step(f"create {role}", flask("create-user", email, "--role", role, *[a for c in areas for a in ("--area", c)]),
              env, steps)
    return steps


def build_demo(url: str, env_extra: dict) -> dict:
    env, steps = {**app_env(url), **env_extra}, {}
    _step("migrate", flask("db", "upgrade"), env, steps)
    _step("load-demo", flask("load-demo"), env, steps)
    return steps


def instance(scale: str, kind: str, size: dict, workdir: Path, fresh: bool = False) -> tuple[str, dict]:
    """A database of this scale, copied from the cache (built first when the cache has none for
    this seed, size and code version); returns its URL and the build's record (timings, counts)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = f"{scale}-{kind}-{code_version()}" + (f"-{size['seed']}-{size['initiatives']}-{size['places']}-"
                                                f"{size.get('province') or 'all'}" if scale == "region" else "")
    meta_path = CACHE / f"{key}.json"
    pg_name = f"buurtkracht_benchcache_{scale}_" + hashlib.sha256(key.encode()).hexdigest()[:10]
    have = meta_path.exists() and not fresh and (
        (CACHE / f"{key}.db").exists() if kind == "sqlite"
        else bool(postgres_execute("SELECT 1 FROM pg_database WHERE datname = %s", pg_name)))
    if not have:
        print(f"building the {scale} data set on {kind} (cache {key})", file=sys.stderr, flush=True)
        started = time.perf_counter()
        url = fresh_database(kind, workdir)
        record = {"scale": scale, "kind": kind, "commit": commit(), "built": time.strftime("%Y-%m-%d %H:%M"),
                  **({"size": size} if scale == "region" else {})}
        if scale == "region":
            files = CACHE / f"files-{size['seed']}-{size['initiatives']}-{size['places']}-{size.get('province') or 'all'}"
            if not (files / "listings.csv").exists() or fresh:
                record["counts"] = make_files(files, size["initiatives"], size["places"], size["seed"], size.get("province"))
                (files / "counts.json").write_text(json.dumps(record["counts"]))
            record["counts"] = json.loads((files / "counts.json").read_text())
            record["steps"] = build_region(url, files, {})
        else:
            record["steps"] = build_demo(url, {})
        record["build_seconds"] = round(time.perf_counter() - started, 1)
        if kind == "sqlite":
            shutil.move(url[len("sqlite:///"):], CACHE / f"{key}.db")
        else:
            for (old,) in postgres_execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)",
                                           f"buurtkracht_benchcache_{scale}_"):
                postgres_execute(f'DROP DATABASE "{old}" WITH (FORCE)')  # an older build of this scale
            postgres_execute(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" RENAME TO "{pg_name}"')
        meta_path.write_text(json.dumps(record, indent=1))
    record = json.loads(meta_path.read_text())
    record["cached"] = have
    if kind == "sqlite":
        url = fresh_database(kind, workdir)
        shutil.copyfile(CACHE / f"{key}.db", url[len("sqlite:///"):])
    else:
        url = fresh_database(kind, workdir, template=pg_name)
    return url, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--initiatives", type=int, default=50_000)
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--province", help="only this province's wijken, e.g. 40000 (Oost-Vlaanderen)")
    opts = parser.parse_args()
    print(json.dumps(make_files(opts.out, opts.initiatives, opts.places, opts.seed, opts.province)))


if __name__ == "__main__":
    main()


__all__ = ["instance", "make_files", "drop_database", "DEMO_USERS", "REGION_USERS", "CACHE"]
