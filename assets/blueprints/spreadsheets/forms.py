from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField


class UploadForm(FlaskForm):
    kind = RadioField(
        "What does the file hold?",
        choices=[("assets", "The asset register"), ("people", "The staff list")],
        default="assets",
    )
    file = FileField(
        "Spreadsheet",
        validators=[FileRequired("Choose the file to import.")],
        description=(
            "An Excel workbook (.xlsx), a CSV file, or tab-delimited text (.txt or .tsv, as "
            "Excel saves 'Unicode Text'). Of several sheets, the one with the register's "
            "headings is read; the next page lets you choose another."
        ),
    )


class ChoicesForm(FlaskForm):
    """The preview's column choices and ticks travel as plain fields (one select per column
    of the file); the form itself carries the CSRF token."""
