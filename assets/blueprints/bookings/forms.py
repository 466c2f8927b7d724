from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assets.models.booking import PURPOSE_LENGTH


class BookingForm(FlaskForm):
    tag = StringField(
        "Item",
        validators=[DataRequired(message="Type or scan the tag of the item to book.")],
        description="The asset tag on its label.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    person_id = SelectField("For", coerce=int, validate_choice=False)
    day = DateField("Date", validators=[InputRequired(message="Choose the date.")])
    starts = TimeField("From", validators=[InputRequired(message="Choose the start time.")])
    ends = TimeField("Until", validators=[InputRequired(message="Choose the end time.")])
    end_day = DateField(
        "Until the date",
        validators=[Optional()],
        description="Only for a booking over several days; leave empty for the same day.",
    )
    repeat_until = DateField(
        "Repeat every week until",
        validators=[Optional()],
        description="Leave empty to book once. If any week clashes, nothing is booked.",
    )
    purpose = StringField(
        "What for",
        validators=[Optional(), Length(max=PURPOSE_LENGTH)],
        description="Optional: the class or trip, say.",
    )


class BookingActionForm(FlaskForm):
    """Cancel, approve or decline one booking: its id, and the CSRF token."""

    booking_id = HiddenField()
    decision = HiddenField()
