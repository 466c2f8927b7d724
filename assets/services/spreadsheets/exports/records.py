"""What happened to the equipment: loans, loss, damage and theft reports, and the staff
declaration register. Each gives the rows its list page shows for the same filters (leavers'
checklists are in `leavers`)."""

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from assets.files.xlsx.writer import Column
from assets.models import (
    RETURN_CONDITION_LABELS,
    Asset,
    Category,
    Incident,
    IncidentPhoto,
    Loan,
    Person,
    Signature,
    User,
)
from assets.models.base import utcnow
from assets.models.signature import CAPTURE_WORDS
from assets.services.common.clock import local_date
from assets.services.incidents.incident_lists import IncidentFilter, incident_select
from assets.services.loans import loan_lists
from assets.services.spreadsheets.exports import (
    Export,
    local_time,
    single_sheet,
    streamed,
)
from assets.services.terms import declarations

# ---- loans ----------------------------------------------------------------------------------

LOAN_COLUMNS = [
    Column("Asset tag", "text", 14),
    Column("Item", "text", 28),
    Column("Category", "text", 16),
    Column("Serial number", "text", 18),
    Column("Borrower", "text", 24),
    Column("Borrower's email", "text", 28),
    Column("Handed over", "datetime"),
    Column("Handed over by", "text", 20),
    Column("Due back", "date"),
    Column("Kind", "text", 20),
    Column("Signed for", "datetime"),
    Column("Receipt code", "text", 16),
    Column("Returned", "datetime"),
    Column("Received by", "text", 20),
    Column("Condition on return", "text", 34),
    Column("Return note", "text", 30),
    Column("Days overdue", "int", 13),
]


def loans_subject(filters: loan_lists.LoanFilter) -> str:
    return "Loan history" if filters.view == "history" else "Loans"


def loans(filters: loan_lists.LoanFilter, *, now: datetime | None = None) -> Export:
    """The loans the loans page lists for `filters` (every page of them), in its order."""
    now = now or utcnow()
    view = loan_lists.VIEWS[filters.view] if filters.view != "history" else ""
    note = _note(view, filters.narrowed)
    rows = _loan_rows(filters, local_date(now))
    return single_sheet(loans_subject(filters), LOAN_COLUMNS, rows, note, now=now)


def _note(view: str, filtered: bool) -> str:
    """The caption's note: which view of the page, and whether a search narrowed it."""
    return ", ".join(part for part in (view, "filtered" if filtered else "") if part)


def _loan_rows(filters: loan_lists.LoanFilter, today: date) -> Iterator[tuple]:
    lender, receiver = aliased(User), aliased(User)
    query = (
        select(
            Asset.tag,
            Asset.name,
            Category.name,
            Asset.serial_number,
            Person.name,
            Person.email,
            Loan.out_at,
            lender.name,
            Loan.due_on,
            Signature.signed_at,
            Signature.receipt_code,
            Loan.returned_at,
            receiver.name,
            Loan.return_condition,
            Loan.return_note,
        )
        .join(Asset, Asset.id == Loan.asset_id)
        .join(Category, Category.id == Asset.category_id)
        .join(Person, Person.id == Loan.person_id)
        .outerjoin(lender, lender.id == Loan.out_by_id)
        .outerjoin(receiver, receiver.id == Loan.returned_to_id)
        .outerjoin(Signature, Signature.id == Loan.signature_id)
        .where(*loan_lists.conditions(filters, today))
        .order_by(*loan_lists.order(filters))
    )
    for row in streamed(query):
        (tag, name, category, serial, borrower, email, out_at, lent_by, due_on) = row[:9]
        signed_at, code, returned_at, received_by, condition, note = row[9:]
        overdue = (today - due_on).days if due_on and not returned_at and due_on < today else None
        yield (
            tag,
            name,
            category,
            serial,
            borrower,
            email,
            local_time(out_at),
            lent_by,
            due_on,
            "Short loan" if due_on else "Long-term allocation",
            local_time(signed_at),
            code if signed_at else "Awaiting signature",
            local_time(returned_at),
            received_by,
            RETURN_CONDITION_LABELS.get(condition or "", ""),
            note,
            overdue,
        )


# ---- loss, damage and theft reports ---------------------------------------------------------

