"""Importing the asset register and the staff list from .xlsx or .csv: upload, preview, apply.

`stage` keeps the uploaded file on the server, owned by its uploader, until it is applied or
expires. `preview` reads it and says what each row would do, writing nothing. `apply` reads
the same stored bytes again, checks every row again against the register as it is now and
writes them all in the caller's transaction, or raises so that the caller rolls back: every
row or none. It refuses unless it finds exactly what the preview showed (the fingerprint).

The preview also says which row held the headings and how text dates are read, and asks when
the file does not settle them (`Choices.header_row`, `Choices.date_order`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import LargeBinary, delete, func, select

from assets.extensions import db
from assets.files.xlsx.reader import Table, UnreadableFile, read_table
from assets.models import Event, PendingImport, User
from assets.models.base import utcnow
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.spreadsheets.bulk import BulkWriter
from assets.services.spreadsheets.imports import dates
from assets.services.spreadsheets.imports import statuses as status_labels
from assets.services.spreadsheets.imports.asset_rows import ASSETS
from assets.services.spreadsheets.imports.choices import Choices, choice_args, choices_from
from assets.services.spreadsheets.imports.columns import (
    Column,
    check_mapping,
    columns_for,
    default_mapping,
    fields_for_file,
)
from assets.services.spreadsheets.imports.engine import RowResult, Summary, run
from assets.services.spreadsheets.imports.kinds import Kind, Options, PassContext
from assets.services.spreadsheets.imports.people_rows import PEOPLE

__all__ = ["Choices", "Preview", "UnusableUpload", "choice_args", "choices_from"]

KINDS: dict[str, Kind] = {kind.name: kind for kind in (ASSETS, PEOPLE)}
PENDING_HOURS = 24
# The stored upload is read from the database this many bytes at a time. PostgreSQL's client
# library (libpq) keeps, for as long as its connection lives, buffers as large as the largest
# message it has sent or received: a file stored or read as one value left some 16 MiB
# behind from the upload and 28 MiB from its read (hex text, twice the bytes) under every
# later parse of the sheet, in the same request and in the worker's next ones.
UPLOAD_PIECE = 1024 * 1024
CHANGED_SINCE_PREVIEW = (
    "The register or the column choices changed since the preview, so nothing was imported. "
    "Check the new preview below and apply it again."
)


class UnusableUpload(DomainError):
    """The stored upload cannot be previewed or applied at all (already imported, expired,
    damaged, unreadable as it is): unlike a refused choice, only a new upload helps."""


@dataclass(frozen=True)
class StatusQuestion:
    """One status label of the file's new assets, as the preview asks about it."""

    label: str
    rows: int
    chosen: str | None  # one of statuses.CHOICES; None until the person chooses
    automatic: str | None

    @property
    def needs_choice(self) -> bool:
        return self.chosen is None


@dataclass
class Preview:
    """What a file does to the register, row by row, as a preview or as an apply."""

    kind: Kind
    filename: str
    columns: list[Column]
    choices: Choices
    summary: Summary = field(default_factory=Summary)
    # Names of categories and locations the import adds (ticked) or cannot find (not ticked).
    new_names: dict[str, list[str]] = field(default_factory=dict)
    missing: dict[str, Counter] = field(default_factory=dict)
    problem: str | None = None
    fingerprint: str = ""
    # The status labels of the new assets and what each becomes (the Statuses question).
    statuses: list[StatusQuestion] = field(default_factory=list)
    # Loans the apply opens, awaiting signature (counted as it writes).
    loans: int = 0
    # The sheet read and the workbook's visible sheets, to choose from ("" and () for CSV).
    sheet: str = ""
    sheets: tuple[str, ...] = ()
    # The row the headings were read from; not sure when no row, or several, held the known
    # headings best. The rows at the top, as text, to choose another from.
    header_row: int = 0
    header_sure: bool = True
    top_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    dates: dates.DateOrder = field(default_factory=dates.DateOrder)
    status_choices = status_labels.CHOICES

    @property
    def ignored(self) -> list[Column]:
        """The columns nothing reads: not a field of the register (a custom field, say)."""
        return [column for column in self.columns if not column.field and not column.note]

    @property
    def can_apply(self) -> bool:
        return self.problem is None and not self.summary.counts["error"] and self.summary.writes > 0


