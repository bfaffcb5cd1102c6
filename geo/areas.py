"""Areas (wijken, sectors): which area holds a point, area-code checks, parent areas, and splitting areas into demo sectors."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon

from .crs import METRIC, WGS84, normalize_crs
from .distance import project_metric
from .errors import GeoInputError


def _metric_geometries(frame: gpd.GeoDataFrame, what: str) -> np.ndarray:
    """Geometry array of ``frame`` in EPSG:31370; None where a feature has no geometry."""
    if frame.crs is None:
        raise GeoInputError(f"{what} has no CRS; set one (e.g. frame.set_crs('EPSG:4326')) first")
    if normalize_crs(frame.crs) != METRIC:
        frame = frame.to_crs(METRIC)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    geoms[empty] = None
    return geoms


def _codes(frame: gpd.GeoDataFrame, code_col: str, what: str) -> np.ndarray:
    if code_col not in frame.columns:
        raise GeoInputError(f"{what} has no column '{code_col}'")
    return frame[code_col].to_numpy(dtype=object)


def assign_points(lon, lat, areas: gpd.GeoDataFrame, code_col: str = "code") -> np.ndarray:
    """Code of the area holding each (lon, lat) point; an object array with None where no area does.

    Points on a boundary count as inside. Where areas overlap, the smallest
    area wins: overlaps in real data are either a small area nested in a
    larger one (the small one is the more specific answer) or a sliver where
    two neighbours were digitised over each other, where either is as good
    and "smallest" at least makes the result deterministic.
    """
    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat differ in length ({lon.size} and {lat.size})")
    result = np.full(lon.size, None, dtype=object)
    geoms = _metric_geometries(areas, "areas")
    codes = _codes(areas, code_col, "areas")
    present = np.flatnonzero(geoms != None)  # noqa: E711 (element-wise on an object array)
    if lon.size == 0 or present.size == 0:
        return result

    x, y = project_metric(lon, lat)
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if ok.size == 0:
        return result
    # Index the points and query with the polygons: shapely prepares the query
    # geometries, so each polygon is prepared once and then tests its candidate
    # points cheaply. About twice as fast as indexing the polygons.
    tree = shapely.STRtree(shapely.points(x[ok], y[ok]))
    area_pos, point_pos = tree.query(geoms[present], predicate="intersects")
    if point_pos.size == 0:
        return result
    sizes = shapely.area(geoms[present])
    # Per point, smallest area first (then lowest row, so ties are stable).
    order = np.lexsort((area_pos, sizes[area_pos], point_pos))
    point_pos, area_pos = point_pos[order], area_pos[order]
    first = np.r_[True, point_pos[1:] != point_pos[:-1]]
    result[ok[point_pos[first]]] = codes[present[area_pos[first]]]
    return result


def check_area_codes(frame: gpd.GeoDataFrame, code_col: str) -> list[str]:
    """Problems with the area codes: column missing, empty codes, duplicates (features numbered from 1)."""
    if code_col not in frame.columns:
        return [f"no column '{code_col}' with area codes (columns: {', '.join(map(str, frame.columns))})"]
    problems: list[str] = []
    seen: dict[str, list[int]] = {}
    for number, value in enumerate(frame[code_col].tolist(), start=1):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            problems.append(f"feature {number}: area code ({code_col}) is missing")
            continue
        # Surrounding spaces are invisible in a spreadsheet; treat them as the same code.
        code = str(value).strip()
        if not code:
            problems.append(f"feature {number}: area code ({code_col}) is empty")
            continue
        seen.setdefault(code, []).append(number)
    for code, numbers in seen.items():
        if len(numbers) > 1:
            listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            problems.append(f"duplicate area code {code} on features {listed}")
    return problems


def assign_parents(
    children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame, code_col: str = "code"
) -> pd.Series:
    """Parent code per child: the parent with the largest overlap area (EPSG:31370); None without overlap.

    The result is indexed like ``children``. Overlap rather than "contains",
    because boundaries from different sources never match exactly.
    """
    child_geoms = _metric_geometries(children, "children")
    parent_geoms = _metric_geometries(parents, "parents")
    parent_codes = _codes(parents, code_col, "parents")
    result = pd.Series([None] * len(children), index=children.index, dtype=object, name="parent_code")

    child_ok = np.flatnonzero(child_geoms != None)  # noqa: E711
    parent_ok = np.flatnonzero(parent_geoms != None)  # noqa: E711
    if child_ok.size == 0 or parent_ok.size == 0:
        return result
    tree = shapely.STRtree(parent_geoms[parent_ok])
    c_pos, p_pos = tree.query(child_geoms[child_ok], predicate="intersects")
    if c_pos.size == 0:
        return result
    overlap = shapely.area(shapely.intersection(child_geoms[child_ok][c_pos], parent_geoms[parent_ok][p_pos]))
    # Neighbours that only share a border intersect with zero area.
    keep = overlap > 0
    c_pos, p_pos, overlap = c_pos[keep], p_pos[keep], overlap[keep]
    order = np.lexsort((p_pos, -overlap, c_pos))
    c_pos, p_pos = c_pos[order], p_pos[order]
    first = np.r_[True, c_pos[1:] != c_pos[:-1]] if c_pos.size else np.zeros(0, dtype=bool)
    values = result.to_numpy(dtype=object).copy()
    values[child_ok[c_pos[first]]] = parent_codes[parent_ok[p_pos[first]]]
    result[:] = values
    return result


# --- splitting an area into sectors ---------------------------------------------


def split_area(geometry, parts: int, *, seed=0) -> list[Polygon | MultiPolygon]:
    """Split one (Multi)Polygon into ``parts`` contiguous pieces of roughly equal area.

    Works in the geometry's own coordinates, so pass metric (EPSG:31370)
    geometry for equal areas on the ground. Method: sample points uniformly
    inside, cluster them with k-means, then balance the cluster sizes with
    power-diagram weights; the pieces are the power cells clipped to the
    geometry. A cell that the clipping cuts in two (a concave outline) gives
    its stray part to the neighbour it shares most border with, so each piece
    is one polygon unless the input itself has separate parts. Pieces are
    ordered north to south, then west to east. Same seed, same result.
    """
    parts = int(parts)
    if parts < 1:
        raise ValueError(f"parts must be at least 1, got {parts}")
    if geometry is None or geometry.is_empty or geometry.area <= 0:
        raise ValueError("cannot split an empty geometry or one without area")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    if parts == 1:
        return [geometry]

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = geometry.bounds
    # Work around the centre of the bounding box: squared Lambert coordinates
    # (1e10) would eat most of a double's precision in the half-plane equations.
    origin = np.array([(minx + maxx) / 2, (miny + maxy) / 2])
    samples = sample_points_inside(geometry, max(4000, 400 * parts), rng)
    if len(np.unique(samples, axis=0)) < 10:
        raise ValueError("geometry is too thin to sample points inside it")
    samples = samples - origin
    centers, weights = _balanced_centers(samples, parts, rng)

    half_w, half_h = (maxx - minx) / 2, (maxy - miny) / 2
    pad = max(half_w, half_h)
    box = np.array(
        [[-half_w - pad, -half_h - pad], [half_w + pad, -half_h - pad],
         [half_w + pad, half_h + pad], [-half_w - pad, half_h + pad]]
    )
    cells = [Polygon(c + origin) if len(c) >= 3 else Polygon() for c in _power_cells(centers, weights, box)]

    # Snap all pieces to one fine grid so neighbours share identical vertices;
    # otherwise float noise leaves micro gaps that break the merges below.
    grid = 10.0 ** math.floor(math.log10(math.sqrt(geometry.area) * 1e-7))
    pieces = shapely.set_precision(shapely.intersection(geometry, np.array(cells, dtype=object)), grid)
    pieces = _make_contiguous(list(pieces), grid)
    cent = shapely.centroid(np.array(pieces, dtype=object))
    order = np.lexsort((shapely.get_x(cent), -shapely.get_y(cent)))
    return [pieces[i] for i in order]


def sample_points_inside(geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniformly inside ``geometry`` as an (n, 2) array (rejection sampling).

    A sliver too thin to hit is topped up with its representative point, so callers always
    get ``n`` points; callers that need spread (``split_area``) check for that themselves.
    """
    minx, miny, maxx, maxy = geometry.bounds
    # Preparing builds an edge index once; every batch of tests then reuses it.
    shapely.prepare(geometry)
    fill = max(geometry.area / max((maxx - minx) * (maxy - miny), 1e-300), 1e-3)
    found: list[np.ndarray] = []
    total = 0
    for _ in range(200):
        batch = int(min(1_000_000, (n - total) / fill * 1.3 + 50))
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(geometry, x, y)
        found.append(np.column_stack([x[inside], y[inside]]))
        total += int(inside.sum())
        if total >= n:
            break
    points = np.concatenate(found)[:n]
    if len(points) < n:
        spare = shapely.get_coordinates(geometry.representative_point())
        points = np.concatenate([points, np.repeat(spare, n - len(points), axis=0)])
    return points


