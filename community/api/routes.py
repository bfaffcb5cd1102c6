"""HSDS 3.0 endpoints (GET only): /api/hsds/services, /services/<id>, /organizations/<id>."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, jsonify, request

from ..services import hsds

bp = Blueprint("api", __name__, url_prefix="/api/hsds")


@bp.get("/")
def index():
    return jsonify({"version": "3.0.1", "profile": "https://docs.openreferral.org/en/v3.0/",
                    "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"})


@bp.get("/services")
def services():
    try:
        page = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", "50"))
        if page < 1 or not 1 <= per_page <= 500:
            raise ValueError
    except ValueError:
        return jsonify(error="page must be a whole number from 1, per_page from 1 to 500"), 400
    return jsonify(hsds.services_page(page, per_page))


@bp.get("/services/<uuid:service_id>")
def service(service_id: uuid.UUID):
    found = hsds.service_by_id(service_id)
    return jsonify(found) if found else abort(404)


@bp.get("/organizations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID):
    found = hsds.organisation_by_id(organisation_id)
    return jsonify(found) if found else abort(404)
