from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from assets.services.leavers.leavers import ITEM_OUTCOME_LABELS, WIPE_METHODS


class ItemForm(FlaskForm):
    """How one item came back; each item on the page has its own, prefixed "item-<loan id>"."""

    outcome = RadioField(
        "How did it come back?",
        choices=list(ITEM_OUTCOME_LABELS.items()),
        validators=[DataRequired(message="Choose how the item came back, or that it did not.")],
    )
    note = TextAreaField(
        "What is damaged or missing, or what the leaver said",
        validators=[Optional(), Length(max=2000)],
        description="Needed unless it came back in full working condition: it goes into the "
        "damage or loss report.",
        render_kw={"rows": 2},
    )


class WipeForm(FlaskForm):
    method = SelectField(
        "How were the user account and personal work deleted?",
        choices=[("", "— choose —"), *WIPE_METHODS.items()],
        validators=[DataRequired(message="Choose how the device was wiped.")],
    )
    note = StringField(
        "Note (tool, certificate or reference)", validators=[Optional(), Length(max=2000)]
    )


class LicenceForm(FlaskForm):
    licence = StringField(
        "Software or licence",
        validators=[DataRequired(message="Type the software or licence."), Length(max=200)],
        description="e.g. Microsoft 365 A3 licence, Adobe Creative Cloud seat, a USB key for "
        "the MIS. There is no licence register yet: list each one by hand.",
    )


class ReturnLicenceForm(FlaskForm):
    note = StringField("Note (optional)", validators=[Optional(), Length(max=2000)])


class NetworkForm(FlaskForm):
    note = StringField(
        "Account name or reference (optional)", validators=[Optional(), Length(max=2000)]
    )


class CloseForm(FlaskForm):
    technician_signature = HiddenField()
    leaver_signature = HiddenField()
    left_without_signing = BooleanField("The leaver has left without signing")
    unsigned_reason = TextAreaField(
        "Why could they not sign?",
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
