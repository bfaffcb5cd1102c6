"""Benchmark 'what is within 1 km of here' over 50,000 listings, in process, against named peers.

    PYTHONPATH=. python bench/nearby_search.py                   # 50,000 points, 1,000 queries, 1,000 m
    PYTHONPATH=. python bench/nearby_search.py --skip-finder     # only the in-memory methods
    PYTHONPATH=. python bench/nearby_search.py --points 50000 --queries 1000 --radius 1000

Inputs (fixed seed): --points listing points and --queries query points, uniform
inside Ghent's municipality (community/demo/data/municipality_gent.geojson; 156 km2,
so about 1,000 listings lie within 1 km of a query), stored with 7 decimals in
EPSG:4326 as the database stores them. Every method answers: the indices of the
points within --radius metres (EPSG:31370, Belgian Lambert 72, as the finder
measures), nearest first. The script asserts that every method returns the same
set for every query (and the same order where it sorts), then prints p50/p95/max
per query in ms.

Methods:
- PointIndex.nearby: geo.distance.PointIndex built once (projection + k-d tree,
  build time shown apart), then one call per query.
- finder near step (all candidates): what the finder did before the bounding box
  for its near filter: distances_m from the origin to every candidate (all 50,000),
  keep <= radius, sort by distance. The same numpy code path, on arrays.
- finder near step (box): what it does now: finder._near_box(), the rows inside
  the box (here a numpy mask over the arrays, standing in for the SQL BETWEEN),
  distances_m on those, keep, sort.
- finder, whole near search on SQLite: finder._listings() for a near query over a
  throw-away SQLite database with the same points as 50,000 listings (one
  initiative, place, link and weekly schedule each): SQL with the box, schedules
  and working models, next sessions, distances, sort. Only --finder-queries of the
  query points (default 200), to keep the run short; --skip-finder leaves it out.
- peer, naive geopandas: per query GeoSeries(points, EPSG:4326).to_crs(31370),
  .distance(origin), filter, sort: reprojecting everything on every request.
- peer, shapely STRtree.dwithin: points projected once (not timed), STRtree built
  once (time shown apart), per query: project the origin, tree.query(...,
  predicate="dwithin", distance=radius), distances of the hits, sort.

Timing: time.perf_counter_ns around each query; the first 20 queries of each
method are a warm-up and not counted (first-call costs: pyproj transformer
cache, numpy/shapely imports, SQLite page cache).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import datetime, time as clock
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GHENT = ROOT / "community" / "demo" / "data" / "municipality_gent.geojson"
SEED = 20261127
WARM_UP = 20


def points_in_ghent(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` points uniform inside Ghent (rejection sampling in its bounding box), 7 decimals."""
    import shapely
    from shapely.geometry import shape
    polygon = shape(json.loads(GHENT.read_text())["features"][0]["geometry"])
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = polygon.bounds
    lons, lats = [], []
    while sum(len(a) for a in lons) < count:
        x = rng.uniform(minx, maxx, count)
        y = rng.uniform(miny, maxy, count)
        inside = shapely.contains_xy(polygon, x, y)
        lons.append(x[inside])
        lats.append(y[inside])
    return (np.round(np.concatenate(lons)[:count], 7), np.round(np.concatenate(lats)[:count], 7))


def timed(queries, answer) -> tuple[list[float], list]:
    """Per-query ms (after the warm-up) and every query's answer."""
    answers, times = [], []
    for n, (lon, lat) in enumerate(queries):
        start = time.perf_counter_ns()
        result = answer(lon, lat)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        answers.append(result)
        if n >= WARM_UP:
            times.append(elapsed)
    return times, answers


# --------------------------------------------------------------------------- methods

def point_index(lons, lats, radius):
    from geo.distance import PointIndex
    start = time.perf_counter()
    index = PointIndex(lons, lats)
    build = time.perf_counter() - start
    return build, lambda lon, lat: index.nearby(lon, lat, radius)[0]


