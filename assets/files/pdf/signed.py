"""The base of every signed record (loan receipts, leavers' records): an A4 page with a
running header, a footer carrying a verification code derived from everything the record
holds, and the pieces each record is drawn from (title, labelled fields, headings, tables, the
drawn signature, the code line).

The code is the first 12 hex digits of SHA-256 over a canonical JSON form of the record's
content, so a printed record can be checked against the stored one. The creation date is
fixed from the record's own time, so the same record always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from assets.files.pdf.fonts import SANS, UnicodePDF, printable

FONT = SANS
MARGIN = 18.0
FOOTER_HEIGHT = 14.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def content_code(content: dict) -> str:
    """The first 12 hex digits of SHA-256 over `content` as canonical JSON, grouped in fours,
    such as "3F9A-1C2B-77D0"."""
    digest = hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()[:12].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def _canonical(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def require_aware(moment: datetime, name: str) -> None:
    """Raise ValueError unless `moment` (the field `name`) carries its time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def require_png(data: bytes) -> None:
    """Raise ValueError unless `data` starts as a PNG does."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("signature_png must be PNG bytes")


def utc_text(moment: datetime) -> str:
    """`moment` in UTC, as a record prints it beside the local time: "2026-11-22 14:05 UTC"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class SignedRecordPDF(UnicodePDF):
    """A4 with a running header after the first page and the verification code and page number
    in every footer; its creation date is fixed, so the same record always gives the same
    bytes.

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

    def title_block(self, school: str, title: str) -> None:
        """The school's name and the record's title, large, at the top of the first page."""
        self.set_font(FONT, "B", 16)
        self.multi_cell(0, 8, printable(school), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "B", 13)
        self.multi_cell(0, 7, printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str, label_width: float) -> None:
        """A bold label and its value beside it, the value wrapping under itself."""
        self.set_font(FONT, "B", 10)
        self.cell(label_width, 6, label)
        self.set_font(FONT, "", 10)
        self.multi_cell(0, 6, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, keep_with_next: float) -> None:
        """A section heading, on a new page rather than alone at the foot of one: it starts a
        page unless `keep_with_next` millimetres fit below it."""
        if self.will_page_break(keep_with_next):
            self.add_page()
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def grid(
        self,
        headings: Sequence[str],
        rows: Iterable[Sequence[str | None]],
        col_widths: Sequence[float],
        line_height: float,
    ) -> None:
        """A table with a shaded bold heading row; an empty value prints as "-". Set in the
        current font."""
        with self.table(
            col_widths=tuple(col_widths),
            text_align="LEFT",
            line_height=line_height,
            headings_style=FontFace(emphasis="BOLD", fill_color=230),
            first_row_as_headings=True,
        ) as table:
            table.row(tuple(headings))
            for row in rows:
                table.row(tuple(printable(value or "-") for value in row))

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

    def code_line(self) -> None:
        """The verification code, in small print below the signatures."""
        self.set_font(FONT, "", 9)
        self.cell(0, 5, f"Verification code: {self.code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
