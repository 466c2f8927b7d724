"""Following a report to its outcome: the statuses a case moves through, the asset's status
following the case, the loan ended when an item is written off or replaced, and repairs
(supplier, cost, dates). Theft and criminal damage cannot close without a police crime
reference.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from assets.extensions import db
from assets.models import NOT_RETURNED, Asset, Incident, IncidentRepair, User
from assets.models.base import utcnow
from assets.models.incident import (
    INCIDENT_STATUS_LABELS,
    OPEN_STATUSES,
    OUTCOMES,
)
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.incidents import incidents
from assets.services.loans import returns

# How a case moves on. "found" only makes sense for something that went missing.
NEXT_STATUSES = {
    "reported": ("investigating", "in_repair", *OUTCOMES),
    "investigating": ("in_repair", *OUTCOMES),
    "in_repair": ("repaired", "replaced", "written_off"),
}

# The asset's status while the case says so; outcomes that return it to service restore it.
ASSET_STATUS_FOR = {"in_repair": "in_repair", "written_off": "retired", "replaced": "retired"}
BACK_IN_SERVICE = ("repaired", "found", "no_action")
OUT_OF_SERVICE = ("lost", "stolen", "in_repair")
# A repaired item is in good condition again (one in better condition stays so).
REPAIRED_FROM = ("fair", "poor", "broken")


def next_statuses(incident: Incident) -> list[str]:
    """The statuses the case can move to from where it is."""
    return [
        status
        for status in NEXT_STATUSES.get(incident.status, ())
        if status != "found" or incident.kind in incidents.MISSING_KINDS
    ]


def _other_case_holds(asset: Asset, incident: Incident) -> bool:
    """Whether another open case keeps the asset out of service (missing, or in repair)."""
    query = select(Incident).where(
        Incident.asset_id == asset.id,
        Incident.id != incident.id,
        Incident.status.in_(OPEN_STATUSES),
    )
    return any(
        other.status == "in_repair" or other.kind in incidents.MISSING_KINDS
        for other in db.session.scalars(query)
    )


def _end_loan(actor: User, incident: Incident, now: datetime) -> None:
    """A written-off or replaced item is not held by anyone any more: end its open loan as
    not returned, so it leaves the borrower's list and the leaver's checklist counts it done
    (nothing came back to check in or wipe)."""
    loan = incident.asset.open_loan
    if loan is None:
        return
    loan.returned_at = max(now, loan.out_at)
    loan.returned_to_id = actor.id
    loan.return_condition = NOT_RETURNED
    loan.return_note = f"{INCIDENT_STATUS_LABELS[incident.status]} after incident #{incident.id}"
    events.record(
        actor,
        "loan.ended_by_incident",
        loan,
        f"Loan of {incident.asset.tag} to {loan.person.name} ended, not returned: "
        f"{loan.return_note.lower()}",
        changes={"condition": NOT_RETURNED, "note": loan.return_note},
        asset=incident.asset,
        person=loan.person,
    )
    returns.loan_closed(actor, loan, now)


def change_status(
    actor: User, incident: Incident, status: str, note: str = "", now: datetime | None = None
) -> None:
    """Move the case on; the asset's status follows. Only the desk does this."""
    now = now or utcnow()
    if not allows(actor, "can_handle_incidents"):
        raise NotAllowed("Only the IT technician or an admin can move a case on.")
    if status not in next_statuses(incident):
        raise DomainError(
            f"A case that is {incident.status_label.lower()} cannot become "
            f"'{INCIDENT_STATUS_LABELS.get(status, status).lower()}'.",
            field="status",
        )
    note = clean_text(note, field="note", label="the note", max_length=2000, multiline=True)
    if status in OUTCOMES and incident.police_reference_outstanding:
        raise DomainError(
            f"Record the police crime reference before closing a "
            f"{incident.kind_label.lower()} case (policy 10.1).",
            field="status",
        )
    before = incident.status
    incident.status = status
    changes: dict = {"status": [before, status]}
    if note:
        changes["note"] = note
    if status in OUTCOMES:
        incident.closed_at = now
        incident.outcome_note = note
    asset = incident.asset
    asset_before = asset.status
    if status in ASSET_STATUS_FOR:
        asset.status = ASSET_STATUS_FOR[status]
    elif (
        status in BACK_IN_SERVICE
        and asset.status in OUT_OF_SERVICE
        and not _other_case_holds(asset, incident)
    ):
        asset.status = "on_loan" if asset.open_loan is not None else "available"
    if asset.status != asset_before:
        changes["asset_status"] = [asset_before, asset.status]
    if status == "repaired" and asset.condition in REPAIRED_FROM:
        changes["asset_condition"] = [asset.condition, "good"]
        asset.condition = "good"
    if asset.status == "retired":
        _end_loan(actor, incident, now)
    incidents.record_event(
        actor, incident, "status_changed", incident.status_label.lower(), **changes
    )


@dataclass
class RepairDetails:
    supplier: str = ""
    cost: Decimal | None = None
    sent_on: date | None = None
    returned_on: date | None = None
    notes: str = ""


def save_repair(
    actor: User, incident: Incident, details: RepairDetails, now: datetime | None = None
) -> IncidentRepair:
    """Record who repairs the device, what it costs and when it went and came back."""
    now = now or utcnow()
    if not allows(actor, "can_handle_incidents"):
        raise NotAllowed("Only the IT technician or an admin can record a repair.")
    today = local_date(now)
    supplier = clean_text(
        details.supplier, field="supplier", label="the supplier's name", max_length=120
    )
    if details.cost is not None and details.cost < 0:
        raise DomainError("The cost cannot be negative.", field="cost")
    for name in ("sent_on", "returned_on"):
        value = getattr(details, name)
        if value is not None and value > today:
            raise DomainError("That date is in the future.", field=name)
    if details.sent_on and details.returned_on and details.returned_on < details.sent_on:
        raise DomainError("It cannot come back before it was sent.", field="returned_on")
    values = {
        "supplier": supplier,
        "cost": details.cost,
        "sent_on": details.sent_on,
        "returned_on": details.returned_on,
        "notes": clean_text(details.notes, field="notes", multiline=True),
    }
    repair = incident.repair
    if repair is None:
        repair = IncidentRepair(incident=incident, updated_by_id=actor.id, **values)
        db.session.add(repair)
        changes = events.diff({}, events.snapshot(repair, tuple(values)))
    else:
        changes = events.apply_changes(repair, values)
        repair.updated_by_id = actor.id
    if changes:
        incidents.record_event(actor, incident, "repair_saved", "repair details saved", **changes)
    return repair
