"""Build an .xlsx export from a declarative description of its sheets, streaming the rows.

XlsxWriter writes the file, in its constant_memory mode: a row goes to a temporary file as soon
as the next one starts, so memory stays flat however long the register is. It escapes what XML
cannot hold as Excel does (`_x005F_` before a literal `_xHHHH_`, `_x000D_` for a carriage
return), which our own SpreadsheetML writer did not: `SN_x0041_` came back as `SNA` and a
note's `\\r\\n` as `\\n`. What stays ours is the description (`Sheet`, `Column`) and what every
export promises: a bold caption row, a bold header frozen below it with an autofilter, column
widths, dates shown dd/mm/yyyy, money in pounds, text never turned into a formula, and no
character XML cannot hold.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from assets.files.xlsx.values import DATE_TEXT, ILLEGAL_XML_RE

Kind = Literal["text", "int", "date", "datetime", "money", "bool"]

UK_DATE = "dd/mm/yyyy"
UK_DATETIME = "dd/mm/yyyy hh:mm"
POUNDS = '"£"#,##0.00'
MAX_TITLE = 31
_BAD_TITLE_RE = re.compile(r"[\[\]:*?/\\]")
# Text starting with these is a formula (or DDE payload) to Excel, LibreOffice or a CSV import.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ERROR_TEXTS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)
_MIN_WIDTH, _MAX_WIDTH = 8.0, 60.0
_DEFAULT_WIDTHS = {"date": 12.0, "datetime": 17.0, "money": 13.0, "bool": 8.0, "int": 10.0}
# The file's own "Created" property: fixed, so that the same rows give the same bytes (the
# caption says when the export was made).
_CREATED = dt.datetime(2000, 1, 1)
_FIRST_EXCEL_YEAR = 1900


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, the kind of value, and optionally its width."""

    header: str
    kind: Kind
    width: float | None = None


@dataclass(frozen=True)
class Sheet:
    """One sheet: a caption row, a header row, then `rows`, each a sequence in column order."""

    title: str
    columns: list[Column]
    rows: Iterable[Sequence[Any]]
    caption: str


class _Unholdable(Exception):
    """A value of a type no cell can hold (a bug in the caller)."""


class _Formats(NamedTuple):
    """The workbook's cell formats. `quoted` is Excel's leading apostrophe (quotePrefix):
    the text is shown as typed, never calculated, and stays text when someone edits it."""

    plain: Format | None
    quoted: Format
    bold: Format
    bold_quoted: Format
    date: Format
    datetime: Format
    money: Format


def build_workbook(sheets: Sequence[Sheet]) -> bytes:
    """Return the bytes of an .xlsx with one sheet per `Sheet`, in order.

    Each sheet has a bold caption row, a bold header row, panes frozen below the header and an
    autofilter over header and data. Dates and datetimes are real date cells shown the UK way
    (dates before 1900, which Excel cannot hold, are dd/mm/yyyy text), money is a number shown
    in pounds, None is an empty cell. Text is never turned into a formula, characters XML
    cannot hold are removed, and text past Excel's 32,767 characters is cut there. Titles are
    made valid and unique. Raises ValueError if no sheets are given, or a row has more values
    than columns or a value no cell can hold.
    """
    if not sheets:
        raise ValueError("an export needs at least one sheet")
    used: set[str] = set()
    titles = [_valid_title(sheet.title, used) for sheet in sheets]
    buffer = io.BytesIO()
    # remove_timezone: Excel has no time zones; callers pass local (Europe/London) times.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "remove_timezone": True})
    try:
        book.set_properties({"created": _CREATED})
        formats = _Formats(
            plain=None,
            quoted=book.add_format({"quote_prefix": True}),
            bold=book.add_format({"bold": True}),
            bold_quoted=book.add_format({"bold": True, "quote_prefix": True}),
            date=book.add_format({"num_format": UK_DATE}),
            datetime=book.add_format({"num_format": UK_DATETIME}),
            money=book.add_format({"num_format": POUNDS}),
        )
        for title, sheet in zip(titles, sheets, strict=True):
            _write_sheet(book.add_worksheet(title), sheet, formats)
    finally:
        # Also on a failure: closing removes XlsxWriter's temporary files.
        book.close()
    return buffer.getvalue()


