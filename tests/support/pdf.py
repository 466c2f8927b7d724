"""Text read back from a PDF by poppler's pdftotext, as a person copying from it would get."""

import subprocess


def pdf_text(data: bytes, *options: str) -> str:
    """The text of the PDF `data` (pdftotext `options`, such as "-raw" for the order the
    text was drawn in, which keeps a table cell's wrapped lines together)."""
    return subprocess.run(
        ["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
