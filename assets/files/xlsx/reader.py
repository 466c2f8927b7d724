"""Read the first sheet of an uploaded .xlsx, or a .csv, .tsv or .txt file, into header and rows,
safely.

Every check that can refuse a file runs before any parser sees it, on the zip directory and on
bounded reads of the XML parts, so a hostile upload costs little memory and time. What is
refused raises `UnreadableFile` with a message an office user can act on.

The header row is the row among the first 20 that holds most of the headings the caller knows
(a title or "Last updated" line above it is skipped); the table says when it was not sure.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from posixpath import dirname, join, normpath
from typing import Any

from defusedxml import DefusedXmlException, ElementTree
from python_calamine import CalamineError, CalamineWorkbook

from assets.files.xlsx import delimited
from assets.files.xlsx.errors import UnreadableFile

ACCEPTED = ".xlsx (Excel Workbook), .csv or tab-delimited .txt or .tsv"
TEXT_SUFFIXES = ("csv", "tsv", "txt")
# How many non-blank rows at the top may hold the header.
HEADER_SEARCH = 20
MAX_ROWS = 200_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024
# Real sheet XML compresses 5-30 times; deflate tops out near 1000:1 on runs of one byte.
MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024
PROLOG_SCAN = 64 * 1024
# workbook.xml lists the sheets and names; a real one is a few kilobytes.
MAX_WORKBOOK_PART = 4 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_KNOWN_NOT_SPREADSHEETS = {
    b"\x89PNG": "a PNG picture",
    b"\xff\xd8\xff": "a JPEG picture",
    b"GIF8": "a GIF picture",
    b"%PDF": "a PDF document",
}
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]*)(\d*)(?::[A-Z]*(\d+))?\"")
_ROOT_START_RE = re.compile(rb"<[A-Za-z_]")
_DOCTYPE_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_HEADER_JUNK_RE = re.compile(r"[\W_]+")
# How an XML parser tells a part's encoding from its first bytes (XML 1.0, appendix F): with a
# byte-order mark, or without one from how "<" is written. Longest first.
_WIDE_XML_STARTS = (
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
_REFUSED_XML = (
    "The workbook contains XML that is not allowed in a spreadsheet (a DOCTYPE or entity "
    "declaration), so it was refused for safety. Open it in Excel, save it as a new .xlsx and "
    "upload it again."
)


@dataclass
class Table:
    """The header row and the data rows of one sheet.

    `rows` yields `(row_number, values)` with the spreadsheet's own 1-based row numbers, blank
    rows left out. An empty cell is None; whole numbers from xlsx come back as int.
    `header_sure` is False when no row, or more than one, held the known headings best;
    `top_rows` are the non-blank rows the header was looked for in, as text, to choose from.
    """

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]] = field(repr=False)
    header_sure: bool = True
    top_rows: list[tuple[int, list[str]]] = field(default_factory=list, repr=False)


def normalise_header(text: object) -> str:
    """Lowercase the header with spaces and punctuation removed: "Serial No." -> "serialno"."""
    return _HEADER_JUNK_RE.sub("", str(text if text is not None else "")).lower()


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int = MAX_ROWS,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    headings: Collection[str] = (),
    header_row: int | None = None,
) -> Table:
    """Return the header and rows of the first visible sheet of an .xlsx, or of a text file.

    The header is row `header_row` when given, else the row among the first 20 holding most
    of `headings` (normalised, see normalise_header), else the first row (after a lone
    caption). Raises UnreadableFile, before parsing anything, for an empty, renamed,
    old-format, macro-enabled, damaged or oversized file, and while reading for a file with no
    header row or with more than `max_rows` data rows.
    """
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    _refuse_by_name(suffix)
    if not data:
        raise UnreadableFile("The file is empty. Check you chose the right file and try again.")
    _refuse_by_content(data, suffix)
    if data.startswith(_ZIP_MAGIC):
        numbered = _read_xlsx(data, max_rows=max_rows, max_uncompressed=max_uncompressed)
    else:
        if len(data) > max_uncompressed:
            raise UnreadableFile(
                f"The file is too large to import ({len(data) // 1_000_000} MB). "
                "Split it into smaller files."
            )
        numbered = delimited.read_rows(data, suffix)
    return _make_table(numbered, max_rows, frozenset(headings), header_row)


def _refuse_by_name(suffix: str) -> None:
    if suffix == "xlsx" or suffix in TEXT_SUFFIXES:
        return
    if suffix == "xls":
        raise UnreadableFile(_OLD_XLS)
    if suffix in ("xlsm", "xltm"):
        raise UnreadableFile(_MACROS)
    if suffix == "xlsb":
        raise UnreadableFile(
            "Excel Binary Workbooks (.xlsb) cannot be imported. "
            "Save it as .xlsx (Excel Workbook) and upload it again."
        )
    what = f"Files of type .{suffix}" if suffix else "A file with no extension"
    raise UnreadableFile(f"{what} cannot be imported. Upload an {ACCEPTED} file.")


_OLD_XLS = (
    "This is an old Excel 97-2003 .xls file. Save it as .xlsx (Excel Workbook) and upload it again."
)
_MACROS = (
    "This workbook contains macros, which we do not accept. "
    "Save it as .xlsx (Excel Workbook), which removes the macros, and upload it again."
)
_DAMAGED = (
    "The file is damaged or was not uploaded completely, so it cannot be read. "
    "Open it in Excel, save it again as .xlsx and upload it again."
)


def _refuse_by_content(data: bytes, suffix: str) -> None:
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data[:1_000_000] or _ENCRYPTED_MARK in data[-1_000_000:]:
            raise UnreadableFile(
                "The workbook is protected with a password. Remove the password in Excel "
                "(File > Info > Protect Workbook), save it and upload it again."
            )
        raise UnreadableFile(_OLD_XLS)
    for magic, kind in _KNOWN_NOT_SPREADSHEETS.items():
        if data.startswith(magic):
            raise UnreadableFile(
                f"This file is {kind}, not a spreadsheet, although its name ends in .{suffix}. "
                f"Upload the register as an {ACCEPTED} file."
            )
    if data.startswith(_EMPTY_ZIP_MAGIC):
        raise UnreadableFile(_DAMAGED)
    if suffix == "xlsx" and not data.startswith(_ZIP_MAGIC):
        raise UnreadableFile(
            "This file is not an Excel workbook, although its name ends in .xlsx. It may be "
            "another kind of file that was renamed. Open it in Excel and save it as .xlsx "
            "(Excel Workbook)."
        )


def _read_xlsx(
    data: bytes, *, max_rows: int, max_uncompressed: int
) -> Iterator[tuple[int, list[Any]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise UnreadableFile(_DAMAGED) from error
    with archive:
        _check_sizes(archive, max_uncompressed)
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise UnreadableFile(
                "This file is not an Excel workbook (it may be a Word or other Office file). "
                f"Upload the register as an {ACCEPTED} file."
            )
        try:
            _check_macros(archive, names)
            _check_xml_prologs(archive)
            sheet_name, sheet_part = _first_visible_sheet(archive)
            _check_dimension(archive, sheet_part, max_rows)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise UnreadableFile(_DAMAGED) from error
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_name(sheet_name)
        raw_rows = sheet.iter_rows()
    except CalamineError as error:
        raise UnreadableFile(_DAMAGED) from error
    # calamine yields from row 1, padding rows above the data with empty cells, so the index
    # is the spreadsheet's own row number.
    return ((number, _clean_xlsx_row(row)) for number, row in enumerate(raw_rows, 1))


def _check_sizes(archive: zipfile.ZipFile, max_uncompressed: int) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio_too_high = info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        )
        if info.file_size > max_uncompressed or total > max_uncompressed or ratio_too_high:
            raise UnreadableFile(
                "The workbook unpacks to far more data than a register holds, so it was "
                "refused for safety. If it is a genuine register, split it into smaller files."
            )
        if info.flag_bits & 0x1:
            raise UnreadableFile(
                "The workbook is protected with a password. Remove the password in Excel, "
                "save it and upload it again."
            )


def _check_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnreadableFile(_MACROS)
    content_types = archive.open("[Content_Types].xml").read(PROLOG_SCAN * 16)
    if b"macroenabled" in content_types.lower():
        raise UnreadableFile(_MACROS)


def _check_xml_prologs(archive: zipfile.ZipFile) -> None:
    """Refuse any XML part that declares a DOCTYPE or entities before its root element."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            head = part.read(PROLOG_SCAN)
        head = _as_utf8(head)
        root = _ROOT_START_RE.search(head)
        prolog = head if root is None else head[: root.start()]
        if _DOCTYPE_RE.search(prolog) or (root is None and len(head) == PROLOG_SCAN):
            raise UnreadableFile(_REFUSED_XML)


