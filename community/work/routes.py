"""Workspace views: parse the form, call one service function, commit once, render or redirect."""
from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

from flask import (Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Area
from ..scheduling import TZ
from ..services import accounts, activities, audit, calendar_feeds, dashboard as dashboard_service, editing
from ..services.permissions import can, require
from ..services.validation import Invalid
from . import forms
from .helpers import as_uuid, commit_or_show, me, show_problems, staff_required

bp = Blueprint("work", __name__, url_prefix="/work")

KINDS = {"organisations": "organisation", "initiatives": "initiative", "places": "meeting_place"}
FORMS = {"organisation": forms.OrganisationForm, "initiative": forms.InitiativeForm,
         "meeting_place": forms.PlaceForm}


@bp.app_errorhandler(403)
def forbidden(error):
    return render_template("errors/403.html"), 403


@bp.app_context_processor
def workspace_helpers():
    return {"can": can, "field_label": field_label}


def field_label(name: str) -> str:
    labels = {"name": _("Name"), "description": _("Description"), "website": _("Website"),
              "email": _("E-mail address"), "phone": _("Phone"), "languages": _("Languages"),
              "status": _("Status"), "tie_type": _("Kind of ties"), "cost": _("Cost"),
              "price": _("Price details"), "childcare": _("Children"), "low_literacy": _("Easy to read and follow"),
              "registration_required": _("Registration needed"), "wheelchair": _("Wheelchair access"),
              "contact": _("Contact"), "url": _("Web page"), "working_models": _("Working models"),
              "target_groups": _("Target groups"), "network_functions": _("Network functions"),
              "kind": _("Kind of place"), "street": _("Street"), "number": _("Number"),
              "postcode": _("Postcode"), "municipality": _("Municipality"), "latitude": _("Latitude"),
              "longitude": _("Longitude"), "accessibility": _("Accessibility"), "rooms": _("Rooms"),
              "organisation_id": _("Organisation"), "place_id": _("Meeting place"),
              "last_verified": _("Last verified"), "archived_at": _("Archived")}
    return labels.get(name, name.replace("_", " "))


# ------------------------------------------------------------------ dashboard and figures

@bp.get("/")
@staff_required
def dashboard():
    return render_template("work/dashboard.html", board=dashboard_service.dashboard(me()),
                           stale_months=current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))


@bp.get("/me")
@staff_required
def my_figures():
    require(me(), "activity.view")
    return render_template("work/figures.html", months=activities.my_figures(me()))


# ------------------------------------------------------------------ activities

def _plan_form(user, **kwargs):
    places = editing.places_for_choice(user)
    return forms.ActivityPlanForm(initiatives=activities.initiatives_for_choice(user), places=places,
                                  organisations=activities.organisations_for_choice(), **kwargs)


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
    if activity is not None and request.method == "GET":
        plan = activities.plan_from(activity)
        data = {"title": plan.title, "day": plan.day, "start": plan.start, "end": plan.end,
                "initiative": str(plan.initiative_id or ""), "place": str(plan.place_id or ""),
                "room": str(plan.room_id or ""), "latitude": plan.latitude, "longitude": plan.longitude,
                "working_models": plan.working_models, "target_groups": plan.target_groups,
                "partners": [str(p) for p in plan.partner_ids], "visibility": plan.visibility}
    form = _plan_form(user, data=data)
    clashes = []
    if form.validate_on_submit():
        try:
            if activity is None:
                saved = activities.plan_activity(user, _plan_of(form), allow_clash=form.allow_clash.data)
            else:
                saved = activities.update_activity(user, activity, _plan_of(form), allow_clash=form.allow_clash.data)
        except activities.RoomClash as clash:
            db.session.rollback()
            clashes = clash.clashes
        except Invalid as problem:
            db.session.rollback()
            show_problems(form, problem)
        else:
            db.session.commit()
            flash(_("The activity is saved."), "info")
            return redirect(url_for("work.activity", activity_id=saved.id))
    return render_template("work/activity_form.html", form=form, activity=activity, clashes=clashes,
                           tz=TZ)


@bp.route("/activities/new", methods=["GET", "POST"])
@staff_required
def activity_new():
    return _planning_view()


@bp.get("/activities/<uuid:activity_id>")
@staff_required
def activity(activity_id: uuid.UUID):
    found = activities.get_activity(me(), activity_id)
    clashes = activities.room_clashes(found.room_id, found.starts_at, found.ends_at, ignore_id=found.id) \
        if found.status != "cancelled" else []
    return render_template("work/activity.html", activity=found, clashes=clashes, tz=TZ,
                           cancel_form=forms.CsrfOnlyForm(), history=audit.history(found.id))