def finder_all_candidates(lons, lats, radius):
    from geo.distance import distances_m

    def answer(lon, lat):
        d = distances_m(lon, lat, lons, lats)
        kept = np.flatnonzero(d <= radius)
        return kept[np.argsort(d[kept], kind="stable")]
    return 0.0, answer


def finder_box(lons, lats, radius):
    from community.services.finder import _near_box
    from community.services.geocoding import Location
    from geo.distance import distances_m

    def answer(lon, lat):
        min_lon, min_lat, max_lon, max_lat = _near_box(Location(lat, lon, "", "coordinates"), radius)
        rows = np.flatnonzero((lats >= min_lat) & (lats <= max_lat) & (lons >= min_lon) & (lons <= max_lon))
        d = distances_m(lon, lat, lons[rows], lats[rows])
        kept = np.flatnonzero(d <= radius)
        return rows[kept[np.argsort(d[kept], kind="stable")]]
    return 0.0, answer


def geopandas_naive(lons, lats, radius):
    import geopandas as gpd
    from shapely.geometry import Point
    points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326")

    def answer(lon, lat):
        metric = points.to_crs(31370)
        origin = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(31370).iloc[0]
        d = metric.distance(origin).to_numpy()
        kept = np.flatnonzero(d <= radius)
        return kept[np.argsort(d[kept], kind="stable")]
    return 0.0, answer


def strtree(lons, lats, radius):
    import shapely
    from geo.distance import project_metric
    x, y = project_metric(lons, lats)
    points = shapely.points(x, y)
    start = time.perf_counter()
    tree = shapely.STRtree(points)
    build = time.perf_counter() - start

    def answer(lon, lat):
        ox, oy = project_metric(lon, lat)
        hits = tree.query(shapely.Point(float(ox), float(oy)), predicate="dwithin", distance=radius)
        d = np.hypot(x[hits] - ox, y[hits] - oy)
        return hits[np.lexsort((hits, d))]
    return build, answer


# --------------------------------------------------------------------------- the finder on SQLite

def finder_database(workdir: Path, lons, lats):
    """A migrated SQLite database with one listing (initiative, place, link, weekly schedule) per point."""
    from flask_migrate import upgrade
    from sqlalchemy import insert
    from community import create_app
    from community.extensions import db
    from community.models import (Initiative, InitiativeAtPlace, InitiativeTerm, MeetingPlace, Organisation,
                                  Schedule)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'nearby.db'}",
                      "INSTANCE_PATH": str(workdir / "instance"), "SECRET_KEY": "bench",
                      "BUURTKRACHT_TILE_URL": ""})
    rng = np.random.default_rng(SEED + 1)
    models = ("competence", "buddy", "personal_network", "peer", "context", "organisation", "location")
    with app.app_context():
        upgrade()
        org = uuid.uuid4()
        db.session.execute(insert(Organisation), [{"id": org, "name": "Bench vzw", "languages": []}])
        init_ids = [uuid.uuid4() for _ in lons]
        place_ids = [uuid.uuid4() for _ in lons]
        link_ids = [uuid.uuid4() for _ in lons]
        db.session.execute(insert(Initiative), [
            {"id": i, "organisation_id": org, "name": f"Aanbod {n:05d}", "status": "active",
             "cost": ("free", "social_tariff", "paid")[n % 3]} for n, i in enumerate(init_ids)])
        db.session.execute(insert(MeetingPlace), [
            {"id": p, "name": f"Plek {n:05d}", "latitude": float(lat), "longitude": float(lon)}
            for n, (p, lon, lat) in enumerate(zip(place_ids, lons, lats))])
        db.session.execute(insert(InitiativeAtPlace), [
            {"id": link, "initiative_id": i, "place_id": p} for link, i, p in zip(link_ids, init_ids, place_ids)])
        db.session.execute(insert(Schedule), [
            {"location_id": link, "frequency": "weekly", "weekdays": str(int(rng.integers(7))),
             "start_time": clock(int(rng.integers(9, 20))), "end_time": clock(21)} for link in link_ids])
        db.session.execute(insert(InitiativeTerm), [
            {"initiative_id": i, "scheme": "working_model", "code": models[n % len(models)]}
            for n, i in enumerate(init_ids)])
        db.session.commit()
    return app, {link: n for n, link in enumerate(link_ids)}


