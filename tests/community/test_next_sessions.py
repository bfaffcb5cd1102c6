"""The stored next session of each link (services/next_sessions.py): written with every write,
right at read time after its session has passed (before any refresh), refreshed by the job."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from community.scheduling import TZ
from tests import factories

# A Wednesday: the offer meets on Wednesdays 14:00-16:00 from 4 March 2026 on.
T0 = datetime(2026, 3, 4, 15, 0, tzinfo=TZ)    # during its session
AFTER = datetime(2026, 3, 4, 17, 0, tzinfo=TZ)  # that session is over: the next is a week later


def _offer():
    place = factories.place(name="Plek", latitude=51.05, longitude=3.72)
    init = factories.initiative(at=[place], name="Buurtsoep")
    factories.schedule(init, place, weekdays=[2], start="14:00", end="16:00", valid_from="2026-03-04")
    other = factories.initiative(at=[place], name="Atelier")
    factories.schedule(other, place, weekdays=[3], start="10:00", end="12:00", valid_from="2026-03-04")
    return init.locations[0]


def _stored(db, link_id):
    from community.models import InitiativeAtPlace as Link
    return db.session.execute(select(Link.next_start, Link.next_from, Link.next_until)
                              .where(Link.id == link_id)).one()


def _instant(moment: datetime) -> int:
    from community.scheduling.weekly import UTC_ZERO
    return int((moment - UTC_ZERO).total_seconds())


def _store_at(db, moment):
    from community.models import InitiativeAtPlace as Link
    from community.services.next_sessions import refresh
    connection = db.session.connection()
    connection.execute(update(Link.__table__).values(next_from=0, next_until=0))
    written = refresh(connection, moment)
    db.session.commit()
    return written


def test_the_commit_of_a_write_stores_the_next_session(app, db):
    link = _offer()
    db.session.commit()
    start, valid_from, until = _stored(db, link.id)
    # stored at the real time, exact until that session ends
    assert valid_from <= _instant(datetime.now(TZ)) < until
    assert start is not None and until - start == 2 * 3600
    assert _store_at(db, T0) == 2
    assert _stored(db, link.id) == (_instant(datetime(2026, 3, 4, 14, 0, tzinfo=TZ)), _instant(T0),
                                    _instant(datetime(2026, 3, 4, 16, 0, tzinfo=TZ)))


def test_a_passed_session_is_computed_at_read_time_before_the_refresh(app, db):
    from community.services.finder import FinderQuery, find
    from community.services.next_sessions import refresh
    link = _offer()
    db.session.commit()
    _store_at(db, T0)
    stored = _stored(db, link.id)
    with app.test_request_context("/"):
        found = {m.name: m.next_start for m in find(FinderQuery(), now=AFTER).matches}
    # the stored session (4 March 14:00) has ended: next Wednesday's, not the stored one
    assert found["Buurtsoep"] == datetime(2026, 3, 11, 14, 0, tzinfo=TZ)
    assert found["Atelier"] == datetime(2026, 3, 5, 10, 0, tzinfo=TZ)
    with app.test_request_context("/"):
        order = [m.name for m in find(FinderQuery(), now=AFTER).matches]
    assert order == ["Atelier", "Buurtsoep"]  # the live one is ordered among the stored ones
    assert _stored(db, link.id) == stored  # nothing was written by the read
    assert refresh(db.session.connection(), AFTER) == 1  # only the passed one is stale
    assert _stored(db, link.id)[0] == _instant(datetime(2026, 3, 11, 14, 0, tzinfo=TZ))


def test_a_changed_schedule_is_stored_again_in_its_commit(app, db):
    link = _offer()
    db.session.commit()
    before = _stored(db, link.id)[0]
    link.schedules[0].start_time = link.schedules[0].start_time.replace(hour=13)
    db.session.commit()
    assert _stored(db, link.id)[0] == before - 3600
    link.schedules.clear()
    db.session.commit()
    assert _stored(db, link.id)[0] is None  # no sessions left


def test_the_background_refresh_stores_passed_sessions_without_a_new_data_version(app, db):
    from community import data_version
    from community.models import InitiativeAtPlace as Link
    from community.services import next_sessions
    link = _offer()
    db.session.commit()
    db.session.connection().execute(update(Link.__table__).values(next_from=0, next_until=0))
    db.session.commit()
    versions = data_version.current()
    db.session.rollback()  # the test's own session holds no lock while the job writes
    app.config["BUURTKRACHT_NEXT_SESSION_REFRESH"] = 60
    client = app.test_client()
    assert client.get("/initiatives").status_code == 200  # a GET only reads: the job writes meanwhile
    next_sessions.wait(app)
    started = app.extensions["buurtkracht_next_sessions"]["future"]
    assert client.get("/initiatives").status_code == 200
    assert app.extensions["buurtkracht_next_sessions"]["future"] is started  # within the interval: no second job
    start, valid_from, until = _stored(db, link.id)
    assert start is not None and valid_from <= _instant(datetime.now(TZ)) < until
    assert data_version.current() == versions  # the listings did not change: no cache is emptied
    assert app.extensions["buurtkracht_next_sessions"]["last"] is not None


def test_nothing_before_the_horizon_is_stored_as_none_for_a_few_days(app, db):
    place = factories.place(name="Plek", latitude=51.05, longitude=3.72)
    init = factories.initiative(at=[place], name="Later")
    factories.schedule(init, place, frequency="once", weekdays=[], date="2027-06-02")  # past 400 days from T0
    db.session.commit()
    _store_at(db, T0)
    start, valid_from, until = _stored(db, init.locations[0].id)
    assert start is None and valid_from == _instant(T0)
    assert timedelta(days=1) < timedelta(seconds=until - valid_from) < timedelta(days=4)


def test_the_command_stores_the_stale_ones(app, db):
    from community.models import InitiativeAtPlace as Link
    from tests.community.importing import run_cli
    link = _offer()
    db.session.commit()
    db.session.connection().execute(update(Link.__table__).values(next_from=0, next_until=0))
    db.session.commit()
    result = run_cli(app, "refresh-next-sessions")
    assert result.exit_code == 0 and "2 links" in result.output, result.output
    assert _stored(db, link.id)[2] > 0
