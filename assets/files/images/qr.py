"""QR codes for asset labels: a module matrix, an SVG for print and a PNG for screens.

Every code is made with a fixed error-correction level and a fixed mask pattern, and cached by
its data, because a tag's URL, and so its code, never changes.

Why error correction M: the code is printed in black on white label stock, read at arm's length
by a phone, and reprinted when a label is damaged. M restores up to ~15% of the symbol, which
covers a scuff, a fingerprint or a bit of tape; H would make a short URL one or two versions
bigger, so on a 21 mm mini label each module would be smaller and harder to focus on. Small,
large modules serve a worn label better than heavy redundancy in tiny ones.

Why a fixed mask: `qrcode` tries all eight masks and scores each (about 7 ms a code). The score
only avoids patterns that confused early scanners on poor images; any mask gives a valid code
that every decoder must read. The benchmark and tests decode thousands of printed codes made
with this mask.
"""

import io
from functools import lru_cache

import qrcode
import qrcode.constants
from PIL import Image

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
MASK_PATTERN = 2
QUIET_ZONE = 4
"""Modules of light margin the QR standard asks for around a symbol, on every side."""

Matrix = tuple[tuple[bool, ...], ...]


@lru_cache(maxsize=8192)
def qr_matrix(data: str) -> Matrix:
    """Return the QR symbol for `data` as rows of modules, True for dark.

    The matrix is the symbol alone, WITHOUT the quiet zone; whoever draws it must leave
    `QUIET_ZONE` light modules on every side. It is square, its side 21 + 4 * (version - 1).
    The data is encoded as UTF-8 bytes, so any string round-trips exactly.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, mask_pattern=MASK_PATTERN, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(module) for module in row) for row in code.get_matrix())


@lru_cache(maxsize=8192)
def dark_runs(data: str) -> tuple[tuple[int, int, int], ...]:
    """Return the dark modules of `data`'s symbol as horizontal runs (row, column, length).

    Neighbouring dark modules in a row are merged into one run, so a drawing needs one
    rectangle per run rather than one per module. Coordinates exclude the quiet zone.
    """
    runs = []
    for y, row in enumerate(qr_matrix(data)):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return tuple(runs)


@lru_cache(maxsize=1024)
def qr_svg(data: str) -> bytes:
    """Return a standalone SVG of `data`'s QR code, quiet zone included, as UTF-8 bytes.

    The dark modules are one `<path>` of axis-aligned rectangles in a viewBox of module units,
    with crispEdges rendering, so it scales to any size without blurring or hairline gaps.
    """
    side = len(qr_matrix(data)) + 2 * QUIET_ZONE
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{length}v1h-{length}z"
        for y, x, length in dark_runs(data)
    )
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{side * 4}" height="{side * 4}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>'
    )
    return svg.encode("utf-8")


def qr_png(data: str, box_size: int = 8) -> bytes:
    """Return a black-and-white PNG of `data`'s QR code, quiet zone included.

    Each module is `box_size` pixels square (at least 1), so the image is
    (side + 8) * box_size pixels wide and high.
    """
    if not isinstance(box_size, int) or box_size < 1:
        raise ValueError(f"box_size must be a whole number of pixels, 1 or more (got {box_size!r})")
    return _qr_png(data, box_size)


@lru_cache(maxsize=1024)
def _qr_png(data: str, box_size: int) -> bytes:
    matrix = qr_matrix(data)
    side = len(matrix) + 2 * QUIET_ZONE
    image = Image.new("1", (side, side), 1)
    image.putdata(
        [
            0 if QUIET_ZONE <= y < side - QUIET_ZONE and _dark(matrix, x, y) else 1
            for y in range(side)
            for x in range(side)
        ]
    )
    image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _dark(matrix: Matrix, x: int, y: int) -> bool:
    inner = len(matrix)
    column = x - QUIET_ZONE
    return 0 <= column < inner and matrix[y - QUIET_ZONE][column]
