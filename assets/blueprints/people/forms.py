from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class PersonForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    staff_number = StringField("Staff number", validators=[Optional(), Length(max=40)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=120)])
    contract_end_date = DateField(
        "Contract ends", validators=[Optional()], description="Leave empty for a permanent contract"
    )
    active = BooleanField("Currently on the staff", default=True)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=4000)])


class RetentionForm(FlaskForm):
    retention_years = IntegerField(
        "Years to keep personal data after someone leaves",
        validators=[DataRequired("Give a whole number of years."), NumberRange(1, 100)],
    )
