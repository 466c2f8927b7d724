"""clean_signature accepts a real drawn PNG and refuses everything else with a clear message."""

import base64
import hashlib
import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from assets.files.images.signatures import PNG_MAGIC, BadSignature, SignatureImage, clean_signature


def png_bytes(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **params)
    return out.getvalue()


def data_url(raw: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(raw).decode('ascii')}"


def drawn_signature(width: int = 600, height: int = 200) -> Image.Image:
    """A transparent canvas with a dark scribble, like signature_pad gives."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(60, 140), (120, 60), (180, 150), (260, 70), (340, 130)], fill="#111", width=4)
    draw.line([(360, 120), (520, 110)], fill="#111", width=3)
    return image


def patched_ihdr(raw: bytes, width: int, height: int) -> bytes:
    """Rewrite the declared size of a PNG and fix the IHDR CRC, leaving the pixels alone."""
    ihdr = bytearray(raw[12:29])  # type + 13 data bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return raw[:12] + bytes(ihdr) + crc + raw[33:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def streamed_white_png(width: int, height: int) -> bytes:
    """An 8-bit greyscale all-white PNG built row by row, never holding the pixels in memory."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG_MAGIC + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def test_a_drawn_signature_is_re_encoded_as_greyscale_png():
    result = clean_signature(data_url(png_bytes(drawn_signature())))

    assert isinstance(result, SignatureImage)
    assert result.png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(result.png)) as cleaned:
        assert cleaned.format == "PNG"
        assert cleaned.mode == "L"
        assert cleaned.size == (result.width, result.height)
        # Cropped to the ink plus a margin, and white where the canvas was transparent.
        assert result.width < 600
        assert result.height < 200
        assert cleaned.getpixel((0, 0)) == 255
        assert cleaned.getextrema()[0] < 60


def test_raw_bytes_are_accepted_and_the_hash_is_of_the_cleaned_png():
    result = clean_signature(png_bytes(drawn_signature()))

    assert result.sha256 == hashlib.sha256(result.png).hexdigest()
    assert clean_signature(png_bytes(drawn_signature())) == result


def test_without_crop_the_size_is_kept():
    result = clean_signature(png_bytes(drawn_signature()), crop=False)

    assert (result.width, result.height) == (600, 200)


def test_metadata_in_the_upload_does_not_survive():
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    result = clean_signature(png_bytes(drawn_signature(), pnginfo=info))

    assert b"alert" not in result.png
    assert b"tEXt" not in result.png


@pytest.mark.parametrize(
    ("image", "code"),
    [
        (Image.new("RGBA", (600, 200), (0, 0, 0, 0)), "blank"),
        (Image.new("RGB", (600, 200), "white"), "blank"),
        (Image.new("RGB", (600, 200), "black"), "blank"),
    ],
    ids=["transparent", "white", "all-black"],
)
def test_a_blank_canvas_is_refused(image, code):
    with pytest.raises(BadSignature, match="Please sign in the box") as caught:
        clean_signature(data_url(png_bytes(image)))
    assert caught.value.code == code


def test_a_dot_is_too_small_to_be_a_signature():
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((300, 100, 308, 108), fill="black")

    with pytest.raises(BadSignature, match="too small") as caught:
        clean_signature(png_bytes(image))
    assert caught.value.code == "too_small"


def test_faint_ink_is_not_ink():
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(50, 100), (550, 100)], fill=(0, 0, 0, 20), width=5)

    with pytest.raises(BadSignature) as caught:
        clean_signature(png_bytes(image))
    assert caught.value.code == "blank"


@pytest.mark.parametrize("empty", ["", "   ", b"", "data:image/png;base64,"])
def test_nothing_is_refused_as_unsigned(empty):
    with pytest.raises(BadSignature, match="Please sign in the box") as caught:
        clean_signature(empty)
    assert caught.value.code == "empty"


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L100 100" stroke="black"/></svg>'


@pytest.mark.parametrize(
    "data",
    [SVG, b"  " + SVG, data_url(SVG, "image/svg+xml"), data_url(SVG)],
    ids=["bytes", "bytes-with-space", "svg-data-url", "svg-in-png-data-url"],
)
def test_svg_is_refused(data):
    with pytest.raises(BadSignature, match="not an SVG") as caught:
        clean_signature(data)
    assert caught.value.code == "svg"


