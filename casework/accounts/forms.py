from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from casework.accounts import timezones
from casework.accounts.passwords import MIN_PASSWORD_LENGTH
from casework.accounts.roles import Country, Role


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


def role_choices():
    return [(r.value, r.label) for r in Role]


class OfficeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), choices=[(c.value, c.label) for c in Country])
    timezone = SelectField(_l("Time zone"), choices=timezones.zone_choices(),
                           validators=[Optional()],  # left out: the country's usual zone
                           description=_l("Pages show times, and forms read them, in this "
                                          "time zone for everyone in the office."))
    active = BooleanField(_l("Active"), default=True)


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices)
    office = SelectField(_l("Office"))
    supervised = SelectMultipleField(_l("Offices supervised (supervisors only)"))
    active = BooleanField(_l("Active"), default=True)
    password = PasswordField(
        _l("Password"),
        validators=[Length(max=1024)],
        description=_l("At least %(n)d characters. Leave empty to keep the current one.",
                       n=MIN_PASSWORD_LENGTH),
    )


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Code"), validators=[DataRequired(), Length(max=32)],
        description=_l("The 6-digit code from your authenticator app, or one of your "
                       "recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off",
                   "spellcheck": "false"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from your app"), validators=[DataRequired(), Length(max=32)],
        description=_l("After scanning, type the 6-digit code your app shows."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
