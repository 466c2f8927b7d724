from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from assets.blueprints.forms import MoneyField, optional_int
from assets.models import CONDITIONS
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH, TAG_LENGTH


class AssetForm(FlaskForm):
    tag = StringField(
        "Asset tag",
        validators=[DataRequired(), Length(max=TAG_LENGTH)],
        description="As printed on the label, e.g. ASH-00042",
    )
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=NAME_LENGTH)],
        description="What people call it, e.g. Dell Latitude 3440",
    )
    category_id = SelectField("Category", coerce=int, validators=[DataRequired()])
    location_id = SelectField("Location", coerce=optional_int, validate_choice=True)
    manufacturer = StringField("Manufacturer", validators=[Optional(), Length(max=80)])
    model = StringField("Model", validators=[Optional(), Length(max=120)])
    serial_number = StringField("Serial number", validators=[Optional(), Length(max=80)])
    condition = SelectField("Condition", choices=[(c, c.capitalize()) for c in CONDITIONS])
    purchase_date = DateField("Purchase date", validators=[Optional()])
    purchase_cost = MoneyField("Purchase cost (£)", validators=[Optional()])
    supplier = StringField("Supplier", validators=[Optional(), Length(max=120)])
    warranty_end = DateField("Warranty ends", validators=[Optional()])
    encrypted = BooleanField("Encrypted or password protected (policy 10.2)")
    software_image = StringField(
        "Software image",
        validators=[Optional(), Length(max=120)],
        description="The fixed image installed (policy 8.2)",
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=NOTES_LENGTH)])


class RetireForm(FlaskForm):
    reason = StringField("Why is it being retired?", validators=[DataRequired(), Length(max=200)])


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    terms_kind = SelectField(
        "Loan terms",
        choices=[
            ("laptop", "Laptop terms (policy section 8)"),
            ("equipment", "Equipment terms (policy section 10)"),
        ],
    )
    loan_kind = SelectField(
        "Kind of loan",
        choices=[
            ("allocation", "Long allocation (until the contract ends)"),
            ("short", "Short loan with a due date"),
        ],
    )
    default_loan_days = IntegerField(
        "Usual loan length (days)",
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description="A short loan is due back after this unless another date is chosen "
        "(7 days if left empty).",
    )
    max_loan_days = IntegerField(
        "Longest loan (days)",
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description="Staff signing out for themselves stay within it; the IT desk may lend "
        "for longer only by saying why. Empty: the usual loan length.",
    )
    self_service = BooleanField(
        "Self-service: staff may sign these out for themselves",
        description="Short loans of equipment only, never laptops under section 8. "
        "Only an admin changes this.",
    )
    mobile_device = BooleanField(
        "Mobile device (laptop, tablet or phone): lent only when encrypted or password "
        "protected (policy 10.2)",
        description="Always on for categories under the laptop terms.",
    )
    booking_needs_approval = BooleanField(
        "Bookings need the IT technician's approval",
        description="A booking holds its time while it waits; declining frees it.",
    )
    max_booking_hours = IntegerField(
        "Longest booking (hours)",
        validators=[Optional(), NumberRange(min=1, max=8784)],
        description="For staff booking for themselves; the IT desk may book for longer. "
        "Empty: no limit.",
    )
    min_notice_hours = IntegerField(
        "Least notice for a booking (hours)",
        validators=[Optional(), NumberRange(min=0, max=8784)],
        description="How long ahead staff must book. Empty: none.",
    )


class LocationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
