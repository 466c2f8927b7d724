"""Check and clean a photo of a damaged or lost device before it is stored.

An upload is untrusted: it is refused with a message a person can act on unless its content
(not its name or the type the browser claims) is a JPEG or PNG that Pillow decodes within the
size and pixel limits. It is then re-encoded from its pixels, turned upright as the camera
meant, scaled down to a sensible size, and saved without its EXIF block or any other metadata
(a phone photo's EXIF can carry where and when it was taken, and the phone's serial number).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageOps

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# The longest side kept: enough to read a serial number or see a crack on a screen.
MAX_EDGE = 2048
JPEG_QUALITY = 85

MSG_EMPTY = "The photo is empty. Please choose the photo again."
MSG_NOT_IMAGE = "That file is not a photo: choose a JPEG or PNG image."
MSG_DAMAGED = "The photo is damaged or incomplete and cannot be read. Please take it again."


class BadPhoto(ValueError):
    """A photo that cannot be accepted; ``str(error)`` is the message to show the person.

    ``code`` is a short fixed word (``empty``, ``not_image``, ``too_large``,
    ``too_many_pixels``, ``damaged``) for logs and tests.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Photo:
    """A cleaned photo: the re-encoded bytes, their media type, size and SHA-256."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def clean_photo(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_edge: int = MAX_EDGE,
) -> Photo:
    """Return the photo in ``data`` re-encoded: a JPEG stays a JPEG, a PNG stays a PNG.

    Raises BadPhoto when ``data`` is empty, larger than ``max_bytes``, not a JPEG or PNG by
    its content, declares more than ``max_pixels`` pixels, or cannot be decoded. Limits are
    checked before the work they protect: the byte count before opening, the declared
    dimensions before decoding the pixels.
    """
    if not data:
        raise BadPhoto(MSG_EMPTY, "empty")
    if len(data) > max_bytes:
        raise BadPhoto(
            f"The photo is too large ({len(data) / 1_048_576:.1f} MB); "
            f"the limit is {max_bytes / 1_048_576:.0f} MB.",
            "too_large",
        )
    if data.startswith(JPEG_MAGIC):
        expected = "JPEG"
    elif data.startswith(PNG_MAGIC):
        expected = "PNG"
    else:
        raise BadPhoto(MSG_NOT_IMAGE, "not_image")
    image = _decode(data, expected, max_pixels)
    icc_profile = image.info.get("icc_profile")
    image = _plain_mode(_upright(image), expected)
    image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    return _encode(image, expected, icc_profile)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise BadPhoto(MSG_DAMAGED, "damaged")
    if width * height > max_pixels:
        raise BadPhoto(
            f"The photo has too many pixels ({width} x {height}); "
            f"the limit is {max_pixels // 1_000_000} megapixels.",
            "too_many_pixels",
        )


def _decode(data: bytes, expected: str, max_pixels: int) -> Image.Image:
    """Open and decode the image with Pillow, turning every failure into BadPhoto."""
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is lower than Pillow's bomb warning; make any warning a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[expected])
            # A multi-picture JPEG (MPO) from some phones is a JPEG whose first frame we keep.
            if image.format not in (expected, "MPO"):
                raise BadPhoto(MSG_NOT_IMAGE, "not_image")
            _check_pixels(image.width, image.height, max_pixels)
            image.load()
    except BadPhoto:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadPhoto(
            f"The photo has too many pixels; the limit is {max_pixels // 1_000_000} megapixels.",
            "too_many_pixels",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error):
        # Including UnidentifiedImageError: it starts like a JPEG or PNG but is not one.
        raise BadPhoto(MSG_DAMAGED, "damaged") from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says, so the stripped copy is not sideways."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, struct.error, KeyError, TypeError):
        # An unreadable orientation tag: keep the pixels as they are.
        return image


def _plain_mode(image: Image.Image, kind: str) -> Image.Image:
    """The image in a mode its format saves plainly: RGB or greyscale for a JPEG; 8-bit
    greyscale or RGB, with alpha when it has transparency, for a PNG."""
    if kind == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit and float greyscale: scale into 8 bits rather than clip.
        low, high = image.getextrema()
        span = (high - low) or 1
        return image.point(lambda value: (value - low) * 255 / span).convert("L")
    has_alpha = "A" in image.mode or "transparency" in image.info
    try:
        return image.convert("RGBA" if has_alpha else "RGB")
    except ValueError:
        raise BadPhoto(MSG_DAMAGED, "damaged") from None


def _encode(image: Image.Image, kind: str, icc_profile: bytes | None) -> Photo:
    if kind == "JPEG":
        content_type = "image/jpeg"
        options = {"quality": JPEG_QUALITY, "optimize": True}
    else:
        content_type = "image/png"
        options = {"optimize": True}
    # Pixels only: no EXIF, XMP, text chunks or comments survive; the colour profile does,
    # so colours look as they did.
    image.info = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, format=kind, **options)
    cleaned = out.getvalue()
    return Photo(
        data=cleaned,
        content_type=content_type,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )
