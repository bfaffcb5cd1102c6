"""Open Referral HSDS 3.0 export: our initiatives as services, meeting places as locations.

Nested objects (addresses, schedules, attributes ...) need ids of their own; they are derived
with uuid5 from their parent's id, so the same record exports with the same ids every time.
Working models, target groups, network functions and tie types are exported as attributes
with taxonomy terms from community.taxonomy ("buurtkracht" taxonomy).
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from .. import taxonomy
from ..fields import INITIATIVE
from ..extensions import db
from ..models import Initiative, InitiativeAtPlace, MeetingPlace, Organisation
from .public import VISIBLE_STATUSES

NAMESPACE = uuid.UUID("5d1f3c2e-8b7a-4c1e-9f4d-2a6b8c0e1f37")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
STATUS = {"active": "active", "temporarily_closed": "inactive", "inactive": "inactive", "defunct": "defunct"}


def _id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def taxonomy_term(scheme: str, code: str) -> dict:
    vocabulary = taxonomy.ALL[scheme]
    term = vocabulary.get(code)
    return {"id": _id("term", scheme, code), "code": code, "name": term.en if term else code,
            "description": (term.nl if term else code), "taxonomy": f"buurtkracht:{scheme}", "language": "en"}


def _attributes(link_id, link_type: str, pairs) -> list[dict]:
    return [{"id": _id("attribute", link_id, scheme, code), "link_id": str(link_id), "link_type": link_type,
             "link_entity": "service", "value": code, "taxonomy_term_id": _id("term", scheme, code),
             "taxonomy_term": taxonomy_term(scheme, code)} for scheme, code in pairs]


def schedule(s, service_id, location_id, sal_id) -> dict:
    rule = s.recurrence()
    out = {"id": str(s.id), "service_id": str(service_id), "location_id": str(location_id),
           "service_at_location_id": str(sal_id), "opens_at": rule.start_time.strftime("%H:%M"),
           "closes_at": rule.end_time.strftime("%H:%M"), "wkst": "MO", "notes": s.note or "",
           "attending_type": "in_person"}
    if rule.valid_from:
        out["valid_from"] = rule.valid_from.isoformat()
        out["dtstart"] = rule.valid_from.isoformat()
    if rule.valid_until:
        out["valid_to"] = rule.valid_until.isoformat()
        out["until"] = rule.valid_until.isoformat()
    days = ",".join(WEEKDAY_CODES[d] for d in rule.weekdays)
    if rule.frequency in ("weekly", "biweekly"):
        out.update(freq="WEEKLY", interval=2 if rule.frequency == "biweekly" else 1, byday=days)
    elif rule.frequency == "monthly":
        out.update(freq="MONTHLY", interval=1, byday=f"{rule.nth}{days}")
    else:  # once: a single day, as HSDS suggests (dtstart with count 1)
        out.update(freq="WEEKLY", interval=1, count=1, dtstart=rule.on_date.isoformat(),
                   valid_from=rule.on_date.isoformat(), valid_to=rule.on_date.isoformat(),
                   byday=WEEKDAY_CODES[rule.on_date.weekday()])
    return out


def location(place: MeetingPlace) -> dict:
    out = {"id": str(place.id), "location_type": "physical", "name": place.name,
           "latitude": place.latitude, "longitude": place.longitude,
           "accessibility": [{"id": _id("accessibility", place.id), "location_id": str(place.id),
                              "description": place.accessibility or "",
                              "details": f"wheelchair: {place.wheelchair}"}],
           "addresses": [], "external_identifier": place.external_id or "",
           "external_identifier_type": "buurtkracht"}
    if place.street:
        out["addresses"].append({
            "id": _id("address", place.id), "location_id": str(place.id), "address_type": "physical",
            "address_1": " ".join(p for p in (place.street, place.number) if p),
            "city": place.municipality or "", "state_province": "Vlaanderen", "postal_code": place.postcode or "",
            "country": "BE"})
    return out


def organisation(org: Organisation, *, with_services: list[dict] | None = None) -> dict:
    out = {"id": str(org.id), "name": org.name, "description": org.description or org.name,
           "email": org.email or None, "website": org.website or None,
           "phones": [{"id": _id("phone", org.id), "number": org.phone}] if org.phone else []}
    out = {k: v for k, v in out.items() if v is not None}
    if with_services is not None:
        out["services"] = with_services
    return out


def attribute_codes(init) -> list[tuple[str, str]]:
    """(scheme, code) of every field described as an HSDS attribute (community/fields.py)."""
    pairs = []
    for f in INITIATIVE.fields:
        if f.hsds != "attribute":
            continue
        if f.kind == "codes":
            pairs += [(f.vocabulary.name, code) for code in init.codes(f.scheme)]
        elif getattr(init, f.name) not in (None, ""):
            pairs.append((f.vocabulary.name, getattr(init, f.name)))
    return pairs


def service(init: Initiative, *, nested_organisation: bool = True) -> dict:
    codes = attribute_codes(init)
    out = {
        "id": str(init.id), "organization_id": str(init.organisation_id), "name": init.name,
        "description": init.description or "", "url": init.url if init.url.startswith(("http://", "https://")) else None,
        "status": STATUS.get(init.status, "inactive"),
        "fees_description": taxonomy.COSTS.label(init.cost, "en") + (f": {init.price}" if init.price else ""),
        "application_process": "Registration required" if init.registration_required else "Just come along",
        "assured_date": init.last_verified.isoformat() if init.last_verified else None,
        "last_modified": init.updated_at.isoformat() if init.updated_at else None,
        "languages": [{"id": _id("language", init.id, code), "service_id": str(init.id), "code": code,
                       "name": taxonomy.LANGUAGES.label(code, "en")} for code in init.languages],
        "cost_options": [{"id": _id("cost", init.id), "service_id": str(init.id), "option": init.cost,
                          "currency": "EUR", "amount_description": init.price or ""}] if init.cost != "free" else
                        [{"id": _id("cost", init.id), "service_id": str(init.id), "option": "free",
                          "currency": "EUR", "amount": 0}],
        "contacts": [{"id": _id("contact", init.id), "service_id": str(init.id), "name": init.contact}]
                    if init.contact else [],
        "attributes": _attributes(init.id, "service", codes),
        "service_at_locations": [{
            "id": str(link.id), "service_id": str(init.id), "location_id": str(link.place_id),
            "location": location(link.place),
            "schedules": [schedule(s, init.id, link.place_id, link.id) for s in link.schedules],
        } for link in init.locations],
    }
    if nested_organisation:
        out["organization"] = organisation(init.organisation)
    return {k: v for k, v in out.items() if v is not None}


def _visible() -> tuple:
    return Initiative.archived_at.is_(None), Initiative.status.in_(VISIBLE_STATUSES)


def _services_query():
    # A place's areas (and their boundaries) are not part of a location: not loaded.
    return (select(Initiative).where(*_visible())
            .options(selectinload(Initiative.locations).options(
                         joinedload(InitiativeAtPlace.place).lazyload(MeetingPlace.areas),
                         selectinload(InitiativeAtPlace.schedules)),
                     selectinload(Initiative.organisation)))


MAX_PER_PAGE = 500


def services_page(page: int = 1, per_page: int = 50) -> dict:
    """An HSDS API `Page` of services (openapi.json), each a compiled `service_list`-shaped item.

    Pages are in id order and read by keyset: the id just before the page comes from the
    primary key alone (no rows loaded, nothing sorted), then the page is the next `per_page`
    services after it. OFFSET on the full rows sorted by name read and sorted every row before
    the page: page 900 of 50,000 took 1.3 s; this is the same page as OFFSET in id order.
    """
    total = db.session.scalar(select(func.count()).select_from(Initiative).where(*_visible()))
    pages = max(1, -(-total // per_page))  # HSDS counts an empty result as one (empty) page
    start = (page - 1) * per_page
    query = _services_query().order_by(Initiative.id).limit(per_page)
    if start >= total:
        items = []
    elif start == 0:
        items = db.session.scalars(query).all()
    else:
        before = db.session.scalar(select(Initiative.id).where(*_visible()).order_by(Initiative.id)
                                   .offset(start - 1).limit(1))
        items = db.session.scalars(query.where(Initiative.id > before)).all()
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(items),
            "first_page": page == 1, "last_page": page >= pages, "empty": not items,
            "contents": [service(i) for i in items]}


def service_by_id(service_id: uuid.UUID) -> dict | None:
    init = db.session.scalars(_services_query().where(Initiative.id == service_id)).first()
    return service(init) if init else None


def organisation_by_id(organisation_id: uuid.UUID) -> dict | None:
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.archived_at is not None:
        return None
    inits = db.session.scalars(_services_query().where(Initiative.organisation_id == org.id)).all()
    return organisation(org, with_services=[service(i, nested_organisation=False) for i in inits])


def all_services() -> list[dict]:
    return [service(i) for i in db.session.scalars(_services_query().order_by(Initiative.name))]