def test_jpeg_is_refused():
    out = io.BytesIO()
    drawn_signature().convert("RGB").save(out, format="JPEG")

    for data in (out.getvalue(), data_url(out.getvalue()), data_url(out.getvalue(), "image/jpeg")):
        with pytest.raises(BadSignature, match="must be a PNG image") as caught:
            clean_signature(data)
        assert caught.value.code == "not_png"


def test_a_gif_renamed_as_png_is_refused():
    out = io.BytesIO()
    drawn_signature().convert("P").save(out, format="GIF")

    with pytest.raises(BadSignature, match="must be a PNG image"):
        clean_signature(data_url(out.getvalue(), "image/png"))


def test_png_magic_on_garbage_is_refused_as_damaged():
    with pytest.raises(BadSignature, match="damaged") as caught:
        clean_signature(PNG_MAGIC + b"\x00" * 200)
    assert caught.value.code == "damaged"


def test_a_truncated_png_is_refused_as_damaged():
    raw = png_bytes(drawn_signature())

    with pytest.raises(BadSignature, match="damaged"):
        clean_signature(raw[: len(raw) // 2])


@pytest.mark.parametrize(
    "data",
    [
        "data:image/png;base64,@@@not base64@@@",
        "data:image/png;base64,iVBORw0KGgo%%%",
        "data:image/png;base64,\u00e9\u00e9\u00e9\u00e9",
        "data:image/png,rawpngtext",
        "data:image/png;base64",
    ],
)
def test_garbage_base64_is_refused(data):
    with pytest.raises(BadSignature, match="could not be read") as caught:
        clean_signature(data)
    assert caught.value.code == "not_base64"


@pytest.mark.parametrize(
    "data",
    [
        data_url(b"hello", "text/plain"),
        data_url(b"GIF89a", "image/gif"),
        "data:text/html;base64,PGgxPmhpPC9oMT4=",
        "https://example.com/signature.png",
        "iVBORw0KGgoAAAANSUhEUg",
    ],
)
def test_other_types_are_refused(data):
    with pytest.raises(BadSignature, match="must be a PNG image"):
        clean_signature(data)


def test_oversized_input_is_refused_before_it_is_decoded():
    huge = "data:image/png;base64," + "A" * 2_000_000

    with pytest.raises(BadSignature, match="too large") as caught:
        clean_signature(huge, max_bytes=512_000)
    assert caught.value.code == "too_large"

    with pytest.raises(BadSignature, match="too large"):
        clean_signature(PNG_MAGIC + b"\x00" * 600_000)


def test_the_byte_limit_is_configurable():
    raw = png_bytes(drawn_signature())

    with pytest.raises(BadSignature, match="too large"):
        clean_signature(raw, max_bytes=len(raw) - 1)
    assert clean_signature(raw, max_bytes=len(raw)).width > 0


def test_huge_declared_dimensions_are_refused_without_decoding():
    small = png_bytes(Image.new("L", (1, 1), 255))
    bomb = patched_ihdr(small, 20_000, 20_000)

    tracemalloc.start()
    try:
        with pytest.raises(BadSignature, match="too large") as caught:
            clean_signature(data_url(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == "too_many_pixels"
    assert peak < 5_000_000


def test_a_real_compressed_bomb_is_refused_without_decoding():
    # 20000 x 20000 white pixels compress to a few hundred kilobytes but decode to 400 MB.
    bomb = streamed_white_png(20_000, 20_000)
    assert len(bomb) < 512_000

    tracemalloc.start()
    try:
        with pytest.raises(BadSignature, match="too large"):
            clean_signature(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def test_the_pixel_limit_is_configurable():
    raw = png_bytes(drawn_signature(600, 200))

    with pytest.raises(BadSignature, match="600 x 200"):
        clean_signature(raw, max_pixels=600 * 200 - 1)


def test_pillow_bomb_protection_is_a_backstop():
    # With our own limit lifted, Pillow's decompression-bomb error still becomes BadSignature.
    bomb = patched_ihdr(png_bytes(Image.new("L", (1, 1), 255)), 30_000, 30_000)

    with pytest.raises(BadSignature, match="too large") as caught:
        clean_signature(bomb, max_pixels=10**10)
    assert caught.value.code == "too_many_pixels"


def test_a_palette_png_with_transparency_is_accepted():
    image = drawn_signature().convert("RGBA")
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)

    assert clean_signature(png_bytes(palette, transparency=0)).width > 0


def test_other_types_are_a_programming_error():
    with pytest.raises(TypeError):
        clean_signature(12345)  # type: ignore[arg-type]
