from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from assets.blueprints.forms import date_in_range
from assets.models import RETURN_CONDITION_LABELS, RETURN_CONDITIONS
from assets.security import whole_number


def id_list(text: str | None) -> list[int]:
    """ "3,7" -> [3, 7]; anything else in the list is dropped (a tampered list then fails the
    service's comparison with what is current)."""
    return [number for part in (text or "").split(",") if (number := whole_number(part))]


class CheckoutForm(FlaskForm):
    person_id = SelectField(
        "Borrower", coerce=int, validators=[DataRequired(message="Choose the borrower.")]
    )
    tags = TextAreaField(
        "Items",
        validators=[DataRequired(message="Type or scan the tag of at least one item.")],
        description="Type or scan each asset tag, one per line (or separated by spaces).",
        render_kw={
            "rows": 3,
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
        },
    )
    due_on = DateField(
        "Due back",
        validators=[Optional()],
        description="For short loans. Leave empty for the category's usual length; "
        "laptops allocated until the contract ends have no due date.",
    )
    awaiting_signature = BooleanField(
        "Hand over now; the borrower signs later, on their own login or at the desk"
    )
    # Shown when a rule asks for them (lending_rules): the desk only, then admins only.
    long_loan_reason = TextAreaField(
        "Why is it needed for longer than the longest loan?",
        validators=[Optional(), Length(max=500)],
        description="Kept on the loan.",
        render_kw={"rows": 2},
    )
    unencrypted_reason = TextAreaField(
        "Why lend it although it is not marked encrypted?",
        validators=[Optional(), Length(max=500)],
        description="Admins only (policy 10.2). Kept on the loan and listed on the "
        "compliance page until the device is encrypted.",
        render_kw={"rows": 2},
    )
    # The signing step: what was shown, and the drawing.
    stage = HiddenField(default="choose")
    terms_ids = HiddenField()
    signature = HiddenField()
    # Lending a kit (from its page): the list must be the whole kit, lent under one signature.
    kit_id = HiddenField()


class ReturnForm(FlaskForm):
    condition = RadioField(
        "Condition on return",
        choices=[(c, RETURN_CONDITION_LABELS[c]) for c in RETURN_CONDITIONS],
        validators=[DataRequired(message="Choose the condition the item came back in.")],
    )
    note = TextAreaField(
        "What is damaged or missing?",
        validators=[Optional(), Length(max=2000)],
        description="Needed unless the item is back in full working condition.",
    )
    signature = HiddenField()


class SignPendingForm(FlaskForm):
    terms_ids = HiddenField()
    loan_ids = HiddenField()
    signature = HiddenField()


class ExtendLoanForm(FlaskForm):
    """A later due date for a loan, and why when it goes past the longest loan."""

    due_on = DateField(
        "Extend to", validators=[DataRequired(message="Choose the new due date."), date_in_range]
    )
    long_loan_reason = TextAreaField(
        "Why is it needed for longer than the longest loan?",
        validators=[Optional(), Length(max=500)],
        description="Only when asked. Kept on the loan.",
        render_kw={"rows": 2},
    )
