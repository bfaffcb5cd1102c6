"""A worker's dashboard: upcoming and recent activities, stale listings, open reports, and per
district what the last 90 days brought and which working models it covered."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import taxonomy
from ..extensions import db
from ..models import Activity, Area
from ..models.types import utcnow
from . import activities, editing, worklists
from .disclosure import protected_count
from .permissions import can, districts_of, require

PERIOD_DAYS = 90


@dataclass
class DistrictFigures:
    area: Area
    activities: int = 0
    participants: int = 0
    new_participants: int = 0
    working_models: set = field(default_factory=set)
    protected: bool = False  # shown beyond the worker's own team: small counts hidden

    def shown(self, name: str) -> str:
        value = getattr(self, name)
        return protected_count(value) if self.protected else str(value)

    @property
    def missing_models(self) -> list[str]:
        return [c for c in taxonomy.WORKING_MODELS.codes if c not in self.working_models]


@dataclass
class Dashboard:
    upcoming: list
    to_log: list
    recent: list
    stale: list
    stale_total: int
    reports: list
    reviews: int
    districts: list


def district_figures(user, days: int = PERIOD_DAYS) -> list[DistrictFigures]:
    """Per district of the user. A coordinator's or admin's view is a municipal view, so small
    counts are hidden there; a worker sees their own team's districts exactly."""
    protected = user.role in ("coordinator", "admin")
    rows = {a.id: DistrictFigures(a, protected=protected) for a in districts_of(user)}
    if not rows:
        return []
    since = utcnow() - timedelta(days=days)
    query = select(Activity).where(Activity.area_id.in_(rows), Activity.status == "done",
                                   Activity.starts_at >= since, Activity.starts_at <= utcnow())
    for activity in db.session.scalars(query):
        row = rows[activity.area_id]
        row.activities += 1
        row.participants += activity.participants or 0
        row.new_participants += activity.new_participants or 0
        row.working_models.update(activity.codes("working_model"))
    return list(rows.values())


def dashboard(user) -> Dashboard:
    require(user, "workspace.view")
    if user.role == "editor":
        return Dashboard([], [], [], [], 0, [], 0, [])
    months = int(current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))
    stale = worklists.stale_listings(user, months, per_page=5)
    return Dashboard(
        upcoming=activities.upcoming(user), to_log=activities.to_log(user),
        recent=activities.recent_done(user), stale=stale.items, stale_total=stale.total,
        reports=worklists.open_reports(user, per_page=5),
        reviews=len(editing.review_queue(user)) if can(user, "listing.review") else 0,
        districts=district_figures(user))
