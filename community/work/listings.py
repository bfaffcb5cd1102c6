"""Workspace listings upkeep: listings and their forms, archive, verify, schedules, addresses,
stale listings, reports, the review queue, proposals and the audit log."""
from __future__ import annotations

import uuid

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Forbidden
from ..extensions import db
from ..fields import label_of
from ..services import accounts, audit, editing, worklists, writer
from ..services.permissions import can, require
from . import forms
from .blueprint import bp
from .choices import fill_initiative_choices, fill_schedule_choices, searching
from .helpers import as_uuid, commit_or_show, expired_form, me, require_form_token

KINDS = {"organisations": "organisation", "initiatives": "initiative", "places": "meeting_place"}
FORMS = {"organisation": forms.OrganisationForm, "initiative": forms.InitiativeForm,
         "meeting_place": forms.PlaceForm}


@bp.app_context_processor
def listing_helpers():
    # Audit log and review-queue labels come from the field descriptions (community/fields.py).
    return {"field_label": label_of}


# ------------------------------------------------------------------ listings

@bp.get("/listings")
def listings():
    pages = {kind: worklists.page_number(request.args.get(f"{kind}_page")) for kind in KINDS}
    overview = worklists.listings_for(me(), request.args.get("q", ""), pages)
    return render_template("work/listings.html", overview=overview, q=request.args.get("q", ""))


def _listing_form(user, entity_type: str, obj=None, **kwargs):
    if obj is None and request.method == "GET" and searching(request.args):  # search without JavaScript
        kwargs = {"formdata": request.args}
    return FORMS[entity_type](**kwargs)  # choice lists are filled only to show the form (_choices_of)


def _choices_of(form, user, entity_type: str, obj=None) -> dict:
    return fill_initiative_choices(form, user) if entity_type == "initiative" and obj is None else {}


@bp.route("/<any(organisations, initiatives, places):kind>/new", methods=["GET", "POST"])
def listing_new(kind: str):
    entity_type = KINDS[kind]
    user = me()
    if not (can(user, "listing.edit_direct") or (entity_type == "initiative" and can(user, "listing.propose"))):
        raise Forbidden()
    form = _listing_form(user, entity_type)
    if request.method == "GET" and entity_type == "initiative" and user.role == "editor" \
            and not form.organisation.data:
        form.organisation.data = str(user.organisation_id)
    if form.validate_on_submit():
        saved, ok = commit_or_show(form, lambda: editing.save_listing(
            user, entity_type, None, form.values(),
            organisation_id=as_uuid(form.organisation.data) if entity_type == "initiative" else None,
            place_id=as_uuid(form.place.data) if entity_type == "initiative" else None))
        if ok:
            return _after_save(kind, saved)
    return render_template("work/listing_form.html", form=form, kind=kind, entity_type=entity_type, obj=None,
                           found=_choices_of(form, user, entity_type))


def _after_save(kind, saved):
    if saved.applied:
        flash(_("Saved."), "info")
        return redirect(url_for("work.listing_edit", kind=kind, entity_id=saved.obj.id))
    flash(_("Thank you. Your change waits for a neighbourhood worker to review it."), "info")
    return redirect(url_for("work.proposals"))


@bp.route("/<any(organisations, initiatives, places):kind>/<uuid:entity_id>", methods=["GET", "POST"])
def listing_edit(kind: str, entity_id: uuid.UUID):
    entity_type = KINDS[kind]
    user = me()
    obj = editing.get_listing(user, entity_type, entity_id, "edit")
    data = None
    if request.method == "GET":
        data = writer.snapshot(entity_type, obj)
        if entity_type == "meeting_place":
            data["rooms"] = "\n".join(data["rooms"])
    form = _listing_form(user, entity_type, obj, data=data)
    if form.validate_on_submit():
        saved, ok = commit_or_show(form, lambda: editing.save_listing(user, entity_type, obj,
                                                                       form.values()))
        if ok:
            return _after_save(kind, saved)
    return render_template("work/listing_form.html", form=form, kind=kind, entity_type=entity_type, obj=obj,
                           action_form=forms.CsrfOnlyForm(),
                           history=audit.history(obj.id, 20) if can(user, "audit.view") else [])


