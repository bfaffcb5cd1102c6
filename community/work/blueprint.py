"""The one `work` blueprint and its guard: every workspace page needs a login and workspace.view."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS

from ..services.permissions import can, require

bp = Blueprint("work", __name__, url_prefix="/work")


@bp.before_request
def staff_only():
    """One check for every route here (no anonymous exceptions: the public ICS feeds live in `feeds`).

    It mirrors flask_login's login_required (exempt methods, LOGIN_DISABLED), so anonymous
    visitors go to the login page with ?next=, and a logged-in resident without workspace rights
    gets 403. What a user may do with a particular record stays in the services.
    """
    if request.method in EXEMPT_METHODS:
        return None
    if not current_user.is_authenticated and not current_app.config.get("LOGIN_DISABLED"):
        return current_app.login_manager.unauthorized()
    require(current_user, "workspace.view")
    return None


def page_url(param: str, number: int) -> str:
    """This page's address with one page parameter changed (the other parameters kept)."""
    args = request.args.to_dict(flat=False)
    args[param] = [str(number)]
    return url_for(request.endpoint, **(request.view_args or {})) + "?" + urlencode(args, doseq=True)


@bp.app_context_processor
def workspace_helpers():
    return {"can": can, "page_url": page_url}
