"""The PDF receipt a borrower gets when they sign for equipment.

A pure builder: it takes a Receipt and returns the bytes of an A4 PDF. The receipt shows who
signed, for which items, when, how, and the full terms text exactly as it was signed, with the
drawn signature. Every page carries a verification code derived from all of that content, so a
printed receipt can be checked against the stored record.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from assets.files.pdf.fonts import SANS, UnicodePDF, printable

FONT = SANS
MARGIN = 18.0
FOOTER_HEIGHT = 14.0
LABEL_WIDTH = 34.0
SIGNATURE_BOX = (80.0, 30.0)
# Height the signature block needs; it is never split across a page break.
SIGNATURE_BLOCK_HEIGHT = 62.0

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
        if self.signed_at.tzinfo is None or self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be a timezone-aware datetime")
        if not self.items:
            raise ValueError("a receipt covers at least one item")
        object.__setattr__(self, "items", tuple(self.items))
        if not self.signature_png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("signature_png must be PNG bytes")


def verification_code(receipt: Receipt) -> str:
    """Return a short code such as "3F9A-1C2B-77D0" that identifies the receipt's content.

    It is the first 12 hex digits of SHA-256 over a canonical JSON form of every field,
    including the exact terms text and the SHA-256 of the signature image, so changing any of
    them changes the code; the same receipt always gives the same code. It detects an altered
    or mismatched receipt when compared with the stored record; it is not a secret seal.
    """
    return content_code(_content(receipt))


def content_code(content: dict) -> str:
    """The first 12 hex digits of SHA-256 over `content` as canonical JSON, grouped in fours."""
    digest = hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()[:12].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def _canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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


class SignedRecordPDF(UnicodePDF):
    """A4 with a running header after the first page and the verification code and page number
    in every footer; its creation date is fixed, so the same record always gives the same
    bytes. Shared by loan receipts and leavers' records.

    `content` is everything the record holds, as its verification code covers it: the code is
    computed from it, and the fonts are chosen for every character in it. Raises FontsMissing
    if the fonts are not installed."""

    def __init__(
        self,
        *,
        school: str,
        title: str,
        name: str,
        content: dict,
        created_at: datetime,
        subject: str | None = None,
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.code = content_code(content)
        self.use_fonts([_canonical(content)])
        self.running_header = printable(f"{school} - {title} - {name}", one_line=True)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + FOOTER_HEIGHT / 2)
        self.set_creation_date(created_at.astimezone(UTC))
        self.set_title(printable(f"{title} - {name}", one_line=True))
        self.set_author(printable(school, one_line=True))
        if subject:
            self.set_subject(printable(subject, one_line=True))
        self.set_creator("school-assets")

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 5, self.running_header, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-FOOTER_HEIGHT)
        self.set_draw_color(160)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_font(FONT, size=8)
        self.set_text_color(60)
        self.cell(
            0,
            6,
            f"Verification code {self.code}    Page {self.page_no()} of {{nb}}",
            align="R",
        )
        self.set_text_color(0)
        self.set_draw_color(0)

    def signature_image(self, png: bytes, signer: str, box: tuple[float, float]) -> None:
        """The drawn signature in a light frame at the left margin; leaves y just below it.
        Raises ValueError if `png` is not a readable image."""
        width, height = box
        x, y = self.l_margin, self.get_y()
        self.set_draw_color(150)
        self.rect(x, y, width + 4, height + 4)
        self.set_draw_color(0)
        try:
            self.image(
                io.BytesIO(png),
                x=x + 2,
                y=y + 2,
                w=width,
                h=height,
                keep_aspect_ratio=True,
                alt_text=printable(f"Signature of {signer}", one_line=True),
            )
        except (OSError, SyntaxError) as error:
            raise ValueError(f"signature_png is not a readable image: {error}") from error
        self.set_y(y + height + 4)


def _title(pdf: UnicodePDF, receipt: Receipt) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, printable(receipt.school), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, printable(receipt.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _field(pdf: UnicodePDF, label: str, value: str) -> None:
    pdf.set_font(FONT, "B", 10)
    pdf.cell(LABEL_WIDTH, 6, label)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(0, 6, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _details(pdf: UnicodePDF, receipt: Receipt) -> None:
    _field(pdf, "Borrower", receipt.borrower_name)
    _field(pdf, "Email", receipt.borrower_email)
    _field(pdf, "Due back", receipt.due_date or NO_DUE_DATE)
    _field(pdf, "Signed", f"{receipt.signed_at_local} ({_utc(receipt.signed_at)})")
    _field(pdf, "Captured", receipt.capture)
    _field(pdf, "Technician", receipt.technician_name or "None (no technician present)")
    if receipt.return_note:
        _field(pdf, "Return", receipt.return_note)
    pdf.ln(4)


def _heading(pdf: UnicodePDF, text: str, keep_with_next: float = 20.0) -> None:
    """Write a section heading, starting a new page rather than leaving it alone at the foot."""
    if pdf.will_page_break(keep_with_next):
        pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 7, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)


def _items_table(pdf: UnicodePDF, receipt: Receipt) -> None:
    count = len(receipt.items)
    _heading(pdf, f"Items ({count})" if count > 1 else "Item")
    pdf.set_font(FONT, "", 9.5)
    with pdf.table(
        col_widths=(28, 56, 50, 40),
        text_align="LEFT",
        line_height=6,
        headings_style=FontFace(emphasis="BOLD", fill_color=230),
        first_row_as_headings=True,
    ) as table:
        table.row(("Tag", "Item", "Model", "Serial number"))
        for item in receipt.items:
            table.row(
                tuple(
                    printable(value or "-")
                    for value in (item.tag, item.name, item.model, item.serial)
                )
            )
    pdf.ln(5)


def _signature_block(pdf: SignedRecordPDF, receipt: Receipt) -> None:
    if pdf.will_page_break(SIGNATURE_BLOCK_HEIGHT):
        pdf.add_page()
    _heading(pdf, "Signature")
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
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 5, f"Verification code: {pdf.code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _terms(pdf: UnicodePDF, receipt: Receipt) -> None:
    _heading(pdf, f"Terms signed: {receipt.terms_title}")
    pdf.set_font(FONT, "", 9.5)
    # Line by line, so that each paragraph reads in its own direction (an Arabic one from the
    # right) rather than in the direction of the first.
    for line in printable(receipt.terms_text).split("\n"):
        pdf.multi_cell(0, 4.8, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
