"""Spreadsheets for tests: build an upload, reopen an export."""

import csv
import io
import zipfile

import openpyxl

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
