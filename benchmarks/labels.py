"""Time a 1,000-label L7651 PDF beside plain `qrcode` making the same 1,000 codes, then prove
every printed code scans.

Run from the repository root:  python -m benchmarks.labels
Needs poppler's `pdftoppm` for the (untimed) scan check.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import qrcode
import zxingcpp
from PIL import Image

from assets.files.images import qr as qr_module
from assets.files.pdf import labels as label_module
from assets.files.pdf.label_stock import TEMPLATES, LabelData
from assets.files.pdf.labels import build_label_pdf

COUNT = 1000
TEMPLATE = TEMPLATES["L7651"]


def make_labels() -> list[LabelData]:
    return [
        LabelData(
            url=f"https://school.example/a/ICT-{number:05d}",
            tag=f"ICT-{number:05d}",
            model="Dell Latitude 3540",
            school="St Mary's C of E Primary School",
        )
        for number in range(1, COUNT + 1)
    ]


def clear_caches() -> None:
    for cached in (qr_module.qr_matrix, qr_module.dark_runs, label_module._qr_rectangles):
        cached.cache_clear()


def time_qrcode_defaults(urls: list[str]) -> float:
    start = time.perf_counter()
    for url in urls:
        code = qrcode.QRCode()
        code.add_data(url)
        code.make(fit=True)
        code.make_image()
    return time.perf_counter() - start


def count_scanned(pdf: bytes, urls: list[str]) -> int:
    """Render every page at 300 dpi and return how many of `urls` decode, each exactly once."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "labels.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "300", "-png", str(source), str(Path(folder) / "page")], check=True
        )
        decoded = []
        for page in sorted(Path(folder).glob("page-*.png")):
            with Image.open(page) as image:
                decoded += [result.text for result in zxingcpp.read_barcodes(image)]
    expected = set(urls)
    if len(decoded) != len(set(decoded)) or not set(decoded) <= expected:
        print("unexpected or repeated codes:", sorted(set(decoded) - expected))
    return len(expected & set(decoded))


def main() -> int:
    labels = make_labels()
    urls = [label.url for label in labels]

    clear_caches()
    start = time.perf_counter()
    pdf = build_label_pdf(labels, TEMPLATE)
    cold = time.perf_counter() - start

    start = time.perf_counter()
    build_label_pdf(labels, TEMPLATE)
    warm = time.perf_counter() - start

    clear_caches()
    start = time.perf_counter()
    for url in urls:
        qr_module.qr_matrix(url)
    ours = time.perf_counter() - start

    baseline = time_qrcode_defaults(urls)

    pages = -(-COUNT // TEMPLATE.per_page)
    print(f"L7651 PDF of {COUNT} labels ({pages} pages, {len(pdf) / 1024:.0f} KiB)")
    print(f"  whole PDF, codes made fresh:  {cold:6.3f} s  {COUNT / cold:8.0f} labels/s")
    print(f"  whole PDF, codes cached:      {warm:6.3f} s  {COUNT / warm:8.0f} labels/s")
    print(f"  our {COUNT} code matrices alone: {ours:6.3f} s  (fixed mask, level M)")
    print(f"  qrcode defaults, {COUNT} codes:  {baseline:6.3f} s  (auto mask; make_image)")

    scanned = count_scanned(pdf, urls)
    print(f"  scanned from the 300 dpi render: {scanned} of {COUNT}")
    return 0 if scanned == COUNT else 1


if __name__ == "__main__":
    sys.exit(main())
