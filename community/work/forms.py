"""Workspace forms (Flask-WTF, CSRF on every one). Taxonomy choices come from community.taxonomy."""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, EmailField, FloatField, HiddenField, IntegerField, PasswordField,
                     RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from .. import fields, taxonomy
from ..formbase import Form, IdField
from ..models.user import ROLES
from ..i18n import current_locale
from ..services.spreadsheet import FORMAT_LABELS

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*"}
_A = fields.ACTIVITY


class CheckboxGroup(SelectMultipleField):
    """A group of checkboxes, rendered inside a fieldset by the form macros."""

    def pre_validate(self, form):
        if self.data:
            allowed = {str(v) for v, _label in self.choices}
            bad = [v for v in self.data if v not in allowed]
            if bad:
                raise ValidationError(self.gettext("'%(value)s' is not a valid choice for this field.") % {"value": bad[0]})


class IdCheckboxGroup(CheckboxGroup):
    """Boxes whose values are record ids from a search (work/choices.py): anything that is not an
    id is refused here; whether each record exists and may be used is the service's look-up."""

    def pre_validate(self, form):
        for value in self.data or ():
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise ValidationError(_l("Choose from the list.")) from None


def _choices(vocabulary):
    return vocabulary.choices(current_locale())


class CsrfOnlyForm(Form):
    """For buttons that change something (verify, archive, cancel, revoke): only the CSRF token."""


# ------------------------------------------------------------------ activities

class OnceForm(Form):
    """A form that must act once: it carries a one-time key (work/helpers.py commit_once)."""

    submission_key = HiddenField(default=lambda: uuid.uuid4().hex)


def search_field(label):
    """The text that narrows a choice list (work/choices.py); a GET with it re-renders the form."""
    return StringField(label, validators=[Optional(), Length(max=100)])


