"""Benchmark geo.accessibility.two_step_fca against PySAL access (Access.two_stage_fca).

    python bench/accessibility_vs_access.py --scale city      # 20,000 demand, 2,000 offers
    python bench/accessibility_vs_access.py --scale region    # 500,000 demand, 50,000 offers

Also timed: "ours, projected inputs", the same call on frames already in EPSG:31370 (as the
review holds them: projected once per data version, never per run), and "floor", the pair
search on projected arrays plus the two sparse products and nothing else; the target of issue 11
is ours on projected inputs within 2x of the floor.

Options: --repeat N (timed calls per method, default 5), --decay none|gaussian,
--skip-access, --profile (per-phase timing of ours, plus cProfile top 12).
"ours, 1 thread" is the same call with geo.pairs.MAX_THREADS = 1.

Each method runs in its own fresh subprocess, so peak memory is not shared:
the child loads the inputs, builds the GeoDataFrames (EPSG:4326, as the
database stores them), resets the kernel's peak-RSS mark (/proc/self/clear_refs,
fallback: ru_maxrss), then runs the method --repeat times. "peak" is the
highest resident set size during the timed calls (whole process: Python,
libraries and the inputs included); "+mem" is that peak minus the RSS just
before the first call, i.e. what the computation itself added.

- ours: two_step_fca(demand, supply, max_distance=800) on the 4326 frames;
  projection, pair search and both steps are inside the timing.
- access: gets the points already projected to EPSG:31370 (same pyproj
  transform, not timed; the time geopandas' to_crs would take is shown
  separately as "to_crs"), then, timed: cKDTree pair search within 800 m
  (sparse_distance_matrix), cost DataFrame, Access(...), two_stage_fca(max_cost=800).

Inputs (fixed seed, cached under $TMPDIR/buurtkracht-bench):
- city: 20,000 demand points in the Ghent sectors, as many per sector as its
  2022 population share (largest remainder, at least one per inhabited
  sector), each carrying sector population / points in sector; 2,000 offers
  uniform over the sectors' area, capacity 1..5.
- region: 500,000 demand points over all 2,767 wijken, as many per wijk as its
  area share (so uniform density), population 1..20 each (random); 50,000
  offers uniform over the same area, capacity 1..5.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = Path(tempfile.gettempdir()) / "buurtkracht-bench"
MAX_DISTANCE = 800.0
SEED = 20240601
SCALES = {
    "city": dict(demand=20_000, supply=2_000),
    "region": dict(demand=500_000, supply=50_000),
}


# ------------------------------------------------------------------ inputs


def _allocate(weights: np.ndarray, total: int, at_least_one: bool = False) -> np.ndarray:
    """Integer counts proportional to weights that sum to total (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    base = np.zeros(len(weights), dtype=np.int64)
    if at_least_one:
        base[weights > 0] = 1
    rest = total - base.sum()
    share = weights / weights.sum() * rest
    counts = base + np.floor(share).astype(np.int64)
    short = total - counts.sum()
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    counts[order[:short]] += 1
    return counts


def _points_in(polygons, counts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """counts[k] uniform random points inside polygons[k] (vectorised rejection in bounding boxes)."""
    import shapely

    polygons = np.asarray(polygons)
    shapely.prepare(polygons)
    bounds = shapely.bounds(polygons)
    fill = shapely.area(polygons) / ((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1]))
    xs = [np.zeros(0)] * len(polygons)
    ys = [np.zeros(0)] * len(polygons)
    need = counts.copy()
    while need.sum() > 0:
        todo = np.flatnonzero(need > 0)
        draw = np.ceil(need[todo] / fill[todo] * 1.2).astype(np.int64) + 8
        owner = np.repeat(todo, draw)
        x = rng.uniform(bounds[owner, 0], bounds[owner, 2])
        y = rng.uniform(bounds[owner, 1], bounds[owner, 3])
        inside = shapely.contains_xy(polygons[owner], x, y)
        owner, x, y = owner[inside], x[inside], y[inside]
        # owner is sorted (np.repeat of sorted todo): keep each polygon's first `need` hits.
        starts = np.searchsorted(owner, todo)
        ends = np.searchsorted(owner, todo, side="right")
        for k, lo, hi in zip(todo, starts, ends):
            take = min(hi - lo, need[k])
            xs[k] = np.concatenate([xs[k], x[lo : lo + take]])
            ys[k] = np.concatenate([ys[k], y[lo : lo + take]])
            need[k] -= take
    return np.concatenate(xs), np.concatenate(ys)


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True).transform(x, y)
    return np.round(lon, 7), np.round(lat, 7)  # as stored: 7 decimals, about 1 cm


