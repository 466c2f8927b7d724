"""Text dates read day first, or month first when the file is US; what one date proves."""

import datetime as dt

import pytest

from assets.files.xlsx.values import DAY_FIRST, EITHER, MONTH_FIRST, date_order, parse_date


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("25/12/2023", DAY_FIRST),
        ("13.01.24", DAY_FIRST),
        ("12/25/2023", MONTH_FIRST),
        ("1-31-2024", MONTH_FIRST),
        ("3/1/23", EITHER),
        (" 12/11/2023 10:30 ", EITHER),
        ("5/5/2024", None),  # the same either way
        ("31/31/2024", None),  # no date either way
        ("2024-01-03", None),
        ("3 Jan 2024", None),
        (dt.date(2023, 3, 1), None),
        (45000, None),
        (None, None),
    ],
)
def test_what_a_date_says_about_its_order(text, order):
    assert date_order(text) == order


def test_month_first_reads_us_dates_and_leaves_iso_and_named_months_alone():
    assert parse_date("3/1/23", month_first=True) == dt.date(2023, 3, 1)
    assert parse_date("12/25/2023", month_first=True) == dt.date(2023, 12, 25)
    assert parse_date("2024-01-03", month_first=True) == dt.date(2024, 1, 3)
    assert parse_date("3 Jan 2024", month_first=True) == dt.date(2024, 1, 3)
    assert parse_date(dt.date(2023, 1, 3), month_first=True) == dt.date(2023, 1, 3)
    assert parse_date("3/1/23") == dt.date(2023, 1, 3)


def test_a_date_that_does_not_fit_the_order_says_which_order_was_used():
    with pytest.raises(ValueError, match=r"read month first: mm/dd/yyyy"):
        parse_date("25/12/2023", month_first=True)
    with pytest.raises(ValueError, match=r"read day first: dd/mm/yyyy"):
        parse_date("12/25/2023")
