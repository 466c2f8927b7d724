"""Fake camera footage for Chromium: Y4M videos of printed labels lying on a desk.

Chromium plays a Y4M file (--use-file-for-fake-video-capture) as the camera, in a loop. The
format is a text header, then per frame "FRAME\\n" and the Y, U and V planes of 4:2:0 video.
"""

import subprocess
from pathlib import Path

from PIL import Image

from assets.files.pdf.label_stock import LabelTemplate

FRAME_SIZE = (640, 480)
DESK_GREY = 150


def render_page(pdf: bytes, folder: Path, dpi: int = 300) -> Image.Image:
    """The first page of `pdf` as a printer would put it on paper, rasterised by poppler."""
    source = folder / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png", str(source), str(folder / "p")],
        check=True,
    )
    (page,) = sorted(folder.glob("p-*.png"))
    return Image.open(page).convert("RGB")


def cut_label(page: Image.Image, template: LabelTemplate, position: int, dpi: int = 300):
    """The label at `position` cut out of a rendered sheet, as peeled off the backing."""
    x, y = template.origin(position)
    scale = dpi / 25.4
    box = (x, y, x + template.label_width, y + template.label_height)
    return page.crop(tuple(round(value * scale) for value in box))


def on_desk(label: Image.Image | None, angle: float = 4.0) -> Image.Image:
    """A camera frame: the label, turned a little, in the middle of a grey desk."""
    frame = Image.new("RGB", FRAME_SIZE, (DESK_GREY,) * 3)
    if label is None:
        return frame
    width = round(FRAME_SIZE[0] * 0.75)
    label = label.resize((width, round(label.height * width / label.width)), Image.LANCZOS)
    label = label.convert("RGBA").rotate(angle, expand=True, resample=Image.BICUBIC)
    left = (FRAME_SIZE[0] - label.width) // 2
    top = (FRAME_SIZE[1] - label.height) // 2
    frame.paste(label, (left, top), label)
    return frame


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 10) -> Path:
    """Write `frames` (all one even size) as a 4:2:0 Y4M video."""
    width, height = frames[0].size
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            luma, blue, red = frame.convert("YCbCr").split()
            out.write(b"FRAME\n")
            out.write(luma.tobytes())
            for chroma in (blue, red):
                out.write(chroma.resize((width // 2, height // 2), Image.BILINEAR).tobytes())
    return path
