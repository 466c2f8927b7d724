"""Text read back from a PDF by poppler's pdftotext, as a person copying from it would get."""

import subprocess


def pdf_text(data: bytes, *options: str) -> str:
    """The text of the PDF `data` (pdftotext `options`, such as "-raw" for the order the
    text was drawn in, which keeps a table cell's wrapped lines together)."""
    return subprocess.run(
        ["pdftotext", *options, "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def pdf_words(data: bytes, *options: str) -> str:
    """pdf_text with every run of spaces and line breaks made one space."""
    return " ".join(pdf_text(data, *options).split())
