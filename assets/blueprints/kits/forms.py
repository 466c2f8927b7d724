from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from assets.models.asset import NAME_LENGTH, NOTES_LENGTH, TAG_LENGTH

# Lengths are the service's to check, with its message: a validator here would only repeat
# it in other words.
_TAG = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


class KitForm(FlaskForm):
    tag = StringField(
        "Kit tag",
        description="Printed on the kit's own label; never an asset's tag.",
        render_kw=_TAG | {"maxlength": TAG_LENGTH},
    )
    name = StringField(
        "Name",
        description="Such as \u201ciPad trolley A\u201d.",
        render_kw={"maxlength": NAME_LENGTH},
    )
    notes = TextAreaField(
        "Notes", validators=[Optional()], render_kw={"rows": 2, "maxlength": NOTES_LENGTH}
    )


class PartForm(FlaskForm):
    tag = StringField("Add an item", description="Type or scan its asset tag.", render_kw=_TAG)
