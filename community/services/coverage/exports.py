"""Exports of a computed review: plain records per area, as CSV (spreadsheet-safe) and GeoJSON."""
from __future__ import annotations

import json
import math

import numpy as np
from shapely.geometry import mapping

from ... import taxonomy
from ..disclosure import THRESHOLD, protected_value
from .blind_spots import row_blind_spots
from .computation import Coverage
from .presentation import blind_spot_text

EXPORT_COLUMNS = (
    "code", "name", "level", "parent", "status", "rank", "population", "need_index", "need_share", "supply_share",
    "gap", "ratio", "access", "share_within", "nearest_m", "initiatives_in_area", "organisations_in_area",
    "initiatives_in_reach", "models_in_reach", "bonding_count", "bridging_count", "free_share",
    "childcare_share", "verified_share", "accessibility_unknown_share", "activities", "participants",
    "activities_per_1000", "participants_per_1000", "share_elderly", "share_families",
    "ind_population_65_plus", "ind_children_0_11", "ind_single_person_households", "ind_deprivation_index",
    "indicator_years",
)
REACH_COLUMNS = ("any", "bonding", "bridging", "free_with_children", "evening", "weekend")


def export_records(cov: Coverage, level: str) -> list[dict]:
    """Every measure per area as plain values; small activity counts as '<5'."""
    frame = cov.level(level)
    records = []
    for code, row in frame.iterrows():
        rec = {}
        for col in EXPORT_COLUMNS:
            value = code if col == "code" else row.get(col)
            rec[col] = _plain(value)
        for col in ("activities", "participants"):
            if rec[col] is not None:
                rec[col] = protected_value(int(rec[col]))
                if isinstance(rec[col], str):  # a rate would give the small number away
                    rec[col + "_per_1000"] = None
        for col in ("activities_per_1000", "participants_per_1000"):
            if rec.get(col) is not None and rec.get(col.replace("_per_1000", "")) is None:
                rec[col] = None
        for norm in cov.norms:
            for part in ("required", "present", "shortfall"):
                rec[f"norm_{norm['code']}_{part}"] = _plain(row.get(f"norm_{norm['code']}_{part}"))
        reach = cov.reach.get(code, {})
        for kind in REACH_COLUMNS + tuple("model:" + m for m in taxonomy.WORKING_MODELS.codes) + tuple(
                "group:" + g for g in taxonomy.TARGET_GROUPS.codes):
            rec["reach_" + kind.replace(":", "_")] = _plain(reach.get(kind)) if code in cov.reach else None
        spots = row_blind_spots(row)
        rec["blind_spot_codes"] = " ".join(c for c, _ in spots)
        rec["blind_spots"] = " | ".join(blind_spot_text(c, n, cov.params.distance) for c, n in spots)
        rec["method"] = cov.params.method
        rec["distance_m"] = cov.params.distance
        rec["period_days"] = cov.params.period
        records.append(rec)
    return records


def _plain(value):
    if value is None:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value if isinstance(value, (str, int)) else str(value)


def export_geojson(cov: Coverage, level: str) -> dict:
    records = export_records(cov, level)
    features = []
    for rec in records:
        geom = cov.geometries.at[rec["code"], "geometry"]
        features.append({"type": "Feature", "properties": rec,
                         "geometry": json.loads(json.dumps(mapping(geom)),
                                                parse_float=lambda x: round(float(x), 6))})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"method": cov.params.method, "distance_m": cov.params.distance,
                           "period_days": cov.params.period, "crs": "EPSG:4326",
                           "small_counts": f"counts below {THRESHOLD} are given as '<{THRESHOLD}'"}}
