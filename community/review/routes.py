"""Coverage review: the ranked map and table, an area's offer profile, exports and printable reports."""
from __future__ import annotations

import json

import click
from flask import (Blueprint, Response, abort, current_app, render_template, request, url_for)
from flask_babel import get_locale, gettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..errors import NotFound
from ..maps import base_map
from ..services.coverage import cache, exports, jobs, parameters, presentation
from ..services.permissions import can, require
from ..services.spreadsheet import records_csv
from .forms import ReviewForm

bp = Blueprint("review", __name__, url_prefix="/review")


def _public() -> bool:
    return bool(current_app.config.get("BUURTKRACHT_REVIEW_PUBLIC"))


def _allow(action: str) -> None:
    """Authorisation for every review page: public only when the operator configured it."""
    if _public():
        return
    if not current_user.is_authenticated:
        # Sends people to the login page once there is one; a 401 until then.
        abort(current_app.login_manager.unauthorized() or 401)
    require(current_user, action)


@bp.before_request
def check_access():
    _allow("coverage.view")


@bp.app_context_processor
def review_link():
    def show_review_link() -> bool:
        return _public() or can(current_user, "coverage.view")
    return {"show_review_link": show_review_link}


@bp.context_processor
def review_helpers():
    return {"review_method_label": lambda code: parameters.method_labels().get(code, code),
            "review_measure_label": lambda code: parameters.measure_labels().get(code, code),
            "blind_spot_short": presentation.blind_spot_short, "format_value": presentation.format_value,
            "format_access": presentation.format_access, "access_unit": presentation.access_unit,
            "percent": presentation.percent, "review_number": presentation.number,
            "stale_period": presentation.stale_period}


def _form() -> ReviewForm:
    form = ReviewForm(formdata=request.args)
    if not form.validate():
        abort(Response(render_template("review/invalid.html", form=form, errors=form.all_errors(),
                                        weight_fields=parameters.weight_fields()), status=400))
    return form


class Computing(Exception):
    """The review is being computed in the background: answer with the page that says so."""

    def __init__(self, progress: dict):
        self.progress = progress


@bp.errorhandler(Computing)
def computing(exc: Computing):
    body = render_template("review/computing.html", progress=exc.progress, refresh=REFRESH_SECONDS)
    return Response(body, status=202, headers={"Retry-After": str(REFRESH_SECONDS), "Cache-Control": "no-store"})


REFRESH_SECONDS = 3


def _review(params):
    """The computed review, or Computing when a background job is still making it."""
    found = cache.ready(params)
    if isinstance(found, dict):
        raise Computing(found)
    return found


@bp.get("/")
def index():
    form = _form()
    params = form.params()
    cov = _review(params)
    # The table and the map data are rendered once per review, view and language (at region
    # scale they are thousands of rows and polygons), then served from the shared cache.
    view = cache.view(cov, ("index", str(get_locale()), request.script_root), lambda: _index_view(cov, params))
    return render_template("review/index.html", form=form, params=params, cov=cov, view=view,
                           map=base_map(), weight_fields=parameters.weight_fields())


def _index_view(cov, params) -> dict:
    rows = presentation.table_rows(cov)
    choropleth = _map_data(cov, params)
    reports = [(r["code"], r["name"]) for r in rows] if params.level == "municipality" else []
    return {"rows_html": Markup(render_template("review/_rows.html", rows=rows, params=params)),
            # Exactly what the template's tojson would write, once.
            "map_json": _tojson(choropleth),
            "legend": choropleth["legend"], "title": choropleth["title"], "reports": reports}


def _tojson(value) -> Markup:
    """What the templates' tojson filter writes (the same policies), for a part rendered once."""
    policies = current_app.jinja_env.policies
    return htmlsafe_json_dumps(value, dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"])


def _map_data(cov, params) -> dict:
    data = presentation.choropleth(cov, params.level, params.measure)
    query = params.shared_query
    for feature in data["features"]:
        feature["properties"]["url"] = url_for("review.area", code=feature["properties"]["code"], **query)
    data["labels"] = {"map": gettext("Map of %(measure)s per area", measure=data["title"]),
                      "legend": data["title"], "open": gettext("Open the profile of this area")}
    return data


@bp.get("/areas/<code>")
def area(code: str):
    form = _form()
    params = form.params()
    cov = _review(params)
    profile = presentation.area_profile(cov, code)
    if profile is None:
        raise NotFound()
    children = presentation.table_rows(cov, _child_level(profile["level"])) if profile["children"] else []
    children = [r for r in children if r["parent"] == code]
    return render_template("review/area.html", form=form, params=params, cov=cov, profile=profile,
                           children=children, weight_fields=parameters.weight_fields())


def _child_level(level: str) -> str | None:
    return {"municipality": "district", "district": "sector"}.get(level)


@bp.get("/export.<fmt>")
def export(fmt: str):
    _allow("coverage.export")
    if fmt not in ("csv", "geojson"):
        raise NotFound()
    form = _form()
    params = form.params()
    cov = _review(params)
    name = f"coverage-{params.level}-{params.method}-{params.distance}m"
    if fmt == "csv":
        body, mimetype = records_csv(exports.export_records(cov, params.level)), "text/csv; charset=utf-8"
    else:
        body = json.dumps(exports.export_geojson(cov, params.level), ensure_ascii=False)
        mimetype = "application/geo+json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@bp.get("/reports/<code>")
def report(code: str):
    _allow("coverage.export")
    form = _form()
    params = form.params()
    cov = _review(params)
    profile = presentation.area_profile(cov, code)
    if profile is None or profile["level"] not in ("municipality", "district"):
        raise NotFound()
    child_level = _child_level(profile["level"])
    children = [r for r in presentation.table_rows(cov, child_level, sort="rank", order="asc") if r["parent"] == code]
    return render_template("review/report.html", params=params, cov=cov, profile=profile,
                           children=children, child_level=child_level, weight_fields=parameters.weight_fields())


@bp.get("/reports/<code>/map.png")
def report_map(code: str):
    _allow("coverage.export")
    from ..reports.maps import report_map_png
    form = _form()
    params = form.params()
    cov = _review(params)
    if code not in cov.areas.index or cov.areas.at[code, "level"] not in ("municipality", "district"):
        raise NotFound()
    png = report_map_png(cov, code, measure=params.measure)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


@bp.cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst):
    """Run an RQ worker for the review's background jobs (the scale-out set-up, with REDIS_URL)."""
    jobs.work(current_app._get_current_object(), burst=burst)
