"""clean_photo keeps real JPEG and PNG photos, re-encoded without their metadata, and refuses
everything else with a message a person can act on."""

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from assets.files.images.photos import MAX_EDGE, BadPhoto, Photo, clean_photo

MAKE, SERIAL, GPS_LATITUDE = 0x010F, 0xA431, 0x8825


def photo(width=120, height=80, mode="RGB") -> Image.Image:
    image = Image.new(mode, (width, height), "white" if mode != "CMYK" else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle([(0, 0), (width // 3, height // 2)], fill="red" if mode == "RGB" else None)
    return image


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def phone_jpeg(orientation: int = 1) -> bytes:
    """A JPEG as a phone takes it: EXIF with the maker, a serial number and GPS data."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[0x0112] = orientation
    exif[SERIAL] = "SERIAL-123456"
    exif.get_ifd(GPS_LATITUDE)[1] = "N"
    return encoded(photo(120, 80), "JPEG", exif=exif.tobytes())


def test_a_phone_jpeg_is_kept_but_its_exif_is_gone():
    raw = phone_jpeg()
    assert b"PhoneMaker" in raw and b"SERIAL-123456" in raw
    cleaned = clean_photo(raw)
    assert isinstance(cleaned, Photo)
    assert cleaned.content_type == "image/jpeg"
    assert (cleaned.width, cleaned.height) == (120, 80)
    assert b"PhoneMaker" not in cleaned.data and b"SERIAL-123456" not in cleaned.data
    assert b"Exif" not in cleaned.data
    reopened = Image.open(io.BytesIO(cleaned.data))
    assert reopened.format == "JPEG"
    assert dict(reopened.getexif()) == {}
    assert cleaned.sha256 == hashlib.sha256(cleaned.data).hexdigest()
    # The pixels survive: the top-left corner is still red.
    red, green, blue = reopened.convert("RGB").getpixel((5, 5))
    assert red > 200 and green < 60 and blue < 60


def test_a_photo_taken_sideways_is_turned_upright_before_the_exif_goes():
    cleaned = clean_photo(phone_jpeg(orientation=6))  # "rotate 90 degrees clockwise"
    assert (cleaned.width, cleaned.height) == (80, 120)


def test_a_png_stays_a_png_without_its_text_chunks():
    info = PngInfo()
    info.add_text("Comment", "taken at 12 Acacia Avenue")
    cleaned = clean_photo(encoded(photo(), "PNG", pnginfo=info))
    assert cleaned.content_type == "image/png"
    assert b"Acacia" not in cleaned.data
    assert Image.open(io.BytesIO(cleaned.data)).format == "PNG"


def test_a_large_photo_is_scaled_down():
    cleaned = clean_photo(encoded(photo(4000, 3000), "JPEG", quality=50))
    assert max(cleaned.width, cleaned.height) == MAX_EDGE
    assert cleaned.width == MAX_EDGE and cleaned.height == MAX_EDGE * 3 // 4


@pytest.mark.parametrize(
    ("mode", "expect_mode"),
    [("CMYK", "RGB"), ("L", "L")],
)
def test_unusual_jpeg_modes_become_plain_ones(mode, expect_mode):
    cleaned = clean_photo(encoded(photo(mode=mode), "JPEG"))
    assert Image.open(io.BytesIO(cleaned.data)).mode == expect_mode


def test_palette_png_with_transparency_keeps_it_and_16_bit_becomes_8_bit():
    palette = Image.new("P", (40, 40), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    cleaned = clean_photo(encoded(palette, "PNG", transparency=0))
    assert Image.open(io.BytesIO(cleaned.data)).mode == "RGBA"
    deep = Image.new("I;16", (40, 40), 40000)
    cleaned = clean_photo(encoded(deep, "PNG"))
    assert Image.open(io.BytesIO(cleaned.data)).mode == "L"


@pytest.mark.parametrize(
    "raw",
    [
        b"%PDF-1.7 not a photo",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"just some text",
        encoded(photo(), "GIF"),
        encoded(photo(), "BMP"),
        encoded(photo(), "WEBP"),
    ],
    ids=["pdf", "svg", "text", "gif", "bmp", "webp"],
)
def test_anything_but_jpeg_or_png_is_refused_by_its_content(raw):
    with pytest.raises(BadPhoto, match="not a photo: choose a JPEG or PNG") as caught:
        clean_photo(raw)
    assert caught.value.code == "not_image"


def test_empty_and_too_large_are_refused_before_decoding():
    with pytest.raises(BadPhoto, match="empty") as caught:
        clean_photo(b"")
    assert caught.value.code == "empty"
    with pytest.raises(BadPhoto, match=r"too large \(1\.0 MB\); the limit is 1 MB") as caught:
        clean_photo(b"\xff\xd8\xff" + b"\0" * 1_048_576, max_bytes=1_048_576)
    assert caught.value.code == "too_large"


def test_a_picture_declaring_too_many_pixels_is_refused_without_decoding_it():
    raw = encoded(photo(), "PNG")
    # Rewrite the declared size to 100,000 x 100,000 and fix the IHDR checksum.
    ihdr = bytearray(raw[12:29])
    ihdr[4:12] = struct.pack(">II", 100_000, 100_000)
    crc = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    bomb = raw[:12] + bytes(ihdr) + crc + raw[33:]
    with pytest.raises(BadPhoto, match="too many pixels") as caught:
        clean_photo(bomb)
    assert caught.value.code == "too_many_pixels"
    with pytest.raises(BadPhoto, match="too many pixels"):
        clean_photo(encoded(photo(120, 80), "JPEG"), max_pixels=5_000)


@pytest.mark.parametrize(
    "raw",
    [
        encoded(photo(), "JPEG")[:200],
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"\xff\xd8\xff" + b"garbage" * 20,
    ],
    ids=["truncated-jpeg", "png-magic-only", "jpeg-magic-only"],
)
def test_damaged_files_are_refused(raw):
    with pytest.raises(BadPhoto, match="damaged or incomplete") as caught:
        clean_photo(raw)
    assert caught.value.code == "damaged"