def _as_utf8(head: bytes) -> bytes:
    """The start of an XML part in UTF-8, whichever encoding a parser would read it in."""
    for start, encoding in _WIDE_XML_STARTS:
        if head.startswith(start):
            return head.decode(encoding, errors="replace").encode("utf-8")
    return head


def _first_visible_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """Return the name and zip path of the first visible worksheet."""
    if archive.getinfo("xl/workbook.xml").file_size > MAX_WORKBOOK_PART:
        raise UnreadableFile(_DAMAGED)
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels_path = "xl/_rels/workbook.xml.rels"
        rels = ElementTree.fromstring(archive.read(rels_path)) if _has(archive, rels_path) else None
    except DefusedXmlException as error:
        # The prolog check above should have refused it; this is the parser's own refusal.
        raise UnreadableFile(_REFUSED_XML) from error
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile) as error:
        raise UnreadableFile(_DAMAGED) from error
    targets = {}
    for rel in rels if rels is not None else []:
        if rel.tag == f"{{{_PKG_RELS_NS}}}Relationship" and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else join("xl", target)
            targets[rel.get("Id")] = normpath(path)
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        if sheet.get("state", "visible") != "visible":
            continue
        part = targets.get(sheet.get(f"{{{_RELS_NS}}}id"))
        if part and _has(archive, part) and dirname(part).endswith("worksheets"):
            return sheet.get("name", ""), part
    raise UnreadableFile(
        "The workbook has no visible worksheet to read. Unhide the sheet with the register "
        "(or copy it into a new workbook), save it and upload it again."
    )


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _check_dimension(archive: zipfile.ZipFile, sheet_part: str, max_rows: int) -> None:
    with archive.open(sheet_part) as part:
        head = part.read(PROLOG_SCAN)
    match = _DIMENSION_RE.search(head)
    if not match:
        return
    last_row = int(match.group(3) or match.group(2) or 0)
    if last_row > max_rows + 1:
        raise UnreadableFile(_too_many_rows(max_rows, f"{last_row:,}"))


