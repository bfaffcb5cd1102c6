"""Residents' pages: the map and list of offers, detail pages."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for

from ..extensions import db
from ..maps import base_map
from ..models import Initiative, MeetingPlace
from ..services import public as public_service

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    results = public_service.all_listings()
    return render_template("public/home.html", results=results, map=base_map(),
                           map_data=public_service.map_data(
                               results, areas=public_service.areas_geojson("district")))


@bp.get("/initiatives/<uuid:initiative_id>")
def initiative(initiative_id: uuid.UUID):
    item = public_service.initiative_detail(initiative_id)
    if item is None:
        abort(404)
    return render_template("public/initiative.html", item=item)


@bp.get("/places/<uuid:place_id>")
def place(place_id: uuid.UUID):
    item = public_service.place_detail(place_id)
    if item is None:
        abort(404)
    return render_template("public/place.html", place=item,
                           initiatives=public_service.initiatives_at(item))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in ("nl", "fr", "en"):
        abort(404)
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = make_response(redirect(target))
    # A functional preference cookie, not tracking: it holds only the language.
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
