from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from assets.blueprints.forms import optional_int
from assets.models import ROLE_LABELS
from assets.services.people.logins import PASSWORD_RULE


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email (their login)", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=list(ROLE_LABELS.items()))
    person_id = SelectField(
        "Linked staff record",
        coerce=optional_int,
        description="So they can see and sign for their own equipment",
    )
    password = PasswordField(
        "First password",
        validators=[DataRequired(), Length(max=200)],
        description=PASSWORD_RULE + ". They must change it when they first log in.",
    )
