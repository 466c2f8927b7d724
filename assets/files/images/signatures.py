"""Check and clean a drawn signature before it is stored.

A signature arrives from the browser as the data URL that signature_pad's ``toDataURL()``
gives, or as raw bytes. Whatever arrives is untrusted: it is refused with a message a person
can act on unless it is a modest, real PNG with some ink on it, and it is then re-encoded from
its pixels alone (greyscale on white, cropped to the ink), so nothing else in the upload
survives into the record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:"

# A pixel darker than this (0 black .. 255 white, after compositing on white) counts as ink.
INK_THRESHOLD = 160
MIN_INK_PIXELS = 50
# The ink must stretch at least this far in one direction: a tap or a dot is not a signature.
MIN_INK_EXTENT = 16
CROP_MARGIN = 12

MSG_EMPTY = "Please sign in the box before confirming."
MSG_NOT_PNG = "The signature must be a PNG image."
MSG_SVG = "The signature must be a PNG image, not an SVG drawing."
MSG_NOT_BASE64 = "The signature could not be read. Please clear the box and sign again."
MSG_DAMAGED = "The signature image is damaged or incomplete. Please clear the box and sign again."
MSG_TOO_SMALL = "The signature is too small or too faint. Please sign your name across the box."


class BadSignature(ValueError):
    """A signature that cannot be accepted; ``str(error)`` is the message to show the person.

    ``code`` is a short fixed word (``empty``, ``not_png``, ``svg``, ``not_base64``,
    ``too_large``, ``too_many_pixels``, ``damaged``, ``blank``, ``too_small``) for logs and tests.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SignatureImage:
    """A cleaned signature: greyscale PNG bytes, its size in pixels and the SHA-256 of ``png``."""

    png: bytes
    width: int
    height: int
    sha256: str


def clean_signature(
    data: str | bytes,
    *,
    max_bytes: int = 512_000,
    max_pixels: int = 4_000_000,
    crop: bool = True,
) -> SignatureImage:
    """Return the signature in ``data`` re-encoded as a clean greyscale PNG.

    ``data`` is a ``data:image/png;base64,...`` URL (str or ASCII bytes) or the raw PNG bytes.
    The PNG is composited onto white, converted to greyscale, cropped to the ink with a small
    margin when ``crop`` is true, and saved again without any of the upload's metadata.

    Raises BadSignature when the input is empty, is not a base64 PNG data URL or PNG bytes, is
    an SVG, holds more than ``max_bytes`` of image or more than ``max_pixels`` pixels, is
    damaged, or has too little ink to be a signature. Size limits are checked before the work
    they protect: the encoded length before decoding, the declared dimensions before pixels.
    """
    png = _png_bytes(data, max_bytes)
    width, height = _declared_size(png)
    _check_pixels(width, height, max_pixels)
    image = _load_png(png, max_pixels)
    grey = _on_white_greyscale(image)
    box = _ink_box(grey)
    if crop:
        left, top, right, bottom = box
        grey = grey.crop(
            (
                max(left - CROP_MARGIN, 0),
                max(top - CROP_MARGIN, 0),
                min(right + CROP_MARGIN, grey.width),
                min(bottom + CROP_MARGIN, grey.height),
            )
        )
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    cleaned = out.getvalue()
    return SignatureImage(
        png=cleaned,
        width=grey.width,
        height=grey.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )


