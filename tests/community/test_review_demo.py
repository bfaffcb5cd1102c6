"""The demo district's deliberate gaps show up in the coverage review (see design_notes in listings.json)."""
from __future__ import annotations


def test_demo_story_in_the_review(demo_app, demo_db):
    from flask import current_app
    from community.services.coverage import cache, parameters
    with current_app.test_request_context("/?lang=en"):
        cov = cache.compute(parameters.ReviewParams(level="district", distance=800))
        districts = cov.level("district")
        spots = {code: [c for c, _ in row["blind_spots"]] for code, row in districts.iterrows()}
        numbers = {code: dict(row["blind_spots"]) for code, row in districts.iterrows()}
        # Bloemekenswijk: offer, but nothing free where children are welcome.
        assert "no_free_with_children" in spots["44021W09"]
        # Muide - Meulestede - Afrikalaan: only bonding offers.
        assert "only_bonding" in spots["44021W10"]
        # Sint-Amandsberg: many older residents, no offer for older people within reach.
        assert numbers["44021W14"]["group_without_offer"]["group"] == "elderly"
        # No offer at all in these four wijken.
        for code in ("44021W11", "44021W19", "44021W23", "44021W25"):
            assert spots[code] == ["no_offer"], code
            assert districts.loc[code, "initiatives_in_area"] == 0
        # Every district has need figures, so every one is ranked; the wijken without offer rank high.
        assert districts["rank"].notna().all()
        assert districts.loc["44021W25", "rank"] <= 5
        sectors = cov.level("sector")
        assert len(sectors) == 69 and sectors["need_index"].notna().all()
