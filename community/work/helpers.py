"""Small helpers shared by the workspace and auth views."""
from __future__ import annotations

import uuid

from flask_babel import gettext as _
from flask_login import current_user

from ..errors import BadRequest, Invalid
from ..extensions import db
from .forms import CsrfOnlyForm


def expired_form() -> BadRequest:
    """The answer to a post whose form token is missing or stale (400)."""
    return BadRequest(_("The form expired. Please send it again."))


def require_form_token() -> None:
    """For the button-only forms (archive, cancel, revoke ...): refuse a post without a valid token."""
    if not CsrfOnlyForm().validate_on_submit():
        raise expired_form()


def show_problems(form, problem: Invalid) -> None:
    """Put a service's messages on the form fields they name (or on the form as a whole)."""
    for name, message in (problem.errors or {"": problem.message}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
        else:
            form.form_errors.append(message)


def commit_or_show(form, action):
    """Run a service call; commit when it succeeds, roll back and show its messages when not."""
    try:
        result = action()
    except Invalid as problem:
        db.session.rollback()
        show_problems(form, problem)
        return None, False
    db.session.commit()
    return result, True


def me():
    return current_user._get_current_object()


def as_uuid(value) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