def make_inputs(scale: str) -> Path:
    path = CACHE / f"{scale}-{SEED}.npz"
    if path.exists():
        return path
    import geopandas as gpd
    import pandas as pd

    rng = np.random.default_rng(SEED)
    n = SCALES[scale]
    if scale == "city":
        sectors = gpd.read_file(DATA / "ghent" / "sectors.geojson").to_crs("EPSG:31370")
        pop = pd.read_csv(DATA / "ghent" / "sector_population.csv", dtype={"code": str})
        pop = pop[pop["year"] == 2022].set_index("code")["population"]
        people = sectors["code"].map(pop).fillna(0).to_numpy(dtype=float)  # 44021H032: no row, 0
        per_sector = _allocate(people, n["demand"], at_least_one=True)
        dx, dy = _points_in(sectors.geometry.values, per_sector, rng)
        population = np.repeat(np.divide(people, per_sector, out=np.zeros_like(people), where=per_sector > 0), per_sector)
        areas = sectors.area.to_numpy()
        sx, sy = _points_in(sectors.geometry.values, _allocate(areas, n["supply"]), rng)
    else:
        wijken = gpd.read_file(DATA / "flanders" / "wijken.geojson").to_crs("EPSG:31370")
        areas = wijken.area.to_numpy()
        dx, dy = _points_in(wijken.geometry.values, _allocate(areas, n["demand"]), rng)
        population = rng.integers(1, 21, len(dx)).astype(float)
        sx, sy = _points_in(wijken.geometry.values, _allocate(areas, n["supply"]), rng)
    capacity = rng.integers(1, 6, len(sx)).astype(float)
    dlon, dlat = _to_wgs84(dx, dy)
    slon, slat = _to_wgs84(sx, sy)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, dlon=dlon, dlat=dlat, population=population, slon=slon, slat=slat, capacity=capacity)
    tmp.replace(path)
    return path


# ------------------------------------------------------------------ child side


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _frames(path: Path, projected: bool = False):
    """The inputs as GeoDataFrames: EPSG:4326 as the database stores points, or (``projected``)
    EPSG:31370 as the review's base holds them, projected once when the data was loaded (untimed)."""
    import geopandas as gpd

    z = np.load(path)
    dx, dy, sx, sy, crs = z["dlon"], z["dlat"], z["slon"], z["slat"], "EPSG:4326"
    if projected:
        from geo.distance import project_metric

        (dx, dy), (sx, sy), crs = project_metric(dx, dy), project_metric(sx, sy), "EPSG:31370"
    demand = gpd.GeoDataFrame({"population": z["population"]}, geometry=gpd.points_from_xy(dx, dy), crs=crs)
    supply = gpd.GeoDataFrame({"capacity": z["capacity"]}, geometry=gpd.points_from_xy(sx, sy), crs=crs)
    return demand, supply


def _decay(name: str):
    from geo.accessibility import gaussian

    return None if name == "none" else gaussian(MAX_DISTANCE)


