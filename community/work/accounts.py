"""Workspace accounts: users and their forms, password reset links, and a worker's calendar links."""
from __future__ import annotations

import secrets
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Area
from ..services import accounts, activities, calendar_feeds
from ..services.permissions import districts_of, require
from . import forms
from .blueprint import bp
from .helpers import as_uuid, commit_or_show, me, require_form_token


# ------------------------------------------------------------------ calendar links (ICS feed tokens)

@bp.route("/feeds", methods=["GET", "POST"])
def feeds():
    user = me()
    require(user, "feed.create")
    districts = districts_of(user)
    form = forms.FeedForm()
    form.area.choices = [("", _("My own activities"))] + [(a.code, _("All activities in %(district)s", district=a.name))
                                                          for a in districts]
    new_url = None
    if form.validate_on_submit():
        area = next((a for a in districts if a.code == form.area.data), None)
        token = calendar_feeds.create_feed(user, area.id if area else None)
        db.session.commit()
        new_url = url_for("feeds.feed", token=token, _external=True)
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.level == "district"))}
    return render_template("work/feeds.html", form=form, new_url=new_url, feeds=calendar_feeds.feeds_of(user),
                           areas=areas, revoke_form=forms.CsrfOnlyForm())


@bp.post("/feeds/<token_hash>/revoke")
def feed_revoke(token_hash: str):
    require_form_token()
    calendar_feeds.revoke_feed(me(), token_hash)
    db.session.commit()
    flash(_("The calendar link no longer works."), "info")
    return redirect(url_for("work.feeds"))


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
def users():
    return render_template("work/users.html", users=accounts.users_visible_to(me()))


@bp.route("/users/new", methods=["GET", "POST"])
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
def user_reset_link(user_id: uuid.UUID):
    actor = me()
    target = accounts.get_managed_user(actor, user_id)
    require_form_token()
    token = accounts.create_reset_link(actor, target)
    db.session.commit()
    url = url_for("auth.reset", token=token, _external=True)
    mailed = accounts.send_reset_mail(target, url)
    return render_template("work/reset_link.html", user=target, url=None if mailed else url)
