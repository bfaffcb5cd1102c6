"""The blind-spot rules: what is missing for an area's residents, from the reach of each kind of offer.

Pure (no Flask, no database). The sentences for people are in ``presentation``;
the shares they work on come from ``computation`` (``geo.coverage.reach_shares``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ... import taxonomy

#: A kind of offer counts as within reach when at least this share of the residents have one.
MIN_REACH = 0.5
#: A group is over-represented from this ratio of its share to the level's average share.
MANY_RATIO = 1.1
#: Fewer working models than this within reach is "little variety".
MIN_MODELS = 3
#: Less than this share of the offers in reach checked recently is "out of date".
MIN_VERIFIED = 0.5

#: Target groups checked against the residents present: target group code -> the
#: indicator counting those residents.
GROUP_INDICATORS = {"elderly": "population_65_plus", "families": "children_0_11"}


def blind_spots(
    profile: Mapping,
    *,
    min_reach: float = MIN_REACH,
    many_ratio: float = MANY_RATIO,
    min_models: int = MIN_MODELS,
    min_verified: float = MIN_VERIFIED,
) -> list[tuple[str, dict]]:
    """What is missing for an area, as ``(code, numbers)`` pairs, most basic first.

    ``profile`` holds ``reach`` (a mapping ``kind -> share of residents with such
    an offer within reach``, kinds ``any``, ``bonding``, ``bridging``,
    ``free_with_children``, ``evening``, ``weekend``, ``model:<code>`` and
    ``group:<code>``), ``group_ratio`` (``group -> the group's share of the
    residents relative to the average``, e.g. 1.3), ``group_share`` (that share),
    ``children`` (number of children, NaN if unknown), ``verified_share`` and
    ``offers_in_reach``. A kind counts as within reach when at least ``min_reach``
    of the residents have one. Rules:

    * ``no_offer``: fewer than ``min_reach`` of the residents have any offer in reach
      (then nothing else is listed: there is nothing to be one-sided);
    * ``only_bonding`` / ``only_bridging``: one of the two tie types is within
      reach and the other is not (an offer of type "both" counts for both);
    * ``no_free_with_children``: children live here but no free offer where
      children are welcome is within reach;
    * ``group_without_offer``: a group is over-represented (ratio >= ``many_ratio``)
      and no offer for that group is within reach;
    * ``few_models``: fewer than ``min_models`` working models within reach;
    * ``no_evening_weekend``: nothing in the evening nor at the weekend within reach;
    * ``stale``: less than ``min_verified`` of the offers in reach were verified recently.
    """
    reach = profile.get("reach", {})

    def share(kind: str) -> float:
        value = reach.get(kind, 0.0)
        return 0.0 if value is None or not np.isfinite(value) else float(value)

    found: list[tuple[str, dict]] = []
    if share("any") < min_reach:
        return [("no_offer", {"share": share("any")})]
    bonding, bridging = share("bonding"), share("bridging")
    if bonding >= min_reach and bridging < min_reach:
        found.append(("only_bonding", {"share": bridging}))
    elif bridging >= min_reach and bonding < min_reach:
        found.append(("only_bridging", {"share": bonding}))
    children = profile.get("children", math.nan)
    if children is not None and np.isfinite(children) and children > 0 and share("free_with_children") < min_reach:
        found.append(("no_free_with_children", {"share": share("free_with_children")}))
    for group in GROUP_INDICATORS:
        ratio = profile.get("group_ratio", {}).get(group, math.nan)
        if ratio is not None and np.isfinite(ratio) and ratio >= many_ratio and share("group:" + group) < min_reach:
            found.append(("group_without_offer", {"group": group, "ratio": float(ratio),
                                                  "group_share": profile.get("group_share", {}).get(group),
                                                  "share": share("group:" + group)}))
    models = [k for k in reach if k.startswith("model:") and share(k) >= min_reach]
    if len(models) < min_models:
        found.append(("few_models", {"count": len(models)}))
    if share("evening") < min_reach and share("weekend") < min_reach:
        found.append(("no_evening_weekend", {"evening": share("evening"), "weekend": share("weekend")}))
    verified = profile.get("verified_share", math.nan)
    if profile.get("offers_in_reach", 0) and verified is not None and np.isfinite(verified) and verified < min_verified:
        found.append(("stale", {"share": float(verified)}))
    return found


def area_blind_spots(code: str, row: pd.Series, reach: dict) -> list[tuple[str, dict]]:
    """The blind spots of one row of the review table (none for an area without residents in the picture)."""
    if code not in reach:
        return []
    profile = {
        "reach": reach[code],
        "group_ratio": {g: row.get("ratio_" + g) for g in GROUP_INDICATORS},
        "group_share": {g: row.get("share_" + g) for g in GROUP_INDICATORS},
        "children": row.get("ind_children_0_11"),
        "verified_share": row.get("verified_share"),
        "offers_in_reach": row.get("initiatives_in_reach") or 0,
    }
    return blind_spots(profile)


def models_in_reach(reach: Mapping) -> int:
    """How many working models are within reach of most of an area's residents."""
    return sum(1 for m in taxonomy.WORKING_MODELS.codes if reach.get("model:" + m, 0) >= MIN_REACH)


def row_blind_spots(row) -> list[tuple[str, dict]]:
    """The blind spots stored on a row of ``Coverage.areas`` (an empty list where none were computed)."""
    spots = row["blind_spots"]
    return spots if isinstance(spots, list) else []