def run_ours(demand, supply, decay):
    from geo import pairs
    from geo.accessibility import two_step_fca

    if os.environ.get("BENCH_THREADS"):
        pairs.MAX_THREADS = int(os.environ["BENCH_THREADS"])

    def call():
        return two_step_fca(demand, supply, max_distance=MAX_DISTANCE, decay=decay).to_numpy()

    return call, {}


def run_floor(demand, supply, decay):
    """The floor of a 2SFCA call: the pair search on projected arrays plus the two sparse products."""
    import shapely

    from geo import pairs
    from geo.accessibility import _weight_matrix

    if os.environ.get("BENCH_THREADS"):
        pairs.MAX_THREADS = int(os.environ["BENCH_THREADS"])
    dxy = shapely.get_coordinates(demand.geometry.values)
    sxy = shapely.get_coordinates(supply.geometry.values)
    population = demand["population"].to_numpy(dtype=float)
    capacity = supply["capacity"].to_numpy(dtype=float)

    def call():
        w = _weight_matrix(decay, pairs._pairs(dxy, sxy, MAX_DISTANCE, need_distance=decay is not None))
        reached = w.T @ population
        ratio = np.zeros(len(capacity))
        np.divide(capacity, reached, out=ratio, where=reached > 0)
        return w @ ratio

    return call, {}


def run_access(demand, supply, decay):
    import logging

    import pandas as pd
    import shapely
    from access import Access
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    logging.getLogger("access").setLevel(logging.WARNING)
    # Untimed: the peer gets metric coordinates (same pyproj transformation as ours).
    tr = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
    dxy = np.column_stack(tr.transform(*shapely.get_coordinates(demand.geometry.values).T))
    sxy = np.column_stack(tr.transform(*shapely.get_coordinates(supply.geometry.values).T))
    t = time.perf_counter()
    demand.to_crs("EPSG:31370")
    supply.to_crs("EPSG:31370")
    extra = {"to_crs_s": time.perf_counter() - t}
    population = demand["population"].to_numpy()
    capacity = supply["capacity"].to_numpy()
    phases = {}

    def call():
        t0 = time.perf_counter()
        found = cKDTree(dxy).sparse_distance_matrix(cKDTree(sxy), MAX_DISTANCE, output_type="ndarray")
        cost = pd.DataFrame({"origin": found["i"], "dest": found["j"], "cost": found["v"]})
        demand_df = pd.DataFrame({"population": population}, index=pd.RangeIndex(len(population), name="geoid"))
        supply_df = pd.DataFrame({"capacity": capacity}, index=pd.RangeIndex(len(capacity), name="geoid"))
        t1 = time.perf_counter()
        acc = Access(
            demand_df=demand_df,
            demand_index=True,
            demand_value="population",
            supply_df=supply_df,
            supply_index=True,
            supply_value="capacity",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        out = acc.two_stage_fca(name="fca", max_cost=MAX_DISTANCE, weight_fn=decay)["fca_capacity"]
        t2 = time.perf_counter()
        phases.update(pairs_s=t1 - t0, access_s=t2 - t1, pairs=len(found))
        return out.reindex(pd.RangeIndex(len(population))).to_numpy(dtype=float)

    extra["phases"] = phases
    return call, extra


def child(method: str, data: Path, out: Path, repeat: int, decay_name: str) -> None:
    sys.path.insert(0, str(ROOT))
    demand, supply = _frames(data, projected=method in ("ours-projected", "floor"))
    decay = _decay(decay_name)
    run = {"ours": run_ours, "ours-projected": run_ours, "floor": run_floor, "access": run_access}[method]
    call, extra = run(demand, supply, decay)
    exact_peak = _reset_peak()
    before = _rss_kib("VmRSS")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t)
    peak = _rss_kib("VmHWM") if exact_peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    np.save(out, result)
    print(
        json.dumps(
            dict(
                method=method,
                first_s=times[0],
                best_s=min(times),
                rss_before_mib=before / 1024,
                peak_mib=peak / 1024,
                peak_source="VmHWM after clear_refs" if exact_peak else "ru_maxrss",
                **extra,
            )
        )
    )


