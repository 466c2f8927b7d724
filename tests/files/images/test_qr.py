"""QR codes for labels: they decode to exactly the URL, as PNG and as SVG."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from assets.files.images.qr import QUIET_ZONE, dark_runs, qr_matrix, qr_png, qr_svg

URL = "https://school.example/a/ICT-00042"


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_matrix_is_the_bare_symbol_without_quiet_zone():
    matrix = qr_matrix(URL)
    side = len(matrix)
    assert all(len(row) == side for row in matrix)
    assert (side - 21) % 4 == 0
    # A finder pattern's dark outer ring starts in the very first module of the matrix.
    assert matrix[0][:7] == (True,) * 7
    assert matrix[6][:7] == (True,) * 7


def test_codes_are_cached_and_identical_on_every_call():
    assert qr_matrix(URL) is qr_matrix(URL)
    assert qr_png(URL) == qr_png(URL)
    assert qr_svg(URL) == qr_svg(URL)


def test_dark_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    painted = {(row, column + i) for row, column, length in dark_runs(URL) for i in range(length)}
    dark = {(y, x) for y, row in enumerate(matrix) for x, module in enumerate(row) if module}
    assert painted == dark
    assert len(dark_runs(URL)) < len(dark)


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "https://school.example/a/x",
        "https://school.example/a/ÉCOLE-ß-1",
        "https://school.example/a/" + "L" * 60,
    ],
)
def test_png_decodes_to_the_exact_url(url):
    png = qr_png(url)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    assert image.size == ((len(qr_matrix(url)) + 2 * QUIET_ZONE) * 8,) * 2
    assert decode(image) == [url]


def test_png_box_size_sets_pixels_per_module():
    side = len(qr_matrix(URL)) + 2 * QUIET_ZONE
    image = Image.open(io.BytesIO(qr_png(URL, box_size=3)))
    assert image.size == (side * 3, side * 3)
    assert decode(image.resize((side * 6, side * 6), Image.Resampling.NEAREST)) == [URL]


@pytest.mark.parametrize("box_size", [0, -2, 2.5, "8"])
def test_png_rejects_a_box_size_that_is_not_a_whole_pixel_count(box_size):
    with pytest.raises(ValueError, match="box_size"):
        qr_png(URL, box_size=box_size)


def rasterise_svg(svg: bytes, scale: int = 8) -> Image.Image:
    """Draw the SVG's single path of axis-aligned rectangles, the only shapes it may hold."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{namespace}svg"
    paths = root.findall(f"{namespace}path")
    assert len(paths) == 1
    _, _, width, height = (int(value) for value in root.get("viewBox").split())
    assert root.get("shape-rendering") == "crispEdges"
    image = Image.new("L", (width * scale, height * scale), 255)
    pixels = image.load()
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", paths[0].get("d")):
        for px in range(int(x) * scale, (int(x) + int(length)) * scale):
            for py in range(int(y) * scale, (int(y) + 1) * scale):
                pixels[px, py] = 0
    return image


def test_svg_is_one_path_that_decodes_to_the_exact_url():
    svg = qr_svg(URL)
    assert svg.startswith(b"<?xml")
    path = re.search(rb' d="([^"]*)"', svg).group(1).decode()
    assert re.fullmatch(r"(M\d+ \d+h\d+v1h-\d+z)+", path)
    image = rasterise_svg(svg)
    side = len(qr_matrix(URL)) + 2 * QUIET_ZONE
    assert image.size == (side * 8, side * 8)
    assert decode(image) == [URL]


def test_svg_leaves_the_quiet_zone_light():
    image = rasterise_svg(qr_svg(URL), scale=1)
    side = image.size[0]
    border = [
        image.getpixel((x, y))
        for x in range(side)
        for y in range(side)
        if min(x, y) < QUIET_ZONE or max(x, y) >= side - QUIET_ZONE
    ]
    assert set(border) == {255}
