"""Benchmark geo/ on the real Flemish data: reading areas, points in areas, areas in areas.

    PYTHONPATH=. python bench/geo_real_data.py [--repeat 5]

The timings that tests/geo used to print (the tests keep their assertions on the answers):

- read_vector(flanders/wijken.gpkg), 2,767 polygons in Lambert 72 to EPSG:4326 with the
  checks and repairs; peer: geopandas.read_file (pyogrio) + to_crs(4326) alone, the floor.
- assign_points: the 93,661 Ghent addresses (ghent/addresses.csv) in the 25 Ghent wijken and in
  all 2,767 Flemish wijken; peer: geopandas.sjoin(points, wijken, predicate="intersects"),
  which answers the same question without the "smallest area wins" rule for overlaps.
- assign_parents: 2,767 wijken in 304 municipalities by largest overlap (EPSG:31370); no peer
  with the same answer, so a ceiling: CEILING_S below.

Every method runs --repeat times in this process; the table gives the best and the median in
seconds, and for ours the ratio to its peer (or to the ceiling). Inputs are read once, not timed.
The script asserts that ours and the peer agree where they should (same polygon count, same
wijk for every address that lies in exactly one wijk) before it prints.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CEILING_S = {"assign_parents: 2,767 wijken x 304 municipalities": 5.0}


def timed(call, repeat: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from geo.areas import assign_parents, assign_points
    from geo.io import read_vector

    gpkg = DATA / "flanders" / "wijken.gpkg"
    wijken = gpd.read_file(DATA / "flanders" / "wijken.geojson", engine="pyogrio")
    ghent = wijken[wijken["municipality_code"] == "44021"].sort_values("code").reset_index(drop=True)
    municipalities = gpd.read_file(DATA / "flanders" / "municipalities.geojson", engine="pyogrio")
    addresses = pd.read_csv(DATA / "ghent" / "addresses.csv", usecols=["latitude", "longitude"])
    lon, lat = addresses["longitude"].to_numpy(), addresses["latitude"].to_numpy()
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")

    rows = []  # (what, ours seconds, peer name, peer seconds or None)

    ours, read = timed(lambda: read_vector(gpkg), opts.repeat)
    peer, floor = timed(lambda: gpd.read_file(gpkg, engine="pyogrio").to_crs(4326), opts.repeat)
    assert len(read.frame) == len(floor) == 2767
    rows.append(("read_vector: wijken.gpkg, 2,767 polygons", ours, "read_file + to_crs", peer))

    for label, areas in (("25 Ghent wijken", ghent), ("2,767 Flemish wijken", wijken)):
        ours, codes = timed(lambda areas=areas: assign_points(lon, lat, areas), opts.repeat)
        peer, joined = timed(lambda areas=areas: gpd.sjoin(points, areas[["code", "geometry"]],
                                                           predicate="intersects", how="left"), opts.repeat)
        single = joined.groupby(level=0)["code"].agg(["count", "first"])
        single = single[single["count"] == 1]
        agree = np.array(codes, dtype=object)[single.index.to_numpy()] == single["first"].to_numpy()
        assert agree.all(), f"{(~agree).sum()} addresses in one wijk get another code from assign_points"
        rows.append((f"assign_points: 93,661 addresses x {label}", ours, "sjoin intersects", peer))

    what = "assign_parents: 2,767 wijken x 304 municipalities"
    ours, parents = timed(lambda: assign_parents(wijken, municipalities), opts.repeat)
    assert (parents == wijken["municipality_code"]).all()
    rows.append((what, ours, f"ceiling {CEILING_S[what]:g} s", None))

    print(f"geo on real data, {opts.repeat} runs each, in one process (s)")
    print("| what | ours best | ours median | peer or ceiling | peer best | ours / peer |")
    print("|---|---:|---:|---|---:|---:|")
    failed = []
    for what, ours, peer_name, peer in rows:
        best = min(ours)
        reference = min(peer) if peer else CEILING_S[what]
        if peer is None and best > reference:
            failed.append(f"{what}: {best:.2f} s is over the ceiling of {reference:g} s")
        peer_best = f"{min(peer):.3f}" if peer else ""
        print(f"| {what} | {best:.3f} | {statistics.median(ours):.3f} | {peer_name} | {peer_best} | "
              f"{best / reference:.2f} |")
    if failed:
        raise SystemExit("\n".join(failed))


if __name__ == "__main__":
    main()
