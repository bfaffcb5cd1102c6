"""The one description of every listing field: type, vocabulary, label, import columns, HSDS place.

Forms (work/forms.py), the one writer (services/writer.py), the importers, the review-queue diff,
audit labels, the listings CSV export and the HSDS export all read these descriptions; adding a
field means adding it here (and a migration for its column). See "How to add a field" in README.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from . import taxonomy

YES = frozenset({"1", "true", "yes", "ja", "oui", "y", "j", "x", "waar"})
NO = frozenset({"", "0", "false", "no", "nee", "non", "n", "onwaar"})
# Control characters no text column should hold (PostgreSQL refuses NUL; none has a meaning here).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_character(text: str) -> bool:
    """Does the text hold a control character other than tab and line breaks?"""
    return bool(_CONTROL.search(text))


def split_list(text: str) -> list[str]:
    """'a|b', 'a; b' or 'a, b' -> ['a', 'b'] (the first separator found wins)."""
    for sep in ("|", ";", ","):
        if sep in text:
            return [p.strip() for p in text.split(sep) if p.strip()]
    return [text.strip()] if text.strip() else []


@dataclass(frozen=True)
class Field:
    """One field of an entity. `kind` decides the form widget, parsing, storage and export:

    text, longtext, url, email: strings (stripped, at most `max_length`);
    choice: one code of `vocabulary`; codes: several codes (stored as initiative terms under
    `scheme`, or as a JSON list when `scheme` is None); bool; date; float; rooms (name (capacity));
    for activities also datetime, ref (another record's id) and count (a whole number, 0 or more).
    """

    name: str
    kind: str
    label: object
    vocabulary: taxonomy.Vocabulary | None = None
    scheme: str | None = None          # initiative_term scheme for codes fields
    default: object = ""
    max_length: int | None = None
    required: object = None            # the message when it is left empty; None: optional
    help: object = None                # hint under the form field
    columns: tuple[str, ...] = ()      # other accepted import column names (nl, fr, synonyms)
    hsds: str | None = None            # the HSDS 3.0 field it fills (or "attribute": a taxonomy term)
    proposable: bool = True            # an organisation's editor may propose a change to it
    in_form: bool = True               # edited in the workspace form
    widget: str = ""                   # radio | select (choice fields); checkboxes for codes
    width: str = ""                    # short: a narrow form field
    group: str = ""                    # fields shown together under one legend (address, position)
    filter: str = ""                   # the finder's URL parameter for this vocabulary
    not_future: bool = False           # dates that cannot lie ahead (verified on ...)
    bounds: tuple[float, float] | None = None

    @property
    def import_names(self) -> tuple[str, ...]:
        return (self.name, *self.columns)

    def empty(self):
        if self.kind == "codes":
            return []
        if self.kind == "bool":
            return False
        if self.kind in ("date", "float"):
            return None
        return self.default

    def clean(self, value, today: date | None = None):
        """The stored value for a form or file value; ValueError with a message naming no field."""
        if self.kind == "codes":
            return self._codes(value)
        if self.kind == "rooms":
            return _rooms(value, self.max_length)
        if isinstance(value, str):
            if _CONTROL.search(value):
                raise ValueError("contains a control character (such as a NUL byte)")
            value = value.strip()
        if value is None or value == "":
            return self.empty()
        if self.kind == "choice":
            code = self.vocabulary.lookup(value)
            if code is None:
                raise ValueError(f"{value!r} is not one of {', '.join(self.vocabulary.codes)}")
            return code
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in YES:
                return True
            if text in NO:
                return False
            raise ValueError(f"{value!r} is not yes or no")
        if self.kind == "date":
            return self._date(value, today)
        if self.kind == "float":
            return self._float(value)
        text = str(value)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"is {len(text)} characters long; at most {self.max_length}")
        return text

    def _codes(self, value) -> list[str]:
        parts = split_list(value) if isinstance(value, str) else [str(v) for v in (value or ())]
        codes = []
        for part in parts:
            code = self.vocabulary.lookup(part)
            if code is None:
                raise ValueError(f"{part!r} is not a known {self.vocabulary.name.replace('_', ' ')} "
                                 f"(use one of {', '.join(self.vocabulary.codes)} or its Dutch label)")
            codes.append(code)
        return sorted(set(codes))

    def _date(self, value, today: date | None) -> date:
        if isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                raise ValueError(f"{value!r} is not a date like 2026-03-14") from None
        if self.not_future and today is not None and value > today:
            raise ValueError(f"{value.isoformat()} lies in the future")
        return value

    def _float(self, value) -> float:
        try:
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a number")
        if self.bounds and not self.bounds[0] <= number <= self.bounds[1]:
            raise ValueError(f"{number} is not between {self.bounds[0]:g} and {self.bounds[1]:g}")
        return round(number, 7)


MAX_ROOMS = 200
MAX_CAPACITY = 100_000
# 'Zaal (99999999999999999999)' or 'Zaal (-5)': meant as a capacity, but not one we can store.
_CAPACITY_LIKE = re.compile(r"\(\s*[-+]?[\d\s.,]*\d[\d\s.,]*\)$")


def _rooms(value, max_length: int | None) -> list[str]:
    """'Grote zaal (60)' per line (or a list of such) -> ['Grote zaal (60)'], names stripped."""
    rooms = parse_rooms(value)
    if len(rooms) > MAX_ROOMS:
        raise ValueError(f"{len(rooms)} rooms; at most {MAX_ROOMS} per meeting place")
    for name, capacity in rooms:
        if max_length and len(name) > max_length:
            raise ValueError(f"the room name {name[:40]!r}... is {len(name)} characters long; at most {max_length}")
        if _CONTROL.search(name):
            raise ValueError("contains a control character (such as a NUL byte)")
        if (capacity is None and _CAPACITY_LIKE.search(name)) or (capacity or 0) > MAX_CAPACITY:
            raise ValueError(f"the capacity of the room {name[:40]!r} must be a whole number from 1 to {MAX_CAPACITY}")
    return [room_text(name, capacity) for name, capacity in rooms]


def room_text(name: str, capacity: int | None) -> str:
    """How a room is written in forms, files and the audit log: 'Grote zaal (60)'."""
    return f"{name} ({capacity})" if capacity else name


def parse_rooms(text_or_list) -> list[tuple[str, int | None]]:
    """'Grote zaal (60)' per line -> [('Grote zaal', 60)]."""
    lines = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list or [])
    rooms = []
    for line in lines:
        line = str(line).strip()
        if not line:
            continue
        capacity = None
        if line.endswith(")") and "(" in line:
            name, _sep, rest = line.rpartition("(")
            if rest[:-1].strip().isdigit() and len(rest[:-1].strip()) <= 6:
                line, capacity = name.strip(), int(rest[:-1].strip())
        rooms.append((line, capacity))
    return rooms


@dataclass(frozen=True)
class Entity:
    """A kind of record and its fields, in the order forms and exports show them."""

    name: str
    label: object
    fields: tuple[Field, ...]
    # The columns that name a related record of this kind in another entity's file
    # (an initiative row names its organisation and place).
    ref_columns: tuple[str, ...] = ()
    id_columns: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    _by_name: dict = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._by_name.update({f.name: f for f in self.fields})

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def form_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_form)

    @property
    def term_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind == "codes" and f.scheme)

    @property
    def column_fields(self) -> tuple[Field, ...]:
        """Fields stored in the entity's own table."""
        return tuple(f for f in self.fields if not (f.kind == "codes" and f.scheme) and f.kind != "rooms")


def _choice(name, label, vocabulary, default, **kw) -> Field:
    return Field(name, "choice", label, vocabulary=vocabulary, default=default, **kw)


def _codes(name, label, vocabulary, scheme=None, **kw) -> Field:
    return Field(name, "codes", label, vocabulary=vocabulary, scheme=scheme, **kw)


ORGANISATION = Entity("organisation", _l("Organisation"), (
    Field("name", "text", _l("Name"), max_length=300, required=_l("Enter the organisation's name."),
          columns=("naam", "nom"), hsds="name"),
    Field("description", "longtext", _l("Description"), max_length=5000,
          columns=("beschrijving", "omschrijving"), hsds="description"),
    Field("website", "url", _l("Website"), max_length=500, columns=("webpagina", "site"), hsds="website"),
    Field("email", "email", _l("E-mail address"), max_length=300, columns=("e-mail", "mail", "courriel"),
          hsds="email"),
    Field("phone", "text", _l("Phone"), max_length=100, columns=("telefoon", "tel", "telephone"),
          hsds="phones"),
    _codes("languages", _l("Languages spoken"), taxonomy.LANGUAGES, columns=("talen", "taal", "langues")),
), ref_columns=("organisation", "organization", "organisatie", "organisation_name"),
    id_columns=("organisation_id", "organization_id", "organisatie_id"),
    prefixes=("organisation_", "organisatie_"))

INITIATIVE = Entity("initiative", _l("Initiative"), (
    Field("name", "text", _l("Name"), max_length=300, required=_l("Enter the initiative's name."),
          columns=("initiative", "naam", "initiatief", "nom"), hsds="name"),
    Field("description", "longtext", _l("Description"), max_length=5000,
          help=_l("Plain words, warm and respectful: 'for everyone in the neighbourhood'."),
          columns=("beschrijving", "omschrijving"), hsds="description"),
    _choice("status", _l("Status"), taxonomy.STATUSES, "active", widget="select", hsds="status"),
    _codes("working_models", _l("Working models"), taxonomy.WORKING_MODELS, "working_model",
           columns=("working_model", "werkmodellen", "werkmodel"), hsds="attribute", filter="model"),
    _codes("target_groups", _l("Target groups"), taxonomy.TARGET_GROUPS, "target_group",
           columns=("target_group", "doelgroepen", "doelgroep"), hsds="attribute", filter="group"),
    _codes("network_functions", _l("Network functions"), taxonomy.NETWORK_FUNCTIONS, "network_function",
           columns=("netwerkfuncties", "netwerkfunctie"), hsds="attribute", filter="function"),
    _choice("tie_type", _l("Kind of ties"), taxonomy.TIE_TYPES, "both", widget="radio",
            columns=("band", "soort_band", "bonding_bridging"), hsds="attribute"),
    _choice("cost", _l("Cost"), taxonomy.COSTS, "free", widget="radio",
            columns=("kost", "kostprijs", "prijsklasse"), hsds="cost_options"),
    Field("price", "text", _l("Price details"), max_length=300, columns=("prijs", "tarief"),
          hsds="fees_description"),
    _choice("childcare", _l("Children"), taxonomy.CHILDCARE, "unknown", widget="select",
            columns=("kinderopvang", "kinderen"), hsds="attribute"),
    _choice("wheelchair", _l("Wheelchair access"), taxonomy.WHEELCHAIR, "unknown", widget="select",
            columns=("rolstoel", "rolstoeltoegankelijk"), hsds="accessibility"),
    Field("low_literacy", "bool", _l("Easy to read and follow (low literacy friendly)"),
          columns=("laaggeletterdheid", "laaggeletterdheidsvriendelijk", "eenvoudige_taal")),
    Field("registration_required", "bool", _l("Registration needed"),
          columns=("inschrijving", "inschrijving_nodig"), hsds="application_process"),
    _codes("languages", _l("Languages"), taxonomy.LANGUAGES, "language", columns=("talen", "taal", "langues"),
           hsds="languages", filter="language"),
    Field("contact", "longtext", _l("Contact"), max_length=2000, hsds="contacts"),
    Field("url", "url", _l("Web page"), max_length=500, columns=("website", "webpagina"), hsds="url"),
    Field("last_verified", "date", _l("Last verified"), default=None, not_future=True, in_form=False,
          proposable=False, columns=("laatst_gecontroleerd", "gecontroleerd_op"), hsds="assured_date"),
), id_columns=("external_id", "id", "extern_id", "initiative_id",
                                                        "initiatief_id"))

MEETING_PLACE = Entity("meeting_place", _l("Meeting place"), (
    Field("name", "text", _l("Name"), max_length=300, required=_l("Enter the meeting place's name."),
          columns=("naam", "nom"), hsds="name"),
    _choice("kind", _l("Kind of place"), taxonomy.PLACE_KINDS, "other", widget="select",
            columns=("place_kind", "soort_plek", "type_plek", "soort")),
    Field("street", "text", _l("Street"), max_length=300, columns=("straat", "rue"), group="address",
          hsds="addresses"),
    Field("number", "text", _l("House number"), max_length=30, width="short", group="address",
          columns=("house_number", "huisnummer", "nr", "nummer"), hsds="addresses"),
    Field("postcode", "text", _l("Postcode"), max_length=10, width="short", group="address",
          columns=("postal_code", "zip"), hsds="addresses"),
    Field("municipality", "text", _l("Municipality"), max_length=100, group="address",
          columns=("city", "gemeente", "stad", "commune"), hsds="addresses"),
    Field("latitude", "float", _l("Latitude"), default=None, bounds=(-90, 90), group="position",
          help=_l("Leave empty to look the address up in our address data."),
          columns=("lat", "breedtegraad"), hsds="latitude"),
    Field("longitude", "float", _l("Longitude"), default=None, bounds=(-180, 180), group="position",
          columns=("lon", "lng", "lengtegraad"), hsds="longitude"),
    Field("accessibility", "longtext", _l("Accessibility"), max_length=2000, columns=("toegankelijkheid",),
          hsds="accessibility"),
    _choice("wheelchair", _l("Wheelchair access"), taxonomy.WHEELCHAIR, "unknown", widget="select",
            columns=("rolstoel",), hsds="accessibility"),
    Field("rooms", "rooms", _l("Rooms"), max_length=200, help=_l("One per line, with the capacity in brackets: Grote zaal (60)."),
          columns=("zalen", "lokalen")),
), ref_columns=("place", "meeting_place", "plek", "locatie", "ontmoetingsplek", "lieu"),
    id_columns=("place_id", "plek_id", "locatie_id"), prefixes=("place_", "plek_"))

# Schedule fields as files name them (the workspace has its own schedule form: days as boxes).
SCHEDULE = Entity("schedule", _l("Opening time"), (
    _choice("frequency", _l("How often"), taxonomy.FREQUENCIES, "weekly", columns=("frequentie",),
            hsds="freq"),
    Field("weekdays", "text", _l("On which days"), max_length=60,
          columns=("weekday", "dagen", "dag", "weekdag"), hsds="byday"),
    Field("start", "text", _l("Start time"), max_length=10, columns=("start_time", "begin", "van", "beginuur"),
          hsds="opens_at"),
    Field("end", "text", _l("End time"), max_length=10, columns=("end_time", "einde", "tot", "einduur"),
          hsds="closes_at"),
    Field("nth", "text", _l("Which week of the month (monthly only)"), max_length=3,
          columns=("week_van_de_maand",), hsds="byday"),
    Field("date", "text", _l("Date (once only)"), max_length=10, columns=("datum", "on_date"), hsds="dtstart"),
    Field("valid_from", "text", _l("From (optional)"), max_length=10, columns=("geldig_van", "vanaf"),
          hsds="valid_from"),
    Field("valid_until", "text", _l("Until (optional)"), max_length=10, columns=("geldig_tot", "tot_en_met"),
          hsds="valid_to"),
    Field("note", "text", _l("Note (optional)"), max_length=300,
          columns=("schedule_note", "opmerking_uurrooster", "opmerking"), hsds="notes"),
), prefixes=("schedule_",))

# Activities: what the plan and "done" forms ask and the audit log records (counts, never names).
ACTIVITY = Entity("activity", _l("Activity"), (
    Field("title", "text", _l("Title"), max_length=300, required=_l("Enter a title, for example 'Soup and chat'.")),
    Field("starts_at", "datetime", _l("Start time"), default=None),
    Field("ends_at", "datetime", _l("End time"), default=None),
    Field("place_id", "ref", _l("Meeting place"), default=None),
    Field("room_id", "ref", _l("Room (optional)"), default=None),
    Field("visibility", "text", _l("Who may see it"), default="internal"),
    Field("status", "text", _l("Status"), default="planned"),
    _codes("working_models", _l("Working models"), taxonomy.WORKING_MODELS, "working_model"),
    _codes("target_groups", _l("Target groups"), taxonomy.TARGET_GROUPS, "target_group"),
    Field("participants", "count", _l("Participants"), default=None),
    Field("new_participants", "count", _l("Of whom new"), default=None,
          help=_l("People who came for the first time.")),
    Field("volunteers", "count", _l("Volunteers"), default=None),
    _codes("target_groups_reached", _l("Target groups reached"), taxonomy.TARGET_GROUPS, "target_group_reached",
           in_form=False),
    Field("reflection", "longtext", _l("Short reflection (optional)"), max_length=2000, in_form=False,
          help=_l("What went well, what would you change? No names, e-mail addresses or phone numbers of residents.")),
))

# Initiative first: a label asked for without its entity is most often an initiative's.
ENTITIES = {e.name: e for e in (INITIATIVE, ORGANISATION, MEETING_PLACE, SCHEDULE, ACTIVITY)}

# Names that appear in the audit log and the review queue besides the entities' own fields.
_OTHER_LABELS = {"organisation_id": _l("Organisation"), "place_id": _l("Meeting place"),
                 "archived_at": _l("Archived"), "schedule": _l("Opening time"), "report": _l("Report")}


def label_of(name: str, entity_type: str | None = None) -> str:
    """The label of a field for people (audit log, review diff), in the current language."""
    for entity in ([ENTITIES[entity_type]] if entity_type in ENTITIES else []) + list(ENTITIES.values()):
        if name in entity:
            return str(entity[name].label)
    if name in _OTHER_LABELS:
        return str(_OTHER_LABELS[name])
    return name.replace("_", " ")