@bp.route("/activities/<uuid:activity_id>/edit", methods=["GET", "POST"])
@staff_required
def activity_edit(activity_id: uuid.UUID):
    return _planning_view(activities.get_activity(me(), activity_id, "activity.edit"))


@bp.route("/activities/<uuid:activity_id>/done", methods=["GET", "POST"])
@staff_required
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
            activities.mark_done(user, found, counts, confirmed_no_personal_details=form.no_personal_details.data)
        except activities.PersonalDetails as warning:
            db.session.rollback()
            personal = warning.kinds
            form.reflection.errors = list(form.reflection.errors) + [
                _("This text looks like it contains an e-mail address or a phone number. "
                  "Remove residents' personal details, or tick the box below if there are none.")]
        except Invalid as problem:
            db.session.rollback()
            show_problems(form, problem)
        else:
            db.session.commit()
            flash(_("Thank you: the activity is logged."), "info")
            return redirect(url_for("work.dashboard"))
    return render_template("work/activity_done.html", form=form, activity=found, personal=personal, tz=TZ)


@bp.post("/activities/<uuid:activity_id>/cancel")
@staff_required
def activity_cancel(activity_id: uuid.UUID):
    user = me()
    found = activities.get_activity(user, activity_id, "activity.edit")
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    activities.cancel(user, found)
    db.session.commit()
    flash(_("The activity is cancelled."), "info")
    return redirect(url_for("work.activity", activity_id=found.id))


@bp.get("/calendar")
@staff_required
def calendar():
    user = me()
    require(user, "activity.view")
    try:
        monday = activities.week_start(date.fromisoformat(request.args["week"]))
    except (KeyError, ValueError):
        monday = activities.week_start(datetime.now(TZ).date())
    districts = dashboard_service.my_districts(user)
    area = next((a for a in districts if a.code == request.args.get("area")), None)
    start, end = activities.week_range(monday)
    entries = activities.calendar(user, start, end, area.id if area else None)
    days = [(monday + timedelta(days=i), [e for e in entries if e.local_day == monday + timedelta(days=i)])
            for i in range(7)]
    return render_template("work/calendar.html", days=days, monday=monday, districts=districts, area=area,
                           clashes=sum(1 for e in entries if e.clashes), tz=TZ,
                           previous=(monday - timedelta(days=7)).isoformat(),
                           following=(monday + timedelta(days=7)).isoformat())


# ------------------------------------------------------------------ export and feeds

@bp.get("/export")
@staff_required
def export():
    user = me()
    require(user, "activity.export")
    districts = activities.export_areas(user)
    form = forms.ExportForm(formdata=request.args if request.args else None)
    form.district.choices = [("", _("All my districts"))] + [(a.code, f"{a.name} ({a.code})") for a in districts]
    if request.args and form.validate():
        area = next((a for a in districts if a.code == form.district.data), None)
        try:
            text = activities.export_csv(user, form.first_day.data, form.last_day.data, area.id if area else None)
        except Invalid as problem:
            show_problems(form, problem)
        else:
            name = f"activities_{form.first_day.data}_{form.last_day.data}_{area.code if area else 'all'}.csv"
            return Response(text, mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    if not request.args:
        today = datetime.now(TZ).date()
        form.first_day.data, form.last_day.data = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return render_template("work/export.html", form=form)


@bp.route("/feeds", methods=["GET", "POST"])
@staff_required
def feeds():
    user = me()
    require(user, "feed.create")
    districts = dashboard_service.my_districts(user)
    form = forms.FeedForm()
    form.area.choices = [("", _("My own activities"))] + [(a.code, _("All activities in %(district)s", district=a.name))
                                                          for a in districts]
    new_url = None
    if form.validate_on_submit():
        area = next((a for a in districts if a.code == form.area.data), None)
        token = calendar_feeds.create_feed(user, area.id if area else None)
        db.session.commit()
        new_url = url_for("work.feed", token=token, _external=True)
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.level == "district"))}
    return render_template("work/feeds.html", form=form, new_url=new_url, feeds=calendar_feeds.feeds_of(user),
                           areas=areas, revoke_form=forms.CsrfOnlyForm())


