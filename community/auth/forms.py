"""Forms for logging in and choosing passwords."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, EqualTo, InputRequired

from ..formbase import Form


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address."))],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"),
                                     validators=[InputRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[InputRequired(_l("Enter a new password."))],
                                 description=_l("At least 10 characters. A few words in a row are easy to remember."),
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[EqualTo("new_password", _l("The two new passwords are not the same."))],
                            render_kw={"autocomplete": "new-password"})


class PasswordResetForm(Form):
    password = PasswordField(_l("New password"), validators=[InputRequired(_l("Enter a new password."))],
                             description=_l("At least 10 characters. A few words in a row are easy to remember."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"),
                            validators=[EqualTo("password", _l("The two passwords are not the same."))],
                            render_kw={"autocomplete": "new-password"})


class LogoutForm(Form):
    """Only the CSRF token: logging out is a POST so another site cannot log people out."""
