"""The review at region scale (issue 11): lean loading, a statement count constant in the data's size.

The numbers must not move: the lean loader is compared with the ORM path it replaced, on the demo.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community.extensions import db
from tests.community.test_caching import redis_apps  # noqa: F401  (a fixture)
from tests.community.test_query_counts import _add_listings, counted
from tests.community.test_review_coverage import build_town, login, make_user


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


def _forget_reviews(app) -> None:
    """A first view: nothing cached in the process nor in the shared cache."""
    from community.extensions import cache
    with app.app_context():
        app.extensions.pop("buurtkracht_coverage", None)
        cache.clear()


def _first_view_statements(app, client) -> int:
    _forget_reviews(app)
    with app.app_context():
        db.session.remove()
        with counted(db.engine) as statements:
            response = client.get("/review/?level=district")
        assert response.status_code == 200
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


# ---------------------------------------------------------------- the data version


def test_every_committed_write_the_review_reads_gives_a_new_version_and_nothing_else_does(app, db):
    from community.models import Area, Initiative, User
    from community.services.coverage.loading import data_version
    from tests import factories
    areas, user = build_town(db)
    first = data_version()
    assert first == data_version()  # reading changes nothing
    initiative = db.session.scalar(select(Initiative).where(Initiative.name == "Praatgroep West"))
    initiative.cost = "free"
    db.session.rollback()
    assert data_version() == first  # a rolled-back write changes nothing
    initiative = db.session.scalar(select(Initiative).where(Initiative.name == "Praatgroep West"))
    initiative.cost = "free"
    db.session.commit()
    second = data_version()
    assert second[2] != first[2] and (second[1], second[3]) == (first[1], first[3])  # listings only
    place = factories.place(name="Buurthuis Oost", latitude=51.05, longitude=3.73)
    factories.activity(user, place, status="done", participants=4)
    db.session.commit()
    third = data_version()
    assert third[2] != second[2] and third[3] != second[3] and third[1] == second[1]
    db.session.scalar(select(User)).email = "someone.else@example.org"  # not read by the review
    db.session.commit()
    assert data_version() == third
    db.session.scalar(select(Area).where(Area.code == "D2")).name = "Oostkwartier"
    db.session.commit()
    assert data_version()[1] != third[1] and data_version()[2:] == third[2:]


def test_a_bulk_import_gives_a_new_version(app, db, tmp_path):
    from community.services.coverage.loading import data_version
    build_town(db)
    before = data_version()
    _add_listings(tmp_path, 20)
    assert data_version()[2] != before[2]


# ---------------------------------------------------------------- computing in the background


def _reviewer(app, db):
    build_town(db)
    client = app.test_client()
    login(client, make_user(db, "admin", "review-admin@example.org"))
    return client


def test_a_big_review_is_computed_in_the_background_and_the_page_refreshes_until_it_is_there(app, db):
    from community.services.coverage import jobs
    app.config.update(BUURTKRACHT_REVIEW_INLINE_OFFERS=0, BUURTKRACHT_REVIEW_JOBS="thread")  # everything counts as big
    client = _reviewer(app, db)
    computing = client.get("/review/?level=district&distance=1000")
    html = computing.get_data(as_text=True)
    assert computing.status_code == 202 and computing.headers["Retry-After"] == "3"
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "The review is being calculated" in html and "Refresh now" in html
    again = client.get("/review/?level=district&distance=1000")  # no second job for the same key
    assert again.status_code in (200, 202)
    assert len(app.extensions["buurtkracht_review_jobs"]["running"]) <= 1
    jobs.wait(app)
    ready = client.get("/review/?level=district&distance=1000")
    assert ready.status_code == 200
    text = ready.get_data(as_text=True)
    assert "Westwijk" in text and 'http-equiv="refresh"' not in text
    assert client.get("/review/areas/D1?distance=1000").status_code == 200  # the same review serves the profile


def test_the_embedded_review_job_runs_in_a_child_process_that_ends(app, db):
    """With the file cache (the embedded default) the job is a child process: the web worker
    never holds the computation's memory; the page is served from the cache the child filled."""
    import os
    from community.services.coverage import jobs
    assert app.config["CACHE_TYPE"] == "FileSystemCache" and jobs.mode(app) == "process"
    app.config.update(BUURTKRACHT_REVIEW_INLINE_OFFERS=0)
    client = _reviewer(app, db)
    assert client.get("/review/?level=district&distance=1000").status_code == 202
    children = list(app.extensions["buurtkracht_review_jobs"]["processes"].values())
    assert len(children) == 1 and children[0].pid != os.getpid()
    assert client.get("/review/?level=district&distance=1000").status_code in (200, 202)  # no second child
    assert len(app.extensions["buurtkracht_review_jobs"]["processes"]) == 1
    jobs.wait(app)
    assert children[0].exitcode == 0
    ready = client.get("/review/?level=district&distance=1000")
    assert ready.status_code == 200 and "Westwijk" in ready.get_data(as_text=True)