@bp.post("/feeds/<token_hash>/revoke")
@staff_required
def feed_revoke(token_hash: str):
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    calendar_feeds.revoke_feed(me(), token_hash)
    db.session.commit()
    flash(_("The calendar link no longer works."), "info")
    return redirect(url_for("work.feeds"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The secret feed URL: no login (calendar apps cannot log in), the token is the key."""
    found = calendar_feeds.feed_activities(token)
    if found is None:
        abort(404)
    name, items = found
    response = Response(calendar_feeds.to_ics(name, items), content_type="text/calendar; charset=utf-8")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# ------------------------------------------------------------------ listings

@bp.get("/listings")
@staff_required
def listings():
    overview = editing.listings_for(me(), request.args.get("q", ""))
    return render_template("work/listings.html", overview=overview, q=request.args.get("q", ""))


def _listing_form(user, entity_type: str, obj=None, **kwargs):
    form_class = FORMS[entity_type]
    if entity_type == "initiative":
        organisations = activities.organisations_for_choice()
        if user.role == "editor":
            organisations = [o for o in organisations if o.id == user.organisation_id]
        kwargs.update(organisations=organisations, places=editing.places_for_choice(user))
    return form_class(**kwargs)


def _values_of(form, entity_type: str) -> dict:
    return {name: getattr(form, name).data for name in editing.FIELDS[entity_type]}


@bp.route("/<any(organisations, initiatives, places):kind>/new", methods=["GET", "POST"])
@staff_required
def listing_new(kind: str):
    entity_type = KINDS[kind]
    user = me()
    if not (can(user, "listing.edit_direct") or (entity_type == "initiative" and can(user, "listing.propose"))):
        abort(403)
    form = _listing_form(user, entity_type)
    if request.method == "GET" and entity_type == "initiative" and user.role == "editor":
        form.organisation.data = str(user.organisation_id)
    if form.validate_on_submit():
        saved, ok = commit_or_show(form, lambda: editing.save_listing(
            user, entity_type, None, _values_of(form, entity_type),
            organisation_id=as_uuid(form.organisation.data) if entity_type == "initiative" else None,
            place_id=as_uuid(form.place.data) if entity_type == "initiative" else None))
        if ok:
            return _after_save(kind, saved)
    return render_template("work/listing_form.html", form=form, kind=kind, entity_type=entity_type, obj=None)


def _after_save(kind, saved):
    if saved.applied:
        flash(_("Saved."), "info")
        return redirect(url_for("work.listing_edit", kind=kind, entity_id=saved.obj.id))
    flash(_("Thank you. Your change waits for a neighbourhood worker to review it."), "info")
    return redirect(url_for("work.proposals"))


@bp.route("/<any(organisations, initiatives, places):kind>/<uuid:entity_id>", methods=["GET", "POST"])
@staff_required
def listing_edit(kind: str, entity_id: uuid.UUID):
    entity_type = KINDS[kind]
    user = me()
    obj = editing.get_listing(user, entity_type, entity_id, "edit")
    data = None
    if request.method == "GET":
        data = editing.snapshot(entity_type, obj)
        if entity_type == "meeting_place":
            data["rooms"] = "\n".join(data["rooms"])
    form = _listing_form(user, entity_type, data=data)
    if form.validate_on_submit():
        saved, ok = commit_or_show(form, lambda: editing.save_listing(user, entity_type, obj,
                                                                       _values_of(form, entity_type)))
        if ok:
            return _after_save(kind, saved)
    return render_template("work/listing_form.html", form=form, kind=kind, entity_type=entity_type, obj=obj,
                           action_form=forms.CsrfOnlyForm(),
                           history=audit.history(obj.id, 20) if can(user, "audit.view") else [])


@bp.post("/<any(organisations, initiatives, places):kind>/<uuid:entity_id>/archive")
@staff_required
def listing_archive(kind: str, entity_id: uuid.UUID):
    entity_type = KINDS[kind]
    user = me()
    obj = editing.get_listing(user, entity_type, entity_id, "listing.archive")
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    restore = request.form.get("restore") == "1"
    editing.archive(user, entity_type, obj, restore=restore)
    db.session.commit()
    flash(_("Restored.") if restore else _("Archived: residents no longer see it."), "info")
    return redirect(url_for("work.listing_edit", kind=kind, entity_id=obj.id))


@bp.post("/initiatives/<uuid:entity_id>/verify")
@staff_required
def verify(entity_id: uuid.UUID):
    user = me()
    obj = editing.get_listing(user, "initiative", entity_id, "listing.verify")
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    editing.verify(user, obj)
    db.session.commit()
    flash(_("Marked as verified today."), "info")
    back = request.form.get("back")
    return redirect(accounts.safe_next(back, url_for("work.listing_edit", kind="initiatives", entity_id=obj.id)))


@bp.route("/initiatives/<uuid:entity_id>/schedules/new", methods=["GET", "POST"])
@staff_required
def schedule_new(entity_id: uuid.UUID):
    user = me()
    obj = editing.get_listing(user, "initiative", entity_id, "listing.edit_direct")
    form = forms.ScheduleForm(places=editing.places_for_choice(user))
    if request.method == "GET" and obj.locations:
        form.place.data = str(obj.locations[0].place_id)
    if form.validate_on_submit():
        spec = {"frequency": form.frequency.data, "weekdays": [int(d) for d in form.weekdays.data or []],
                "nth": form.nth.data or None, "date": form.on_date.data, "start": form.start.data,
                "end": form.end.data, "valid_from": form.valid_from.data, "valid_until": form.valid_until.data,
                "note": form.note.data}
        _saved, ok = commit_or_show(form, lambda: editing.add_schedule(user, obj, as_uuid(form.place.data), spec))
        if ok:
            flash(_("The opening time is added."), "info")
            return redirect(url_for("work.listing_edit", kind="initiatives", entity_id=obj.id))
    return render_template("work/schedule_form.html", form=form, initiative=obj)


@bp.post("/schedules/<uuid:schedule_id>/delete")
@staff_required
def schedule_delete(schedule_id: uuid.UUID):
    user = me()
    schedule = editing.get_schedule(user, schedule_id)
    initiative_id = schedule.location.initiative_id
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    editing.remove_schedule(user, schedule)
    db.session.commit()
    flash(_("The opening time is removed."), "info")
    return redirect(url_for("work.listing_edit", kind="initiatives", entity_id=initiative_id))


@bp.get("/addresses")
@staff_required
def addresses():
    found = editing.search_addresses(request.args.get("q", ""))
    rows = [{"label": f"{a.street} {a.number}, {a.postcode} {a.municipality}".strip(), "street": a.street,
             "number": a.number, "postcode": a.postcode, "municipality": a.municipality,
             "lat": round(a.latitude, 7), "lon": round(a.longitude, 7)} for a in found]
    if request.args.get("format") == "json":
        return jsonify(rows)
    return render_template("work/addresses.html", rows=rows, q=request.args.get("q", ""))


@bp.get("/stale")
@staff_required
def stale():
    months = int(current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))
    return render_template("work/stale.html", items=editing.stale_listings(me(), months), months=months,
                           verify_form=forms.CsrfOnlyForm())


@bp.get("/reports")
@staff_required
def reports():
    return render_template("work/reports.html", reports=editing.open_reports(me()), form=forms.ResolveForm())


@bp.post("/reports/<uuid:report_id>/resolve")
@staff_required
def report_resolve(report_id: uuid.UUID):
    user = me()
    report = editing.get_report(user, report_id)
    form = forms.ResolveForm()
    if form.validate_on_submit():
        _r, ok = commit_or_show(form, lambda: editing.resolve_report(user, report, form.note.data))
        if ok:
            flash(_("The report is resolved."), "info")
            return redirect(url_for("work.reports"))
    elif form.csrf_token.errors:
        abort(400)
    return render_template("work/reports.html", reports=editing.open_reports(user), form=form,
                           failed_id=report.id), 200


# ------------------------------------------------------------------ review queue

@bp.get("/review")
@staff_required
def review_queue():
    return render_template("work/review_queue.html", queue=editing.review_queue(me()),
                           entity_name=editing.entity_name)


@bp.route("/review/<uuid:cr_id>", methods=["GET", "POST"])
@staff_required
def review(cr_id: uuid.UUID):
    user = me()
    cr = editing.get_change_request(user, cr_id)
    form = forms.DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        _r, ok = commit_or_show(form, lambda: editing.decide(user, cr, approve, form.note.data))
        if ok:
            flash(_("The change is approved and published.") if approve else _("The change is rejected."), "info")
            return redirect(url_for("work.review_queue"))
    return render_template("work/review.html", cr=cr, rows=editing.diff(cr), form=form,
                           name=editing.entity_name(cr.entity_type, cr.entity_id) or cr.proposed.get("name", ""))


@bp.get("/proposals")
@staff_required
def proposals():
    return render_template("work/proposals.html", items=editing.my_proposals(me()),
                           entity_name=editing.entity_name)


def audit_scope(user, entries) -> set:
    overview = editing.listings_for(user)
    mine = {o.id for o in overview.organisations + overview.initiatives + overview.places}
    activity_ids = {e.entity_id for e in entries if e.entity_type == "activity"}
    if activity_ids:
        from ..models import Activity
        from ..services.permissions import user_area_ids
        mine |= set(db.session.scalars(select(Activity.id).where(Activity.id.in_(activity_ids),
                                                                 Activity.area_id.in_(user_area_ids(user)))))
    return mine


@bp.get("/audit")
@staff_required
def audit_log():
    user = me()
    require(user, "audit.view")
    entity = as_uuid(request.args.get("entity"))
    entries = audit.history(entity, 200) if entity else audit.recent(limit=100)
    if user.role != "admin":
        # Only entries about what this user looks after: listings and activities in their areas.
        scope = audit_scope(user, entries)
        entries = [e for e in entries if e.user_id == user.id or e.entity_id in scope]
    return render_template("work/audit.html", entries=entries)


# ------------------------------------------------------------------ users

def _user_form(user, **kwargs):
    areas = db.session.scalars(select(Area).where(Area.level.in_(("municipality", "district")))
                               .order_by(Area.level.desc(), Area.code)).all()
    if user.role != "admin":
        from ..services.permissions import user_area_ids
        mine = user_area_ids(user)
        areas = [a for a in areas if a.id in mine]
    roles = ("worker", "editor", "coordinator", "admin") if user.role == "admin" else ("worker", "editor", "coordinator")
    return forms.UserForm(areas=areas, organisations=activities.organisations_for_choice(), roles=roles, **kwargs)


@bp.get("/users")
@staff_required
def users():
    return render_template("work/users.html", users=accounts.users_visible_to(me()))


@bp.route("/users/new", methods=["GET", "POST"])
@staff_required
def user_new():
    actor = me()
    require(actor, "user.manage")
    form = _user_form(actor)
    reset_url = None
    if form.validate_on_submit():
        password = form.password.data or secrets.token_urlsafe(24)

        def create():
            created = accounts.create_user(form.email.data, form.role.data, password, form.areas.data or [],
                                           as_uuid(form.organisation.data), by=actor)
            return created, (None if form.password.data else accounts.create_reset_link(actor, created))
        result, ok = commit_or_show(form, create)
        if ok:
            created, token = result
            if token:
                reset_url = url_for("auth.reset", token=token, _external=True)
                mailed = accounts.send_reset_mail(created, reset_url)
                return render_template("work/reset_link.html", user=created, url=None if mailed else reset_url)
            flash(_("The account is created."), "info")
            return redirect(url_for("work.users"))
    return render_template("work/user_form.html", form=form, user=None)


@bp.route("/users/<uuid:user_id>", methods=["GET", "POST"])
@staff_required
def user_edit(user_id: uuid.UUID):
    actor = me()
    target = accounts.get_managed_user(actor, user_id)
    data = None
    if request.method == "GET":
        data = {"email": target.email, "role": target.role, "areas": [ua.area.code for ua in target.areas],
                "organisation": str(target.organisation_id or ""), "is_enabled": target.is_enabled}
    form = _user_form(actor, data=data)
    form.email.data = target.email  # the address is the login name; not changed here
    if form.validate_on_submit():
        _r, ok = commit_or_show(form, lambda: accounts.update_user(
            actor, target, role=form.role.data, area_codes=form.areas.data or [],
            organisation_id=as_uuid(form.organisation.data), is_enabled=form.is_enabled.data))
        if ok:
            flash(_("The account is saved."), "info")
            return redirect(url_for("work.users"))
    return render_template("work/user_form.html", form=form, user=target, reset_form=forms.CsrfOnlyForm())


@bp.post("/users/<uuid:user_id>/reset-link")
@staff_required
def user_reset_link(user_id: uuid.UUID):
    actor = me()
    target = accounts.get_managed_user(actor, user_id)
    if not forms.CsrfOnlyForm().validate_on_submit():
        abort(400)
    token = accounts.create_reset_link(actor, target)
    db.session.commit()
    url = url_for("auth.reset", token=token, _external=True)
    mailed = accounts.send_reset_mail(target, url)
    return render_template("work/reset_link.html", user=target, url=None if mailed else url)
