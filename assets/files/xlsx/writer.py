"""Build an .xlsx export from a declarative description of its sheets, streaming the rows.

The workbook is written directly as SpreadsheetML: each row becomes a line of XML that goes
straight into the compressed zip member, so memory stays flat however long the register is,
and a 100,000-row register takes a few seconds where openpyxl's write-only mode takes twenty.
Only what an export needs is written: one style sheet (bold, dates, date-times, pounds, text
kept as text), inline strings, a frozen header, column widths and an autofilter.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from assets.files.xlsx.values import DATE_TEXT, ILLEGAL_XML_RE, column_letter

Kind = Literal["text", "int", "date", "datetime", "money", "bool"]

UK_DATE = "dd/mm/yyyy"
UK_DATETIME = "dd/mm/yyyy hh:mm"
POUNDS = '"£"#,##0.00'
MAX_TITLE = 31
# Excel refuses (and "repairs") a file with a longer cell.
MAX_CELL_TEXT = 32_767
_BAD_TITLE_RE = re.compile(r"[\[\]:*?/\\]")
_ESCAPE_RE = re.compile(r"[&<>]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Text starting with these is a formula (or DDE payload) to Excel, LibreOffice or a CSV import.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ERROR_TEXTS = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)
_MIN_WIDTH, _MAX_WIDTH = 8.0, 60.0
_DEFAULT_WIDTHS = {"date": 12.0, "datetime": 17.0, "money": 13.0, "bool": 8.0, "int": 10.0}
_ROWS_PER_WRITE = 500

# Style ids: the order of <cellXfs> in STYLES below.
PLAIN, BOLD, DATE, DATETIME, MONEY, TEXT, BOLD_TEXT = range(7)


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


def build_workbook(sheets: Sequence[Sheet]) -> bytes:
    """Return the bytes of an .xlsx with one sheet per `Sheet`, in order.

    Each sheet has a bold caption row, a bold header row, panes frozen below the header and an
    autofilter over header and data. Dates and datetimes are real date cells shown the UK way,
    money is a number shown in pounds, None is an empty cell. Text is never turned into a
    formula and characters XML cannot hold are removed. Titles are made valid and unique.
    Raises ValueError if no sheets are given, or a row has more values than columns or a
    value no cell can hold.
    """
    if not sheets:
        raise ValueError("an export needs at least one sheet")
    used: set[str] = set()
    titles = [_valid_title(sheet.title, used) for sheet in sheets]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        filters = []
        for number, sheet in enumerate(sheets, 1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                filters.append(_write_sheet(part, sheet))
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(titles, filters))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", STYLES)
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


def _write_sheet(part, sheet: Sheet) -> str:
    """Write the sheet's XML to `part`; return the range of its autofilter."""
    columns = sheet.columns
    letters = [column_letter(index) for index in range(1, max(len(columns), 1) + 1)]
    widths = "".join(
        f'<col min="{index}" max="{index}" width="{_width(column):g}" customWidth="1"/>'
        for index, column in enumerate(columns, 1)
    )
    head = [
        SHEET_START,
        f"<cols>{widths}</cols>" if widths else "",
        "<sheetData>",
        f'<row r="1">{_text_cell("A1", sheet.caption, BOLD)}</row>',
        '<row r="2">',
        *(_text_cell(f"{letters[i]}2", c.header, BOLD) for i, c in enumerate(columns)),
        "</row>",
    ]
    part.write("".join(head).encode())
    converters = [_CONVERTERS[column.kind] for column in columns]
    width = len(converters)
    chunk: list[str] = []
    number = 2
    for number, row in enumerate(sheet.rows, 3):
        if len(row) > width:
            raise ValueError(f"row {number - 2} has {len(row)} values for {width} columns")
        try:
            cells = [
                convert(f"{letter}{number}", value)
                for convert, letter, value in zip(converters, letters, row, strict=False)
                if value is not None
            ]
        except _Unholdable as error:
            raise ValueError(f"row {number - 2} has a value Excel cannot hold") from error
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= _ROWS_PER_WRITE:
            part.write("".join(chunk).encode())
            chunk.clear()
    extent = f"A2:{letters[-1]}{number}"
    chunk.append(f'</sheetData><autoFilter ref="{extent}"/>{SHEET_END}')
    part.write("".join(chunk).encode())
    return extent


def _width(column: Column) -> float:
    if column.width is not None:
        return column.width
    guess = max(len(column.header) + 3.0, _DEFAULT_WIDTHS.get(column.kind, 15.0))
    return min(max(guess, _MIN_WIDTH), _MAX_WIDTH)


# ---- cells ----------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return _ESCAPE_RE.sub(lambda match: _ESCAPES[match.group()], text)


