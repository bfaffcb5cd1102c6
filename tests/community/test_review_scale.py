"""The review at region scale (issue 11): lean loading, a statement count constant in the data's size.

The numbers must not move: the lean loader is compared with the ORM path it replaced, on the demo.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.extensions import db
from tests.community.test_query_counts import _add_listings, counted
from tests.community.test_review_coverage import login, make_user


def _orm_offers() -> pd.DataFrame:
    """The loader as it was before issue 11: the whole ORM graph (382 statements at 50,000 listings)."""
    from community.models import Initiative, InitiativeAtPlace
    from community.scheduling import TZ, matches_slot
    from community.services.coverage.loading import OFFER_COLUMNS
    from community.services.coverage.parameters import COUNTED_STATUSES, LEVELS, stale_months

    def safe(rule, weekday, part):
        try:
            return matches_slot(rule, weekday, part)
        except ValueError:
            return False

    fresh_from = datetime.now(TZ).date() - timedelta(days=round(stale_months() * 30.44))
    initiatives = db.session.scalars(
        select(Initiative).where(Initiative.archived_at.is_(None), Initiative.status.in_(COUNTED_STATUSES))
        .options(selectinload(Initiative.locations).selectinload(InitiativeAtPlace.schedules),
                 selectinload(Initiative.organisation)).order_by(Initiative.name)).all()
    rows = []
    for init in initiatives:
        for loc in init.locations:
            place = loc.place
            if place.archived_at is not None:
                continue
            rules = [s.recurrence() for s in loc.schedules]
            row = {
                "initiative_id": str(init.id), "name": init.name, "organisation": init.organisation.name,
                "organisation_id": str(init.organisation_id), "place": place.name, "place_id": str(place.id),
                "place_kind": place.kind, "lon": place.longitude, "lat": place.latitude,
                "models": init.working_models, "groups": init.target_groups, "tie_type": init.tie_type,
                "free": init.cost == "free",
                "childcare": init.childcare in ("children_welcome", "childcare_provided"),
                "evening": any(safe(r, None, "evening") for r in rules),
                "weekend": any(safe(r, 5, None) or safe(r, 6, None) for r in rules),
                "verified": init.last_verified is not None and init.last_verified >= fresh_from,
                "accessibility_unknown": init.wheelchair == "unknown" and place.wheelchair == "unknown",
            }
            for level in LEVELS:
                row["in_" + level] = place.area_code(level)
            rows.append(row)
    return pd.DataFrame(rows, columns=OFFER_COLUMNS)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["initiative_id", "place_id"]).reset_index(drop=True)


def test_the_lean_loader_gives_the_frame_of_the_orm_path(demo_app, demo_db):
    from community.services.coverage import loading
    with demo_app.test_request_context("/"):
        lean, orm = loading.load_offers(), _orm_offers()
    assert len(lean) > 50 and lean["evening"].any() and lean["weekend"].any() and lean["in_sector"].notna().any()
    assert list(lean.columns) == list(orm.columns)
    pd.testing.assert_frame_equal(_sorted(lean), _sorted(orm))


def _first_view_statements(app, client) -> int:
    from community.services.coverage import cache
    with app.app_context():
        app.extensions.pop("buurtkracht_coverage", None)  # a first view: nothing cached
        db.session.remove()
        with counted(db.engine) as statements:
            response = client.get("/review/?level=district")
        assert response.status_code == 200
        assert cache is not None
        return len(statements)


def test_the_first_view_costs_the_same_statements_with_80_and_with_2000_more_listings(demo_app, demo_db,
                                                                                      tmp_path):
    coordinator = make_user(demo_db, "admin", "review-admin@example.org")
    client = demo_app.test_client()
    login(client, coordinator)
    small = _first_view_statements(demo_app, client)
    _add_listings(tmp_path, 2_000)
    large = _first_view_statements(demo_app, client)
    assert large == small, f"statements of the first view: {small} on the demo, {large} with 2,000 more listings"
    assert small < 25, small