# ------------------------------------------------------------------ profile of ours


def profile(data: Path, decay_name: str) -> None:
    sys.path.insert(0, str(ROOT))
    from geo import accessibility as acc
    from geo import pairs

    if os.environ.get("BENCH_THREADS"):
        pairs.MAX_THREADS = int(os.environ["BENCH_THREADS"])
    demand, supply = _frames(data)
    decay = _decay(decay_name)
    acc.two_step_fca(demand, supply, max_distance=MAX_DISTANCE, decay=decay)  # warm-up
    best: dict[str, float] = {}
    for _ in range(5):
        t = [time.perf_counter()]
        (dxy, dtr), (sxy, str_) = acc._source_xy(demand, "demand"), acc._source_xy(supply, "supply")
        t.append(time.perf_counter())
        dxy, sxy = acc._transform(dtr, dxy, "demand"), acc._transform(str_, sxy, "supply")
        t.append(time.perf_counter())
        grid = acc._Grid.build(sxy, MAX_DISTANCE)
        t.append(time.perf_counter())
        dist = acc._pairs(dxy, sxy, MAX_DISTANCE, need_distance=decay is not None)
        t.append(time.perf_counter())
        population = demand["population"].to_numpy()
        capacity = supply["capacity"].to_numpy()
        w = acc._weight_matrix(decay, dist)
        t.append(time.perf_counter())
        reached = w.T @ population
        t.append(time.perf_counter())
        ratio = np.zeros(len(capacity))
        np.divide(capacity, reached, out=ratio, where=reached > 0)
        w @ ratio
        t.append(time.perf_counter())
        names = [
            "coordinates + checks (shapely, both frames)",
            "projection to EPSG:31370 (pyproj)",
            "grid build (supply)",
            "pair search on projected points (grid included)",
            "weight matrix (ones, or decay(d))",
            "step 1: W.T @ population",
            "step 2: W @ ratio",
        ]
        for name, a, b in zip(names, t, t[1:]):
            best[name] = min(best.get(name, np.inf), b - a)
    calls = []
    for _ in range(5):
        t0 = time.perf_counter()
        acc.two_step_fca(demand, supply, max_distance=MAX_DISTANCE, decay=decay)
        calls.append(time.perf_counter() - t0)
    print(f"ours, per phase (best of 5; pairs within {MAX_DISTANCE:g} m: {dist.nnz:,}); whole call {min(calls) * 1000:.1f} ms")
    for name, sec in best.items():
        print(f"  {name:46s} {sec * 1000:8.1f} ms")
    prof = cProfile.Profile()
    prof.enable()
    acc.two_step_fca(demand, supply, max_distance=MAX_DISTANCE, decay=decay)
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(12)
    print(s.getvalue())


# ------------------------------------------------------------------ parent side


