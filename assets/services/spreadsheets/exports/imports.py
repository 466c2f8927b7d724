"""Spreadsheets around an import: the audit of what an applied import did, an empty template
with a guide to its columns, and the rows of an upload that have problems."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from werkzeug.utils import secure_filename

from assets.extensions import db
from assets.files.xlsx.writer import Column, Sheet
from assets.models import Asset, Category, Event, Location, PendingImport, Person
from assets.models.base import utcnow
from assets.services.common.clock import local_time_text
from assets.services.spreadsheets.exports import Export, caption, local_time, streamed, workbook
from assets.services.spreadsheets.imports import KINDS, Choices, failing_rows

# ---- the audit of an import -----------------------------------------------------------------

AUDIT_FACT_COLUMNS = [Column("What", "text", 22), Column("", "text", 70)]
AUDIT_ROW_COLUMNS = [
    Column("When", "datetime"),
    Column("Record", "text", 24),
    Column("Action", "text", 10),
    Column("Changes", "text", 100),
]


def import_audit(event: Event, *, now: datetime | None = None) -> Export:
    """What an applied import did (its "import.applied" `event`): its facts on one sheet,
    each record's event on another."""
    now = now or utcnow()
    facts = event.changes
    kind = KINDS[facts["kind"]]
    who = event.actor.name if event.actor else "command line"
    fact_rows = [
        ("Import", kind.title),
        ("File", facts["file"]),
        ("SHA-256 of the file", facts["sha256"]),
        ("Imported by", who),
        ("Imported at", local_time_text(event.at)),
        ("Rows", facts["rows"]),
        ("Added", facts["created"]),
        ("Updated", facts["updated"]),
        ("Unchanged", facts["unchanged"]),
        ("Categories added", ", ".join(facts.get("new_categories", []))),
        ("Locations added", ", ".join(facts.get("new_locations", []))),
    ]
    subject = f"Import of {facts['file']}"
    rows = _audit_rows(event, kind.actions)
    return workbook(
        f"import-{event.entity_id}-audit.xlsx",
        [
            Sheet("Import", AUDIT_FACT_COLUMNS, fact_rows, caption(subject, now=now)),
            Sheet("Changes", AUDIT_ROW_COLUMNS, rows, caption(subject, now=now)),
        ],
    )


def _audit_rows(event: Event, actions: tuple[str, ...]) -> Iterator[tuple]:
    # Every event an apply writes carries the apply's own timestamp and actor.
    actor = Event.actor_id.is_(None) if event.actor_id is None else Event.actor_id == event.actor_id
    query = (
        select(Event.at, Event.action, Event.changes, func.coalesce(Asset.tag, Person.name))
        .outerjoin(Asset, Asset.id == Event.asset_id)
        .outerjoin(Person, Person.id == Event.person_id)
        .where(Event.at == event.at, actor, Event.action.in_(actions), Event.id > event.id)
        .order_by(Event.id)
    )
    names = {
        "category_id": dict(db.session.execute(select(Category.id, Category.name)).all()),
        "location_id": dict(db.session.execute(select(Location.id, Location.name)).all()),
    }
    for at, action, changes, record in streamed(query):
        if action.endswith("created"):
            shown = {k: ["", v] for k, v in changes.items() if k in CREATED_SHOWN and v}
            yield local_time(at), record, "Added", _describe(shown, names)
        else:
            yield local_time(at), record, "Updated", _describe(changes, names)


CREATED_SHOWN = ("name", "category_id", "location_id", "serial_number", "email", "job_title")


def _describe(changes: dict[str, list], names: dict[str, dict]) -> str:
    """{"location_id": [1, 2]} as "Location: ICT suite → Library"."""
    parts = []
    for field, (before, after) in changes.items():
        lookup = names.get(field)
        if lookup is not None:
            before, after = lookup.get(before, before), lookup.get(after, after)
        label = field.removesuffix("_id").replace("_", " ").capitalize()
        parts.append(
            f"{label}: {before} \u2192 {after}" if before not in ("", None) else f"{label}: {after}"
        )
    return "; ".join(parts)


# ---- for imports: the template and the rows with problems -----------------------------------

GUIDE_COLUMNS = [
    Column("Column", "text", 18),
    Column("Also read from", "text", 40),
    Column("What to put in it", "text", 70),
    Column("Example", "text", 24),
]


def import_template(kind_name: str, *, now: datetime | None = None) -> Export:
    """An empty sheet with the import's headers, and a guide to each column on a second sheet."""
    now = now or utcnow()
    kind = KINDS[kind_name]
    columns = [Column(field.label, "text") for field in kind.fields]
    guide = [
        (
            field.label,
            ", ".join(field.aliases[:6]),
            field.help,
            field.example if field.example is not None else "",
        )
        for field in kind.fields
    ]
    note = "fill in from row 3; the first sheet is read"
    return workbook(
        f"{kind.title.lower().replace(' ', '-')}-template.xlsx",
        [
            Sheet(kind.title, columns, [], caption(f"{kind.title} import", note, now=now)),
            Sheet(
                "Guide",
                GUIDE_COLUMNS,
                guide,
                caption(f"{kind.title} import: the columns", now=now),
            ),
        ],
    )


def import_errors(
    pending: PendingImport, choices: Choices, *, now: datetime | None = None
) -> Export:
    """The rows of an upload that have problems, as read, with a column saying what to fix.
    Raises DomainError if the upload cannot be read any more."""
    now = now or utcnow()
    found, rows = failing_rows(pending, choices)
    columns = [Column(column.title, "text") for column in found.columns]
    columns.append(Column("What to fix", "text", 80))
    width = len(found.columns)

    def lines() -> Iterator[list]:
        for result in rows:
            cells = (list(result.cells) + [None] * width)[:width]
            problems = "; ".join(f"{column}: {message}" for column, message in result.errors)
            yield [*cells, f"Row {result.number}. {problems}"]

    subject = f"Problems in {pending.filename}"
    stem = secure_filename(pending.filename.rsplit(".", 1)[0]) or "upload"
    sheet = Sheet("Problems", columns, lines(), caption(subject, now=now))
    return workbook(f"problems-in-{stem}.xlsx", [sheet])
