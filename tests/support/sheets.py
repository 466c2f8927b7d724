"""Spreadsheets for tests: build an upload, reopen an export, read it as each reader does."""

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import python_calamine

from assets.files.xlsx.reader import read_table


def xlsx_bytes(rows, title: str = "Register") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode()


def reopen(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def table_of(data: bytes, filename: str = "export.xlsx") -> tuple[list[str], list[list]]:
    """The header and data rows of an .xlsx as our own reader gives them."""
    table = read_table(data, filename)
    return table.headers, [values for _, values in table.rows]


def edited(data: bytes, edit) -> bytes:
    """An export after `edit(sheet)` changed it in "Excel" (openpyxl)."""
    workbook = reopen(data)
    edit(workbook.worksheets[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_of_sheet(sheet) -> tuple[list, list[tuple]]:
    """The header and data rows of an openpyxl sheet, below its caption row."""
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return list(rows[0]), rows[1:]


# ---- workbooks as real tools and people make them (issue 13, part R) -------------------------

STRICT_NAMESPACES = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
    b"http://schemas.openxmlformats.org/drawingml/2006/main": (
        b"http://purl.oclc.org/ooxml/drawingml/main"
    ),
    b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties": (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties"
    ),
}


def rezip(data: bytes, edits: dict, extra: dict | None = None) -> bytes:
    """A copy of a workbook with `edits[part](xml)` applied to its parts and `extra` added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            for name, edit in edits.items():
                if name == info.filename or (name == "*" and info.filename.endswith(XML_PARTS)):
                    part = edit(part)
            target.writestr(info.filename, part, zipfile.ZIP_DEFLATED)
        for name, part in (extra or {}).items():
            target.writestr(name, part, zipfile.ZIP_DEFLATED)
    return out.getvalue()


XML_PARTS = (".xml", ".rels")


def as_strict(data: bytes) -> bytes:
    """A workbook as Excel saves it with "Strict Open XML Spreadsheet": every part's
    namespaces and relationship types in their purl.oclc.org form (the package's own
    [Content_Types] and relationship namespaces stay), and the workbook marked strict."""

    def strict_names(xml: bytes) -> bytes:
        for transitional, strict in STRICT_NAMESPACES.items():
            xml = xml.replace(transitional, strict)
        return xml

    def conformance(xml: bytes) -> bytes:
        return xml.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)

    return rezip(data, {"*": strict_names, "xl/workbook.xml": conformance})


def workbook_bytes(sheets: dict, *, setup=None) -> bytes:
    """A workbook of several sheets, {title: rows}, in order; `setup(workbook)` may merge
    cells, format them or hide sheets before it is saved."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if setup is not None:
        setup(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- an export as each reader sees it ---------------------------------------------------------
#
# Each reader gives every sheet as (name, rows), from A1, with each cell tagged so that the
# readers can be compared exactly (True is not 1, 3 is 3.0): ("s", text), ("n", float),
# ("b", bool), ("d", datetime) or None; empty cells and rows at the end are dropped.

ROOT = Path(__file__).resolve().parents[2]
SHEETJS = Path(__file__).with_name("sheetjs_cells.js")
# ECMA-376 22.4.2.4: a character XML cannot hold is stored as _xHHHH_ (a literal "_x" as
# _x005F_x). Excel, calamine and SheetJS decode it; openpyxl does not for inline strings.
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def tagged(value) -> tuple | None:
    """A cell's value as the readers below give it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float | Decimal):
        return ("n", float(value))
    if isinstance(value, dt.datetime):
        return ("d", value.replace(tzinfo=None, microsecond=0))
    if isinstance(value, dt.date):
        return ("d", dt.datetime.combine(value, dt.time()))
    if isinstance(value, str):
        return ("s", value)
    raise TypeError(f"no cell holds {value!r}")


def _trimmed(rows) -> list[list]:
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def by_openpyxl(data: bytes) -> list[tuple[str, list[list]]]:
    """The workbook as openpyxl reads it, with the _xHHHH_ escapes it leaves decoded."""

    def decoded(value):
        if isinstance(value, str):
            value = _ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), value)
        return tagged(value)

    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        (sheet.title, _trimmed([[decoded(v) for v in row] for row in sheet.values]))
        for sheet in book.worksheets
    ]


def by_calamine(data: bytes) -> list[tuple[str, list[list]]]:
    """The workbook as python-calamine reads it (what our import's reader builds on)."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    found = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        # calamine's rows start at the first cell that holds something: put them back at A1.
        rows = [[None] * sheet.start[1] + [tagged(v) for v in row] for row in sheet.to_python()]
        found.append((name, _trimmed([[] for _ in range(sheet.start[0])] + rows)))
    return found


def by_sheetjs(data: bytes) -> list[tuple[str, list[list]]]:
    """The workbook as SheetJS (npm xlsx 0.18.5, what web tools use) reads it, through node."""
    node = shutil.which("node")
    assert node, "node is needed to read exports with SheetJS"

    def decoded(cell):
        if cell is None:
            return None
        kind, value = cell
        if kind == "d":
            return ("d", dt.datetime(*value))
        if kind == "e":
            return ("s", value)
        return tagged(value)

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.xlsx"
        path.write_bytes(data)
        result = subprocess.run(
            [node, str(SHEETJS), str(path)], capture_output=True, check=True, cwd=ROOT
        )
    return [
        (sheet["name"], _trimmed([[decoded(c) for c in row] for row in sheet["rows"]]))
        for sheet in json.loads(result.stdout.decode())
    ]


READERS = {"openpyxl": by_openpyxl, "calamine": by_calamine, "sheetjs": by_sheetjs}
