"""The workspace's lists at any scale: the listings a user looks after, the stale ones and the
residents' open reports, filtered by scope, counted and paged in SQL (only a page's rows are
loaded, in a number of queries that does not grow with the listings)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload, selectinload

from ..extensions import db
from ..models import Initiative, MeetingPlace, Organisation, OutdatedReport
from . import writer
from .choices import _words_match
from .permissions import _role, listings_in_scope, require

PER_PAGE = 50
# What a list of initiatives shows: the organisation's name; not the terms (loaded by default).
INITIATIVE_ROWS = (selectinload(Initiative.organisation), lazyload(Initiative.terms))


@dataclass
class Page:
    """One page of a list, with the count of the whole list."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def __len__(self) -> int:
        return self.total


def page_number(value) -> int:
    """A page parameter from the URL: 1 for anything that is not a sensible page number."""
    try:
        number = int(str(value or "1"))
    except ValueError:
        return 1
    return number if 1 <= number <= 1_000_000 else 1


def paged(query, model, page: int, per_page: int = PER_PAGE, options=()) -> Page:
    """The count of `query` (a select of `model`'s ids, ordered) and the records of one page
    (past the end: the last page). One query finds the page's ids with the count of all (a
    window function: the filter runs once), a second loads those records by id with `options`."""
    def ids_of(number):
        rows = db.session.execute(query.add_columns(func.count().over()).limit(per_page)
                                  .offset((number - 1) * per_page)).all()
        return [r[0] for r in rows], (rows[0][1] if rows else None)

    ids, total = ids_of(page)
    if total is None:  # an empty list, or a page past its end
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        page = max(1, -(-total // per_page))
        ids, _total = ids_of(page) if total else ([], 0)
    found = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))} \
        if ids else {}
    return Page([found[i] for i in ids if i in found], total, page, per_page)


@dataclass
class ListingOverview:
    organisations: Page
    initiatives: Page
    places: Page


def _named(model, search: str):
    columns = (model.name, model.street, model.municipality) if model is MeetingPlace else (model.name,)
    return _words_match(columns, search)


def listings_for(user, search: str = "", pages: dict | None = None, per_page: int = PER_PAGE) -> ListingOverview:
    """The listings a user looks after, a page of each kind: those in their areas (any for an
    admin), or their own organisation's for its editor; archived ones included, marked."""
    require(user, "workspace.view")
    from .choices import clean_search
    search, pages = clean_search(search), pages or {}
    action = "listing.propose" if _role(user) == "editor" else "listing.edit_direct"
    initiatives = (select(Initiative.id).where(listings_in_scope(user, action, "initiative"),
                                               _named(Initiative, search)).order_by(Initiative.name, Initiative.id))
    organisations = (select(Organisation.id).where(listings_in_scope(user, action, "organisation"),
                                                   _named(Organisation, search))
                     .order_by(Organisation.name, Organisation.id))
    places = (select(MeetingPlace.id).where(listings_in_scope(user, action, "meeting_place"),
                                            _named(MeetingPlace, search))
              .order_by(MeetingPlace.name, MeetingPlace.id))
    return ListingOverview(
        paged(organisations, Organisation, pages.get("organisations", 1), per_page),
        paged(initiatives, Initiative, pages.get("initiatives", 1), per_page, INITIATIVE_ROWS),
        paged(places, MeetingPlace, pages.get("places", 1), per_page, (lazyload(MeetingPlace.areas),)))


def stale_listings(user, months: int, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Initiatives in the user's areas not verified within `months`, never verified first, then oldest."""
    require(user, "listing.verify")
    cutoff = writer.today() - timedelta(days=round(months * 30.44))
    query = (select(Initiative.id)
             .where(Initiative.archived_at.is_(None), listings_in_scope(user, "listing.verify", "initiative"),
                    or_(Initiative.last_verified.is_(None), Initiative.last_verified < cutoff))
             .order_by(Initiative.last_verified.asc().nulls_first(), Initiative.name, Initiative.id))
    return paged(query, Initiative, page, per_page, INITIATIVE_ROWS)


def _reports_in_scope(user):
    """SQL condition: reports about an initiative or a place the user looks after (report_scope),
    asked per report (there are few open reports, and many listings)."""
    return or_(listings_in_scope(user, "report.resolve", "initiative", one=OutdatedReport.initiative_id),
               and_(OutdatedReport.initiative_id.is_(None),
                    listings_in_scope(user, "report.resolve", "meeting_place", one=OutdatedReport.place_id)))


def open_reports(user, page: int = 1, per_page: int = PER_PAGE) -> Page:
    require(user, "report.resolve")
    query = (select(OutdatedReport.id).where(OutdatedReport.status == "open", _reports_in_scope(user))
             .order_by(OutdatedReport.created_at, OutdatedReport.id))
    return paged(query, OutdatedReport, page, per_page,
                 (selectinload(OutdatedReport.initiative).lazyload(Initiative.terms),
                  selectinload(OutdatedReport.place).lazyload(MeetingPlace.areas)))


def in_scope(user, kind: str, ids) -> set:
    """Which of `ids` (of listings of `kind`) the user looks after: one query, for the audit log."""
    model = {"meeting_place": MeetingPlace, "initiative": Initiative, "organisation": Organisation}[kind]
    ids = list(ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).where(model.id.in_(ids),
                                                         listings_in_scope(user, "listing.edit_direct", kind))))