# ---- the stored upload ----------------------------------------------------------------------


def stage(actor: User, kind: str, filename: str, data: bytes) -> PendingImport:
    """Keep an uploaded file for its preview and apply. Raises DomainError, storing nothing,
    when the kind is unknown or the file cannot be read."""
    if kind not in KINDS:
        raise DomainError("Choose what the file holds: the asset register or the staff list.")
    filename = _plain_name(filename)
    _read(data, filename, KINDS[kind], Choices())
    now = utcnow()
    clear_expired(now)
    # Through the bulk writer: on PostgreSQL its COPY hands libpq the file a piece at a time
    # (see UPLOAD_PIECE); an INSERT would send it as one message.
    [pending_id] = BulkWriter().insert_new(
        PendingImport.__table__,
        [
            {
                "user_id": actor.id,
                "kind": kind,
                "filename": filename,
                "data": data,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "created_at": now,
                "expires_at": now + timedelta(hours=PENDING_HOURS),
            }
        ],
    )
    return db.session.get(PendingImport, pending_id)


def _stored(pending: PendingImport) -> bytes:
    """The upload's bytes as stored, read UPLOAD_PIECE bytes at a time (not into `pending`)."""
    pieces: list[bytes] = []
    while True:
        piece = func.substr(PendingImport.data, len(pieces) * UPLOAD_PIECE + 1, UPLOAD_PIECE)
        found = db.session.scalar(
            select(piece.cast(LargeBinary)).where(PendingImport.id == pending.id)
        )
        if found:
            pieces.append(bytes(found))
        if not found or len(found) < UPLOAD_PIECE:
            return b"".join(pieces)


def pending_import(actor: User, import_id: int) -> PendingImport | None:
    """The import with this id if `actor` uploaded it; None for anyone else's."""
    pending = db.session.get(PendingImport, import_id)
    return pending if pending is not None and pending.user_id == actor.id else None