def _valid_title(title: str, used: set[str]) -> str:
    base = _BAD_TITLE_RE.sub("-", ILLEGAL_XML_RE.sub("", title)).strip().strip("'")
    base = base[:MAX_TITLE] or "Sheet"
    candidate, number = base, 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = base[: MAX_TITLE - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


# ---- a sheet --------------------------------------------------------------------------------


def _write_sheet(out: Worksheet, sheet: Sheet, formats: _Formats) -> None:
    columns = sheet.columns
    for index, column in enumerate(columns):
        out.set_column(index, index, _width(column))
    out.freeze_panes(2, 0)
    text = _cell_writers(out, formats, bold=True)["text"]
    text(0, 0, sheet.caption)
    for index, column in enumerate(columns):
        text(1, index, column.header)
    writers = _cell_writers(out, formats)
    indexed = list(enumerate(writers[column.kind] for column in columns))
    width = len(indexed)
    number = 1
    for number, row in enumerate(sheet.rows, 2):
        if len(row) > width:
            raise ValueError(f"row {number - 1} has {len(row)} values for {width} columns")
        try:
            for (index, write), value in zip(indexed, row, strict=False):
                if value is not None:
                    write(number, index, value)
        except _Unholdable as error:
            raise ValueError(f"row {number - 1} has a value Excel cannot hold") from error
    out.autofilter(1, 0, number, max(width - 1, 0))


def _width(column: Column) -> float:
    """The width Excel shows in Format > Column width (XlsxWriter adds the cell's padding)."""
    if column.width is not None:
        return column.width
    guess = max(len(column.header) + 3.0, _DEFAULT_WIDTHS.get(column.kind, 15.0))
    return min(max(guess, _MIN_WIDTH), _MAX_WIDTH)


# ---- cells ----------------------------------------------------------------------------------

Writer = Callable[[int, int, Any], None]


def _cell_writers(out: Worksheet, formats: _Formats, *, bold: bool = False) -> dict[str, Writer]:
    """For each kind of column, a function that writes a value of any type into a cell of
    `out` at (row, col). Made once a sheet: a register has millions of cells."""
    write_string, write_number = out.write_string, out.write_number
    write_boolean, write_datetime = out.write_boolean, out.write_datetime
    plain, quoted = (formats.bold, formats.bold_quoted) if bold else (None, formats.quoted)
    search, remove = ILLEGAL_XML_RE.search, ILLEGAL_XML_RE.sub

    def text(row: int, col: int, value: Any) -> None:
        if value.__class__ is not str:
            any_kind(row, col, value)
            return
        # isprintable() is quick, and False for every character XML cannot hold.
        if not value.isprintable() and search(value):
            value = remove("", value)
        if not value:
            return
        # XlsxWriter cuts text past Excel's 32,767 characters (counted as Excel counts them).
        if value.startswith(_FORMULA_START) or value in _ERROR_TEXTS:
            write_string(row, col, value, quoted)
        else:
            write_string(row, col, value, plain)

    def number(row: int, col: int, value: Any, style: Format | None = None) -> None:
        kind = value.__class__
        if kind is float and not math.isfinite(value):
            raise _Unholdable(value)
        if kind is Decimal and not value.is_finite():
            raise _Unholdable(value)
        write_number(row, col, value, style)

    def early(row: int, col: int, value: dt.date) -> None:
        """A date before 1900, which Excel cannot hold as a date, as the dd/mm/yyyy text the
        import reads back as the same date (a typing slip must not stop an export)."""
        write_string(row, col, value.strftime(DATE_TEXT), plain)

    def date(row: int, col: int, value: Any) -> None:
        # The common case first: these run for every cell of a long register.
        if value.__class__ is dt.date and value.year >= _FIRST_EXCEL_YEAR:
            write_datetime(row, col, value, formats.date)
            return
        if isinstance(value, dt.datetime):
            value = value.date()
        elif not isinstance(value, dt.date):
            any_kind(row, col, value)
            return
        if value.year < _FIRST_EXCEL_YEAR:
            early(row, col, value)
        else:
            write_datetime(row, col, value, formats.date)

    def moment(row: int, col: int, value: Any) -> None:
        if value.__class__ is dt.datetime and value.year >= _FIRST_EXCEL_YEAR:
            write_datetime(row, col, value, formats.datetime)
        elif not isinstance(value, dt.date):
            any_kind(row, col, value)
        elif value.year < _FIRST_EXCEL_YEAR:
            early(row, col, value)
        elif isinstance(value, dt.datetime):
            write_datetime(row, col, value, formats.datetime)
        else:
            write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats.datetime)

    def money(row: int, col: int, value: Any) -> None:
        if value.__class__ is Decimal and value.is_finite():
            write_number(row, col, value, formats.money)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number(row, col, value, formats.money)
        else:
            any_kind(row, col, value)

    def yes_no(row: int, col: int, value: Any) -> None:
        if value.__class__ is bool:
            write_boolean(row, col, value)
        else:
            any_kind(row, col, value)

    def whole(row: int, col: int, value: Any) -> None:
        if value.__class__ is int:
            write_number(row, col, value)
        else:
            any_kind(row, col, value)

    def any_kind(row: int, col: int, value: Any) -> None:
        if isinstance(value, str):
            text(row, col, str(value))  # a str subclass, such as a StrEnum, as plain text
        elif isinstance(value, bool):
            write_boolean(row, col, value)
        elif isinstance(value, int | float | Decimal):
            number(row, col, value)
        elif isinstance(value, dt.datetime):
            moment(row, col, value)
        elif isinstance(value, dt.date):
            date(row, col, value)
        else:
            raise _Unholdable(value)

    return {
        "text": text,
        "int": whole,
        "bool": yes_no,
        "date": date,
        "datetime": moment,
        "money": money,
    }
