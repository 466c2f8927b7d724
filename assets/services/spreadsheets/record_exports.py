"""Spreadsheet exports of what happened to the equipment: loans, loss and damage reports,
leavers' checklists and the staff declaration register. Each gives the rows its list page
shows for the same filters (exports.py has the register, the staff list and the helpers)."""

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from assets.extensions import db
from assets.files.xlsx.writer import Column, Sheet, build_workbook
from assets.models import (
    RETURN_CONDITION_LABELS,
    Asset,
    Category,
    Incident,
    IncidentPhoto,
    LeaverCase,
    Loan,
    Person,
    Signature,
    User,
)
from assets.models.signature import CAPTURE_WORDS
from assets.services.common.clock import local_date
from assets.services.incidents.incident_lists import IncidentFilter, incident_select
from assets.services.leavers import leaver_lists, leavers
from assets.services.loans import loan_lists
from assets.services.spreadsheets.exports import caption, local_time, streamed, workbook
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


def loans(filters: loan_lists.LoanFilter) -> bytes:
    """The loans the loans page lists for `filters` (every page of them), in its order."""
    view = loan_lists.VIEWS[filters.view] if filters.view != "history" else ""
    note = _note(view, filters.narrowed)
    return workbook(loans_subject(filters), LOAN_COLUMNS, _loan_rows(filters), note)


def _note(view: str, filtered: bool) -> str:
    """The caption's note: which view of the page, and whether a search narrowed it."""
    return ", ".join(part for part in (view, "filtered" if filtered else "") if part)


def _loan_rows(filters: loan_lists.LoanFilter) -> Iterator[tuple]:
    today = local_date()
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


def incident_reports(user: User | None, filters: IncidentFilter) -> bytes:
    """The reports the reports page lists for `filters` and `user` (None: every report),
    newest first."""
    view = {"open": "open", "closed": "closed"}.get(filters.state, "")
    note = _note(view, bool(filters.kind or filters.status or filters.q.strip()))
    rows = _incident_rows(user, filters)
    return workbook("Loss and damage incidents", INCIDENT_COLUMNS, rows, note)


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


# ---- leavers --------------------------------------------------------------------------------

LEAVER_COLUMNS = [
    Column("Name", "text", 26),
    Column("Job title", "text", 22),
    Column("Contract ends", "date", 14),
    Column("When", "text", 22),
    Column("Items held", "int", 11),
    Column("Tags held", "text", 30),
    Column("Checklist", "text", 22),
]
CASE_COLUMNS = [
    Column("Checklist", "int", 10),
    Column("Name", "text", 26),
    Column("Contract ends", "date", 14),
    Column("Status", "text", 9),
    Column("Opened", "datetime"),
    Column("Opened by", "text", 20),
    Column("Closed", "datetime"),
    Column("Closed by", "text", 20),
    Column("Steps done", "int", 11),
    Column("Steps", "int", 8),
    Column("Items returned", "int", 14),
    Column("Items not returned", "int", 18),
    Column("Computers wiped", "int", 16),
    Column("Leaver signed", "text", 36),
    Column("Record code", "text", 16),
]
STEP_COLUMNS = [
    Column("Checklist", "int", 10),
    Column("Name", "text", 26),
    Column("Step", "text", 16),
    Column("What", "text", 40),
    Column("State", "text", 14),
    Column("Result", "text", 36),
    Column("Note", "text", 30),
    Column("By", "text", 20),
    Column("When", "datetime"),
]
STEP_KIND_LABELS = {
    "item": "Item",
    "wipe": "Secure wipe",
    "licence": "Software",
    "network_account": "Network account",
    "app_login": "App login",
}
LINE_STATES = {"outstanding": "Outstanding", "done": "Done", "not_applicable": "Not applicable"}


def leavers_report(days: int) -> bytes:
    """The leavers page for `days` on the first sheet; every checklist, open and closed,
    on the second, and each line of them on the third."""
    days = leaver_lists.clamp_days(days)
    checklists = [(case, leavers.checklist(case)) for case in _all_cases()]
    return build_workbook(
        [
            Sheet(
                "Leavers",
                LEAVER_COLUMNS,
                _leaver_rows(days),
                caption("Leavers", f"leaving within {days} days"),
            ),
            Sheet("Checklists", CASE_COLUMNS, _case_rows(checklists), caption("Checklists")),
            Sheet(
                "Checklist steps", STEP_COLUMNS, _step_rows(checklists), caption("Checklist steps")
            ),
        ]
    )


def _leaver_rows(days: int) -> Iterator[tuple]:
    for row in leaver_lists.dashboard(days):
        yield (
            row.person.name,
            row.person.job_title,
            row.leaving_on,
            row.when,
            len(row.held),
            ", ".join(loan.asset.tag for loan in row.held),
            row.progress,
        )


def _all_cases() -> Iterable[LeaverCase]:
    query = (
        select(LeaverCase)
        .options(
            selectinload(LeaverCase.person).selectinload(Person.user),
            selectinload(LeaverCase.opened_by),
            selectinload(LeaverCase.closed_by),
            selectinload(LeaverCase.signatures),
            selectinload(LeaverCase.steps),
        )
        .order_by(LeaverCase.opened_at.desc(), LeaverCase.id.desc())
    )
    return db.session.scalars(query)


def _case_rows(checklists: list[tuple[LeaverCase, leavers.Checklist]]) -> Iterator[tuple]:
    for case, checklist in checklists:
        items = checklist.items
        returned = sum(1 for line in items if line.done and leavers.came_back(line))
        leaver = case.signature_of("leaver")
        if leaver is not None:
            signed = f"Signed {local_time(leaver.signed_at):%d/%m/%Y %H:%M}"
        elif case.unsigned_reason:
            signed = f"Left without signing: {case.unsigned_reason}"
        else:
            signed = None
        yield (
            case.id,
            case.person.name,
            case.leaving_on,
            "Open" if case.is_open else "Closed",
            local_time(case.opened_at),
            case.opened_by.name,
            local_time(case.closed_at),
            case.closed_by.name if case.closed_by else None,
            checklist.done_count,
            len(checklist.lines),
            returned,
            sum(1 for line in items if line.done) - returned,
            sum(1 for line in checklist.wipes if line.done),
            signed,
            case.record_code,
        )


def _step_rows(checklists: list[tuple[LeaverCase, leavers.Checklist]]) -> Iterator[tuple]:
    for case, checklist in checklists:
        for line in checklist.lines:
            yield (
                case.id,
                case.person.name,
                STEP_KIND_LABELS[line.kind],
                line.title,
                LINE_STATES[line.state],
                line.result,
                line.detail,
                line.by,
                local_time(line.at),
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


def declaration_register(unsigned_only: bool = False) -> bytes:
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

    return workbook("Declaration register", DECLARATION_COLUMNS, lines(), note)
