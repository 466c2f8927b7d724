from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from assets.blueprints.forms import blank_to_none
from assets.models import ROLE_LABELS
from assets.services.accounts import PASSWORD_RULE


def _optional_int(value):
    value = blank_to_none(value)
    return None if value is None else int(value)


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email (their login)", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=list(ROLE_LABELS.items()))
    person_id = SelectField(
        "Linked staff record",
        coerce=_optional_int,
        description="So they can see and sign for their own equipment",
    )
    password = PasswordField(
        "First password",
        validators=[DataRequired(), Length(max=200)],
        description=PASSWORD_RULE + ". They must change it when they first log in.",
    )
