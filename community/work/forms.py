"""Workspace forms (Flask-WTF, CSRF on every one). Taxonomy choices come from community.taxonomy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, FloatField, IntegerField, PasswordField,
                     RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import taxonomy
from ..models.user import ROLES
from ..templating import current_locale

NUMBER = {"inputmode": "numeric", "pattern": "[0-9]*"}


class CheckboxGroup(SelectMultipleField):
    """A group of checkboxes, rendered inside a fieldset by the form macros."""

    def pre_validate(self, form):
        if self.data:
            allowed = {str(v) for v, _label in self.choices}
            bad = [v for v in self.data if v not in allowed]
            if bad:
                raise ValueError(self.gettext("'%(value)s' is not a valid choice for this field.") % {"value": bad[0]})


def _choices(vocabulary):
    return vocabulary.choices(current_locale())


class CsrfOnlyForm(FlaskForm):
    """For buttons that change something (verify, archive, cancel, revoke): only the CSRF token."""


# ------------------------------------------------------------------ activities

class ActivityPlanForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title, for example 'Soup and chat'.")),
                                                 Length(max=300)])
    initiative = SelectField(_l("Initiative (optional)"), choices=[], validate_choice=False)
    place = SelectField(_l("Meeting place"), choices=[], validate_choice=False,
                        description=_l("Or leave empty and mark the spot on the map below."))
    room = SelectField(_l("Room (optional)"), choices=[], validate_choice=False)
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date, for example 2026-03-14."))])
    start = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time, for example 14:00."))])
    end = TimeField(_l("End time"), validators=[InputRequired(_l("Enter the end time, for example 16:00."))])
    working_models = CheckboxGroup(_l("Working models"), choices=[])
    target_groups = CheckboxGroup(_l("Target groups"), choices=[])
    partners = CheckboxGroup(_l("Partner organisations"), choices=[])
    visibility = RadioField(_l("Who may see it"), default="internal", choices=[],
                            validators=[InputRequired(_l("Choose public or internal."))])
    allow_clash = BooleanField(_l("Keep this time anyway, although the room is already booked"))

    def __init__(self, *args, initiatives=(), places=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative.choices = [("", _l("None"))] + [(str(i.id), i.name) for i in initiatives]
        self.place.choices = [("", _l("No meeting place (a spot on the map)"))] + [
            (str(p.id), p.name) for p in places]
        self.room.choices = [("", _l("No particular room"))] + [
            (str(r.id), f"{p.name}: {r.name}") for p in places for r in p.rooms]
        self.working_models.choices = _choices(taxonomy.WORKING_MODELS)
        self.target_groups.choices = _choices(taxonomy.TARGET_GROUPS)
        self.partners.choices = [(str(o.id), o.name) for o in organisations]
        self.visibility.choices = [("internal", _l("Internal: only workers in the workspace")),
                                   ("public", _l("Public: residents see it under 'what's on'"))]


class ActivityDoneForm(FlaskForm):
    participants = IntegerField(_l("Participants"), render_kw=NUMBER,
                                validators=[InputRequired(_l("Enter the number of participants, 0 or more.")),
                                            NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    new_participants = IntegerField(_l("Of whom new"), render_kw=NUMBER, default=0,
                                    description=_l("People who came for the first time."),
                                    validators=[InputRequired(_l("Enter the number of new participants, 0 or more.")),
                                                NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    volunteers = IntegerField(_l("Volunteers"), render_kw=NUMBER, default=0,
                              validators=[InputRequired(_l("Enter the number of volunteers, 0 or more.")),
                                          NumberRange(min=0, max=100000, message=_l("Enter a number, 0 or more."))])
    target_groups_reached = CheckboxGroup(_l("Target groups reached"), choices=[])
    reflection = TextAreaField(_l("Short reflection (optional)"), validators=[Length(max=2000)],
                               description=_l("What went well, what would you change? No names, e-mail addresses or phone numbers of residents."))
    no_personal_details = BooleanField(_l("I checked: the reflection holds no residents' personal details"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_groups_reached.choices = _choices(taxonomy.TARGET_GROUPS)


class FeedForm(FlaskForm):
    area = SelectField(_l("Which calendar"), choices=[], validate_choice=True)


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    first_day = DateField(_l("From"), validators=[InputRequired(_l("Enter the first day of the period."))])
    last_day = DateField(_l("Until"), validators=[InputRequired(_l("Enter the last day of the period."))])
    district = SelectField(_l("District"), choices=[], validate_choice=True)


# ------------------------------------------------------------------ listings

class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the organisation's name.")), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    website = StringField(_l("Website"), validators=[Length(max=500)])
    email = StringField(_l("E-mail address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=100)])
    languages = CheckboxGroup(_l("Languages spoken"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = _choices(taxonomy.LANGUAGES)


class InitiativeForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), choices=[], validate_choice=False)
    place = SelectField(_l("Held at (meeting place)"), choices=[], validate_choice=False,
                        description=_l("You can add more places and the opening times after saving."))
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the initiative's name.")), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)],
                                description=_l("Plain words, warm and respectful: 'for everyone in the neighbourhood'."))
    status = SelectField(_l("Status"), choices=[])
    tie_type = RadioField(_l("Kind of ties"), choices=[])
    cost = RadioField(_l("Cost"), choices=[])
    price = StringField(_l("Price details"), validators=[Length(max=300)])
    childcare = SelectField(_l("Children"), choices=[])
    wheelchair = SelectField(_l("Wheelchair access"), choices=[])
    low_literacy = BooleanField(_l("Easy to read and follow (low literacy friendly)"))
    registration_required = BooleanField(_l("Registration needed"))
    contact = TextAreaField(_l("Contact"), validators=[Length(max=2000)])
    url = StringField(_l("Web page"), validators=[Length(max=500)])
    working_models = CheckboxGroup(_l("Working models"), choices=[])
    target_groups = CheckboxGroup(_l("Target groups"), choices=[])
    network_functions = CheckboxGroup(_l("Network functions"), choices=[])
    languages = CheckboxGroup(_l("Languages"), choices=[])

    def __init__(self, *args, organisations=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [("", _l("Choose an organisation"))] + [(str(o.id), o.name) for o in organisations]
        self.place.choices = [("", _l("Choose a meeting place"))] + [(str(p.id), p.name) for p in places]
        self.status.choices = _choices(taxonomy.STATUSES)
        self.tie_type.choices = _choices(taxonomy.TIE_TYPES)
        self.cost.choices = _choices(taxonomy.COSTS)
        self.childcare.choices = _choices(taxonomy.CHILDCARE)
        self.wheelchair.choices = _choices(taxonomy.WHEELCHAIR)
        self.working_models.choices = _choices(taxonomy.WORKING_MODELS)
        self.target_groups.choices = _choices(taxonomy.TARGET_GROUPS)
        self.network_functions.choices = _choices(taxonomy.NETWORK_FUNCTIONS)
        self.languages.choices = _choices(taxonomy.LANGUAGES)


class PlaceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the meeting place's name.")), Length(max=300)])
    kind = SelectField(_l("Kind of place"), choices=[])
    street = StringField(_l("Street"), validators=[Length(max=300)])
    number = StringField(_l("Number"), validators=[Length(max=30)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=10)], render_kw=NUMBER)
    municipality = StringField(_l("Municipality"), validators=[Length(max=100)])
    latitude = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)],
                          description=_l("Leave empty to look the address up in our address data."))
    longitude = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    accessibility = TextAreaField(_l("Accessibility"), validators=[Length(max=2000)])
    wheelchair = SelectField(_l("Wheelchair access"), choices=[])
    rooms = TextAreaField(_l("Rooms"), description=_l("One per line, with the capacity in brackets: Grote zaal (60)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(taxonomy.PLACE_KINDS)
        self.wheelchair.choices = _choices(taxonomy.WHEELCHAIR)


class ScheduleForm(FlaskForm):
    place = SelectField(_l("Meeting place"), choices=[], validate_choice=False)
    frequency = SelectField(_l("How often"), choices=[])
    weekdays = CheckboxGroup(_l("On which days"), choices=[])
    nth = SelectField(_l("Which week of the month (monthly only)"), choices=[], validate_choice=False)
    on_date = DateField(_l("Date (once only)"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time, for example 14:00."))])
    end = TimeField(_l("End time"), validators=[InputRequired(_l("Enter the end time, for example 16:00."))])
    valid_from = DateField(_l("From (optional)"), validators=[Optional()])
    valid_until = DateField(_l("Until (optional)"), validators=[Optional()])
    note = StringField(_l("Note (optional)"), validators=[Length(max=300)])

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = [("", _l("Choose a meeting place"))] + [(str(p.id), p.name) for p in places]
        self.frequency.choices = _choices(taxonomy.FREQUENCIES)
        self.weekdays.choices = _choices(taxonomy.WEEKDAYS)
        self.nth.choices = [("", "-"), ("1", _l("first")), ("2", _l("second")), ("3", _l("third")),
                            ("4", _l("fourth")), ("-1", _l("last"))]


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Note to the organisation (optional)"), validators=[Length(max=2000)])


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("What did you do?"), validators=[DataRequired(_l("Write a short note on what you did."))])


# ------------------------------------------------------------------ users

class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address."))])
    role = RadioField(_l("Role"), choices=[], validators=[InputRequired(_l("Choose a role."))])
    areas = CheckboxGroup(_l("Areas"), choices=[], description=_l("Districts for a worker; the municipality or districts for a coordinator."))
    organisation = SelectField(_l("Organisation (for an organisation editor)"), choices=[], validate_choice=False)
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
