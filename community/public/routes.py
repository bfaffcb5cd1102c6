"""Residents' pages: finder (map and list), detail pages, district pages and printable guides."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import limiter
from ..i18n import set_language_cookie
from ..services import finder, mapareas, mapdata, network_circle, public as public_service
from ..services.accounts import safe_next
from ..services.areas import home_neighbourhoods
from ..services.outdated import report_outdated
from .forms import OutdatedReportForm

bp = Blueprint("public", __name__)
HOME_RESULTS = 12


def _search(template: str, with_map: bool = True, **extra):
    """Parse the filters, find, render; wrong parameters give a clear page with HTTP 400."""
    try:
        query = finder.parse_query(request.args)
        result = finder.find(query)
        status = 200
    except finder.BadQuery as exc:
        query, result, status = None, None, 400
        extra["problems"] = exc.problems
        extra["district_choices"] = [(choice.label, _with_district(choice.code))
                                     for choice in exc.choices.get("district", [])]
        extra["near_choices"] = [(choice.label, _with_param("near", choice.text))
                                 for choice in exc.choices.get("near", [])]
    if result is not None and result.location is not None:
        extra["near_alternatives"] = [(choice.label, _with_param("near", choice.text))
                                      for choice in result.location.alternatives]
    context = public_service.finder_context(query, result)
    if with_map and query is not None:
        # The first view only: the map asks for its markers and boundaries by viewport.
        context["map_data"] = mapdata.finder_map(query, result.location)
    return render_template(template, query=query, result=result, **context, **extra), status


def _with_district(code: str) -> str:
    """This page's URL with the other filters as they were and `district` set to `code`."""
    return _with_param("district", code)


def _with_param(param: str, value: str) -> str:
    """This page's URL with the other filters as they were and `param` set to `value`."""
    args = [(name, v) for name, v in request.args.items(multi=True) if name not in (param, "page")]
    return f"{request.path}?{urlencode(args + [(param, value)])}"


def _whats_on(days: int = 7):
    """Public activities that workers planned, coming up in the next days."""
    from datetime import datetime, timedelta
    from ..scheduling import TZ
    from ..services.activities import public_activities
    start = datetime.now(TZ)
    district = request.args.get("district") or None
    return public_activities(start, start + timedelta(days=days), area_code=district, limit=8)


@bp.get("/")
def home():
    municipality, districts = home_neighbourhoods()
    return _search("public/home.html", home_results=HOME_RESULTS, activities=_whats_on(),
                   municipality=municipality, districts=districts)


@bp.get("/initiatives")
def initiatives():
    return _search("public/list.html", with_map=False)


@bp.get("/print")
def print_results():
    return _search("public/print.html", with_map=False)


@bp.get("/map/markers")
def map_markers():
    """The finder's matches in a box (?bbox=&zoom= and the finder's filters), as markers or clusters."""
    query, view = mapdata.parse_markers_request(request.args)
    return mapdata.json_response(mapdata.markers(query, view))


@bp.get("/map/areas")
def map_areas():
    """Area boundaries in a box (?level=&bbox=&zoom=), simplified for the zoom."""
    level, view = mapareas.parse_areas_request(request.args)
    return mapdata.json_response(mapareas.areas(level, view), mimetype="application/geo+json")


@bp.get("/network-circle")
def network_circle_page():
    """The resident's network circle: drawn and kept in the browser only, nothing is posted here."""
    return render_template("public/network_circle.html", circle=network_circle.config(),
                           vocab=network_circle.vocabularies())


@bp.get("/initiatives/<uuid:initiative_id>")
def initiative(initiative_id: uuid.UUID):
    item = public_service.initiative_detail(initiative_id)
    if item is None:
        raise NotFound()
    return render_template("public/initiative.html", item=item, form=OutdatedReportForm(),
                           report_url=url_for("public.report_initiative", initiative_id=item.id),
                           back=public_service.back_to_results(request.args.get("back")))


@bp.get("/places/<uuid:place_id>")
def place(place_id: uuid.UUID):
    item = public_service.place_detail(place_id)
    if item is None:
        raise NotFound()
    return render_template("public/place.html", place=item, initiatives=public_service.initiatives_at(item),
                           form=OutdatedReportForm(),
                           report_url=url_for("public.report_place", place_id=item.id),
                           back=public_service.back_to_results(request.args.get("back")))


@bp.get("/organisations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID):
    item = public_service.organisation_detail(organisation_id)
    if item is None:
        raise NotFound()
    return render_template("public/organisation.html", organisation=item,
                           initiatives=public_service.initiatives_of(item))


@bp.get("/areas/<code>")
def area(code: str):
    item = public_service.area_detail(code)
    if item is None:
        raise NotFound()
    return render_template("public/area.html", **public_service.area_context(item))


@bp.get("/areas/<code>/guide")
def area_guide(code: str):
    item = public_service.area_detail(code)
    if item is None:
        raise NotFound()
    return render_template("public/guide.html", **public_service.guide_context(item))


def _report(target, back: str):
    form = OutdatedReportForm()
    if form.validate_on_submit():
        report_outdated(target, form.message.data)
        flash(_("Thank you. A neighbourhood worker will check this information."), "success")
        return redirect(back)
    return render_template("public/report.html", form=form, target=target, back=back), 400


@bp.post("/initiatives/<uuid:initiative_id>/report")
@limiter.limit("5 per hour;20 per day")
def report_initiative(initiative_id: uuid.UUID):
    item = public_service.initiative_detail(initiative_id)
    if item is None:
        raise NotFound()
    return _report(item, url_for("public.initiative", initiative_id=item.id))


@bp.post("/places/<uuid:place_id>/report")
@limiter.limit("5 per hour;20 per day")
def report_place(place_id: uuid.UUID):
    item = public_service.place_detail(place_id)
    if item is None:
        raise NotFound()
    return _report(item, url_for("public.place", place_id=item.id))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        raise NotFound()
    target = safe_next(request.args.get("next"), "/")
    return set_language_cookie(make_response(redirect(target)), code)
