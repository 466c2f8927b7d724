"""Reading printed label sheets as a person checks them: rasterised by poppler at printer
resolution, every QR code decoded with its place on the page."""

import subprocess
from pathlib import Path

import zxingcpp
from PIL import Image

DPI = 300
MM_PER_PIXEL = 25.4 / DPI


def render(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    """Rasterise every page at 300 dpi with poppler, as a printer would see it."""
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(source), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    return [Image.open(page).convert("L") for page in pages]


def scan(page: Image.Image) -> dict[str, tuple[float, float, float, float]]:
    """Decode every QR code on a page: URL -> (left, top, right, bottom) of its symbol in mm."""
    found = {}
    for result in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
        corners = result.position
        points = [corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left]
        xs = [point.x for point in points]
        ys = [point.y for point in points]
        assert result.text not in found, f"{result.text} printed twice on one page"
        found[result.text] = (
            min(xs) * MM_PER_PIXEL,
            min(ys) * MM_PER_PIXEL,
            (max(xs) + 1) * MM_PER_PIXEL,
            (max(ys) + 1) * MM_PER_PIXEL,
        )
    return found


# Where every printed code points in the label tests (their app's BASE_URL, with /a/).
BASE = "https://assets.school.test/a/"


def make_label_stock(make) -> dict:
    """Three laptops in the ICT suite (LAP-1..3, models Latitude 3410..3430) and a camera with
    no location (CAM-1): what the label tests print from."""
    ict = make.location("ICT suite")
    laptops = make.category("Laptop")
    for n in range(1, 4):
        make.asset(f"LAP-{n}", category=laptops, location=ict, model=f"Latitude 34{n}0")
    make.asset("CAM-1", name="Canon camera")
    return {"ict": ict, "laptops": laptops}
