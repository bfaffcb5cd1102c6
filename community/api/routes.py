"""HSDS 3.0 endpoints (GET only): /api/hsds/services, /services/<id>, /organizations/<id>.

Errors answer as application/problem+json (community/errors.py), like every path under /api/.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from ..errors import BadRequest, NotFound
from ..services import hsds

bp = Blueprint("api", __name__, url_prefix="/api/hsds")
MAX_PER_PAGE = hsds.MAX_PER_PAGE


@bp.get("/")
def index():
    return jsonify({"version": "3.0.1", "profile": "https://docs.openreferral.org/en/v3.0/",
                    "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"})


def _whole_number(name: str, default: int, highest: int | None = None) -> int | None:
    """The parameter as a whole number within its bounds, or None when it is not one."""
    text = request.args.get(name, str(default)).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    value = int(text)
    return value if value >= 1 and (highest is None or value <= highest) else None


@bp.get("/services")
def services():
    page = _whole_number("page", 1)
    per_page = _whole_number("per_page", 50, MAX_PER_PAGE)
    problems = {}
    if page is None:
        problems["page"] = _("page must be a whole number from 1.")
    if per_page is None:
        problems["per_page"] = _("per_page must be a whole number from 1 to %(highest)s.", highest=MAX_PER_PAGE)
    if problems:
        raise BadRequest(problems)
    return jsonify(hsds.services_page(page, per_page))


@bp.get("/services/<uuid:service_id>")
def service(service_id: uuid.UUID):
    found = hsds.service_by_id(service_id)
    if found is None:
        raise NotFound(_("There is no service with the id %(id)s.", id=service_id))
    return jsonify(found)


@bp.get("/organizations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID):
    found = hsds.organisation_by_id(organisation_id)
    if found is None:
        raise NotFound(_("There is no organisation with the id %(id)s.", id=organisation_id))
    return jsonify(found)
