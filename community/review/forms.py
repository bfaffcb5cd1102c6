"""The review's parameters, read from the query string so every view can be shared as a link."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange

from ..formbase import Form
from ..services.coverage import parameters


class ReviewForm(Form):
    """GET form: no CSRF (it changes nothing); an absent parameter keeps its default."""

    class Meta:
        csrf = False

    level = SelectField(_l("Level"), default="district")
    measure = SelectField(_l("Measure on the map"), default="gap")
    method = SelectField(_l("Method"), default="2sfca")
    distance = IntegerField(
        _l("Walking distance in metres"), default=800,
        validators=[NumberRange(*parameters.DISTANCE_RANGE, message=_l(
                        "The walking distance must be a whole number of metres from %(min)s to %(max)s."))])
    period = IntegerField(
        _l("Activities of the last ... days"), default=90,
        validators=[NumberRange(*parameters.PERIOD_RANGE, message=_l(
                        "The period must be a whole number of days from %(min)s to %(max)s."))])
    sort = SelectField(_l("Sort by"), default="rank")
    order = SelectField(_l("Order"), default="asc")

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.args = formdata
        self.weights = parameters.DEFAULT_WEIGHTS
        self.weight_errors = []
        from .. import taxonomy
        from ..i18n import current_locale
        self.level.choices = [(c, taxonomy.AREA_LEVELS.label(c, current_locale())) for c in parameters.LEVELS]
        self.measure.choices = list(parameters.measure_labels().items())
        self.method.choices = list(parameters.method_labels().items())
        self.sort.choices = [(c, c) for c in parameters.SORTS]
        self.order.choices = [("asc", _l("ascending")), ("desc", _l("descending"))]
        # IntegerField's own message for "abc" is "Not a valid integer value": say which field.
        self.distance.messages_invalid = _l("The walking distance must be a whole number of metres.")
        self.period.messages_invalid = _l("The period must be a whole number of days.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field, message in ((self.distance, self.distance.messages_invalid),
                               (self.period, self.period.messages_invalid)):
            if field.raw_data and field.data is None:
                field.errors[:] = [str(message)]
        for field in (self.level, self.measure, self.method, self.sort, self.order):
            if field.errors:
                field.errors[:] = [gettext("Choose one of the offered values for “%(field)s”.", field=field.label.text)]
        weights, problems = parameters.parse_weights(self.args)
        self.weights = weights
        self.weight_errors = problems
        return ok and not problems

    def params(self) -> parameters.ReviewParams:
        return parameters.ReviewParams(level=self.level.data, method=self.method.data, distance=self.distance.data,
                                period=self.period.data, weights=self.weights, measure=self.measure.data,
                                sort=self.sort.data, order=self.order.data)

    def all_errors(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary."""
        out = [(name, str(msg)) for name, msgs in self.errors.items() for msg in msgs]
        return out + [(f"w_{name}", msg) for name, msg in self.weight_errors]

