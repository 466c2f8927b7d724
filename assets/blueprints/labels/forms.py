from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from assets.files.pdf.label_stock import TEMPLATES


class LabelForm(FlaskForm):
    """Which labels to print and how. `scope` "filter" prints every asset matching the asset
    list's filters, carried in the hidden fields; otherwise the tags typed or ticked."""

    scope = HiddenField(default="tags")
    q = HiddenField()
    category = HiddenField()
    location = HiddenField()
    status = HiddenField()
    sort = HiddenField()
    dir = HiddenField()

    tags = TextAreaField(
        "Asset tags",
        validators=[Optional(), Length(max=100_000)],
        description="One per line (or separated by spaces or commas).",
    )
    template = SelectField(
        "Label stock",
        choices=[(name, template.description) for name, template in TEMPLATES.items()],
        default="L7651",
    )
    start_position = IntegerField(
        "Start at position",
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=999)],
        description="On a partly used sheet: the first unused label, counting along the rows "
        "from the top left (1).",
    )