def finder_whole(app, link_index, radius):
    from community.scheduling import TZ
    from community.services import finder
    from community.services.geocoding import Location
    now = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)
    query = finder.FinderQuery(radius=int(radius))

    def answer(lon, lat):
        with app.app_context():
            matches = finder._listings(query, Location(lat, lon, "", "coordinates"), now)
        return np.array([link_index[m.link_id] for m in matches], dtype=np.intp)
    return answer


# --------------------------------------------------------------------------- main

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--radius", type=float, default=1000.0)
    parser.add_argument("--finder-queries", type=int, default=200)
    parser.add_argument("--skip-finder", action="store_true", help="leave out the finder on SQLite")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    lons, lats = points_in_ghent(args.points, rng)
    q_lons, q_lats = points_in_ghent(args.queries, rng)
    queries = list(zip(q_lons.tolist(), q_lats.tolist()))
    # Warm-up queries are real queries too: repeat the first ones so every method times --queries.
    queries = queries[:WARM_UP] + queries

    methods = [("PointIndex.nearby", point_index), ("finder near step, all candidates", finder_all_candidates),
               ("finder near step, box", finder_box), ("peer: geopandas to_crs + distance", geopandas_naive),
               ("peer: shapely STRtree.dwithin", strtree)]
    rows, reference = [], None
    for name, make in methods:
        build, answer = make(lons, lats, args.radius)
        times, answers = timed(queries, answer)
        if reference is None:
            reference = answers
        else:
            for n, (ours, theirs) in enumerate(zip(reference, answers)):
                assert np.array_equal(ours, theirs), f"{name} differs from PointIndex at query {n}"
        rows.append((name, build, times))
        print(f"{name}: done ({statistics.median(times):.3f} ms median)", flush=True)

    if not args.skip_finder:
        workdir = Path(tempfile.mkdtemp(prefix="buurtkracht-nearby-bench-"))
        try:
            t = time.perf_counter()
            app, link_index = finder_database(workdir, lons, lats)
            print(f"SQLite database with {args.points:,} listings built in {time.perf_counter() - t:.0f} s",
                  flush=True)
            subset = queries[:WARM_UP + args.finder_queries]
            times, answers = timed(subset, finder_whole(app, link_index, args.radius))
            for n, (ours, theirs) in enumerate(zip(reference, answers)):
                assert np.array_equal(ours, theirs), f"the finder differs from PointIndex at query {n}"
            rows.append((f"finder._listings near, SQLite ({args.finder_queries} queries)", 0.0, times))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    hits = [len(a) for a in reference[WARM_UP:]]
    print(f"\n{args.points:,} points, {args.queries:,} queries, radius {args.radius:.0f} m; "
          f"hits per query: median {statistics.median(hits):.0f}, max {max(hits)}; "
          f"identical results asserted for every method\n")
    print("| method | build ms | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    summary = {}
    for name, build, times in rows:
        p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
        summary[name] = (p50, p95)
        print(f"| {name} | {build * 1000:.1f} | {p50:.3f} | {p95:.3f} | {max(times):.3f} |")
    ours = summary["PointIndex.nearby"]
    print("\n| ratio (p95) | vs geopandas | vs STRtree |")
    print("|---|---:|---:|")
    for name in [n for n in summary if not n.startswith("peer")]:
        p95 = summary[name][1]
        print(f"| {name} | {p95 / summary['peer: geopandas to_crs + distance'][1]:.4f} "
              f"| {p95 / summary['peer: shapely STRtree.dwithin'][1]:.3f} |")
    print(f"\nTarget p95 <= 20 ms: PointIndex {ours[1]:.3f} ms -> {'met' if ours[1] <= 20 else 'MISSED'}"
          + "".join(f"; {n} {p95:.3f} ms -> {'met' if p95 <= 20 else 'MISSED'}"
                    for n, (_, p95) in summary.items() if n.startswith("finder")))
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
