from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TimeField

from assets.blueprints.forms import date_in_range
from assets.models import CLOSURE_KIND_LABELS


class ClockTimeField(TimeField):
    """A time of day typed as 08:50 (a time picker where the browser has one). "25:00" or
    "ten to nine" is refused with how to write it, and kept as typed."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Write the time on the 24-hour clock, such as 08:50.") from None


class SchoolDateField(DateField):
    """A date from 2000 to 2200 (date_in_range), or a message saying how to write one."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [*(validators or []), date_in_range], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Give a date, such as 02/09/2026.") from None


class PeriodForm(FlaskForm):
    name = StringField("Name", description="Such as Period 1, Registration or Lunch.")
    starts_at = ClockTimeField("Starts at")
    ends_at = ClockTimeField("Ends at")
    bookable = BooleanField(
        "Equipment can be booked for it", default=True, description="Lessons are; break is not."
    )


class TermForm(FlaskForm):
    name = StringField("Name", description="Such as Autumn term 2026.")
    first_day = SchoolDateField("First day")
    last_day = SchoolDateField("Last day", description="Half terms inside it are holidays.")


class ClosureForm(FlaskForm):
    kind = SelectField("Kind", choices=list(CLOSURE_KIND_LABELS.items()))
    name = StringField("Name", description="Such as Half term or INSET day.")
    first_day = SchoolDateField("First day closed")
    last_day = SchoolDateField("Last day closed", description="The same day for one day.")


class KeepTermsForm(FlaskForm):
    year = HiddenField()