def recent_imports(actor: User, limit: int = 10) -> list[PendingImport]:
    """The actor's latest uploads, applied or still pending, newest first."""
    query = (
        select(PendingImport)
        .where(PendingImport.user_id == actor.id)
        .order_by(PendingImport.created_at.desc(), PendingImport.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def applied_event(import_id: int) -> Event | None:
    """The event recording the apply of this import; None until it is applied."""
    query = select(Event).where(
        Event.entity_type == PendingImport.__tablename__,
        Event.entity_id == import_id,
        Event.action == "import.applied",
    )
    return db.session.scalar(query)


def clear_expired(now: datetime) -> int:
    """Delete the uploads that expired before `now` without being applied (the file's bytes
    go with them; nothing points to an upload until it is applied); gives how many. An
    applied upload stays, without its bytes, as the record its audit event points to."""
    return db.session.execute(
        delete(PendingImport).where(
            PendingImport.applied_at.is_(None), PendingImport.expires_at < now
        )
    ).rowcount


def is_expired(pending: PendingImport) -> bool:
    return pending.applied_at is None and pending.expires_at < utcnow()


def _usable(pending: PendingImport) -> bytes:
    if pending.is_applied:
        raise UnusableUpload("This file has already been imported.")
    if is_expired(pending):
        raise UnusableUpload("This upload has expired. Upload the file again.")
    data = _stored(pending)
    if hashlib.sha256(data).hexdigest() != pending.sha256:
        raise UnusableUpload("The stored upload is damaged. Upload the file again.")
    return data


def _plain_name(filename: str) -> str:
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255] or "upload"


# ---- preview and apply ----------------------------------------------------------------------


def preview(pending: PendingImport, choices: Choices) -> Preview:
    """What the stored file would do with these choices. Writes nothing."""
    return _pass(KINDS[pending.kind], _usable(pending), pending.filename, choices, None)


def apply(
    actor: User | None,
    pending: PendingImport,
    choices: Choices,
    fingerprint: str | None,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """Write every row of the stored file, or raise DomainError having written nothing the
    caller will keep. With a `fingerprint`, refuse unless the rows do exactly what that
    preview showed. Records one event for the import, besides each record's own."""
    data = _usable(pending)
    return _pass(
        KINDS[pending.kind],
        data,
        pending.filename,
        choices,
        pending,
        actor=actor,
        fingerprint=fingerprint,
        progress=progress,
    )


def import_file(
    actor: User | None,
    kind: str,
    filename: str,
    data: bytes,
    choices: Choices,
    *,
    write: bool,
    fingerprint: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    """Preview a file (write False) or apply it (the command line), refusing, given the
    `fingerprint` of a preview, unless the rows do exactly what it showed."""
    if not write:
        return _pass(KINDS[kind], data, filename, choices, None, progress=progress)
    now = utcnow()
    record = PendingImport(
        user_id=actor.id if actor else None,
        kind=kind,
        filename=_plain_name(filename),
        data=b"",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
        expires_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return _pass(
        KINDS[kind],
        data,
        filename,
        choices,
        record,
        actor=actor,
        fingerprint=fingerprint,
        progress=progress,
    )


def failing_rows(pending: PendingImport, choices: Choices) -> tuple[Preview, Iterator[RowResult]]:
    """The preview's columns and, lazily, each row that has a problem."""
    data = _usable(pending)
    kind = KINDS[pending.kind]
    table, found, fields = _prepare(kind, data, pending.filename, choices)
    if found.problem:
        return found, iter(())
    context = _context(found, None, None, None)
    rows = run(kind.rows(context), table, found.columns, fields, write=False)
    return found, (result for result in rows if result.action == "error")


def _read(data: bytes, filename: str, kind: Kind, choices: Choices) -> Table:
    """The table as chosen. A file unreadable with the sheet and header row found
    automatically is an UnusableUpload; one that only the chosen sheet or row spoils, a
    DomainError."""
    chosen = choices.sheet is not None or choices.header_row is not None
    try:
        return read_table(
            data,
            filename,
            sheet=choices.sheet,
            headings=kind.headings,
            identifying=kind.identifying_headings,
            header_row=choices.header_row,
        )
    except UnreadableFile as error:
        raise (DomainError if chosen else UnusableUpload)(str(error)) from error


def _prepare(kind: Kind, data: bytes, filename: str, choices: Choices):
    """The table, its columns and header as the preview shows them, and the fields that
    parse its cells with the dates read in the chosen or judged order."""
    dates.check(choices.date_order)
    table = _read(data, filename, kind, choices)
    found = _columns(kind, table, choices)
    found.filename = filename
    found.header_row, found.header_sure = table.header_row, table.header_sure
    found.top_rows = table.top_rows
    fields = fields_for_file(kind.fields_by_name, table.headers)
    if not found.problem and dates.date_columns(found.columns, fields):
        # Every date must be seen before the first is read: this read is for the dates, and
        # the pass reads the file again, one sheet in memory at a time.
        found.dates = dates.judge(table.rows, found.columns, fields, choices.date_order)
        fields = dates.fields_in_order(fields, found.dates.order)
        del table
        table = _read(data, filename, kind, choices)
    return table, found, fields


def _columns(kind: Kind, table: Table, choices: Choices) -> Preview:
    if choices.mapping is None:
        mapping = default_mapping(table.headers, kind.fields)
    else:
        mapping = list(choices.mapping)
        check_mapping(mapping, kind.fields, table.headers)
    columns = columns_for(table.headers, mapping, kind.not_imported)
    chosen = replace(choices, mapping=tuple(mapping), sheet=table.sheet or None)
    found = Preview(kind, "", columns, chosen)
    found.sheet, found.sheets = table.sheet, table.sheets
    found.problem = kind.mapping_problem(mapping)
    return found


def _context(
    found: Preview, actor: User | None, writer: BulkWriter | None, record: PendingImport | None
) -> PassContext:
    choices = found.choices
    options = Options(
        choices.create_categories, choices.create_locations, dict(choices.statuses or ())
    )
    titles = {column.field: column.title for column in found.columns if column.field}
    context = PassContext(actor, options, titles, writer, utcnow())
    if record is not None:
        context.source_id, context.source_name = record.id, record.filename
    return context


def _status_questions(context: PassContext) -> list[StatusQuestion]:
    chosen = context.options.statuses
    return [
        StatusQuestion(
            label, count, status_labels.resolve(label, chosen), status_labels.automatic(label)
        )
        for label, count in sorted(context.status_labels.items())
    ]


def _pass(
    kind: Kind,
    data: bytes,
    filename: str,
    choices: Choices,
    record: PendingImport | None,
    *,
    actor: User | None = None,
    fingerprint: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Preview:
    writing = record is not None
    table, found, fields = _prepare(kind, data, filename, choices)
    if found.problem:
        if writing:
            raise DomainError(found.problem)
        return found
    event = writer = None
    if writing:
        event = events.record(actor, "import.applied", record, f"Import of {record.filename}")
        db.session.flush()  # the transaction now holds the database's write lock
        writer = BulkWriter()
    context = _context(found, actor, writer, record)
    if event is not None:
        event.at = context.now
    summary = found.summary
    kind_rows = kind.rows(context)
    results = run(
        kind_rows,
        table,
        found.columns,
        fields,
        write=writing,
        progress=progress,
    )
    try:
        for result in results:
            summary.add(result, kind_rows.describe)
            if writing and result.errors:
                raise DomainError(f"Nothing was imported: {result.messages()[0].rstrip('.')}.")
    except UnreadableFile as error:
        if writing:
            raise DomainError(str(error)) from error
        found.problem = str(error)
        return found
    found.new_names = {noun: list(names.values()) for noun, names in context.new_names.items()}
    found.missing = {noun: counts for noun, counts in context.missing.items() if counts}
    found.statuses = _status_questions(context)
    found.fingerprint = summary.fingerprint(
        (kind.name, found.sheet),
        found.choices.mapping,
        (str(found.choices.create_categories), str(found.choices.create_locations)),
        (str(found.header_row), found.dates.order),
        *found.new_names.values(),
        [f"{q.label}\x1d{q.chosen}" for q in found.statuses],
    )
    found.loans = context.made["loans"]
    if writing:
        _finish(found, record, event, fingerprint, context)
    return found


def _finish(found: Preview, record, event, fingerprint: str | None, context) -> None:
    if fingerprint is not None and fingerprint != found.fingerprint:
        raise DomainError(CHANGED_SINCE_PREVIEW)
    counts = found.summary.counts
    if not found.summary.writes:
        raise DomainError("The file changes nothing in the register, so there is nothing to apply.")
    event.summary = (
        f"{found.kind.title} imported from {record.filename}: {counts['create']} added, "
        f"{counts['update']} updated, {counts['unchanged']} unchanged"
        + (f", {found.loans} lent awaiting signature" if found.loans else "")
    )[:300]
    event.changes = {
        "file": record.filename,
        "sha256": record.sha256,
        "kind": found.kind.name,
        "rows": found.summary.rows,
        "created": counts["create"],
        "updated": counts["update"],
        "unchanged": counts["unchanged"],
        **{f"new_{noun}": names for noun, names in found.new_names.items() if names},
        **({"loans_awaiting_signature": found.loans} if found.loans else {}),
    }
    record.applied_at = context.now
    record.data = b""
    db.session.flush()
