from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from assets.blueprints.forms import optional_int
from assets.models import ROLE_LABELS
from assets.services.people.passwords import PASSWORD_RULE


class LoginDetailsForm(FlaskForm):
    """What an admin corrects on a login."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email (their login)", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=list(ROLE_LABELS.items()))
    person_id = SelectField(
        "Linked staff record",
        coerce=optional_int,
        description="So they can see and sign for their own equipment",
    )


class UserForm(LoginDetailsForm):
    password = PasswordField(
        "First password",
        validators=[DataRequired(), Length(max=200)],
        description=PASSWORD_RULE + ". They must change it when they first log in.",
    )


class TemporaryPasswordForm(FlaskForm):
    """The temporary password an admin sets for a login (not the reset-link form in auth)."""

    password = PasswordField(
        "Temporary password",
        validators=[DataRequired(), Length(max=200)],
        description=PASSWORD_RULE + ". They must change it when they next log in.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Temporary password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
