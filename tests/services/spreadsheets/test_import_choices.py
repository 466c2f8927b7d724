"""The preview's answers as the page posts them, and which ones a new sheet or header row
resets; and the refusals that keep the upload from those that need a new one."""

import pytest

from assets.extensions import db
from assets.models import User
from assets.services.common.errors import DomainError
from assets.services.spreadsheets import imports
from assets.services.spreadsheets.imports.dates import MONTH_FIRST
from tests.support.sheets import csv_bytes

# What the page posts for a preview of the sheet "Register", headings in row 2, with the
# columns, dates, statuses and ticks answered.
POSTED = {
    "sheet_read": "Register",
    "sheet": "Register",
    "columns_row": "2",
    "header_row": "2",
    "date_order": MONTH_FIRST,
    "column-0": "tag",
    "column-1": "",
    "column-2": "name",
    "status-label-0": "Ready to Deploy",
    "status-0": "available",
    "create_categories": "1",
}


def test_the_posted_answers_are_read():
    choices = imports.choices_from(POSTED)
    assert choices == imports.Choices(
        mapping=("tag", "", "name"),
        create_categories=True,
        create_locations=False,
        statuses=(("Ready to Deploy", "available"),),
        sheet="Register",
        header_row=2,
        date_order=MONTH_FIRST,
    )


def test_nothing_posted_is_every_answer_automatic():
    assert imports.choices_from({}) == imports.Choices()


def test_another_sheet_resets_its_columns_header_row_and_dates_and_keeps_the_rest():
    choices = imports.choices_from(POSTED | {"sheet": "Old register"})
    assert (choices.sheet, choices.mapping, choices.header_row, choices.date_order) == (
        "Old register",
        None,
        None,
        None,
    )
    assert choices.statuses == (("Ready to Deploy", "available"),)
    assert choices.create_categories


def test_another_header_row_resets_its_columns_and_dates_and_keeps_the_sheet():
    choices = imports.choices_from(POSTED | {"header_row": "3"})
    assert (choices.sheet, choices.header_row) == ("Register", 3)
    assert (choices.mapping, choices.date_order) == (None, None)
    assert choices.statuses == (("Ready to Deploy", "available"),)


def test_a_header_row_that_is_not_a_whole_number_is_left_to_the_file():
    for forged in ("three", "-1", "0", "²", ""):
        choices = imports.choices_from(POSTED | {"header_row": forged})
        assert choices.header_row is None
        assert choices.mapping == ("tag", "", "name"), "the columns of the row shown stay"


def test_the_link_carries_the_choices_back_unchanged():
    choices = imports.choices_from(POSTED)
    assert imports.choices_from(imports.choice_args(choices)) == choices


# ---- a refused choice keeps the upload; an unusable upload does not --------------------------


@pytest.fixture
def pending(ctx, make):
    make.category("Laptop")
    owner = db.session.get(User, make.user("office").id)
    data = csv_bytes([["Asset tag", "Name", "Category"], ["ASH-1", "One", "Laptop"]])
    return imports.stage(owner, "assets", "register.csv", data)


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"header_row": 9}, "Row 9 is empty or is not among the first 20 rows"),
        ({"date_order": "sideways"}, "Choose whether the dates are written day first"),
        ({"mapping": ("tag",)}, "The column choices do not match the file"),
    ],
)
def test_a_refused_choice_is_a_domain_error_not_an_unusable_upload(pending, choices, message):
    with pytest.raises(DomainError, match=message) as refused:
        imports.preview(pending, imports.Choices(**choices))
    assert not isinstance(refused.value, imports.UnusableUpload)
    assert imports.preview(pending, imports.Choices()).summary.counts["create"] == 1


def test_a_damaged_upload_is_unusable_whatever_was_chosen(pending):
    pending.data = b"Asset tag,Name\nEVIL,changed after upload\n"
    with pytest.raises(imports.UnusableUpload, match="damaged"):
        imports.preview(pending, imports.Choices(header_row=1))