def test_a_claim_left_by_a_process_that_is_gone_is_taken_over(app, db):
    from community.extensions import cache as shared
    from community.services.coverage import jobs
    gone = 2 ** 22 + 12345  # above Linux's default pid_max: no such process
    shared.set("job:k", gone)
    assert jobs._claim("k", 1) is True
    assert shared.get("job:k") == 1
    assert jobs._claim("k", 2) is False  # pid 1 lives: the claim holds


def test_the_computing_page_says_so_when_the_job_failed(app, db, monkeypatch):
    from community.services.coverage import cache, jobs
    app.config.update(BUURTKRACHT_REVIEW_INLINE_OFFERS=0, BUURTKRACHT_REVIEW_JOBS="thread")  # the patch is this process's
    client = _reviewer(app, db)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(cache, "_make", broken)
    client.get("/review/")
    jobs.wait(app)
    html = client.get("/review/").get_data(as_text=True)  # starts it again, and says the last try failed
    assert "Calculating the review failed" in html or "being calculated" in html
    monkeypatch.undo()
    jobs.wait(app)
    client.get("/review/")
    jobs.wait(app)
    assert client.get("/review/").status_code == 200


def test_the_page_shows_the_data_as_it_is_after_a_write(app, db):
    from community.models import Area, Initiative
    client = _reviewer(app, db)
    before = client.get("/review/?level=district&distance=1000").get_data(as_text=True)
    assert "Westwijk" in before and "Westkwartier" not in before
    db.session.scalar(select(Area).where(Area.code == "D1")).name = "Westkwartier"
    db.session.commit()
    after = client.get("/review/?level=district&distance=1000").get_data(as_text=True)
    assert "Westkwartier" in after
    assert "Praatgroep West" in client.get("/review/areas/D1?distance=1000").get_data(as_text=True)
    for initiative in db.session.scalars(select(Initiative)):
        initiative.status = "inactive"  # no offer left anywhere
    db.session.commit()
    emptied = client.get("/review/areas/D1?distance=1000")
    assert emptied.status_code == 200 and "Praatgroep West" not in emptied.get_data(as_text=True)


# ---------------------------------------------------------------- shared between app processes


@pytest.fixture
def review_apps(redis_apps):
    """``redis_apps``, and RQ's own keys for our queue (named after the prefix) removed afterwards."""
    yield redis_apps
    client, prefix = redis_apps[2], redis_apps[3]
    for key in client.scan_iter(match=f"rq:*{prefix}*"):
        client.delete(key)


def test_one_process_computes_the_review_and_another_serves_it_from_redis(review_apps, monkeypatch):
    """Two create_app() on one database and one Redis: the RQ job of the first serves the second."""
    from community.services.coverage import cache, jobs
    first, second, client, prefix = review_apps
    assert jobs.mode(first) == "rq"
    for app in (first, second):
        app.config.update(BUURTKRACHT_REVIEW_INLINE_OFFERS=0)  # big: a background job
    one, two = first.test_client(), second.test_client()
    with first.app_context():
        build_town(db)
        admin = make_user(db, "admin", "review-admin@example.org")
        login(one, admin)
        login(two, admin)
        db.session.remove()
    assert one.get("/review/?distance=1000").status_code == 202
    assert one.get("/review/?distance=1000").status_code == 202  # still one job
    assert two.get("/review/?distance=1000").status_code == 202  # the other process waits for it too
    with first.app_context():
        assert len(jobs._queue(jobs._redis())) == 1
    jobs.work(first, burst=True)  # an RQ worker, started here: runs the one job and stops
    made = []
    real = cache._make
    monkeypatch.setattr(cache, "_make", lambda *a, **k: made.append(1) or real(*a, **k))
    served = two.get("/review/?distance=1000")
    assert served.status_code == 200 and "Westwijk" in served.get_data(as_text=True)
    assert made == []  # computed by the first process's job, served by the second from Redis
    with second.app_context():  # a write in the second process: the first sees the new data at once
        from community.models import Area
        db.session.scalar(select(Area).where(Area.code == "D1")).name = "Westkwartier"
        db.session.commit()
        db.session.remove()
    assert one.get("/review/?distance=1000").status_code == 202
    jobs.work(first, burst=True)
    assert "Westkwartier" in two.get("/review/?distance=1000").get_data(as_text=True)
