"""Cell values as office staff type them, and the messages they get when one is wrong."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from assets.files.xlsx.values import parse_bool, parse_date, parse_money, parse_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.date(2024, 2, 3), dt.date(2024, 2, 3)),
        (dt.datetime(2024, 2, 3, 14, 5), dt.date(2024, 2, 3)),
        (45325, dt.date(2024, 2, 3)),
        (45325.75, dt.date(2024, 2, 3)),
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        ("03/02/2024", dt.date(2024, 2, 3)),
        ("3/2/24", dt.date(2024, 2, 3)),
        ("3/2/95", dt.date(1995, 2, 3)),
        ("03-02-2024", dt.date(2024, 2, 3)),
        ("03.02.2024", dt.date(2024, 2, 3)),
        ("2024-02-03", dt.date(2024, 2, 3)),
        ("2024-02-03 00:00:00", dt.date(2024, 2, 3)),
        ("3 Feb 2024", dt.date(2024, 2, 3)),
        ("3rd February 2024", dt.date(2024, 2, 3)),
        ("03-Feb-24", dt.date(2024, 2, 3)),
        ("12/01/2024", dt.date(2024, 1, 12)),
        (" 31/12/2023 ", dt.date(2023, 12, 31)),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_date_reads_day_first(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31/02/2024", "'31/02/2024' is not a date"),
        ("02/13/2024", "'02/13/2024' is not a date (dates are read day first: dd/mm/yyyy)"),
        ("next Tuesday", "'next Tuesday' is not a date (write it as dd/mm/yyyy)"),
        ("3 Fbe 2024", "'3 Fbe 2024' is not a date"),
        (60, "'60' is not a date (Excel's 29/02/1900 never existed)"),
        (0, "'0' is not a date"),
        (-5, "'-5' is not a date"),
        (True, "'True' is not a date"),
        (dt.time(9, 30), "'09:30:00' is not a date"),
    ],
)
def test_parse_date_refuses_with_message(raw, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("£1,299.00", Decimal("1299.00")),
        ("1299", Decimal("1299.00")),
        (1299.5, Decimal("1299.50")),
        (1299, Decimal("1299.00")),
        (0.1 + 0.2, Decimal("0.30")),
        ("12.345", Decimal("12.35")),
        ("£ 12.5", Decimal("12.50")),
        ("GBP 40", Decimal("40.00")),
        (".50", Decimal("0.50")),
        ("0", Decimal("0.00")),
        (Decimal("3.999"), Decimal("4.00")),
        ("", None),
        (None, None),
    ],
)
def test_parse_money_rounds_to_pennies(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-5", "'-5' is negative; an amount cannot be below zero"),
        ("-£5", "'-£5' is negative; an amount cannot be below zero"),
        ("(12.00)", "'(12.00)' is negative; an amount cannot be below zero"),
        (-0.5, "'-0.5' is negative; an amount cannot be below zero"),
        ("twelve", "'twelve' is not an amount of money"),
        ("£", "'£' is not an amount of money"),
        ("1,29,9", "'1,29,9' is not an amount of money"),
        ("1.2.3", "'1.2.3' is not an amount of money"),
        ("$40", "'$40' is not an amount in pounds"),
        ("€40", "'€40' is not an amount in pounds"),
        (float("nan"), "'nan' is not an amount of money"),
        (True, "'True' is not an amount of money"),
        ("123456789", "'123456789' is too large an amount"),
    ],
)
def test_parse_money_refuses_with_message(raw, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_money(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        (True, True),
        ("No", False),
        ("n", False),
        ("false", False),
        ("0", False),
        (0.0, False),
        (False, False),
        ("", None),
        (None, None),
    ],
)
def test_parse_bool(raw, expected):
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", 2, "yess"])
def test_parse_bool_refuses(raw):
    with pytest.raises(ValueError, match="is not yes or no"):
        parse_bool(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  007 ", "007"),
        ("007", "007"),
        (123, "123"),
        (123.0, "123"),
        (12.5, "12.5"),
        (dt.date(2024, 2, 3), "03/02/2024"),
        (dt.datetime(2024, 2, 3, 14, 5), "03/02/2024 14:05"),
        ("=SUM(A1)", "=SUM(A1)"),
        (True, "TRUE"),
        ("", None),
        (None, None),
    ],
)
def test_parse_text_keeps_digits(raw, expected):
    assert parse_text(raw, 50) == expected


def test_parse_text_refuses_over_long_text():
    with pytest.raises(ValueError, match=r"is too long: 51 characters, the most allowed is 50"):
        parse_text("x" * 51, 50)
    assert parse_text("x" * 50, 50) == "x" * 50
