"""The base of every form: what no field of any form may hold, checked once for all of them.

A NUL byte is refused for the whole request before any view (community/guards.py). The other
control characters (escape codes, bell, backspace ...; tab and line breaks are fine) have no
meaning in any field, and the one writer refuses them in listings (community/fields.py); here
every form refuses them too, on the field that holds them, so that what a form accepts is what
both databases store and every export can carry.
"""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import ValidationError

from .fields import has_control_character

CONTROL_MESSAGE = _l("This holds a control character (an invisible code such as an escape); remove it.")


class Form(FlaskForm):
    """FlaskForm that also refuses control characters in any submitted value."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(v, str) and has_control_character(v) for v in (field.raw_data or ())):
                field.errors = [*field.errors, CONTROL_MESSAGE]
                valid = False
        return valid


class IdField(SelectField):
    """A select whose value is a record's id or empty: anything else is refused, never ignored.

    The choices are not checked (lists are long, and the service checks that the record exists
    and may be used), but a value that is not an id at all was silently read as 'none'.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data:
            try:
                uuid.UUID(str(self.data))
            except ValueError:
                raise ValidationError(_l("Choose from the list.")) from None
