"""Login, logout, password change and reset: thin views over services.accounts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..services import accounts
from ..services.permissions import require
from ..work.helpers import commit_or_show
from .forms import LoginForm, LogoutForm, PasswordChangeForm, PasswordResetForm

bp = Blueprint("auth", __name__)


@bp.record_once
def _configure_login(state):
    # The login page itself says what to do; Flask-Login's English flash would only repeat it.
    from ..extensions import login_manager
    login_manager.login_message = None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except accounts.Throttled:
            db.session.rollback()
            form.password.errors.append(_("Too many attempts. Wait 15 minutes and try again, "
                                          "or ask your coordinator for a reset link."))
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            login_user(user)
            db.session.commit()
            return redirect(accounts.safe_next(form.next.data, url_for("work.dashboard")))
        db.session.rollback()
        form.password.errors.append(_("The e-mail address or password is not correct."))
        status = 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("public.home"))
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    require(current_user, "account.password")
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        _r, ok = commit_or_show(form, lambda: accounts.change_password(
            user, form.current_password.data, form.new_password.data))
        if ok:
            login_user(user)  # this browser goes on with the new token; every other copy is out
            flash(_("Your password is changed. You are logged out on other devices."), "info")
            return redirect(url_for("work.dashboard"))
    return render_template("auth/password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    user = accounts.user_for_reset(token)
    if user is None:
        return render_template("auth/reset_expired.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        _r, ok = commit_or_show(form, lambda: accounts.reset_password(token, form.password.data))
        if ok:
            flash(_("Your new password is set. You can log in now."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, email=user.email)