def _kmeans_pp(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centers = [points[rng.integers(len(points))]]
    d2 = ((points - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = rng.choice(len(points), p=d2 / total) if total > 0 else rng.integers(len(points))
        centers.append(points[i])
        d2 = np.minimum(d2, ((points - points[i]) ** 2).sum(axis=1))
    return np.array(centers)


def _balanced_centers(points: np.ndarray, k: int, rng: np.random.Generator):
    """Centres and power weights whose cells hold about the same number of sample points."""
    centers = _kmeans_pp(points, k, rng)
    weights = np.zeros(k)
    target = len(points) / k

    def labels(c, w):
        # argmin of |p - c|^2 - w; |p|^2 is the same for every centre, so drop it.
        return (((c**2).sum(axis=1) - w)[None, :] - 2.0 * points @ c.T).argmin(axis=1)

    def means(lab, counts, fallback):
        sums = np.column_stack(
            [np.bincount(lab, weights=points[:, 0], minlength=k), np.bincount(lab, weights=points[:, 1], minlength=k)]
        )
        return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], fallback)

    # Plain k-means first: compact, convex clusters.
    for _ in range(100):
        lab = labels(centers, weights)
        new = means(lab, np.bincount(lab, minlength=k), centers)
        if np.allclose(new, centers):
            break
        centers = new
    # Then nudge weights: a cell with too few points grows (higher weight).
    # The step is scaled by the typical squared cluster radius so it is unit-free.
    lab = labels(centers, weights)
    scale = ((points - centers[lab]) ** 2).sum(axis=1).mean()
    best = (np.inf, centers.copy(), weights.copy())
    for _ in range(300):
        lab = labels(centers, weights)
        counts = np.bincount(lab, minlength=k)
        spread = np.abs(counts - target).max() / target
        if spread < best[0]:
            best = (spread, centers.copy(), weights.copy())
        if spread < 0.01:
            break
        weights = weights + 0.5 * scale * (target - counts) / target
        weights -= weights.mean()
        # Let centres follow their (power) cells so the cells stay compact.
        centers = 0.8 * centers + 0.2 * means(lab, counts, centers)
    _, centers, weights = best
    if np.any(np.bincount(labels(centers, weights), minlength=k) == 0):
        # A cell without points would give an empty piece: fall back to plain k-means cells.
        weights = np.zeros(k)
    return centers, weights


def _power_cells(centers: np.ndarray, weights: np.ndarray, box: np.ndarray) -> list[np.ndarray]:
    """Power-diagram cell of each centre, clipped to a convex ``box``, as vertex arrays."""
    k = len(centers)
    sq = (centers**2).sum(axis=1)
    cells = []
    for i in range(k):
        poly = box
        for j in range(k):
            if i == j or len(poly) == 0:
                continue
            # Cell i: 2 x.(c_j - c_i) <= |c_j|^2 - |c_i|^2 - w_j + w_i. The pair's
            # line is computed once (for i < j) and negated for the other cell,
            # so neighbouring cells get exactly the same border line.
            lo, hi = (i, j) if i < j else (j, i)
            a = 2 * (centers[hi] - centers[lo])
            b = sq[hi] - sq[lo] - weights[hi] + weights[lo]
            if i > j:
                a, b = -a, -b
            poly = _clip_halfplane(poly, a, b)
        cells.append(poly)
    return cells


def _clip_halfplane(poly: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """Convex polygon ``poly`` (vertex array) clipped to a.x <= b (Sutherland-Hodgman)."""
    if len(poly) == 0:
        return poly
    side = poly @ a - b
    inside = side <= 0
    if inside.all():
        return poly
    if not inside.any():
        return np.empty((0, 2))
    out = []
    n = len(poly)
    for m in range(n):
        p, q = poly[m], poly[(m + 1) % n]
        sp, sq_ = side[m], side[(m + 1) % n]
        if sp <= 0:
            out.append(p)
        if (sp <= 0) != (sq_ <= 0):
            t = sp / (sp - sq_)
            out.append(p + t * (q - p))
    return np.array(out)


def _polygons(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _make_contiguous(pieces: list, grid: float) -> list:
    """Give every stray part of a piece to the neighbouring piece it shares most border with."""
    cores: list = []
    strays: list[Polygon] = []
    for piece in pieces:
        polys = sorted(_polygons(piece), key=lambda p: p.area, reverse=True)
        cores.append(polys[0] if polys else Polygon())
        strays.extend(polys[1:])
    strays.sort(key=lambda p: p.area, reverse=True)
    tolerance = grid * 10
    for stray in strays:
        edge = stray.boundary
        shared = [
            edge.intersection(core.buffer(tolerance)).length if not core.is_empty else 0.0
            for core in cores
        ]
        best = int(np.argmax(shared))
        if shared[best] <= tolerance * 4:
            # An island of a multi-part input: join it to the nearest piece.
            best = int(np.argmin([stray.distance(core) if not core.is_empty else np.inf for core in cores]))
        cores[best] = shapely.union(cores[best], stray, grid_size=grid)
    return cores


def split_areas(
    frame: gpd.GeoDataFrame,
    code_col: str,
    parts_per_area: int | Callable[[pd.Series], int],
    suffix: str = "S",
    *,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Split every area of ``frame`` into pieces coded ``<code><suffix><n>`` (e.g. 44021W01S1).

    ``parts_per_area`` is a number, or a function called with each row of the
    frame *projected to EPSG:31370* (so ``row.geometry.area`` is in m²) that
    returns the number of pieces for that area. Each area's seed is derived
    from ``seed`` and its code, so an area splits the same way whatever else
    is in the frame. Returns columns code, parent_code, geometry in EPSG:4326.
    """
    if frame.crs is None:
        raise GeoInputError("frame has no CRS; set one (e.g. frame.set_crs('EPSG:4326')) first")
    if code_col not in frame.columns:
        raise GeoInputError(f"frame has no column '{code_col}'")
    metric = frame.to_crs(METRIC)
    records = []
    for _, row in metric.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        code = str(row[code_col])
        n = parts_per_area(row) if callable(parts_per_area) else parts_per_area
        area_seed = [int(seed), zlib.crc32(code.encode("utf-8"))]
        for k, piece in enumerate(split_area(geom, int(n), seed=area_seed), start=1):
            records.append({"code": f"{code}{suffix}{k}", "parent_code": code, "geometry": piece})
    out = gpd.GeoDataFrame(records, columns=["code", "parent_code", "geometry"], geometry="geometry", crs=METRIC)
    return out.to_crs(WGS84)
