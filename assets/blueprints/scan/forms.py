from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired


class MoveForm(FlaskForm):
    location_id = SelectField("Move to", coerce=int, validators=[DataRequired()])
