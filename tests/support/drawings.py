"""Signature drawings for tests, as the browser's signature pad sends them."""

import base64
import io

from PIL import Image, ImageDraw

SQUIGGLE = [(60, 140), (120, 60), (180, 150), (260, 70), (340, 130), (420, 80), (500, 120)]


def png_bytes(points=SQUIGGLE, size=(600, 200), width: int = 5) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if points:
        ImageDraw.Draw(image).line(points, fill=(17, 17, 17, 255), width=width)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64," + base64.b64encode(png).decode("ascii")


def drawn_signature() -> str:
    """A real-looking signature: a transparent canvas with a dark squiggle."""
    return data_url(png_bytes())


def blank_canvas() -> str:
    return data_url(png_bytes(points=[]))


def svg_signature() -> str:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0 L100 100" stroke="black"/></svg>'
    return data_url(svg, "image/svg+xml")


def jpeg_signature() -> str:
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).convert("RGB").save(out, format="JPEG")
    return data_url(out.getvalue(), "image/jpeg")
