"""The files of a subject access package ("everything we hold about this person"): its tables
as CSV, its index as a page and as plain text, and the zip that holds them all. Pure: data in,
bytes out; the service (services/people/subject_access.py) gathers the data.

The index page is self-contained (no scripts, no styles fetched, no images), so it opens from
the unzipped folder on any computer, offline, and reads well with a screen reader."""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import IO, Any
from urllib.parse import quote

# Text starting with these is a formula (or DDE payload) to Excel or LibreOffice opening a
# CSV: such a cell is written with a leading apostrophe, as files/xlsx/writer.py keeps text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters no file system takes in a name, and control characters.
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


# Files already compressed: deflating them again gains nothing and costs the time.
_STORED_AS_THEY_ARE = (".jpg", ".jpeg", ".png", ".pdf", ".zip", ".xlsx")


@dataclass(frozen=True)
class PackageFile:
    """One file of the package: where it sits in the zip, what it is, and its bytes, or what
    reads them when the zip writes the file (so a stored photo or PDF is held only then)."""

    path: str
    what: str
    content: bytes | Callable[[], bytes]


@dataclass
class Section:
    """A heading of the index with its files, or a sentence saying there is nothing."""

    title: str
    files: list[PackageFile] = field(default_factory=list)
    empty: str = "We hold nothing of this kind about them."
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Package:
    """Everything the index says besides its sections."""

    person_name: str
    school: str
    produced_at: str  # as the school reads it, e.g. "07/12/2026 09:30"
    produced_by: str
    sections: list[Section]
    notes: Sequence[str] = ()

    @property
    def files(self) -> list[PackageFile]:
        return [file for section in self.sections for file in section.files]


def file_name_part(text: str, limit: int = 60) -> str:
    """`text` made safe as part of a file name on Windows, macOS and Linux, keeping its letters
    as written (Unicode, NFC): reserved characters become "-", spaces are kept."""
    # Format and control characters (a right-to-left override, C1 controls) are dropped:
    # unseen, they could make a name read as another, e.g. "…gpj.exe" shown as "…exe.jpg".
    visible = "".join(
        letter
        for letter in unicodedata.normalize("NFC", text)
        if unicodedata.category(letter) not in ("Cc", "Cf")
    )
    cleaned = _NOT_IN_FILE_NAMES.sub("-", visible).strip(" .-")
    return cleaned[:limit].strip(" .-") or "unnamed"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV table in UTF-8 with a byte order mark (so Excel reads its letters right), CRLF
    line ends, and no cell Excel would run as a formula."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def index_text(package: Package, index_files: Sequence[str]) -> bytes:
    """The index as plain UTF-8 text, for those who would rather not open a web page."""
    title = f"Everything we hold about {package.person_name}"
    lines = [
        title,
        "=" * len(title),
        "",
        f"School: {package.school}",
        f"Produced: {package.produced_at}",
        f"Produced by: {package.produced_by}",
        "",
        *package.notes,
        "",
        "This index: " + ", ".join(index_files),
        "",
    ]
    for section in package.sections:
        lines += [section.title, "-" * len(section.title)]
        lines += section.notes
        if section.files:
            lines += [f"{file.path}\n    {file.what}" for file in section.files]
        else:
            lines.append(section.empty)
        lines.append("")
    return "\r\n".join("\n".join(lines).split("\n")).encode("utf-8")


def index_html(package: Package, index_files: Sequence[str]) -> bytes:
    """The index as one accessible HTML page: a language, headings, a table of files per
    section with a caption, each file linked by its place in the folder."""
    title = f"Everything we hold about {package.person_name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;"
        "padding:0 1rem;line-height:1.5;color:#111;background:#fff}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}"
        "caption{text-align:left;font-weight:bold;padding:.25rem 0}"
        "th,td{border:1px solid #666;padding:.25rem .5rem;text-align:left;vertical-align:top}"
        "a{color:#0645ad}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        "<dl>",
        f"<dt>School</dt><dd>{escape(package.school)}</dd>",
        f"<dt>Produced</dt><dd>{escape(package.produced_at)}</dd>",
        f"<dt>Produced by</dt><dd>{escape(package.produced_by)}</dd>",
        f"<dt>This index</dt><dd>{escape(', '.join(index_files))}</dd>",
        "</dl>",
        *(f"<p>{escape(note)}</p>" for note in package.notes),
    ]
    for number, section in enumerate(package.sections, 1):
        parts.append(f'<section aria-labelledby="s{number}"><h2 id="s{number}">')
        parts.append(f"{escape(section.title)}</h2>")
        parts += [f"<p>{escape(note)}</p>" for note in section.notes]
        if not section.files:
            parts.append(f"<p>{escape(section.empty)}</p></section>")
            continue
        parts += [
            f"<table><caption>{escape(section.title)}: the files</caption>",
            '<thead><tr><th scope="col">File</th><th scope="col">What it is</th></tr></thead>',
            "<tbody>",
        ]
        parts += [
            f'<tr><td><a href="{escape(_href(file.path))}">{escape(file.path)}</a></td>'
            f"<td>{escape(file.what)}</td></tr>"
            for file in section.files
        ]
        parts.append("</tbody></table></section>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


def _href(path: str) -> str:
    # A relative link to the file beside the index, any letter percent-encoded as UTF-8.
    return quote(path, safe="/")


def write_zip(
    out: IO[bytes], folder: str, files: Sequence[PackageFile], modified: datetime
) -> None:
    """The files, each under `folder`/ with `modified` as its date, one at a time as each is
    read: deflated, but images and PDFs (compressed already) stored as they are. Names outside
    ASCII are stored with the zip's UTF-8 flag (zipfile sets it), so every unzip tool shows
    them as written."""
    stamp = modified.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = zipfile.ZipInfo(f"{folder}/{file.path}", date_time=stamp)
            info.compress_type = (
                zipfile.ZIP_STORED
                if file.path.lower().endswith(_STORED_AS_THEY_ARE)
                else zipfile.ZIP_DEFLATED
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.content() if callable(file.content) else file.content)
