"""The zip package of an .xlsx, checked before any parser sees it: sizes, passwords, macros,
XML prologs; and what the workbook part lists (its visible sheets) and the styles part pads.

Every check here reads the zip directory or bounded parts, so a hostile upload costs little
memory and time. Workbooks saved as "Strict Open XML" name their parts' namespaces
differently; both are read.
"""

from __future__ import annotations

import re
import zipfile
from posixpath import dirname, join, normpath

from defusedxml import DefusedXmlException, ElementTree

from assets.files.xlsx.errors import UnreadableFile
from assets.files.xlsx.formats import MAX_STYLES_PART, Padding, paddings

ACCEPTED = ".xlsx (Excel Workbook), .csv or tab-delimited .txt or .tsv"
# Real sheet XML compresses 5-30 times; deflate tops out near 1000:1 on runs of one byte.
MAX_RATIO = 100
RATIO_CHECK_FROM = 1024 * 1024
PROLOG_SCAN = 64 * 1024
# workbook.xml lists the sheets and names; a real one is a few kilobytes.
MAX_WORKBOOK_PART = 4 * 1024 * 1024

# Transitional namespaces first, then those of Strict Open XML (ISO/IEC 29500 strict).
_RELS_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_START_RE = re.compile(rb"<[A-Za-z_]")
_DOCTYPE_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
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

REFUSED_XML = (
    "The workbook contains XML that is not allowed in a spreadsheet (a DOCTYPE or entity "
    "declaration), so it was refused for safety. Open it in Excel, save it as a new .xlsx and "
    "upload it again."
)
MACROS = (
    "This workbook contains macros, which we do not accept. "
    "Save it as .xlsx (Excel Workbook), which removes the macros, and upload it again."
)
DAMAGED = (
    "The file is damaged or was not uploaded completely, so it cannot be read. "
    "Open it in Excel, save it again as .xlsx and upload it again."
)


def check(archive: zipfile.ZipFile, max_uncompressed: int) -> None:
    """Refuse a package that unpacks too far, has a password, is not a workbook, holds
    macros or declares a DOCTYPE or entities."""
    check_sizes(archive, max_uncompressed)
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnreadableFile(
            "This file is not an Excel workbook (it may be a Word or other Office file). "
            f"Upload the register as an {ACCEPTED} file."
        )
    check_macros(archive, names)
    check_xml_prologs(archive)


def check_sizes(archive: zipfile.ZipFile, max_uncompressed: int) -> None:
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


def check_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UnreadableFile(MACROS)
    content_types = archive.open("[Content_Types].xml").read(PROLOG_SCAN * 16)
    if b"macroenabled" in content_types.lower():
        raise UnreadableFile(MACROS)


def check_xml_prologs(archive: zipfile.ZipFile) -> None:
    """Refuse any XML part that declares a DOCTYPE or entities before its root element."""
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            head = part.read(PROLOG_SCAN)
        head = as_utf8(head)
        root = _ROOT_START_RE.search(head)
        prolog = head if root is None else head[: root.start()]
        if _DOCTYPE_RE.search(prolog) or (root is None and len(head) == PROLOG_SCAN):
            raise UnreadableFile(REFUSED_XML)


def as_utf8(head: bytes) -> bytes:
    """The start of an XML part in UTF-8, whichever encoding a parser would read it in."""
    for start, encoding in _WIDE_XML_STARTS:
        if head.startswith(start):
            return head.decode(encoding, errors="replace").encode("utf-8")
    return head


def styles(archive: zipfile.ZipFile) -> dict[int, Padding]:
    """The cell formats of the workbook that pad numbers with zeros (none if unreadable)."""
    try:
        info = archive.getinfo("xl/styles.xml")
    except KeyError:
        return {}
    if info.file_size > MAX_STYLES_PART:
        return {}
    try:
        return paddings(archive.read(info))
    except DefusedXmlException as error:
        raise UnreadableFile(REFUSED_XML) from error
    except ElementTree.ParseError:
        return {}


def visible_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """Return the name and zip path of each visible worksheet, in the workbook's order."""
    if archive.getinfo("xl/workbook.xml").file_size > MAX_WORKBOOK_PART:
        raise UnreadableFile(DAMAGED)
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels_path = "xl/_rels/workbook.xml.rels"
        rels = ElementTree.fromstring(archive.read(rels_path)) if _has(archive, rels_path) else None
    except DefusedXmlException as error:
        # The prolog check should have refused it; this is the parser's own refusal.
        raise UnreadableFile(REFUSED_XML) from error
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile) as error:
        raise UnreadableFile(DAMAGED) from error
    targets = {}
    for rel in rels if rels is not None else []:
        if rel.tag == f"{{{_PKG_RELS_NS}}}Relationship" and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else join("xl", target)
            targets[rel.get("Id")] = normpath(path)
    found = []
    for sheet in (item for ns in _MAIN_NAMESPACES for item in book.iter(f"{{{ns}}}sheet")):
        if sheet.get("state", "visible") != "visible":
            continue
        rel_id = next(filter(None, (sheet.get(f"{{{ns}}}id") for ns in _RELS_NAMESPACES)), None)
        part = targets.get(rel_id)
        if part and _has(archive, part) and dirname(part).endswith("worksheets"):
            found.append((sheet.get("name", ""), part))
    if found:
        return found
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
