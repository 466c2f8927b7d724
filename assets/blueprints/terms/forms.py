from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class DeclarationForm(FlaskForm):
    terms_id = HiddenField()
    signature = HiddenField()


class TermsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        "Text", validators=[DataRequired(), Length(max=50_000)], render_kw={"rows": 16}
    )


class RuleForm(FlaskForm):
    required = BooleanField("Staff must sign the current declaration before their first loan")
