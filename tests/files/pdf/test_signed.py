"""The base of every signed record: a code that depends only on the content, checks on what a
record is built from, and a page whose creation date comes from the record."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from assets.files.pdf.signed import (
    SignedRecordPDF,
    content_code,
    require_aware,
    require_png,
    utc_text,
)
from tests.support.pdf import pdf_text

SIGNED = datetime(2026, 11, 22, 14, 5, 33, tzinfo=UTC)


def test_the_code_is_the_content_in_any_key_order_and_changes_with_it():
    code = content_code({"a": 1, "name": "Siân", "items": [["ASH-1", None]]})
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", code)
    assert content_code({"items": [["ASH-1", None]], "name": "Siân", "a": 1}) == code
    assert content_code({"a": 1, "name": "Sian", "items": [["ASH-1", None]]}) != code
    # Stored codes must never change: the formula is pinned.
    assert content_code({"format": "x"}) == "368F-F261-1C92"


def test_times_must_carry_their_zone_and_signatures_be_png():
    require_aware(SIGNED, "signed_at")
    with pytest.raises(ValueError, match="signed_at must be a timezone-aware datetime"):
        require_aware(SIGNED.replace(tzinfo=None), "signed_at")
    require_png(b"\x89PNG\r\n\x1a\n...")
    with pytest.raises(ValueError, match="signature_png must be PNG bytes"):
        require_png(b"GIF89a")
    assert utc_text(SIGNED.astimezone(timezone(timedelta(hours=1)))) == "2026-11-22 14:05 UTC"


def test_a_record_page_is_the_same_bytes_each_time_with_the_code_in_its_footer():
    def build() -> bytes:
        with SignedRecordPDF(
            school="Ysgol Gymraeg",
            title="Record",
            name="Siân Llŷr",
            content={"format": "test", "name": "Siân Llŷr"},
            created_at=SIGNED,
        ) as pdf:
            pdf.add_page()
            pdf.title_block("Ysgol Gymraeg", "Record")
            pdf.field("Name", "Siân Llŷr", 30)
            pdf.heading("Items", 20)
            pdf.grid(("Tag", "Item"), [("ASH-1", None)], col_widths=(40, 60), line_height=6)
            pdf.code_line()
            return bytes(pdf.output())

    data = build()
    assert build() == data
    code = content_code({"format": "test", "name": "Siân Llŷr"})
    text = pdf_text(data)
    for words in ("Ysgol Gymraeg", "Siân Llŷr", "ASH-1", f"Verification code: {code}"):
        assert words in text
    assert f"Verification code {code}" in text and "Page 1 of 1" in text
