from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from assets.blueprints.forms import date_in_range
from assets.models.booking import PURPOSE_LENGTH


class BookingForm(FlaskForm):
    tag = StringField(
        "Item",
        validators=[DataRequired(message="Type or scan the tag of the item to book.")],
        description="The asset's or kit's tag on its label.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    person_id = SelectField("For", coerce=int, validate_choice=False)
    day = DateField("Date", validators=[InputRequired(message="Choose the date."), date_in_range])
    # The school's bookable periods (set by the view), or "" for free times.
    # Checked by the view, which says when a period has gone since the page was shown.
    period = SelectField(
        "Lesson period",
        default="",
        validate_choice=False,
        description="A period sets the times itself: the From and Until times below are "
        "then left aside. Choose Free times to use them.",
    )
    # Required unless a period is chosen: the view says so.
    starts = TimeField("From", validators=[Optional()])
    ends = TimeField("Until", validators=[Optional()])
    end_day = DateField(
        "Until the date",
        validators=[Optional(), date_in_range],
        description="Only for a booking over several days; leave empty for the same day.",
    )
    repeat_until = DateField(
        "Repeat every week until",
        validators=[Optional(), date_in_range],
        description="Leave empty to book once. Weeks that fall on no school day (holidays, "
        "INSET days, bank holidays) are left out. If any week clashes, nothing is booked.",
    )
    to_end_of_term = BooleanField(
        "Every week until the end of this term",
        description="Instead of the date above: to the last day of the term the date is in.",
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


class CollectForm(FlaskForm):
    """The borrower signs for a booked item at the desk: the terms shown, and the drawing."""

    terms_ids = HiddenField()
    signature = HiddenField()


class ExtendBookingForm(FlaskForm):
    """A booking's new end: a date and a time, school-local."""

    end_day = DateField(
        "Until the date", validators=[InputRequired(message="Choose the date."), date_in_range]
    )
    ends = TimeField("Until the time", validators=[InputRequired(message="Choose the time.")])


class FeedForm(FlaskForm):
    """Make (or replace) or revoke the calendar feed's link: which, and the CSRF token."""

    action = HiddenField()


class KitCollectForm(FlaskForm):
    """A booked kit handed over: the tags scanned so far (one a line; the kit's own label
    counts for every part), the scan just made, then the terms and the drawing."""

    scan = StringField(
        "Scan a part",
        description="Scan each part's label, or the kit's own: a scanner types the tag and "
        "presses Enter.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    add = SubmitField("Add")
    tags = TextAreaField(
        "Scanned so far", description="One tag a line. Add or remove tags by hand if needed."
    )
    go = SubmitField("Continue to signing")
    terms_ids = HiddenField()
    signature = HiddenField()