def _too_many_rows(max_rows: int, claimed: str) -> str:
    return (
        f"The sheet has {claimed} rows; at most {max_rows:,} can be imported at once. "
        "Delete the empty rows below the data (select them, right-click, Delete) or split the "
        "file, then upload it again."
    )


def _clean_xlsx_row(row: list[Any]) -> list[Any]:
    return [
        None
        if value == ""
        else int(value)
        if value.__class__ is float and value.is_integer()
        else value
        for value in row
    ]


def _make_table(
    numbered: Iterator[tuple[int, list[Any]]],
    max_rows: int,
    headings: frozenset[str],
    header_row: int | None,
) -> Table:
    """Find the header among the first non-blank rows; the rows below it are the data."""
    nonblank = (item for item in numbered if any(value is not None for value in item[1]))
    top = list(itertools.islice(nonblank, HEADER_SEARCH))
    if not top:
        raise UnreadableFile(
            "The sheet is empty: there is no header row. Put the column names in the first "
            "row and the data below them."
        )
    sure = True
    if header_row is not None:
        position = next((i for i, (number, _) in enumerate(top) if number == header_row), None)
        if position is None:
            raise UnreadableFile(
                f"Row {header_row} is empty or is not among the first {HEADER_SEARCH} rows with "
                "something in them, so it cannot be the header row. Choose another row."
            )
    else:
        position, sure = _header_position(top, headings)
    number, values = top[position]
    headers = [str(value).strip() if value is not None else "" for value in values]
    if not any(headers):
        raise UnreadableFile(
            f"The header row (row {number}) has no column names. Put the column names in "
            "the first row and the data below them."
        )
    while not headers[-1]:
        headers.pop()
    rows = _data_rows(itertools.chain(top[position + 1 :], nonblank), max_rows)
    shown = [(n, [_cell_text(value) for value in row]) for n, row in top]
    return Table(headers, number, rows, header_sure=sure, top_rows=shown)


def _header_position(
    top: list[tuple[int, list[Any]]], headings: frozenset[str]
) -> tuple[int, bool]:
    """Which of the top rows is the header, and whether that is sure.

    With known headings: the row holding most of them, sure when no other row holds as many.
    Without any: the first row or, when it is a lone caption such as "Ashbrook School - Asset
    register - exported ..." (our own export starts so) above a row of several names, the row
    under it.
    """
    if headings:
        scores = [len({normalise_header(value) for value in row} & headings) for _, row in top]
        best = max(scores)
        if best:
            return scores.index(best), scores.count(best) == 1
    position = 0
    if _filled(top[0][1]) == 1 and len(top) > 1 and _filled(top[1][1]) > 1:
        position = 1
    return position, not headings


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()[:60]


def _filled(values: list[Any]) -> int:
    return sum(1 for value in values if value is not None and str(value).strip())


def _data_rows(
    numbered: Iterator[tuple[int, list[Any]]], max_rows: int
) -> Iterator[tuple[int, list[Any]]]:
    for count, (number, values) in enumerate(numbered, 1):
        if count > max_rows:
            raise UnreadableFile(_too_many_rows(max_rows, f"more than {max_rows:,}"))
        yield number, values
