from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from assets.blueprints.forms import optional_int
from assets.models.asset import TAG_LENGTH


class StartStocktakeForm(FlaskForm):
    location_id = SelectField("Where", coerce=optional_int)


class ScanForm(FlaskForm):
    """One scanned or typed code; the page's script posts it as JSON, a plain form as a form."""

    code = StringField("Code", validators=[DataRequired(), Length(max=500)])


class MoveHereForm(FlaskForm):
    tag = StringField("Tag", validators=[DataRequired(), Length(max=TAG_LENGTH)])