class ActivityPlanForm(OnceForm):
    title = StringField(_A["title"].label, validators=[DataRequired(_A["title"].required),
                                                      Length(max=_A["title"].max_length)])
    initiative = IdField(_l("Initiative (optional)"), choices=[])
    initiative_search = search_field(_l("Search initiatives by name"))
    place = IdField(_A["place_id"].label, choices=[],
                    description=_l("Or leave empty and mark the spot on the map below."))
    place_search = search_field(_l("Search meeting places by name, street or municipality"))
    room = IdField(_A["room_id"].label, choices=[])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date, for example 2026-03-14."))])
    start = TimeField(_A["starts_at"].label, validators=[InputRequired(_l("Enter the start time, for example 14:00."))])
    end = TimeField(_A["ends_at"].label, validators=[InputRequired(_l("Enter the end time, for example 16:00."))])
    working_models = CheckboxGroup(_A["working_models"].label, choices=[])
    target_groups = CheckboxGroup(_A["target_groups"].label, choices=[])
    partners = IdCheckboxGroup(_l("Partner organisations"), choices=[])
    partners_search = search_field(_l("Search organisations by name"))
    visibility = RadioField(_A["visibility"].label, default="internal", choices=[],
                            validators=[InputRequired(_l("Choose public or internal."))])
    allow_clash = BooleanField(_l("Keep this time anyway, although the room is already booked"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Initiative, place, room and partner choices come from a search (work/choices.py fill_choices).
        self.working_models.choices = _choices(taxonomy.WORKING_MODELS)
        self.target_groups.choices = _choices(taxonomy.TARGET_GROUPS)
        self.visibility.choices = [("internal", _l("Internal: only workers in the workspace")),
                                   ("public", _l("Public: residents see it under 'what's on'"))]


class ActivityDoneForm(OnceForm):
    participants = IntegerField(_A["participants"].label, render_kw=NUMBER,
                                validators=[InputRequired(_l("Enter the number of participants, 0 or more.")),
                                            NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    new_participants = IntegerField(_A["new_participants"].label, render_kw=NUMBER, default=0,
                                    description=_A["new_participants"].help,
                                    validators=[InputRequired(_l("Enter the number of new participants, 0 or more.")),
                                                NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    volunteers = IntegerField(_A["volunteers"].label, render_kw=NUMBER, default=0,
                              validators=[InputRequired(_l("Enter the number of volunteers, 0 or more.")),
                                          NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    target_groups_reached = CheckboxGroup(_A["target_groups_reached"].label, choices=[])
    reflection = TextAreaField(_A["reflection"].label, validators=[Length(max=_A["reflection"].max_length)],
                               description=_A["reflection"].help)
    no_personal_details = BooleanField(_l("I checked: the reflection holds no residents' personal details"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_groups_reached.choices = _choices(taxonomy.TARGET_GROUPS)


class FeedForm(Form):
    area = SelectField(_l("Which calendar"), choices=[], validate_choice=True)


class ExportForm(Form):
    class Meta:
        csrf = False  # a GET form that only reads

    first_day = DateField(_l("From"), validators=[InputRequired(_l("Enter the first day of the period."))])
    last_day = DateField(_l("Until"), validators=[InputRequired(_l("Enter the last day of the period."))])
    district = SelectField(_l("District"), choices=[], validate_choice=True)
    format = SelectField(_l("File"), choices=list(FORMAT_LABELS.items()), default="xlsx", validate_choice=True)


# ------------------------------------------------------------------ listings

def _validators(f):
    found = [DataRequired(f.required)] if f.required else []
    if f.kind == "float":
        found = [Optional(), NumberRange(*f.bounds)] if f.bounds else [Optional()]
    if f.max_length and f.kind != "rooms":  # rooms: the limit is per room name, checked by the writer
        found.append(Length(max=f.max_length))
    return found


def _form_field(f):
    """The WTForms field for a field description (community/fields.py)."""
    options = {"label": f.label, "description": f.help or "", "validators": _validators(f)}
    if f.width == "short" and f.name == "postcode":
        options["render_kw"] = NUMBER
    if f.kind == "codes":
        return CheckboxGroup(choices=[], **options)
    if f.kind == "choice":
        return (RadioField if f.widget == "radio" else SelectField)(choices=[], **options)
    if f.kind == "bool":
        return BooleanField(**options)
    if f.kind == "float":
        return FloatField(**options)
    if f.kind == "date":
        options["validators"] = [Optional()]
        return DateField(**options)
    if f.kind in ("longtext", "rooms"):
        return TextAreaField(**options)
    return StringField(**options)


class EntityForm(Form):
    """A listing form built from its entity's description; choices filled in the request's language."""

    entity = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.entity.form_fields:
            if f.vocabulary is not None:
                getattr(self, f.name).choices = _choices(f.vocabulary)

    def values(self) -> dict:
        return {f.name: getattr(self, f.name).data for f in self.entity.form_fields}

    def layout(self) -> list[tuple[str, list]]:
        """Consecutive fields of the same group together: [(group, [(description, bound field)])]."""
        groups: list[tuple[str, list]] = []
        for f in self.entity.form_fields:
            if not groups or groups[-1][0] != f.group or not f.group:
                groups.append((f.group, []))
            groups[-1][1].append((f, getattr(self, f.name)))
        return groups


def entity_form(description, base=EntityForm, **extra):
    """A form class for a description: its fields in order, plus `extra` fields placed first."""
    attrs = {**extra, "entity": description}
    attrs.update({f.name: _form_field(f) for f in description.form_fields})
    return type(f"{description.name.title().replace('_', '')}Form", (base,), attrs)


_S = fields.SCHEDULE
OrganisationForm = entity_form(fields.ORGANISATION)
PlaceForm = entity_form(fields.MEETING_PLACE)


InitiativeForm = entity_form(
    fields.INITIATIVE,
    organisation=IdField(_l("Organisation"), choices=[]),
    organisation_search=search_field(_l("Search organisations by name")),
    place=IdField(_l("Held at (meeting place)"), choices=[],
                  description=_l("You can add more places and the opening times after saving.")),
    place_search=search_field(_l("Search meeting places by name, street or municipality")))


class ScheduleForm(Form):
    """Opening times: the labels are the schedule fields' (community/fields.py); days are boxes here."""

    place = IdField(_A["place_id"].label, choices=[])
    place_search = search_field(_l("Search meeting places by name, street or municipality"))
    frequency = SelectField(_S["frequency"].label, choices=[])
    weekdays = CheckboxGroup(_S["weekdays"].label, choices=[])
    nth = SelectField(_S["nth"].label, choices=[], validate_choice=False)
    on_date = DateField(_S["date"].label, validators=[Optional()])
    start = TimeField(_S["start"].label, validators=[InputRequired(_l("Enter the start time, for example 14:00."))])
    end = TimeField(_S["end"].label, validators=[InputRequired(_l("Enter the end time, for example 16:00."))])
    valid_from = DateField(_S["valid_from"].label, validators=[Optional()])
    valid_until = DateField(_S["valid_until"].label, validators=[Optional()])
    note = StringField(_S["note"].label, validators=[Length(max=_S["note"].max_length)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = _choices(taxonomy.FREQUENCIES)
        self.weekdays.choices = _choices(taxonomy.WEEKDAYS)
        self.nth.choices = [("", "-"), ("1", _l("first")), ("2", _l("second")), ("3", _l("third")),
                            ("4", _l("fourth")), ("-1", _l("last"))]


class DecisionForm(Form):
    note = TextAreaField(_l("Note to the organisation (optional)"), validators=[Length(max=2000)])


class ResolveForm(Form):
    note = TextAreaField(_l("What did you do?"), validators=[DataRequired(_l("Write a short note on what you did."))])


# ------------------------------------------------------------------ users

class UserForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address."))])
    role = RadioField(_l("Role"), choices=[], validators=[InputRequired(_l("Choose a role."))])
    areas = CheckboxGroup(_l("Areas"), choices=[], description=_l("Districts for a worker; the municipality or districts for a coordinator."))
    organisation = IdField(_l("Organisation (for an organisation editor)"), choices=[])
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"},
                             description=_l("At least 10 characters. Or leave empty and hand over a reset link after saving."))
    is_enabled = BooleanField(_l("Account enabled"), default=True)

    ROLE_LABELS = {"worker": _l("Neighbourhood worker"), "editor": _l("Organisation editor"),
                   "coordinator": _l("Coordinator (municipality)"), "admin": _l("Administrator")}

    def __init__(self, *args, areas=(), organisations=(), roles=ROLES, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r, self.ROLE_LABELS[r]) for r in roles]
        self.areas.choices = [(a.code, f"{a.name} ({a.code})") for a in areas]
        self.organisation.choices = [("", _l("None"))] + [(str(o.id), o.name) for o in organisations]
