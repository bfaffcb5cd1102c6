"""The blind-spot rules (community.services.coverage.blind_spots) on hand-made area profiles."""
from __future__ import annotations

import pandas as pd

from community.services.coverage.blind_spots import (MIN_REACH, area_blind_spots, blind_spots, models_in_reach,
                                                     row_blind_spots)


def profile(**reach):
    base = {"any": 1.0, "bonding": 1.0, "bridging": 1.0, "free_with_children": 1.0, "evening": 1.0,
            "weekend": 1.0, "model:a": 1.0, "model:b": 1.0, "model:c": 1.0, "group:elderly": 1.0,
            "group:families": 1.0}
    base.update(reach)
    return {"reach": base, "group_ratio": {"elderly": 1.0, "families": 1.0},
            "group_share": {"elderly": 0.2, "families": 0.1}, "children": 100, "verified_share": 1.0,
            "offers_in_reach": 5}


def codes(found):
    return [c for c, _ in found]


def test_blind_spots_none_for_a_full_offer():
    assert blind_spots(profile()) == []


def test_blind_spot_no_offer_replaces_the_rest():
    found = blind_spots(profile(any=0.2, bridging=0.0, free_with_children=0.0))
    assert found == [("no_offer", {"share": 0.2})]


def test_blind_spots_one_sided():
    assert codes(blind_spots(profile(bridging=0.16))) == ["only_bonding"]
    assert codes(blind_spots(profile(bonding=0.1))) == ["only_bridging"]
    # Neither type within reach of most residents is not "one-sided" but thin: no one-sided flag.
    assert "only_bonding" not in codes(blind_spots(profile(bonding=0.3, bridging=0.3)))


def test_blind_spot_free_with_children_only_where_children_live():
    assert codes(blind_spots(profile(free_with_children=0.37))) == ["no_free_with_children"]
    quiet = profile(free_with_children=0.0)
    quiet["children"] = 0
    assert blind_spots(quiet) == []
    quiet["children"] = float("nan")  # unknown: no claim either way
    assert blind_spots(quiet) == []


def test_blind_spot_many_older_residents_without_offer():
    p = profile(**{"group:elderly": 0.0})
    p["group_ratio"]["elderly"] = 1.5
    found = blind_spots(p)
    assert codes(found) == ["group_without_offer"]
    assert found[0][1]["group"] == "elderly" and found[0][1]["ratio"] == 1.5
    p["group_ratio"]["elderly"] = 1.0  # an average share of older residents: not flagged
    assert blind_spots(p) == []


def test_blind_spots_variety_times_and_freshness():
    assert codes(blind_spots(profile(**{"model:c": 0.4, "model:b": 0.1}))) == ["few_models"]
    assert codes(blind_spots(profile(evening=0.1, weekend=0.0))) == ["no_evening_weekend"]
    assert blind_spots(profile(evening=0.1)) == []  # weekends are covered
    stale = profile()
    stale["verified_share"] = 0.3
    assert codes(blind_spots(stale)) == ["stale"]


def test_blind_spot_thresholds_are_arguments():
    thin = profile(evening=0.3, weekend=0.3)
    assert codes(blind_spots(thin)) == ["no_evening_weekend"]
    assert blind_spots(thin, min_reach=0.25) == []
    assert codes(blind_spots(profile(**{"model:c": 0.0}), min_models=3)) == ["few_models"]
    assert blind_spots(profile(**{"model:c": 0.0}), min_models=2) == []
    stale = profile()
    stale["verified_share"] = 0.3
    assert blind_spots(stale, min_verified=0.25) == []
    stale["offers_in_reach"] = 0  # nothing in reach: nothing to be out of date
    assert blind_spots(stale) == []


def test_blind_spots_of_a_review_row():
    row = pd.Series({"ratio_elderly": 1.4, "share_elderly": 0.28, "ratio_families": 0.9, "share_families": 0.1,
                     "ind_children_0_11": 40.0, "verified_share": 1.0, "initiatives_in_reach": 3})
    reach = {"D1": profile(**{"group:elderly": 0.2})["reach"]}
    found = area_blind_spots("D1", row, reach)
    assert found == [("group_without_offer", {"group": "elderly", "ratio": 1.4, "group_share": 0.28,
                                              "share": 0.2})]
    assert area_blind_spots("D2", row, reach) == []  # no residents in the picture: no claim
    assert row_blind_spots(pd.Series({"blind_spots": found})) == found
    assert row_blind_spots(pd.Series({"blind_spots": float("nan")})) == []


def test_models_in_reach_counts_working_models_reached_by_most():
    assert models_in_reach({"model:competence": MIN_REACH, "model:buddy": 0.49, "model:unknown": 1.0}) == 1
    assert models_in_reach({}) == 0
