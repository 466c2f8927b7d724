"""Every spreadsheet export, made one way: a function takes what its page filters by (and
`now`, the moment of the export, where the caption or the rows depend on it) and returns an
`Export`, the download's name and the bytes of the .xlsx. The views send it with
`assets.blueprints.downloads.send_export`; `flask export` writes its `content` to a file.

Each subject is a list of columns and a generator streaming its rows from the database, so a
new one is a few lines:

    LOAN_COLUMNS = [Column("Asset tag", "text"), Column("Out", "datetime"), ...]

    def loans(filters, *, now=None) -> Export:
        now = now or utcnow()
        return single_sheet("Loans", LOAN_COLUMNS, _loan_rows(filters), now=now)

- `register`: the asset register and the staff list (their headers are the import's own
  labels, so an export can be edited in Excel and imported back);
- `records`: loans, loss and damage reports, leavers' checklists, the declaration register;
- `stocktakes`: a stocktake's report;
- `imports`: what an import did (its audit), an empty template, the rows with problems.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from flask import current_app
from sqlalchemy import Select

from assets.extensions import db
from assets.files.xlsx.writer import Column, Sheet, build_workbook
from assets.services.common.clock import local_moment, local_time_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows fetched from the database at a time: memory stays flat however long the register.
STREAM = 2000
DASH = "\u2013"


@dataclass(frozen=True)
class Export:
    """A finished export: the name to download it as and the bytes of the workbook."""

    filename: str
    content: bytes
    mimetype: ClassVar[str] = XLSX


def caption(subject: str, note: str = "", *, now: datetime) -> str:
    """The title row: the school, the subject and when it was exported, in local time."""
    when = local_time_text(now)
    parts = [current_app.config["SCHOOL_NAME"], subject, note, f"exported {when}"]
    return f" {DASH} ".join(part for part in parts if part)


def filename(subject: str, *, now: datetime) -> str:
    """A download name such as asset-register-2026-11-22.xlsx (local date)."""
    slug = "-".join(subject.lower().split())
    return f"{slug}-{local_time(now):%Y-%m-%d}.xlsx"


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as the school's wall-clock time, without a zone (Excel has none)."""
    if value is None:
        return None
    return local_moment(value).replace(tzinfo=None)


def single_sheet(
    subject: str,
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    note: str = "",
    *,
    now: datetime,
) -> Export:
    """One sheet named `subject`, with its caption row, header and `rows`, downloaded under
    the subject's dated name."""
    sheet = Sheet(subject, columns, rows, caption(subject, note, now=now))
    return workbook(filename(subject, now=now), [sheet])


def workbook(name: str, sheets: Sequence[Sheet]) -> Export:
    """The export called `name` with `sheets`, in order."""
    return Export(name, build_workbook(sheets))


def streamed(query: Select) -> Iterator[Any]:
    """The query's rows, fetched a few thousand at a time."""
    return iter(db.session.execute(query.execution_options(yield_per=STREAM)))