def _text_cell(ref: str, text: str, style: int = PLAIN) -> str:
    """An inline string cell. Text that Excel would read as a formula or an error value gets
    the quote-prefix style (Excel's leading apostrophe): shown as typed, never calculated,
    and still text when someone edits it."""
    if ILLEGAL_XML_RE.search(text):
        text = ILLEGAL_XML_RE.sub("", text)
    if not text:
        return ""
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    if text.startswith(_FORMULA_START) or text in _ERROR_TEXTS:
        style = BOLD_TEXT if style == BOLD else TEXT
    if _ESCAPE_RE.search(text):
        text = _escape(text)
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _number_cell(ref: str, value: Any, style: int = PLAIN) -> str:
    if value.__class__ is float and not math.isfinite(value):
        raise _Unholdable(value)
    if value.__class__ is Decimal and not value.is_finite():
        raise _Unholdable(value)
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{styled}><v>{value}</v></c>'


# Excel's day 0; its serial numbers are right from March 1900 (see _early_cell).
_EPOCH = dt.datetime(1899, 12, 30)
_FIRST_RIGHT_DAY = dt.datetime(1900, 3, 1)


def _date_cell(ref: str, value: Any) -> str:
    if value.__class__ is dt.date and value >= _FIRST_RIGHT_DAY.date():
        return f'<c r="{ref}" s="{DATE}"><v>{(value - _EPOCH.date()).days}</v></c>'
    if isinstance(value, dt.datetime):
        return _date_cell(ref, value.date())
    if isinstance(value, dt.date):
        return _early_cell(ref, value, DATE)
    return _any_cell(ref, value)


def _datetime_cell(ref: str, value: Any) -> str:
    if isinstance(value, dt.datetime):
        # Excel has no time zones; callers pass local (Europe/London) times already.
        value = value.replace(tzinfo=None)
        if value < _FIRST_RIGHT_DAY:
            return _early_cell(ref, value, DATETIME)
        delta = value - _EPOCH
        serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
        return f'<c r="{ref}" s="{DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        return _datetime_cell(ref, dt.datetime.combine(value, dt.time()))
    return _any_cell(ref, value)


def _early_cell(ref: str, value: dt.date, style: int) -> str:
    """A date before March 1900. Excel counts a 29 February 1900 that never was, so its
    serial numbers before March are one less; before 1900 it has no dates at all, and the
    date is written as text (a typing slip in a purchase date must not stop an export)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    if moment.year < 1900:
        return _text_cell(ref, value.strftime(DATE_TEXT))
    delta = moment - _EPOCH
    serial = delta.days - 1 + (delta.seconds + delta.microseconds / 1e6) / 86400
    return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'


def _money_cell(ref: str, value: Any) -> str:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _number_cell(ref, value, MONEY)
    return _any_cell(ref, value)


def _any_cell(ref: str, value: Any) -> str:
    """A cell for whatever `value` is, in a column of any kind."""
    if isinstance(value, str):
        return _text_cell(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return _number_cell(ref, value)
    if isinstance(value, dt.datetime):
        return _datetime_cell(ref, value)
    if isinstance(value, dt.date):
        return _date_cell(ref, value)
    raise _Unholdable(value)


_CONVERTERS: dict[str, Callable[[str, Any], str]] = {
    "text": _any_cell,
    "int": _any_cell,
    "bool": _any_cell,
    "date": _date_cell,
    "datetime": _datetime_cell,
    "money": _money_cell,
}


# ---- the package around the sheets ----------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

SHEET_START = (
    f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/>'
    "</sheetView></sheetViews>"
    '<sheetFormatPr defaultRowHeight="15"/>'
)
SHEET_END = (
    '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
    "</worksheet>"
)
ROOT_RELS = (
    f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def _xml_escape(text: str) -> str:
    """`text` for an XML attribute."""
    return _escape(text).replace('"', "&quot;")


STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="3">'
    f'<numFmt numFmtId="164" formatCode="{UK_DATE}"/>'
    f'<numFmt numFmtId="165" formatCode="{UK_DATETIME}"/>'
    f'<numFmt numFmtId="166" formatCode="{_xml_escape(POUNDS)}"/>'
    "</numFmts>"
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _content_types(sheet_count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        for n in range(1, sheet_count + 1)
    )
    return (
        f"{_DECLARATION}"
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook(titles: list[str], filters: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_xml_escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, title in enumerate(titles, 1)
    )
    # Excel keeps each autofilter's range as this hidden name, and expects to find it.
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{_xml_escape(_absolute(title, extent))}</definedName>"
        for n, (title, extent) in enumerate(zip(titles, filters, strict=True))
    )
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
        f"<definedNames>{names}</definedNames></workbook>"
    )


def _absolute(title: str, extent: str) -> str:
    """'Asset register'!$A$2:$T$100 for the range A2:T100 of that sheet."""
    quoted = "'" + title.replace("'", "''") + "'"
    start, end = extent.split(":")
    return f"{quoted}!{_dollars(start)}:{_dollars(end)}"


def _dollars(ref: str) -> str:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return f"${match.group(1)}${match.group(2)}"


def _workbook_rels(sheet_count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheet_count + 1)
    )
    styles = f'<Relationship Id="rId{sheet_count + 1}" Type="{_RELS}/styles" Target="styles.xml"/>'
    return f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_RELS}">{sheets}{styles}</Relationships>'
