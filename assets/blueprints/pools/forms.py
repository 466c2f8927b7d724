import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from assets.blueprints.bookings.forms import BookingForm
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH


class PoolForm(FlaskForm):
    name = StringField(
        "Name",
        description="Such as \u201cLoan iPads, IT office\u201d.",
        render_kw={"maxlength": NAME_LENGTH},
    )
    category_id = SelectField("Category of its units", coerce=int, validate_choice=False)
    location_id = SelectField("Where they are kept", coerce=int, validate_choice=False)
    notes = TextAreaField(
        "Notes", validators=[Optional()], render_kw={"rows": 2, "maxlength": NOTES_LENGTH}
    )


class PoolBookingForm(BookingForm):
    """The booking form, by number from a pool rather than by tag."""

    tag = None
    quantity = StringField(
        "How many",
        description="Any of the pool's units: they are chosen when collected.",
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6},
    )

    def quantity_value(self) -> int | None:
        """The number typed, or None with the reason on the field."""
        text = (self.quantity.data or "").strip()
        if not re.fullmatch(r"[+-]?[0-9]{1,6}", text):
            self.quantity.errors = [
                *self.quantity.errors,
                "Say how many as a whole number, such as 3.",
            ]
            return None
        return int(text)


class PoolCollectForm(FlaskForm):
    """The units scanned (one tag a line), the desk's "fewer than booked", then the borrower's
    signature for them."""

    tags = TextAreaField(
        "Units handed over",
        description="Scan each unit's label, or type its tag: one a line.",
        render_kw={
            "rows": 4,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )
    fewer_ok = BooleanField("Fewer than booked are handed over: record it on the booking")
    terms_ids = HiddenField()
    signature = HiddenField()
