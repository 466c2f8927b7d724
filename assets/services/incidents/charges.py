"""Charges for loss or damage (policy 8.6): "where there is evidence that the laptop has not
been used in accordance with the above guidelines, a charge may be made for the replacement or
repair". Only admins decide them; the borrower sees the decision on their report."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from assets.extensions import db
from assets.models import Incident, IncidentCharge, User
from assets.models.base import utcnow
from assets.models.incident import SETTLEMENTS
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.incidents import incidents

NO_BORROWER = (
    "This report names no borrower, so there is nobody to charge: a charge is made to the "
    "borrower the item was lent to (policy 8.6)."
)
REASON_NEEDED = "Give the reason: the evidence that the policy was not followed (8.6)."


def decide_charge(
    actor: User,
    incident: Incident,
    *,
    applies: bool,
    amount: Decimal | None,
    reason: str,
    now: datetime | None = None,
) -> IncidentCharge:
    """An admin decides whether the report's borrower is charged, how much in pounds and
    why. The decision can be revised until the charge is paid or waived. A report that names
    no borrower has nobody to charge, so nothing is decided on it."""
    if not allows(actor, "can_decide_charges"):
        raise NotAllowed("Only an admin (the head teacher) decides charges.")
    if incident.person_id is None:
        raise DomainError(NO_BORROWER)
    charge = incident.charge
    if charge is not None and charge.settlement:
        raise DomainError(f"The charge was already {charge.settlement}: it cannot change.")
    if applies:
        try:
            amount = Decimal(amount).quantize(Decimal("0.01")) if amount is not None else None
        except (InvalidOperation, TypeError, ValueError):
            amount = None
        if amount is None or amount <= 0:
            raise DomainError("Give the amount to charge, in pounds.", field="amount")
        if amount >= 100_000:
            raise DomainError("That amount is too large to be a charge.", field="amount")
    else:
        amount = None
    required = REASON_NEEDED if applies else None
    reason = clean_text(
        reason,
        field="reason",
        label="the reason",
        max_length=4000,
        required=required,
        multiline=True,
    )
    values = {"applies": applies, "amount": amount, "reason": reason}
    if charge is None:
        charge = IncidentCharge(incident=incident, **values)
        db.session.add(charge)
        before = {}
    else:
        before = events.snapshot(charge, tuple(values))
        for key, value in values.items():
            setattr(charge, key, value)
    charge.person_id = incident.person_id
    charge.decided_by_id = actor.id
    charge.decided_at = now or utcnow()
    borrower = incident.person.name
    what = (
        f"charge of £{amount:,.2f} decided, to be paid by {borrower}"
        if applies
        else "no charge decided"
    )
    changes = events.diff(before, events.snapshot(charge, tuple(values)))
    incidents.record_event(actor, incident, "charge_decided", what, **changes)
    return charge


def settle_charge(
    actor: User, incident: Incident, settlement: str, note: str = "", now: datetime | None = None
) -> None:
    """An admin records that a charge was paid, or waived."""
    if not allows(actor, "can_decide_charges"):
        raise NotAllowed("Only an admin (the head teacher) settles charges.")
    charge = incident.charge
    if charge is None or not charge.applies:
        raise DomainError("There is no charge to settle on this report.")
    if charge.settlement:
        raise DomainError(f"The charge was already {charge.settlement}.")
    if settlement not in SETTLEMENTS:
        raise DomainError("Choose paid or waived.", field="settlement")
    charge.settlement = settlement
    charge.settled_at = now or utcnow()
    charge.settled_by_id = actor.id
    charge.settlement_note = (note or "").strip()[:2000]
    incidents.record_event(
        actor,
        incident,
        f"charge_{settlement}",
        f"charge of £{charge.amount:,.2f} {settlement}",
        settlement=settlement,
        note=charge.settlement_note,
    )
