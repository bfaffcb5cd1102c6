"""Workspace activities: dashboard and figures, planning, logging, cancelling, the calendar, CSV export."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import BadRequest, Invalid
from ..extensions import db
from ..scheduling import TZ
from ..services import activities, activity_export, audit, dashboard as dashboard_service
from ..services.periods import check_period
from ..services.permissions import districts_of, require
from . import forms
from .blueprint import bp
from .choices import fill_activity_choices, searching
from .helpers import as_uuid, commit_once, me, require_form_token, show_problems


# ------------------------------------------------------------------ dashboard and figures

@bp.get("/")
def dashboard():
    return render_template("work/dashboard.html", board=dashboard_service.dashboard(me()),
                           stale_months=current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))


@bp.get("/me")
def my_figures():
    require(me(), "activity.view")
    return render_template("work/figures.html", months=activities.my_figures(me()))


# ------------------------------------------------------------------ activities

def _plan_form(**kwargs):
    if request.method == "GET" and searching(request.args):  # the search button without JavaScript
        kwargs = {"formdata": request.args}
    return forms.ActivityPlanForm(**kwargs)


def _plan_of(form) -> activities.ActivityPlan:
    return activities.ActivityPlan(
        title=form.title.data, day=form.day.data, start=form.start.data, end=form.end.data,
        initiative_id=as_uuid(form.initiative.data), place_id=as_uuid(form.place.data),
        room_id=as_uuid(form.room.data), latitude=form.latitude.data, longitude=form.longitude.data,
        working_models=form.working_models.data or [], target_groups=form.target_groups.data or [],
        partner_ids=[u for u in (as_uuid(v) for v in form.partners.data or []) if u],
        visibility=form.visibility.data)


def _planning_view(activity=None):
    user = me()
    require(user, "activity.plan")
    data = None
    if activity is not None and request.method == "GET" and not searching(request.args):
        plan = activities.plan_from(activity)
        data = {"title": plan.title, "day": plan.day, "start": plan.start, "end": plan.end,
                "initiative": str(plan.initiative_id or ""), "place": str(plan.place_id or ""),
                "room": str(plan.room_id or ""), "latitude": plan.latitude, "longitude": plan.longitude,
                "working_models": plan.working_models, "target_groups": plan.target_groups,
                "partners": [str(p) for p in plan.partner_ids], "visibility": plan.visibility}
    form = _plan_form(data=data)  # its choice lists are only filled to show it (a saved plan needs none)
    clashes = []
    if form.validate_on_submit():
        def save():
            if activity is None:
                return activities.plan_activity(user, _plan_of(form), allow_clash=form.allow_clash.data)
            return activities.update_activity(user, activity, _plan_of(form), allow_clash=form.allow_clash.data)
        try:
            outcome = commit_once(form, save, lambda saved: url_for("work.activity", activity_id=saved.id))
        except activities.RoomClash as clash:  # not a form error: the page lists the clashes to confirm
            db.session.rollback()
            clashes = clash.clashes
        else:
            if outcome.ok:
                flash(_("This form was already sent: it is saved once.") if outcome.repeated
                      else _("The activity is saved."), "info")
                return redirect(outcome.path)
    return render_template("work/activity_form.html", form=form, activity=activity, clashes=clashes,
                           tz=TZ, found=fill_activity_choices(form, user))


@bp.route("/activities/new", methods=["GET", "POST"])
def activity_new():
    return _planning_view()


@bp.get("/activities/<uuid:activity_id>")
def activity(activity_id: uuid.UUID):
    found = activities.get_activity(me(), activity_id)
    clashes = activities.room_clashes(found.room_id, found.starts_at, found.ends_at, ignore_id=found.id) \
        if found.status != "cancelled" else []
    return render_template("work/activity.html", activity=found, clashes=clashes, tz=TZ,
                           cancel_form=forms.CsrfOnlyForm(), history=audit.history(found.id))


@bp.route("/activities/<uuid:activity_id>/edit", methods=["GET", "POST"])
def activity_edit(activity_id: uuid.UUID):
    return _planning_view(activities.get_activity(me(), activity_id, "activity.edit"))


@bp.route("/activities/<uuid:activity_id>/done", methods=["GET", "POST"])
def activity_done(activity_id: uuid.UUID):
    user = me()
    found = activities.get_activity(user, activity_id, "activity.edit")
    data = None
    if request.method == "GET":
        # Pre-filled from the plan (or from what was logged before), so logging takes seconds.
        data = {"participants": found.participants, "new_participants": found.new_participants or 0,
                "volunteers": found.volunteers or 0, "reflection": found.reflection,
                "target_groups_reached": found.codes("target_group_reached") if found.status == "done"
                else found.codes("target_group")}
    form = forms.ActivityDoneForm(data=data)
    personal = []
    if form.validate_on_submit():
        counts = activities.ActivityCounts(
            participants=form.participants.data, new_participants=form.new_participants.data,
            volunteers=form.volunteers.data, target_groups_reached=form.target_groups_reached.data or [],
            reflection=form.reflection.data or "")
        try:
            outcome = commit_once(form, lambda: activities.mark_done(
                user, found, counts, confirmed_no_personal_details=form.no_personal_details.data),
                lambda _done: url_for("work.dashboard"))
        except activities.PersonalDetails as warning:
            db.session.rollback()
            personal = warning.kinds
            form.reflection.errors = list(form.reflection.errors) + [warning.message]
        else:
            if outcome.ok:
                flash(_("This form was already sent: it is saved once.") if outcome.repeated
                      else _("Thank you: the activity is logged."), "info")
                return redirect(outcome.path)
    return render_template("work/activity_done.html", form=form, activity=found, personal=personal, tz=TZ)


@bp.post("/activities/<uuid:activity_id>/cancel")
def activity_cancel(activity_id: uuid.UUID):
    user = me()
    found = activities.get_activity(user, activity_id, "activity.edit")
    require_form_token()
    activities.cancel(user, found)
    db.session.commit()
    flash(_("The activity is cancelled."), "info")
    return redirect(url_for("work.activity", activity_id=found.id))


@bp.get("/calendar")
def calendar():
    user = me()
    require(user, "activity.view")
    try:
        monday = activities.week_start(date.fromisoformat(request.args["week"]))
    except (KeyError, ValueError):
        monday = activities.week_start(datetime.now(TZ).date())
    try:
        check_period(monday, monday)  # the app's calendar ends far from date.max
    except Invalid as problem:
        raise BadRequest({"week": problem.message}) from None
    districts = districts_of(user)
    area = next((a for a in districts if a.code == request.args.get("area")), None)
    start, end = activities.week_range(monday)
    entries = activities.calendar(user, start, end, area.id if area else None)
    days = [(monday + timedelta(days=i), [e for e in entries if e.local_day == monday + timedelta(days=i)])
            for i in range(7)]
    return render_template("work/calendar.html", days=days, monday=monday, districts=districts, area=area,
                           clashes=sum(1 for e in entries if e.clashes), tz=TZ,
                           previous=(monday - timedelta(days=7)).isoformat(),
                           following=(monday + timedelta(days=7)).isoformat())


# ------------------------------------------------------------------ export

@bp.get("/export")
def export():
    user = me()
    require(user, "activity.export")
    districts = activity_export.export_areas(user)
    form = forms.ExportForm(formdata=request.args if request.args else None)
    form.district.choices = [("", _("All my districts"))] + [(a.code, f"{a.name} ({a.code})") for a in districts]
    if request.args and form.validate():
        area = next((a for a in districts if a.code == form.district.data), None)
        try:
            body, content_type, extension = activity_export.export_file(
                user, form.first_day.data, form.last_day.data, area.id if area else None, form.format.data)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            name = f"activities_{form.first_day.data}_{form.last_day.data}_{area.code if area else 'all'}.{extension}"
            return Response(body, content_type=content_type,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if not request.args:
        today = datetime.now(TZ).date()
        form.first_day.data, form.last_day.data = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return render_template("work/export.html", form=form)

