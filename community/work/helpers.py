"""Small helpers shared by the workspace and auth views."""
from __future__ import annotations

import uuid

from flask_login import current_user

from ..extensions import db
from ..services.validation import Invalid


def show_problems(form, problem: Invalid) -> None:
    """Put a service's messages on the form fields they name (or on the form as a whole)."""
    for name, message in problem.errors.items():
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