def _spawn(method: str, data: Path, out: Path, repeat: int, decay: str, threads: int | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--data", str(data), "--out", str(out)]
    cmd += ["--repeat", str(repeat), "--decay", decay]
    env = dict(os.environ, BENCH_THREADS=str(threads)) if threads else None
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{method} child failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(ours: np.ndarray, theirs: np.ndarray) -> dict:
    no_pairs = np.isnan(theirs)  # access: NaN where no offer is in reach; ours: 0
    infinite = np.isinf(theirs)  # access: inf where an offer only reaches zero population
    a = ours[~no_pairs & ~infinite]
    b = theirs[~no_pairs & ~infinite]
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(np.abs(a - b), scale, out=np.zeros_like(a), where=scale > 0)
    return dict(
        max_rel_diff=float(rel.max()) if len(rel) else 0.0,
        access_nan=int(no_pairs.sum()),
        ours_zero_where_access_nan=bool((ours[no_pairs] == 0).all()),
        access_inf=int(infinite.sum()),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="city")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--decay", choices=["none", "gaussian"], default="none")
    ap.add_argument("--skip-access", action="store_true")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--child", choices=["ours", "ours-projected", "floor", "access"], help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.data, args.out, args.repeat, args.decay)
        return

    t = time.perf_counter()
    data = make_inputs(args.scale)
    z = np.load(data)
    print(
        f"scale {args.scale}: {len(z['dlon']):,} demand points, {len(z['slon']):,} offers, "
        f"{MAX_DISTANCE:g} m, decay {args.decay}; inputs ready in {time.perf_counter() - t:.1f} s ({data})"
    )
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} before the run; "
          f"best of {args.repeat} calls per method, each method in its own process")
    with tempfile.TemporaryDirectory() as tmp:
        rows = {"ours": _spawn("ours", data, Path(tmp) / "ours.npy", args.repeat, args.decay)}
        ours = np.load(Path(tmp) / "ours.npy")
        rows["ours, 1 thread"] = _spawn("ours", data, Path(tmp) / "ours1.npy", args.repeat, args.decay, threads=1)
        assert np.array_equal(np.load(Path(tmp) / "ours1.npy"), ours), "1-thread result differs"
        rows["ours, projected inputs"] = _spawn("ours-projected", data, Path(tmp) / "ours_p.npy", args.repeat,
                                                args.decay)
        rows["floor: pairs + 2 products"] = _spawn("floor", data, Path(tmp) / "floor.npy", args.repeat, args.decay)
        for name in ("ours_p", "floor"):
            other = np.load(Path(tmp) / f"{name}.npy")
            assert np.allclose(other, ours, rtol=1e-9, atol=0), f"{name} differs from ours"

        if not args.skip_access:
            rows["access"] = _spawn("access", data, Path(tmp) / "access.npy", args.repeat, args.decay)
            theirs = np.load(Path(tmp) / "access.npy")
    print()
    print(f"| method | first call s | best s | peak RSS MiB | +mem MiB |")
    print(f"|---|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['first_s']:.3f} | {r['best_s']:.3f} | {r['peak_mib']:.0f} | "
            f"{r['peak_mib'] - r['rss_before_mib']:.0f} |"
        )
    p, f = rows["ours, projected inputs"], rows["floor: pairs + 2 products"]
    print()
    print(f"ours on projected inputs / floor (target <= 2x): {p['best_s'] / f['best_s']:.2f}x; "
          f"ours on EPSG:4326 inputs / floor: {rows['ours']['best_s'] / f['best_s']:.2f}x")
    if "access" in rows:
        a, o = rows["access"], rows["ours"]
        ph = a["phases"]
        cmp = compare(ours, theirs)
        print()
        print(f"access phases (last call): KD-tree pairs + frames {ph['pairs_s']:.3f} s ({ph['pairs']:,} pairs), "
              f"Access + two_stage_fca {ph['access_s']:.3f} s; geopandas to_crs of both frames (not counted) {a['to_crs_s']:.3f} s")
        o1 = rows["ours, 1 thread"]
        print(f"speed-up (access best / ours best): {a['best_s'] / o['best_s']:.1f}x "
              f"(1 thread: {a['best_s'] / o1['best_s']:.1f}x); "
              f"counting to_crs for access: {(a['best_s'] + a['to_crs_s']) / o['best_s']:.1f}x")
        print(f"memory added (access / ours): {(a['peak_mib'] - a['rss_before_mib']) / max(o['peak_mib'] - o['rss_before_mib'], 1):.1f}x")
        print(
            f"max relative difference: {cmp['max_rel_diff']:.2e} "
            f"(access NaN, no offer in reach: {cmp['access_nan']:,}, ours 0 there: {cmp['ours_zero_where_access_nan']}; "
            f"access inf: {cmp['access_inf']:,})"
        )
        print(f"peak memory source: {o['peak_source']}")
    if args.profile:
        print()
        profile(data, args.decay)


if __name__ == "__main__":
    main()
