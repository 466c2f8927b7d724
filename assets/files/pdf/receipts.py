"""The PDF receipt a borrower gets when they sign for equipment.

A pure builder: it takes a Receipt and returns the bytes of an A4 PDF. The receipt shows who
signed, for which items, when, how, and the full terms text exactly as it was signed, with the
drawn signature. Every page carries a verification code derived from all of that content, so a
printed receipt can be checked against the stored record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos

from assets.files.pdf.fonts import printable
from assets.files.pdf.signed import (
    FONT,
    SignedRecordPDF,
    content_code,
    require_aware,
    require_png,
    utc_text,
)

LABEL_WIDTH = 34.0
SIGNATURE_BOX = (80.0, 30.0)
# Height the signature block needs; it is never split across a page break.
SIGNATURE_BLOCK_HEIGHT = 62.0
# Room a heading keeps below it, or it starts the next page.
HEADING_ROOM = 20.0

NO_DUE_DATE = "Long-term allocation (no due date)"


@dataclass(frozen=True)
class ReceiptItem:
    """One item signed for, as the receipt lists it."""

    tag: str
    name: str
    model: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class Receipt:
    """Everything a loan receipt shows; ``items`` is kept as a tuple.

    ``signed_at`` must be timezone-aware; ``signed_at_local`` is the same moment already
    formatted for people (e.g. "22/11/2026 14:05"). ``capture`` completes "captured ..."
    ("at the IT desk" or "remotely"). ``signature_png`` is a cleaned signature PNG.
    """

    school: str
    title: str
    borrower_name: str
    borrower_email: str
    items: Sequence[ReceiptItem]
    terms_title: str
    terms_text: str
    signed_at: datetime
    signed_at_local: str
    technician_name: str | None
    signature_png: bytes = field(repr=False)
    due_date: str | None
    capture: str
    return_note: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.signed_at, "signed_at")
        if not self.items:
            raise ValueError("a receipt covers at least one item")
        object.__setattr__(self, "items", tuple(self.items))
        require_png(self.signature_png)


def verification_code(receipt: Receipt) -> str:
    """Return a short code such as "3F9A-1C2B-77D0" that identifies the receipt's content.

    It is the first 12 hex digits of SHA-256 over a canonical JSON form of every field,
    including the exact terms text and the SHA-256 of the signature image, so changing any of
    them changes the code; the same receipt always gives the same code. It detects an altered
    or mismatched receipt when compared with the stored record; it is not a secret seal.
    """
    return content_code(_content(receipt))


def _content(receipt: Receipt) -> dict:
    return {
        "format": "loan-receipt-1",
        "school": receipt.school,
        "title": receipt.title,
        "borrower_name": receipt.borrower_name,
        "borrower_email": receipt.borrower_email,
        "items": [[i.tag, i.name, i.model, i.serial] for i in receipt.items],
        "terms_title": receipt.terms_title,
        "terms_text": receipt.terms_text,
        "signed_at": receipt.signed_at.astimezone(UTC).isoformat(),
        "signed_at_local": receipt.signed_at_local,
        "technician_name": receipt.technician_name,
        "signature_sha256": hashlib.sha256(receipt.signature_png).hexdigest(),
        "due_date": receipt.due_date,
        "capture": receipt.capture,
        "return_note": receipt.return_note,
    }


def build_receipt_pdf(receipt: Receipt) -> bytes:
    """Return the receipt as A4 PDF bytes; the same receipt always gives the same bytes.

    Raises ValueError if ``signature_png`` cannot be read as an image, and FontsMissing if the
    fonts are not installed.
    """
    # Fixed from the signing time, so that building the receipt again gives the same bytes.
    with SignedRecordPDF(
        school=receipt.school,
        title=receipt.title,
        name=receipt.borrower_name,
        content=_content(receipt),
        created_at=receipt.signed_at,
        subject=receipt.terms_title,
    ) as pdf:
        pdf.add_page()
        _title(pdf, receipt)
        _details(pdf, receipt)
        _items_table(pdf, receipt)
        _signature_block(pdf, receipt)
        _terms(pdf, receipt)
        return bytes(pdf.output())


def _title(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    pdf.title_block(receipt.school, receipt.title)
    pdf.ln(4)


def _details(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    fields = [
        ("Borrower", receipt.borrower_name),
        ("Email", receipt.borrower_email),
        ("Due back", receipt.due_date or NO_DUE_DATE),
        ("Signed", f"{receipt.signed_at_local} ({utc_text(receipt.signed_at)})"),
        ("Captured", receipt.capture),
        ("Technician", receipt.technician_name or "None (no technician present)"),
    ]
    if receipt.return_note:
        fields.append(("Return", receipt.return_note))
    for label, value in fields:
        pdf.field(label, value, LABEL_WIDTH)
    pdf.ln(4)


def _items_table(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    count = len(receipt.items)
    pdf.heading(f"Items ({count})" if count > 1 else "Item", HEADING_ROOM)
    pdf.set_font(FONT, "", 9.5)
    pdf.grid(
        ("Tag", "Item", "Model", "Serial number"),
        [(item.tag, item.name, item.model, item.serial) for item in receipt.items],
        col_widths=(28, 56, 50, 40),
        line_height=6,
    )
    pdf.ln(5)


def _signature_block(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    if pdf.will_page_break(SIGNATURE_BLOCK_HEIGHT):
        pdf.add_page()
    pdf.heading("Signature", HEADING_ROOM)
    pdf.set_font(FONT, "", 10)
    statement = (
        f"Signed at {receipt.signed_at_local} by {receipt.borrower_name} "
        f"(captured {receipt.capture}), accepting the terms below."
    )
    pdf.multi_cell(0, 5.5, printable(statement), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if receipt.technician_name:
        pdf.multi_cell(
            0,
            5.5,
            printable(f"Issued by {receipt.technician_name}."),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(2)
    pdf.signature_image(receipt.signature_png, receipt.borrower_name, SIGNATURE_BOX)
    pdf.ln(2)
    pdf.code_line()
    pdf.ln(5)


def _terms(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    pdf.heading(f"Terms signed: {receipt.terms_title}", HEADING_ROOM)
    pdf.set_font(FONT, "", 9.5)
    # Line by line, so that each paragraph reads in its own direction (an Arabic one from the
    # right) rather than in the direction of the first.
    for line in printable(receipt.terms_text).split("\n"):
        pdf.multi_cell(0, 4.8, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
