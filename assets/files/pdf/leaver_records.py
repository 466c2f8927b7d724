"""The signed record filed when a leaver's return checklist closes (policy 8.4).

A pure builder: it takes a LeaverRecord and returns the bytes of an A4 PDF listing every item
and how it came back, each wipe of a laptop or computer (method, who, when), the software and
licences, the accounts disabled, and the closing signatures with their dates. Every page
carries a verification code derived from all of that content, so a printed record can be
checked against the stored one. Every name and word prints exactly as recorded, in the
embedded Unicode fonts of assets.files.pdf.fonts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from assets.files.pdf.fonts import UnicodePDF, printable
from assets.files.pdf.receipts import FONT, SignedRecordPDF, content_code

LABEL_WIDTH = 38.0
SIGNATURE_BOX = (70.0, 26.0)
# Room a signature needs (statement, box and name); it is never split across a page break.
SIGNATURE_BLOCK_HEIGHT = 58.0
TITLE = "Leaver's return record"
POLICY = (
    "Policy 8.4: when a contract of employment at the School ends, the employee must return all "
    "computer equipment and software to the School IT Technician in full working condition. "
    "The user account and all personal work stored on the laptop will then be securely deleted."
)


@dataclass(frozen=True)
class RecordStep:
    """One line of the record: what it is about, what happened, who did it and when."""

    what: str
    outcome: str
    by: str
    at_local: str
    detail: str = ""


@dataclass(frozen=True)
class RecordSignature:
    """A drawn signature with the exact statement signed; ``signed_at`` is timezone-aware."""

    name: str
    statement: str
    signed_at: datetime
    signed_at_local: str
    signature_png: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be a timezone-aware datetime")
        if not self.signature_png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("signature_png must be PNG bytes")


@dataclass(frozen=True)
class LeaverRecord:
    """Everything the record shows. ``leaver`` is None when the leaver left without signing,
    and then ``unsigned_reason`` says why."""

    school: str
    person_name: str
    person_email: str
    staff_number: str
    job_title: str
    leaving_on: str
    opened_at_local: str
    closed_at: datetime
    closed_at_local: str
    items: Sequence[RecordStep]
    wipes: Sequence[RecordStep]
    licences: Sequence[RecordStep]
    accounts: Sequence[RecordStep]
    technician: RecordSignature
    leaver: RecordSignature | None = None
    unsigned_reason: str | None = None

    def __post_init__(self) -> None:
        if self.closed_at.tzinfo is None or self.closed_at.utcoffset() is None:
            raise ValueError("closed_at must be a timezone-aware datetime")
        if (self.leaver is None) == (not (self.unsigned_reason or "").strip()):
            raise ValueError("either the leaver's signature or the reason they did not sign")
        for name in ("items", "wipes", "licences", "accounts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


def _signature_content(signature: RecordSignature | None) -> dict | None:
    if signature is None:
        return None
    return {
        "name": signature.name,
        "statement": signature.statement,
        "signed_at": signature.signed_at.astimezone(UTC).isoformat(),
        "signed_at_local": signature.signed_at_local,
        "signature_sha256": hashlib.sha256(signature.signature_png).hexdigest(),
    }


def verification_code(record: LeaverRecord) -> str:
    """A short code such as "3F9A-1C2B-77D0": the first 12 hex digits of SHA-256 over a
    canonical JSON form of every field (signature images by their SHA-256). Changing anything
    changes the code; the same record always gives the same code. It detects an altered or
    mismatched printout; it is not a secret seal."""
    return content_code(_content(record))


def _content(record: LeaverRecord) -> dict:
    def steps(lines: Sequence[RecordStep]) -> list:
        return [[s.what, s.outcome, s.by, s.at_local, s.detail] for s in lines]

    return {
        "format": "leaver-record-1",
        "school": record.school,
        "person": [record.person_name, record.person_email, record.staff_number],
        "job_title": record.job_title,
        "leaving_on": record.leaving_on,
        "opened_at_local": record.opened_at_local,
        "closed_at": record.closed_at.astimezone(UTC).isoformat(),
        "closed_at_local": record.closed_at_local,
        "items": steps(record.items),
        "wipes": steps(record.wipes),
        "licences": steps(record.licences),
        "accounts": steps(record.accounts),
        "technician": _signature_content(record.technician),
        "leaver": _signature_content(record.leaver),
        "unsigned_reason": record.unsigned_reason,
    }


def build_leaver_pdf(record: LeaverRecord) -> bytes:
    """The record as A4 PDF bytes; the same record always gives the same bytes.

    Raises ValueError if a signature image cannot be read, and FontsMissing if the fonts are
    not installed."""
    # Fixed from the closing time, so building the record again gives the same bytes.
    with SignedRecordPDF(
        school=record.school,
        title=TITLE,
        name=record.person_name,
        content=_content(record),
        created_at=record.closed_at,
    ) as pdf:
        _write(pdf, record)
        return bytes(pdf.output())


def _write(pdf: SignedRecordPDF, record: LeaverRecord) -> None:
    pdf.add_page()
    _title(pdf, record)
    _details(pdf, record)
    _table(
        pdf,
        f"Equipment ({len(record.items)})",
        ("Item", "Outcome", "Recorded by", "When"),
        [(s.what, s.outcome + _also(s.detail), s.by, s.at_local) for s in record.items],
        "Nothing was on loan to them.",
    )
    _table(
        pdf,
        "Laptops and computers: personal work and user account securely deleted",
        ("Device", "Method", "Wiped by", "When"),
        [(s.what, s.outcome + _also(s.detail), s.by, s.at_local) for s in record.wipes],
        "No laptop or computer came back, so there was nothing to wipe.",
    )
    _table(
        pdf,
        "Software and licences",
        ("Software or licence", "Outcome", "Recorded by", "When"),
        [(s.what, s.outcome + _also(s.detail), s.by, s.at_local) for s in record.licences],
        "None were listed.",
    )
    _table(
        pdf,
        "Accounts",
        ("Account", "Outcome", "Recorded by", "When"),
        [(s.what, s.outcome + _also(s.detail), s.by, s.at_local) for s in record.accounts],
        "",
    )
    _signatures(pdf, record)


def _also(detail: str) -> str:
    return f". {detail}" if detail else ""


def _title(pdf: UnicodePDF, record: LeaverRecord) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, printable(record.school), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 4.6, POLICY, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _field(pdf: UnicodePDF, label: str, value: str) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.cell(LABEL_WIDTH, 6, label)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 6, printable(value or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _details(pdf: UnicodePDF, record: LeaverRecord) -> None:
    _field(pdf, "Leaver", record.person_name)
    _field(pdf, "Email", record.person_email)
    _field(pdf, "Staff number", record.staff_number)
    _field(pdf, "Job title", record.job_title)
    _field(pdf, "Contract ends", record.leaving_on)
    _field(pdf, "Checklist opened", record.opened_at_local)
    _field(pdf, "Closed", f"{record.closed_at_local} ({_utc(record.closed_at)})")
    pdf.ln(3)


def _heading(pdf: UnicodePDF, text: str, keep_with_next: float = 24.0) -> None:
    """A section heading, on a new page rather than alone at the foot of one."""
    if pdf.will_page_break(keep_with_next):
        pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _table(pdf: UnicodePDF, heading: str, headings: tuple, rows: list[tuple], empty: str) -> None:
    _heading(pdf, heading)
    pdf.set_font(FONT, "", 9)
    if not rows:
        if empty:
            pdf.multi_cell(0, 5, empty, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
        return
    with pdf.table(
        col_widths=(46, 64, 30, 34),
        text_align="LEFT",
        line_height=5,
        headings_style=FontFace(emphasis="BOLD", fill_color=230),
        first_row_as_headings=True,
    ) as table:
        table.row(headings)
        for row in rows:
            table.row(tuple(printable(value or "-") for value in row))
    pdf.ln(5)


def _signatures(pdf: SignedRecordPDF, record: LeaverRecord) -> None:
    _heading(pdf, "Signatures", keep_with_next=SIGNATURE_BLOCK_HEIGHT)
    _signature(pdf, "Signed off by the IT technician", record.technician)
    if record.leaver is not None:
        _signature(pdf, "Signed by the leaver at the IT desk", record.leaver)
    else:
        if pdf.will_page_break(24):
            pdf.add_page()
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 6, "The leaver did not sign", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(
            0,
            5.5,
            printable(f"Left without signing. Reason: {record.unsigned_reason}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.ln(3)
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 5, f"Verification code: {pdf.code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature(pdf: SignedRecordPDF, caption: str, signature: RecordSignature) -> None:
    if pdf.will_page_break(SIGNATURE_BLOCK_HEIGHT):
        pdf.add_page()
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 6, caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(0, 5, printable(signature.statement), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.signature_image(signature.signature_png, signature.name, SIGNATURE_BOX)
    pdf.ln(1)
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(
        0,
        5,
        printable(f"{signature.name}, {signature.signed_at_local}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
