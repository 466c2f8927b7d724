"""build_receipt_pdf shows everything signed, with the signature, and a code that tracks it all."""

import dataclasses
import io
import re
import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image, ImageChops, ImageDraw

from assets.files.images.signatures import clean_signature
from assets.files.pdf.receipts import (
    NO_DUE_DATE,
    Receipt,
    ReceiptItem,
    build_receipt_pdf,
    verification_code,
)
from tests.support.pdf import pdf_text
from tests.support.scripts import NAMES, TERMS, logical

CLAUSE = (
    "Users who borrow equipment from the School must sign for it and bear the responsibility "
    "for its care. Loan equipment should be concealed and stored securely when not in use. "
    "Any loss or damage to equipment on loan should be immediately reported to the Head "
    "Teacher or School IT Technician in the first instance."
)
LONG_TERMS = "\n\n".join(f"10.{n} {CLAUSE}" for n in range(1, 41))


def signature_png() -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(60, 140), (120, 60), (180, 150), (260, 70), (340, 130)], fill="#111", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return clean_signature(out.getvalue()).png


def white_png(size=(560, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def receipt() -> Receipt:
    return Receipt(
        school="Hillside Primary School",
        title="Equipment loan receipt",
        borrower_name="Mrs H Roebuck",
        borrower_email="h.roebuck@school.invalid",
        items=[
            ReceiptItem("IT-0042", "Laptop", "Dell Latitude 5440", "SN-5440-ABC123"),
            ReceiptItem("IT-0107", "Visualiser", "IPEVO V4K", "VZ-88213"),
        ],
        terms_title="Loan terms for school IT equipment (v3)",
        terms_text=LONG_TERMS,
        signed_at=datetime(2026, 11, 22, 14, 5, 33, tzinfo=UTC),
        signed_at_local="22/11/2026 14:05",
        technician_name="Mr M Savage",
        signature_png=signature_png(),
        due_date="29/11/2026",
        capture="at the IT desk",
    )


def squeeze(text: str) -> str:
    return " ".join(text.split())


def without_page_furniture(text: str) -> str:
    """The text with each page's running header and footer lines taken out."""
    furniture = re.compile(
        r"^(Verification code [0-9A-F-]{14}( +Page \d+ of \d+)?"
        r"|Page \d+ of \d+"
        r"|Hillside Primary School - .*)$"
    )
    return "\n".join(line for line in text.splitlines() if not furniture.match(line.strip()))


def render_page_one(pdf: bytes, tmp_path, name: str) -> Image.Image:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile", str(path), name],
        cwd=tmp_path,
        check=True,
    )
    with Image.open(tmp_path / f"{name}.png") as page:
        return page.convert("L")


def test_the_text_shows_borrower_items_terms_and_code(receipt):
    pdf = build_receipt_pdf(receipt)
    text = pdf_text(pdf)
    flat = squeeze(text)

    assert pdf.startswith(b"%PDF-")
    for expected in (
        "Hillside Primary School",
        "Equipment loan receipt",
        "Mrs H Roebuck",
        "h.roebuck@school.invalid",
        "IT-0042",
        "SN-5440-ABC123",
        "IT-0107",
        "VZ-88213",
        "Dell Latitude 5440",
        "29/11/2026",
        "Signed at 22/11/2026 14:05 by Mrs H Roebuck (captured at the IT desk)",
        "Mr M Savage",
        "Loan terms for school IT equipment (v3)",
    ):
        assert expected in flat
    assert squeeze(LONG_TERMS) in squeeze(without_page_furniture(text))
    assert verification_code(receipt) in flat


def test_long_terms_run_over_pages_with_the_code_and_page_number_on_each(receipt):
    pdf = build_receipt_pdf(receipt)
    code = verification_code(receipt)
    pages = re.findall(r"Page (\d+) of (\d+)", pdf_text(pdf))
    total = int(pages[0][1])

    assert total >= 2
    assert [int(number) for number, _ in pages] == list(range(1, total + 1))
    for page in range(1, total + 1):
        assert f"Verification code {code}" in pdf_text(pdf, "-f", str(page), "-l", str(page))


def test_the_signature_ink_is_on_page_one(receipt, tmp_path):
    signed = render_page_one(build_receipt_pdf(receipt), tmp_path, "signed")
    blank_receipt = dataclasses.replace(receipt, signature_png=white_png())
    blank = render_page_one(build_receipt_pdf(blank_receipt), tmp_path, "blank")

    # The renders differ only where the signature and the verification codes are drawn.
    diff = ImageChops.difference(signed, blank).point(lambda v: 255 if v > 100 else 0)
    box = diff.getbbox()
    assert box is not None
    dark_in_signed = signed.crop(box).point(lambda v: 255 if v < 80 else 0).histogram()[255]
    assert dark_in_signed > 200
    # The ink sits in the signature box, in the left half and upper part of the page.
    ink = ImageChops.difference(signed, blank).crop((0, 0, signed.width, signed.height * 3 // 4))
    ink_box = ink.point(lambda v: 255 if v > 100 else 0).getbbox()
    assert ink_box is not None
    assert ink_box[2] < signed.width // 2


def test_the_same_receipt_gives_the_same_bytes(receipt):
    assert build_receipt_pdf(receipt) == build_receipt_pdf(dataclasses.replace(receipt))


def test_the_code_is_short_grouped_and_deterministic(receipt):
    code = verification_code(receipt)

    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", code)
    assert verification_code(dataclasses.replace(receipt)) == code


def test_one_character_of_the_terms_changes_the_code(receipt):
    changed = receipt.terms_text.replace("stored securely", "stored securelY", 1)

    assert verification_code(dataclasses.replace(receipt, terms_text=changed)) != (
        verification_code(receipt)
    )


def test_one_pixel_of_the_signature_changes_the_code(receipt):
    with Image.open(io.BytesIO(receipt.signature_png)) as image:
        altered = image.copy()
    altered.putpixel((1, 1), 254 if altered.getpixel((1, 1)) == 255 else 255)
    out = io.BytesIO()
    altered.save(out, format="PNG")

    assert verification_code(dataclasses.replace(receipt, signature_png=out.getvalue())) != (
        verification_code(receipt)
    )


@pytest.mark.parametrize(
    "change",
    [
        {"borrower_name": "Mrs H Roebuck "},
        {"borrower_email": "other@school.invalid"},
        {"items": [ReceiptItem("IT-0042", "Laptop", "Dell Latitude 5440", "SN-5440-ABC124")]},
        {"signed_at": datetime(2026, 11, 22, 14, 5, 34, tzinfo=UTC)},
        {"technician_name": None},
        {"due_date": None},
        {"capture": "remotely"},
        {"terms_title": "Loan terms for school IT equipment (v4)"},
        {"return_note": "Returned in full working condition"},
    ],
)
def test_every_field_feeds_the_code(receipt, change):
    assert verification_code(dataclasses.replace(receipt, **change)) != verification_code(receipt)


def test_the_same_moment_in_another_zone_gives_the_same_code(receipt):
    london_summer = receipt.signed_at.astimezone(timezone(timedelta(hours=1)))

    assert verification_code(dataclasses.replace(receipt, signed_at=london_summer)) == (
        verification_code(receipt)
    )


def test_no_due_date_is_a_long_term_allocation_and_remote_capture_is_said(receipt):
    remote = dataclasses.replace(
        receipt,
        due_date=None,
        technician_name=None,
        capture="remotely",
        return_note="Returned in full working condition, 12/01/2027",
        terms_text="Short terms.",
    )
    flat = squeeze(pdf_text(build_receipt_pdf(remote)))

    assert NO_DUE_DATE in flat
    assert "(captured remotely)" in flat
    assert "Returned in full working condition, 12/01/2027" in flat
    assert "Page 1 of 1" in flat


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_and_terms_in_every_script_read_back_exactly_as_signed(receipt, script):
    name = NAMES[script]
    signed = dataclasses.replace(
        receipt,
        borrower_name=name,
        technician_name=name,
        items=[ReceiptItem("IT-0042", name, "Dell Latitude 5440", None)],
        terms_text="\n\n".join(TERMS.values()),
    )
    text = logical(pdf_text(build_receipt_pdf(signed)))

    # Borrower, technician, item, "Signed at ... by", "Issued by".
    assert text.count(name) == 5
    for sentence in TERMS.values():
        assert sentence in text
    assert verification_code(signed) in text


@pytest.mark.parametrize("script", sorted(set(NAMES) - {"Arabic"}))
def test_a_sentence_with_a_name_reads_back_whole(receipt, script):
    # pdftotext moves the brackets next to an Arabic name into its right-to-left run, so the
    # Arabic name is checked on its own above.
    signed = dataclasses.replace(receipt, borrower_name=NAMES[script])
    text = logical(pdf_text(build_receipt_pdf(signed)))

    assert f"Signed at 22/11/2026 14:05 by {NAMES[script]} (captured at the IT desk)" in text


def test_typography_prints_as_typed_and_control_characters_are_left_out(receipt):
    typed = dataclasses.replace(
        receipt,
        borrower_name="\u0141ucja Nowak-\u0150rs \u201cLu\u201d",
        terms_text="It\u2019s \u2014 the \u20ac5 fee\u2026 \u6f22\u5b57\x00\x07\r\nend\tof line",
        items=[ReceiptItem("IT\u20110001", "Caf\u00e9 iPad", None, None)],
    )
    text = logical(pdf_text(build_receipt_pdf(typed)))

    assert "Borrower \u0141ucja Nowak-\u0150rs \u201cLu\u201d" in text
    assert "It\u2019s \u2014 the \u20ac5 fee\u2026 \u6f22\u5b57 end of line" in text
    assert "IT\u20110001 Caf\u00e9 iPad" in text


def test_the_code_of_a_receipt_is_what_it_was_before_unicode_fonts(receipt):
    # Codes are stored with each signature, so the formula must never change.
    pinned = dataclasses.replace(
        receipt,
        school="Ysgol Bro Ŵyddfa",
        borrower_name="王芳 محمد Łukasz",
        borrower_email="w@school.invalid",
        items=[ReceiptItem("IT-0042", "Gliniadur", "Dell", None)],
        terms_title="Telerau",
        terms_text="Rhaid dychwelyd yr offer.\n\n借用人必须妥善保管设备。",
        signed_at=datetime(2026, 11, 22, 14, 5, 33, tzinfo=UTC),
        technician_name=None,
        signature_png=b"\x89PNG\r\n\x1a\nnot decoded",
        due_date=None,
        capture="remotely",
    )

    assert verification_code(pinned) == "A26D-A193-674C"


def test_a_naive_signing_time_is_refused(receipt):
    with pytest.raises(ValueError, match="timezone-aware"):
        dataclasses.replace(receipt, signed_at=datetime(2026, 11, 22, 14, 5))


def test_a_receipt_needs_an_item(receipt):
    with pytest.raises(ValueError, match="at least one item"):
        dataclasses.replace(receipt, items=[])


def test_the_signature_must_be_png_bytes(receipt):
    with pytest.raises(ValueError, match="PNG"):
        dataclasses.replace(receipt, signature_png=b"GIF89a")


def test_a_damaged_signature_png_is_a_value_error(receipt):
    with pytest.raises(ValueError, match="signature_png"):
        build_receipt_pdf(dataclasses.replace(receipt, signature_png=receipt.signature_png[:40]))


def test_items_are_kept_as_a_tuple(receipt):
    assert isinstance(receipt.items, tuple)


def test_a_255_character_tag_and_name_wrap_inside_their_columns(receipt):
    # Snipe-IT allows both; a word longer than its column breaks inside the column.
    tag = ("IT/2023/Łódź#0041-" * 15)[:255]
    name = ("Dell Latitude 7440 with Thunderbolt4DockingStationAndDualDisplayPort " * 4)[:255]
    item = ReceiptItem(tag, name.strip(), "Latitude 7440", "SN-1")
    pdf = build_receipt_pdf(dataclasses.replace(receipt, items=[item]))
    flat = "".join(pdf_text(pdf, "-raw").split())
    assert "".join(tag.split()) in flat
    assert "".join(name.split()) in flat
    page_width_mm = 210
    bbox = pdf_text(pdf, "-bbox")
    for left, right, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', bbox
    ):
        left_mm, right_mm = float(left) * 25.4 / 72, float(right) * 25.4 / 72
        assert left_mm >= 18 - 0.5 and right_mm <= page_width_mm - 18 + 0.5, word
