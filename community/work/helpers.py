"""Small helpers shared by the workspace and auth views."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..errors import BadRequest, Invalid
from ..extensions import db
from ..models import FormSubmission
from ..models.types import utcnow
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


def commit_or_show(form, action, remember=None):
    """Run a service call; commit when it succeeds, roll back and show its messages when not.

    `remember(result)` runs in the same transaction before the commit (commit_once's key)."""
    try:
        result = action()
    except Invalid as problem:
        db.session.rollback()
        show_problems(form, problem)
        return None, False
    if remember is not None:
        remember(result)
    db.session.commit()
    return result, True


KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
KEYS_KEPT = timedelta(days=1)


@dataclass
class Outcome:
    """What a once-only form led to: the page to show next, and whether this post was a repeat."""

    path: str | None
    ok: bool
    repeated: bool = False


def _submission_key(form) -> str | None:
    field = getattr(form, "submission_key", None)
    value = (field.data or "") if field is not None else ""
    return value if KEY_PATTERN.fullmatch(value) else None  # a missing or tampered key: no protection, no error


def first_result(form) -> str | None:
    """The page the first post of this form (same one-time key, same account) led to."""
    key = _submission_key(form)
    if key is None:
        return None
    with db.session.no_autoflush:
        row = db.session.get(FormSubmission, key)
    return row.result_path if row is not None and row.user_id == me().id else None


def commit_once(form, action, result_path) -> Outcome:
    """commit_or_show for a form that must act once (plan, log): a repeat of a post that
    succeeded (double tap, re-send, two simultaneous posts) changes nothing and leads to the
    first post's page. The key is stored in the same transaction as the write, under a primary
    key, so of two simultaneous posts one commits and the other finds the first's result."""
    first = first_result(form)
    if first is not None:
        return Outcome(first, True, repeated=True)
    paths = []  # the next page, worked out before the commit (after it every object reloads)

    def remember(result):
        paths.append(result_path(result))
        _remember(form, paths[0])

    try:
        _result, ok = commit_or_show(form, action, remember=remember)
    except IntegrityError:
        db.session.rollback()
        first = first_result(form)  # the same key, committed by a simultaneous post
        if first is None:
            raise
        return Outcome(first, True, repeated=True)
    return Outcome(paths[0] if ok else None, ok)


def _remember(form, path: str) -> None:
    key = _submission_key(form)
    if key is None:
        return
    db.session.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEYS_KEPT))
    db.session.add(FormSubmission(key=key, user_id=me().id, result_path=path))


def me():
    return current_user._get_current_object()


def as_uuid(value) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
