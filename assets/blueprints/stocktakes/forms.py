from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from assets.blueprints.forms import blank_to_none


def blank_to_none_int(value):
    value = blank_to_none(value)
    return None if value is None else int(value)


class StartStocktakeForm(FlaskForm):
    location_id = SelectField("Where", coerce=blank_to_none_int)


class ScanForm(FlaskForm):
    """One scanned or typed code; the page's script posts it as JSON, a plain form as a form."""

    code = StringField("Code", validators=[DataRequired(), Length(max=500)])


class MoveHereForm(FlaskForm):
    tag = StringField("Tag", validators=[DataRequired(), Length(max=40)])


class ConfirmForm(FlaskForm):
    """A POST with nothing but its CSRF token."""
