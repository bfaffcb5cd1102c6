"""Pairs of points within a walking distance along a network (shortest paths, Dijkstra).

The network counterpart of ``geo.pairs.pairs_within``; geo.accessibility's measures use it
when they are given a ``network``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from pyproj import CRS
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .pairs import _as_xy, _check_distance, _csr_from_triplets, _to_metric, _transform


def network_pairs_within(demand_xy, supply_xy, network, max_distance: float) -> sp.csr_matrix:
    """Like ``pairs_within`` but along a walking network (shortest paths, Dijkstra).

    ``network`` is a mapping or an object with:

    * ``nodes``: (k, 2) node coordinates in metres, EPSG:31370 (or in ``crs``);
    * ``edges``: (e, 2) pairs of node positions (0-based), walkable both ways;
    * ``lengths`` (optional): (e,) edge lengths in metres, default the straight
      line between the two nodes; parallel edges keep the shortest;
    * ``crs`` (optional): CRS of ``nodes``, default EPSG:31370.

    Each point is snapped to its nearest node, and
    ``d_ij = |p_i - node(i)| + path(node(i), node(j)) + |s_j - node(j)|``
    (the straight walk to and from the network is counted). Pairs with
    ``d_ij <= max_distance`` are kept; unreachable pairs are absent.
    """
    d0 = _check_distance(max_distance)
    dxy = _as_xy(demand_xy, "demand_xy")
    sxy = _as_xy(supply_xy, "supply_xy")
    nodes, graph = _network_graph(network)
    n, m = len(dxy), len(sxy)
    if n == 0 or m == 0:
        return sp.csr_matrix((n, m), dtype=np.float64)
    tree = cKDTree(nodes)
    snap_d, node_d = tree.query(dxy, k=1)
    snap_s, node_s = tree.query(sxy, k=1)
    sources, source_of = np.unique(node_s, return_inverse=True)
    demand_at_node = _groups(node_d, len(nodes))  # demand rows per node
    supply_at_source = _groups(source_of, len(sources))  # supply rows per distinct source node
    rows, cols, vals = [], [], []
    # Dijkstra from the distinct supply nodes, in blocks to bound memory
    # (block x nodes distances at a time).
    block = max(1, (1 << 22) // len(nodes))
    limit = d0 * (1 + 1e-9) + 1e-9  # generous; the exact test is on the total
    for first in range(0, len(sources), block):
        path = dijkstra(graph, directed=False, indices=sources[first : first + block], limit=limit)
        src, node = np.nonzero(path <= limit)
        rep, i = _expand(node, demand_at_node)
        src, walked = src[rep] + first, path[src[rep], node[rep]] + snap_d[i]
        rep, j = _expand(src, supply_at_source)
        total = walked[rep] + snap_s[j]
        hit = total <= d0
        rows.append(i[rep][hit])
        cols.append(j[hit])
        vals.append(total[hit])
    return _csr_from_triplets(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), (n, m))


def _field(network, name: str, default=None):
    if isinstance(network, Mapping):
        return network.get(name, default)
    return getattr(network, name, default)


def _groups(keys: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(pointer, members): the positions i with keys[i] == g are members[pointer[g]:pointer[g+1]]."""
    pointer = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_groups), out=pointer[1:])
    return pointer, np.argsort(keys, kind="stable")


def _expand(keys: np.ndarray, groups) -> tuple[np.ndarray, np.ndarray]:
    """For each key, every member of its group: (position in keys, member), key-major."""
    pointer, members = groups
    counts = pointer[keys + 1] - pointer[keys]
    rep = np.repeat(np.arange(len(keys)), counts)
    offset = np.cumsum(counts) - counts
    pos = np.repeat(pointer[keys] - offset, counts) + np.arange(int(counts.sum()))
    return rep, members[pos]


def _network_graph(network) -> tuple[np.ndarray, sp.csr_matrix]:
    nodes = _field(network, "nodes")
    edges = _field(network, "edges")
    if nodes is None or edges is None:
        raise ValueError("network needs 'nodes' (k, 2) and 'edges' (e, 2)")
    nodes = _as_xy(nodes, "network nodes")
    crs = _field(network, "crs")
    if crs is not None:
        transformer = _to_metric(CRS.from_user_input(crs))
        if transformer is not None:
            nodes = _transform(transformer, nodes, "network nodes")
    if len(nodes) == 0:
        raise ValueError("network has no nodes")
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) and (edges.min() < 0 or edges.max() >= len(nodes)):
        raise ValueError("network edges refer to nodes that do not exist")
    lengths = _field(network, "lengths")
    if lengths is None:
        lengths = np.hypot(*(nodes[edges[:, 0]] - nodes[edges[:, 1]]).T)
    else:
        lengths = np.asarray(lengths, dtype=np.float64)
        if lengths.shape != (len(edges),) or not np.isfinite(lengths).all() or (lengths < 0).any():
            raise ValueError("network lengths must be finite, >= 0 and one per edge")
    a = np.minimum(edges[:, 0], edges[:, 1])
    b = np.maximum(edges[:, 0], edges[:, 1])
    loop = a == b
    a, b, lengths = a[~loop], b[~loop], lengths[~loop]
    # Parallel edges: keep the shortest (a COO -> CSR conversion would add them up).
    order = np.lexsort((lengths, b, a))
    a, b, lengths = a[order], b[order], lengths[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    graph = _csr_from_triplets(a[first], b[first], lengths[first], (len(nodes), len(nodes)))
    return nodes, graph
