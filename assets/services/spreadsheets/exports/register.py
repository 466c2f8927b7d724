"""The asset register and the staff list as the list pages show them, with the import's own
headers, so an export can be edited in Excel and imported back."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, func, select

from assets.files.xlsx.writer import Column
from assets.models import STATUS_LABELS, Asset, Category, Loan, Location, Person
from assets.models.base import utcnow
from assets.services.people.people import people_select
from assets.services.register.register import AssetFilter, filter_conditions, filter_order
from assets.services.spreadsheets.exports import Export, local_time, single_sheet, streamed

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


def asset_register(filters: AssetFilter, *, now: datetime | None = None) -> Export:
    """The assets the list page shows for `filters`, in its order, with holder and due date."""
    note = "filtered" if filter_conditions(filters) else ""
    rows = _asset_rows(filters)
    return single_sheet("Asset register", ASSET_COLUMNS, rows, note, now=now or utcnow())


def _asset_rows(filters: AssetFilter) -> Iterator[tuple]:
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
        .where(*filter_conditions(filters))
        .order_by(*filter_order(filters))
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


def staff_list(
    q: str = "", include_inactive: bool = False, *, now: datetime | None = None
) -> Export:
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
    ).order_by(people.c.sort_key, people.c.id)
    rows = streamed(query)
    return single_sheet("Staff list", PEOPLE_COLUMNS, rows, note, now=now or utcnow())
