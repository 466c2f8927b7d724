"""Spreadsheet exports. Each subject is a list of columns and a function that streams its rows
from the database into `workbook`; a new subject (loans, incidents, leavers...) is a few lines:

    LOAN_COLUMNS = [Column("Asset tag", "text"), Column("Out", "datetime"), ...]

    def loans(filters) -> bytes:
        return workbook("Loans", LOAN_COLUMNS, _loan_rows(filters))

Headers of the register and the staff list are the import's own labels, so an export can be
edited in Excel and imported back.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, func, select

from assets.extensions import db
from assets.files.xlsx.writer import Column, Sheet, build_workbook
from assets.models import (
    STATUS_LABELS,
    Asset,
    Category,
    Event,
    Loan,
    Location,
    Person,
    by_surname,
)
from assets.models.base import utcnow
from assets.services.common.clock import local_time_text, school_zone
from assets.services.people.people import people_select
from assets.services.register import register
from assets.services.spreadsheets import imports

# Rows fetched from the database at a time: memory stays flat however long the register.
STREAM = 2000
DASH = "\u2013"


def caption(subject: str, note: str = "") -> str:
    """The title row: the school, the subject and when it was exported, in local time."""
    when = local_time_text(utcnow())
    parts = [current_app.config["SCHOOL_NAME"], subject, note, f"exported {when}"]
    return f" {DASH} ".join(part for part in parts if part)


def filename(subject: str) -> str:
    """A download name such as asset-register-2026-11-22.xlsx (local date)."""
    slug = "-".join(subject.lower().split())
    return f"{slug}-{local_time(utcnow()):%Y-%m-%d}.xlsx"


def local_time(value: datetime | None) -> datetime | None:
    """A stored UTC time as the school's wall-clock time, without a zone (Excel has none)."""
    if value is None:
        return None
    return value.astimezone(school_zone()).replace(tzinfo=None)


def workbook(
    subject: str, columns: list[Column], rows: Iterable[Sequence[Any]], note: str = ""
) -> bytes:
    """One sheet named `subject`, with its caption row, header and `rows`."""
    return build_workbook([Sheet(subject, columns, rows, caption(subject, note))])


def streamed(query: Select) -> Iterator[Any]:
    """The query's rows, fetched a few thousand at a time."""
    return iter(db.session.execute(query.execution_options(yield_per=STREAM)))


# ---- the asset register ---------------------------------------------------------------------

ASSET_COLUMNS = [
    Column("Asset tag", "text", 14),
    Column("Name", "text", 30),
    Column("Category", "text", 16),
    Column("Location", "text", 20),
    Column("Manufacturer", "text"),
    Column("Model", "text", 20),
    Column("Serial number", "text", 18),
    Column("Condition", "text", 11),
    Column("Purchase date", "date"),
    Column("Purchase cost", "money"),
    Column("Supplier", "text", 20),
    Column("Warranty ends", "date"),
    Column("Encrypted", "bool", 11),
    Column("Software image", "text"),
    Column("Notes", "text", 30),
    Column("Status", "text", 11),
    Column("Holder", "text", 22),
    Column("Due back", "date"),
    Column("Last on network", "datetime"),
    Column("Updated", "datetime"),
]


def asset_register(filters: register.AssetFilter) -> bytes:
    """The assets the list page shows for `filters`, in its order, with holder and due date."""
    note = "filtered" if register.filter_conditions(filters) else ""
    return workbook("Asset register", ASSET_COLUMNS, _asset_rows(filters), note)