INCIDENT_COLUMNS = [
    Column("Report", "int", 9),
    Column("Reported", "datetime"),
    Column("Kind", "text", 14),
    Column("Status", "text", 24),
    Column("Asset tag", "text", 14),
    Column("Item", "text", 26),
    Column("Borrower", "text", 22),
    Column("Reported by", "text", 22),
    Column("Happened on", "date", 13),
    Column("Time", "text", 8),
    Column("Where", "text", 22),
    Column("Left unsecured", "text", 26),
    Column("What happened", "text", 40),
    Column("Police reference", "text", 18),
    Column("Outcome", "text", 30),
    Column("Closed", "datetime"),
    Column("Repaired by", "text", 20),
    Column("Repair cost", "money"),
    Column("Sent for repair", "date", 15),
    Column("Back from repair", "date", 16),
    Column("Charge decision", "text", 16),
    Column("Charge", "money", 11),
    Column("Charge paid or waived", "text", 20),
    Column("Photos", "int", 8),
]


def incident_reports(
    user: User | None, filters: IncidentFilter, *, now: datetime | None = None
) -> Export:
    """The reports the reports page lists for `filters` and `user` (None: every report),
    newest first."""
    view = {"open": "open", "closed": "closed"}.get(filters.state, "")
    note = _note(view, bool(filters.kind or filters.status or filters.q.strip()))
    rows = _incident_rows(user, filters)
    subject = "Loss and damage incidents"
    return single_sheet(subject, INCIDENT_COLUMNS, rows, note, now=now or utcnow())


def _incident_rows(user: User | None, filters: IncidentFilter) -> Iterator[tuple]:
    query = incident_select(user, filters).options(
        selectinload(Incident.repair),
        selectinload(Incident.charge),
        selectinload(Incident.photos).load_only(IncidentPhoto.id, IncidentPhoto.incident_id),
    )
    for (incident,) in streamed(query):
        repair, charge = incident.repair, incident.charge
        decision = amount = settled = None
        if charge is not None:
            decision = "Charge" if charge.applies else "No charge"
            amount = charge.amount
            settled = (charge.settlement or "").capitalize() or None
        yield (
            incident.id,
            local_time(incident.reported_at),
            incident.kind_label,
            incident.status_label,
            incident.asset.tag,
            incident.asset.name,
            incident.person.name if incident.person else None,
            incident.reporter.name,
            incident.occurred_on,
            incident.occurred_time.strftime("%H:%M") if incident.occurred_time else None,
            incident.place,
            incident.unsecured_label,
            incident.description,
            incident.police_reference,
            incident.outcome_note,
            local_time(incident.closed_at),
            repair.supplier if repair else None,
            repair.cost if repair else None,
            repair.sent_on if repair else None,
            repair.returned_on if repair else None,
            decision,
            amount,
            settled,
            len(incident.photos),
        )


# ---- the staff declaration register ---------------------------------------------------------

DECLARATION_COLUMNS = [
    Column("Name", "text", 26),
    Column("Email", "text", 30),
    Column("Staff number", "text", 14),
    Column("Job title", "text", 22),
    Column("Signed the current version", "bool", 26),
    Column("Signed", "datetime"),
    Column("Signed where", "text", 36),
    Column("Signed an earlier version", "datetime", 24),
]


def declaration_register(unsigned_only: bool = False, *, now: datetime | None = None) -> Export:
    """The register page: each member of staff and whether they signed the current
    declaration (only those who have not, when `unsigned_only`)."""
    version, rows = declarations.register()
    if unsigned_only:
        rows = declarations.not_signed(rows)
    note = version.versioned_title if version else "no declaration yet"
    if unsigned_only:
        note += ", not signed yet"

    def lines() -> Iterator[tuple]:
        for row in rows:
            person, signed = row.person, row.signed
            yield (
                person.name,
                person.email,
                person.staff_number,
                person.job_title,
                signed is not None,
                local_time(signed.signed_at) if signed else None,
                CAPTURE_WORDS[signed.capture] if signed else None,
                local_time(row.earlier.signed_at) if row.earlier and not signed else None,
            )

    subject = "Declaration register"
    return single_sheet(subject, DECLARATION_COLUMNS, lines(), note, now=now or utcnow())