@bp.post("/<any(organisations, initiatives, places):kind>/<uuid:entity_id>/archive")
def listing_archive(kind: str, entity_id: uuid.UUID):
    entity_type = KINDS[kind]
    user = me()
    obj = editing.get_listing(user, entity_type, entity_id, "listing.archive")
    require_form_token()
    restore = request.form.get("restore") == "1"
    editing.archive(user, entity_type, obj, restore=restore)
    db.session.commit()
    flash(_("Restored.") if restore else _("Archived: residents no longer see it."), "info")
    return redirect(url_for("work.listing_edit", kind=kind, entity_id=obj.id))


@bp.post("/initiatives/<uuid:entity_id>/verify")
def verify(entity_id: uuid.UUID):
    user = me()
    obj = editing.get_initiative_to_verify(user, entity_id)
    require_form_token()
    editing.verify(user, obj)
    db.session.commit()
    flash(_("Marked as verified today."), "info")
    back = request.form.get("back")
    return redirect(accounts.safe_next(back, url_for("work.listing_edit", kind="initiatives", entity_id=entity_id)))


@bp.route("/initiatives/<uuid:entity_id>/schedules/new", methods=["GET", "POST"])
def schedule_new(entity_id: uuid.UUID):
    user = me()
    obj = editing.get_listing(user, "initiative", entity_id, "listing.edit_direct")
    searched = request.method == "GET" and searching(request.args)
    form = forms.ScheduleForm(formdata=request.args) if searched else forms.ScheduleForm()
    if request.method == "GET" and not searched and obj.locations:
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
    return render_template("work/schedule_form.html", form=form, initiative=obj,
                           found=fill_schedule_choices(form, user))


@bp.post("/schedules/<uuid:schedule_id>/delete")
def schedule_delete(schedule_id: uuid.UUID):
    user = me()
    schedule = editing.get_schedule(user, schedule_id)
    initiative_id = schedule.location.initiative_id
    require_form_token()
    editing.remove_schedule(user, schedule)
    db.session.commit()
    flash(_("The opening time is removed."), "info")
    return redirect(url_for("work.listing_edit", kind="initiatives", entity_id=initiative_id))


@bp.get("/addresses")
def addresses():
    found = editing.search_addresses(request.args.get("q", ""))
    rows = [{"label": f"{a.street} {a.number}, {a.postcode} {a.municipality}".strip(), "street": a.street,
             "number": a.number, "postcode": a.postcode, "municipality": a.municipality,
             "lat": round(a.latitude, 7), "lon": round(a.longitude, 7)} for a in found]
    if request.args.get("format") == "json":
        return jsonify(rows)
    return render_template("work/addresses.html", rows=rows, q=request.args.get("q", ""))


@bp.get("/stale")
def stale():
    months = int(current_app.config.get("BUURTKRACHT_STALE_MONTHS", 12))
    items = worklists.stale_listings(me(), months, worklists.page_number(request.args.get("page")))
    return render_template("work/stale.html", items=items, months=months, verify_form=forms.CsrfOnlyForm())


@bp.get("/reports")
def reports():
    return render_template("work/reports.html", form=forms.ResolveForm(),
                           reports=worklists.open_reports(me(), worklists.page_number(request.args.get("page"))))


@bp.post("/reports/<uuid:report_id>/resolve")
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
        raise expired_form()
    return render_template("work/reports.html", reports=worklists.open_reports(user), form=form,
                           failed_id=report.id), 200


# ------------------------------------------------------------------ review queue

@bp.get("/review")
def review_queue():
    return render_template("work/review_queue.html", queue=editing.review_queue(me()),
                           entity_name=editing.entity_name)


@bp.route("/review/<uuid:cr_id>", methods=["GET", "POST"])
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
def proposals():
    return render_template("work/proposals.html", items=editing.my_proposals(me()),
                           entity_name=editing.entity_name)


def audit_scope(user, entries) -> set:
    """The entries' records this user looks after: listings and activities in their areas."""
    by_kind: dict = {}
    for e in entries:
        by_kind.setdefault(e.entity_type, set()).add(e.entity_id)
    mine = set()
    for kind in ("organisation", "initiative", "meeting_place"):
        mine |= worklists.in_scope(user, kind, by_kind.get(kind, ()))
    activity_ids = by_kind.get("activity")
    if activity_ids:
        from ..models import Activity
        from ..services.permissions import user_area_ids
        mine |= set(db.session.scalars(select(Activity.id).where(Activity.id.in_(activity_ids),
                                                                 Activity.area_id.in_(user_area_ids(user)))))
    return mine


@bp.get("/audit")
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

