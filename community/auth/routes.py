"""Login, logout, password change and reset: thin views over services.accounts."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..services import accounts, sessions
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
        email = accounts.normalise_email(form.email.data)
        known = sessions.is_known_device(request.cookies.get(sessions.DEVICE_COOKIE), email)
        try:
            user = accounts.authenticate(email, form.password.data, request.remote_addr or "",
                                         known_device=known)
        except accounts.Throttled:
            db.session.commit()  # the attempt counts
            form.password.errors.append(_("Too many attempts. Wait 15 minutes and try again, "
                                          "or ask your coordinator for a reset link."))
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            sessions.prune()
            session.pop("csrf_token", None)  # a new CSRF token with the new session
            sessions.start(user, request.user_agent)
            login_user(user)
            db.session.commit()
            response = redirect(accounts.safe_next(form.next.data, url_for("work.dashboard")))
            response.set_cookie(sessions.DEVICE_COOKIE, sessions.device_cookie_for(email),
                                max_age=sessions.DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
            return response
        db.session.commit()  # the failed attempt counts
        form.password.errors.append(_("The e-mail address or password is not correct."))
        status = 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if not form.validate_on_submit():
        return redirect(url_for("public.home"))
    if current_user.is_authenticated:
        sessions.end(current_user._get_current_object().get_id())
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
            sessions.start(user, request.user_agent)  # this browser goes on in a new session;
            login_user(user)                           # every other one ended with the change
            db.session.commit()
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


@bp.route("/account/sessions", methods=["GET", "POST"])
@login_required
def account_sessions():
    """Where this account is logged in, and 'log out everywhere'."""
    user = current_user._get_current_object()
    form = LogoutForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return redirect(url_for("auth.account_sessions"))
        sessions.end_all(user)
        db.session.commit()
        logout_user()
        flash(_("You are logged out everywhere."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/sessions.html", rows=sessions.active(user), user=user, form=form,
                           is_current=sessions.is_current)
