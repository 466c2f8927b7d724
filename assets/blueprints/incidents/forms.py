from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from assets.blueprints.forms import MoneyField
from assets.models.asset import TAG_LENGTH
from assets.models.incident import KIND_LABELS, UNSECURED_LABELS
from assets.security import whole_number
from assets.services.common.clock import local_date
from assets.services.incidents.incidents import NO_LOAN

PHOTO_TYPES = "image/jpeg,image/png"


class IncidentForm(FlaskForm):
    """A report as the IT desk files it: any asset, by its tag."""

    tag = StringField(
        "Asset tag",
        validators=[DataRequired("Give the tag printed on the label."), Length(max=TAG_LENGTH)],
        description="As printed on the label, e.g. ASH-0042",
    )
    kind = SelectField(
        "What kind of problem?",
        choices=[("", "— choose —"), *KIND_LABELS.items()],
        validators=[DataRequired("Choose what kind of problem it is.")],
    )
    occurred_on = DateField(
        "When did it happen?",
        default=local_date,
        validators=[InputRequired("Give the date it happened.")],
    )
    occurred_time = TimeField("About what time? (if you know)", validators=[Optional()])
    place = StringField(
        "Where did it happen?",
        validators=[Optional(), Length(max=200)],
        description="e.g. my car outside home, the Year 1 classroom",
    )
    unsecured = SelectField(
        "Was it left in a vehicle overnight or somewhere else unsecured?",
        choices=list(UNSECURED_LABELS.items()),
        description="Policy 8.3: never in a vehicle overnight or another unsecured place.",
    )
    description = TextAreaField(
        "What happened?",
        validators=[DataRequired("Say what happened."), Length(max=4000)],
    )
    police_reference = StringField(
        "Police crime reference",
        validators=[Optional(), Length(max=40)],
        description=(
            "Theft and criminal damage must be reported to the police too (policy 10.1). "
            "Add the reference now or later."
        ),
    )
    photos = MultipleFileField("Photos (optional)", render_kw={"accept": PHOTO_TYPES})
    # The choices are the loans the item's report may concern (the view fills them); the
    # service checks the answer against the same list.
    loan_id = RadioField(
        "Whose loan does the report concern?",
        validate_choice=False,
        description="Its borrower sees the report, and only a borrower can be charged (8.6).",
    )


class StaffIncidentForm(IncidentForm):
    """A borrower's report: only items they hold or have held, chosen from a list, about
    their own loan."""

    tag = SelectField(
        "Which item?", validators=[DataRequired("Choose the item.")], validate_choice=False
    )
    loan_id = None


def chosen_loan(value: str | None) -> int | None:
    """The loan_id answer as report_incident takes it: None when not given, NO_LOAN for
    "nobody", else the loan's id (one that is not an id is no loan's, and is refused as such)."""
    value = (value or "").strip()
    if not value:
        return None
    if value == str(NO_LOAN):
        return NO_LOAN
    return whole_number(value) or -1


class StatusForm(FlaskForm):
    status = SelectField("Move the case to", validators=[DataRequired("Choose a status.")])
    status_note = TextAreaField(
        "Note (what was done, the outcome)", validators=[Optional(), Length(max=2000)]
    )


class PoliceForm(FlaskForm):
    police_reference = StringField(
        "Police crime reference",
        validators=[DataRequired("Give the police crime reference."), Length(max=40)],
    )


class RepairForm(FlaskForm):
    supplier = StringField("Repaired by", validators=[Optional(), Length(max=120)])
    cost = MoneyField("Cost (£)", validators=[Optional()])
    sent_on = DateField("Sent for repair on", validators=[Optional()])
    returned_on = DateField("Back on", validators=[Optional()])
    repair_notes = TextAreaField("Repair notes", validators=[Optional(), Length(max=4000)])


class ChargeForm(FlaskForm):
    applies = SelectField(
        "Is a charge made? (policy 8.6)",
        choices=[("no", "No charge"), ("yes", "Yes, the borrower is charged")],
    )
    amount = MoneyField(
        "Amount (£)",
        validators=[Optional(), NumberRange(max=99_999, message="A charge is at most £99,999.")],
    )
    reason = TextAreaField(
        "Reason",
        validators=[Optional(), Length(max=4000)],
        description="For a charge: the evidence that the laptop was not used as the policy says.",
    )


class SettleForm(FlaskForm):
    settlement = SelectField("The charge was", choices=[("paid", "Paid"), ("waived", "Waived")])
    settlement_note = StringField("Note", validators=[Optional(), Length(max=2000)])


class PhotosForm(FlaskForm):
    photos = MultipleFileField("Add photos", render_kw={"accept": PHOTO_TYPES})
