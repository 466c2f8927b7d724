"""Turn one raw spreadsheet cell into a Python value, or say in plain words what is wrong with it.

Each parser takes what `read_table` gives (str, int, float, bool, date, datetime, time or None)
and returns a value, None for an empty cell, or raises ValueError with a message such as
"'31/02/2024' is not a date". The caller adds the row and column.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Characters XML 1.0, and so an .xlsx, cannot hold: C0 controls other than tab, newline and
# carriage return, lone surrogates and the two non-characters.
ILLEGAL_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_MONEY = Decimal("99999999.99")
# A date written as text in a spreadsheet: the UK way, as the writer's date cells are
# formatted, and as the app's DATE_FORMAT setting writes dates unless a school changes it.
DATE_TEXT = "%d/%m/%Y"
DATE_TIME_TEXT = DATE_TEXT + " %H:%M"
PENNY = Decimal("0.01")
# Serial 60 is 29/02/1900, a day Excel invents for compatibility with Lotus 1-2-3.
_EXCEL_FAKE_LEAP_DAY = 60
_EXCEL_MAX_SERIAL = 2_958_465  # 31/12/9999

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_TIME_TAIL = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME_TAIL)
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME_TAIL)
_NAMED_MONTH_RE = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[ -]+([a-z]+)\.?,?[ -]+(\d{4}|\d{2})", re.IGNORECASE
)
_MONEY_RE = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?")
_TRUE = {"yes", "y", "true", "1", "t"}
_FALSE = {"no", "n", "false", "0", "f"}


def _show(value: object) -> str:
    """The value as the person typed it, quoted and cut short for a message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


DAY_FIRST = "day-first"
MONTH_FIRST = "month-first"
EITHER = "either"


def parse_date(value: object, *, month_first: bool = False) -> dt.date | None:
    """Return the date in the cell: a date cell, an Excel serial number or UK text.

    Text is read day first (dd/mm/yyyy, d/m/yy, dd-mm-yyyy, "3 Feb 2024") or ISO (yyyy-mm-dd);
    with `month_first`, numbers with slashes, dots or dashes are read the US way (mm/dd/yyyy)
    instead. Two-digit years 00-29 are 2000-2029 and 30-99 are 1930-1999, as in Excel. Empty
    gives None.
    """
    if _is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_show(value)} is not a date")
    if isinstance(value, int | float):
        return _from_excel_serial(value)
    text = value.strip()
    if match := _ISO_RE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST_RE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        if month_first:
            day, month = month, day
        if len(match.group(3)) == 2:
            year += 2000 if year < 30 else 1900
        if month > 12 and day <= 12:
            how = "month first: mm/dd/yyyy" if month_first else "day first: dd/mm/yyyy"
            raise ValueError(f"{_show(value)} is not a date (dates are read {how})")
    elif match := _NAMED_MONTH_RE.fullmatch(text):
        month = _MONTHS.get(match.group(2).lower(), 0)
        day, year = int(match.group(1)), int(match.group(3))
        if len(match.group(3)) == 2:
            year += 2000 if year < 30 else 1900
    else:
        raise ValueError(f"{_show(value)} is not a date (write it as dd/mm/yyyy)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{_show(value)} is not a date") from None


def date_order(value: object) -> str | None:
    """What a text date such as 3/1/23 says about the order of its day and month: DAY_FIRST
    when only day first makes it a date (25/12/2023), MONTH_FIRST when only month first does
    (12/25/2023), EITHER when both read it, as different dates (3/1/23). None for anything
    else: a date cell, ISO or named-month text, or a day and month that are the same."""
    if value.__class__ is not str:
        return None
    match = _DAY_FIRST_RE.fullmatch(value.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first == second or not (1 <= first <= 31 and 1 <= second <= 31):
        return None
    if first > 12:
        return DAY_FIRST if second <= 12 else None
    return MONTH_FIRST if second > 12 else EITHER


def _from_excel_serial(serial: float) -> dt.date:
    if not math.isfinite(serial) or serial < 1 or serial >= _EXCEL_MAX_SERIAL + 1:
        raise ValueError(f"{_show(serial)} is not a date")
    days = int(serial)
    if days == _EXCEL_FAKE_LEAP_DAY:
        raise ValueError(f"{_show(serial)} is not a date (Excel's 29/02/1900 never existed)")
    start = dt.date(1899, 12, 31) if days < _EXCEL_FAKE_LEAP_DAY else dt.date(1899, 12, 30)
    return start + dt.timedelta(days=days)


def parse_money(value: object) -> Decimal | None:
    """Return an amount in pounds rounded to the penny: "£1,299.00", "1299", 1299.5.

    Refuses negative amounts, other currencies, amounts over £99,999,999.99 and anything that
    is not a number. Empty gives None.
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{_show(value)} is not an amount of money")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise ValueError(f"{_show(value)} is not an amount of money")
    elif isinstance(value, str):
        amount = _money_from_text(value)
    else:
        raise ValueError(f"{_show(value)} is not an amount of money")
    if amount < 0:
        raise ValueError(f"{_show(value)} is negative; an amount cannot be below zero")
    if amount > MAX_MONEY:
        raise ValueError(f"{_show(value)} is too large an amount")
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def _money_from_text(value: str) -> Decimal:
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    text = text.strip("()").lstrip("-")
    if text.upper().startswith("GBP"):
        text = text[3:]
    elif text.upper().endswith("GBP"):
        text = text[:-3]
    text = text.removeprefix("£").lstrip("-")
    if text[:1] in ("$", "€") or text[-1:] in ("$", "€"):
        raise ValueError(f"{_show(value)} is not an amount in pounds")
    match = _MONEY_RE.fullmatch(text)
    if not text or not match or not (match.group(1) or match.group(2)):
        raise ValueError(f"{_show(value)} is not an amount of money")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ValueError(f"{_show(value)} is not an amount of money") from None
    return -amount if negative else amount


def parse_bool(value: object) -> bool | None:
    """Return True or False for yes/no, y/n, true/false, 1/0 or a TRUE/FALSE cell; empty is None."""
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"{_show(value)} is not yes or no")


def parse_text(value: object, max_len: int) -> str | None:
    """Return the cell as text with outer whitespace removed; empty gives None.

    Numbers keep their digits (an int 7 is "7", a float 123.0 is "123"), dates are shown the UK
    way. Text longer than `max_len` characters is refused, not cut.
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        text = value.strftime(DATE_TIME_TEXT)
    elif isinstance(value, dt.date):
        text = value.strftime(DATE_TEXT)
    elif isinstance(value, dt.time):
        text = value.strftime("%H:%M")
    else:
        text = str(value).strip()
    if len(text) > max_len:
        raise ValueError(
            f"{_show(text)} is too long: {len(text)} characters, the most allowed is {max_len}"
        )
    return text


def column_letter(index: int) -> str:
    """A spreadsheet column's letters from its number: 1 is A, 27 is AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
