"""Forms on public pages: only the anonymous 'this information is outdated' report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..formbase import Form


class OutdatedReportForm(Form):
    message = TextAreaField(
        _l("What is no longer right?"),
        description=_l("For example: the times changed, it moved, it stopped. Please do not write your name "
                       "or contact details: we store only this message."),
        validators=[DataRequired(message=_l("Write what is no longer right.")),
                    Length(min=5, max=2000, message=_l("Write between 5 and 2,000 characters."))])