def _png_bytes(data: str | bytes, max_bytes: int) -> bytes:
    """Return the PNG bytes carried by ``data``, refusing anything else before decoding it."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if raw[:5].lower() == DATA_URL_PREFIX.encode():
            try:
                return _png_bytes(raw.decode("ascii"), max_bytes)
            except UnicodeDecodeError:
                raise BadSignature(MSG_NOT_BASE64, "not_base64") from None
        if not raw.strip():
            raise BadSignature(MSG_EMPTY, "empty")
        if raw.lstrip()[:1] == b"<":
            raise BadSignature(MSG_SVG, "svg")
        _check_byte_count(len(raw), max_bytes)
        if not raw.startswith(PNG_MAGIC):
            raise BadSignature(MSG_NOT_PNG, "not_png")
        return raw
    if not isinstance(data, str):
        raise TypeError(f"a signature is str or bytes, not {type(data).__name__}")
    text = data.strip()
    if not text:
        raise BadSignature(MSG_EMPTY, "empty")
    if text[:5].lower() != DATA_URL_PREFIX:
        raise BadSignature(MSG_NOT_PNG, "not_png")
    header, comma, payload = text.partition(",")
    if not comma:
        raise BadSignature(MSG_NOT_BASE64, "not_base64")
    media_type, *params = header[len(DATA_URL_PREFIX) :].lower().split(";")
    media_type = media_type.strip()
    if media_type.startswith("image/svg"):
        raise BadSignature(MSG_SVG, "svg")
    if media_type != "image/png":
        raise BadSignature(MSG_NOT_PNG, "not_png")
    if not params or params[-1].strip() != "base64":
        raise BadSignature(MSG_NOT_BASE64, "not_base64")
    # Every 4 base64 characters carry 3 bytes: refuse a huge upload before decoding any of it.
    _check_byte_count(len(payload) * 3 // 4 - 2, max_bytes)
    try:
        raw = base64.b64decode(payload.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise BadSignature(MSG_NOT_BASE64, "not_base64") from None
    if not raw:
        raise BadSignature(MSG_EMPTY, "empty")
    _check_byte_count(len(raw), max_bytes)
    if raw.lstrip()[:1] == b"<":
        raise BadSignature(MSG_SVG, "svg")
    if not raw.startswith(PNG_MAGIC):
        raise BadSignature(MSG_NOT_PNG, "not_png")
    return raw


def _check_byte_count(count: int, max_bytes: int) -> None:
    if count > max_bytes:
        raise BadSignature(
            f"The signature image is too large (over {max_bytes // 1000} KB). "
            "Please clear the box and sign again.",
            "too_large",
        )


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise BadSignature(
            f"The signature image is too large ({width} x {height} pixels). "
            "Please clear the box and sign again.",
            "too_many_pixels",
        )


def _declared_size(png: bytes) -> tuple[int, int]:
    """Return the width and height the PNG's IHDR chunk declares, without decoding anything."""
    # Signature (8), chunk length (4), chunk type (4), width (4), height (4).
    if len(png) < 33 or png[12:16] != b"IHDR":
        raise BadSignature(MSG_DAMAGED, "damaged")
    width, height = struct.unpack(">II", png[16:24])
    if width == 0 or height == 0:
        raise BadSignature(MSG_DAMAGED, "damaged")
    return width, height


def _load_png(png: bytes, max_pixels: int) -> Image.Image:
    """Open and decode the PNG with Pillow, turning every failure into BadSignature."""
    try:
        image = Image.open(io.BytesIO(png), formats=["PNG"])
        if image.format != "PNG":
            raise BadSignature(MSG_NOT_PNG, "not_png")
        # Pillow's own reading of the header is the one that decides how much it decodes.
        _check_pixels(image.width, image.height, max_pixels)
        image.load()
    except BadSignature:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadSignature(
            "The signature image is too large. Please clear the box and sign again.",
            "too_many_pixels",
        ) from None
    except Image.UnidentifiedImageError:
        raise BadSignature(MSG_NOT_PNG, "not_png") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
        raise BadSignature(MSG_DAMAGED, "damaged") from None
    return image


def _on_white_greyscale(image: Image.Image) -> Image.Image:
    """Return ``image`` flattened onto an opaque white background, in 8-bit greyscale."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float greyscale have no alpha; scale them into 8 bits rather than clip.
        low, high = image.getextrema()
        span = (high - low) or 1
        image = image.point(lambda value: (value - low) * 255 / span).convert("L")
    try:
        rgba = image.convert("RGBA")
    except ValueError:
        raise BadSignature(MSG_DAMAGED, "damaged") from None
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("L")


def _ink_box(grey: Image.Image) -> tuple[int, int, int, int]:
    """Return the bounding box of the ink, or raise BadSignature when there is too little."""
    low, high = grey.getextrema()
    if low == high:
        raise BadSignature(MSG_EMPTY, "blank")
    ink = grey.point(lambda value: 255 if value < INK_THRESHOLD else 0)
    box = ink.getbbox()
    if box is None:
        raise BadSignature(MSG_EMPTY, "blank")
    ink_pixels = ink.histogram()[255]
    left, top, right, bottom = box
    if ink_pixels < MIN_INK_PIXELS or max(right - left, bottom - top) < MIN_INK_EXTENT:
        raise BadSignature(MSG_TOO_SMALL, "too_small")
    return box
