"""Demo workspace: fictional accounts that can log in, a year of activities spread unevenly over
districts, and loading it again changes nothing."""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from tests.community.workspace import fresh_request_client, post


def _snapshot(db):
    from community.models import Activity, ChangeRequest, OutdatedReport, User
    activities = db.session.execute(select(Activity.id, Activity.title, Activity.starts_at, Activity.participants)
                                    .order_by(Activity.id)).all()
    users = db.session.execute(select(User.email, User.password_hash, User.session_token).order_by(User.email)).all()
    return (activities, users, db.session.scalar(select(func.count()).select_from(ChangeRequest)),
            db.session.scalar(select(func.count()).select_from(OutdatedReport)))


def test_demo_workspace_is_deterministic_idempotent_and_uneven(demo_app, demo_db):
    from community.demo import load_demo
    from community.demo.activities import DEMO_PASSWORD, load_demo_workspace
    from community.extensions import db
    from community.models import Activity, Area
    app = demo_app  # the demo is loaded once per run; this loads it again
    first = _snapshot(db)
    load_demo()
    summary = load_demo_workspace(today=date(2026, 1, 1))  # a later run on another day adds nothing
    db.session.commit()
    assert summary.created == 0
    assert _snapshot(db) == first
    activities = db.session.scalars(select(Activity)).all()
    assert all(a.is_demo for a in activities) and len(activities) > 150
    per_district = Counter(db.session.get(Area, a.area_id).code for a in activities)
    assert len(per_district) >= 5
    busiest, quietest = per_district.most_common()[0][1], per_district.most_common()[-1][1]
    assert busiest > 5 * quietest  # uneven on purpose
    assert {a.status for a in activities} == {"done", "planned"}
    assert all(a.participants is not None for a in activities if a.status == "done")
    assert DEMO_PASSWORD in summary.notes[0]

    client = fresh_request_client(app)
    response = post(client, "/login", {"email": "worker@demo.buurtkracht.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/work/").get_data(as_text=True)
    assert "Binnenstad" in page and "Brugse Poort" in page