def _asset_rows(filters: register.AssetFilter) -> Iterator[tuple]:
    query = (
        select(
            Asset.tag,
            Asset.name,
            Category.name,
            Location.name,
            Asset.manufacturer,
            Asset.model,
            Asset.serial_number,
            Asset.condition,
            Asset.purchase_date,
            Asset.purchase_cost,
            Asset.supplier,
            Asset.warranty_end,
            Asset.encrypted,
            Asset.software_image,
            Asset.notes,
            Asset.status,
            Person.name,
            Loan.due_on,
            Asset.last_network_at,
            Asset.updated_at,
        )
        .join(Category, Category.id == Asset.category_id)
        .outerjoin(Location, Location.id == Asset.location_id)
        .outerjoin(Loan, and_(Loan.asset_id == Asset.id, Loan.returned_at.is_(None)))
        .outerjoin(Person, Person.id == Loan.person_id)
        .where(*register.filter_conditions(filters))
        .order_by(*register.filter_order(filters))
    )
    labels = STATUS_LABELS
    for row in streamed(query):
        yield (
            *row[:15],
            labels[row[15]],
            row[16],
            row[17],
            local_time(row[18]),
            local_time(row[19]),
        )


# ---- the staff list -------------------------------------------------------------------------

PEOPLE_COLUMNS = [
    Column("Name", "text", 26),
    Column("Email", "text", 30),
    Column("Staff number", "text", 14),
    Column("Job title", "text", 22),
    Column("Contract ends", "date", 14),
    Column("On the staff", "bool", 13),
    Column("Notes", "text", 30),
    Column("Equipment held", "int", 16),
]


def staff_list(q: str = "", include_inactive: bool = False) -> bytes:
    """The people the staff page shows for this search, with how many items each holds."""
    note = "filtered" if q.strip() or not include_inactive else ""
    people = people_select(q, include_inactive).subquery()
    held = (
        select(func.count(Loan.id))
        .where(Loan.person_id == people.c.id, Loan.returned_at.is_(None))
        .scalar_subquery()
    )
    query = select(
        people.c.name,
        people.c.email,
        people.c.staff_number,
        people.c.job_title,
        people.c.contract_end_date,
        people.c.active,
        people.c.notes,
        held,
    ).order_by(*by_surname(people.c.name), people.c.id)
    return workbook("Staff list", PEOPLE_COLUMNS, streamed(query), note)


# ---- the audit of an import -----------------------------------------------------------------

AUDIT_FACT_COLUMNS = [Column("What", "text", 22), Column("", "text", 70)]
AUDIT_ROW_COLUMNS = [
    Column("When", "datetime"),
    Column("Record", "text", 24),
    Column("Action", "text", 10),
    Column("Changes", "text", 100),
]


def import_audit(event: Event) -> bytes:
    """What an applied import did: its facts on one sheet, each record's event on another."""
    facts = event.changes
    kind = imports.KINDS[facts["kind"]]
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
    return build_workbook(
        [
            Sheet("Import", AUDIT_FACT_COLUMNS, fact_rows, caption(subject)),
            Sheet("Changes", AUDIT_ROW_COLUMNS, _audit_rows(event, kind.actions), caption(subject)),
        ]
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


def import_template(kind_name: str) -> bytes:
    """An empty sheet with the import's headers, and a guide to each column on a second sheet."""
    kind = imports.KINDS[kind_name]
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
    return build_workbook(
        [
            Sheet(kind.title, columns, [], caption(f"{kind.title} import", note)),
            Sheet("Guide", GUIDE_COLUMNS, guide, caption(f"{kind.title} import: the columns")),
        ]
    )


def import_errors(pending, choices) -> bytes:
    """The rows of an upload that have problems, as read, with a column saying what to fix."""
    found, rows = imports.failing_rows(pending, choices)
    columns = [Column(column.title, "text") for column in found.columns]
    columns.append(Column("What to fix", "text", 80))
    width = len(found.columns)

    def lines() -> Iterator[list]:
        for result in rows:
            cells = (list(result.cells) + [None] * width)[:width]
            problems = "; ".join(f"{column}: {message}" for column, message in result.errors)
            yield [*cells, f"Row {result.number}. {problems}"]

    subject = f"Problems in {pending.filename}"
    return build_workbook([Sheet("Problems", columns, lines(), caption(subject))])
