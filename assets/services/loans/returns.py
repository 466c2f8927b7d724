"""Checking equipment in (policy 8.4 and 10.1): the condition it came back in, the note, the
borrower's optional signature for the return, and the loan closed in one conditional UPDATE so
two desks taking the same item back record one return.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update

from assets.extensions import db
from assets.files.images.signatures import SignatureImage
from assets.models import (
    CONDITIONS,
    RETURN_CONDITION_LABELS,
    RETURN_CONDITIONS,
    Asset,
    Loan,
    Signature,
    User,
)
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text, local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.loans import loans
from assets.services.terms import signatures

# The condition an item is at best after a return in this state; a return in full working
# condition leaves it be.
CONDITION_AFTER_RETURN = {"damaged": "broken", "incomplete": "fair"}

# Called as hook(actor, loan, now) after a loan is closed (checked in, or ended by an
# incident), in the same transaction: how another domain that uses loans (bookings) follows
# the end of a loan without loans importing it.
AFTER_LOAN_CLOSED: list[Callable[[User | None, Loan, datetime], None]] = []


def loan_closed(actor: User | None, loan: Loan, now: datetime) -> None:
    """Tell the other domains that `loan` has just ended, whatever ended it."""
    for hook in AFTER_LOAN_CLOSED:
        hook(actor, loan, now)


def _worse(condition: str, other: str | None) -> str:
    """The worse of two conditions (CONDITIONS runs from new to broken)."""
    if other is None:
        return condition
    return max(condition, other, key=CONDITIONS.index)


def check_in(
    actor: User,
    asset: Asset,
    condition: str,
    note: str = "",
    *,
    signature: str | bytes | None = None,
    now: datetime | None = None,
) -> Loan:
    """Take `asset` back from its borrower: who received it, in what condition (policy 8.4:
    full working condition, with accessories and charger), and optionally the borrower's
    signature for the return, which makes a return receipt. The asset becomes available, its
    condition following the return; one that came back damaged is not lent again until a
    report about it is resolved (lending_holds.py)."""
    now = now or utcnow()
    if not allows(actor, "can_take_returns"):
        raise NotAllowed("Only the IT technician or an admin can check equipment in.")
    loan = asset.open_loan
    if loan is None:
        raise DomainError(f"{asset.tag} is not on loan, so there is nothing to check in.")
    note = _return_note(condition, note)
    image = signatures.clean_image(signature) if signature else None
    _close_loan(actor, loan, condition, note, now)
    status_before, condition_before = asset.status, asset.condition
    asset.status = "available"
    asset.condition = _worse(asset.condition, CONDITION_AFTER_RETURN.get(condition))
    summary = f"Returned {local_time_text(loan.returned_at)} to {actor.name}: " + (
        RETURN_CONDITION_LABELS[condition] + (f". {note}" if note else "")
    )
    if image is not None:
        loan.return_signature = _return_signature(actor, loan, image, summary)
    _record_return(actor, loan, condition, note, status_before, condition_before)
    loan_closed(actor, loan, now)
    return loan


def _return_note(condition: str, note: str | None) -> str:
    """The note, checked against the condition: anything short of full working says why."""
    if condition not in RETURN_CONDITIONS:
        raise DomainError("Choose the condition the item came back in.", field="condition")
    return clean_text(
        note,
        field="note",
        label="the note",
        max_length=2000,
        required=(
            None
            if condition == "full_working"
            else "Say what is damaged or missing, so it can be followed up."
        ),
        multiline=True,
    )


def _close_loan(actor: User, loan: Loan, condition: str, note: str, now: datetime) -> None:
    """Only if still open, in one statement: of two desks checking in at once, one records it."""
    closed = db.session.execute(
        update(Loan)
        .where(Loan.id == loan.id, Loan.returned_at.is_(None))
        .values(
            returned_at=max(now, loan.out_at),
            returned_to_id=actor.id,
            return_condition=condition,
            return_note=note,
        )
        .execution_options(synchronize_session="evaluate")
    )
    if closed.rowcount != 1:
        raise DomainError(f"{loan.asset.tag} has just been checked in by someone else.")


def _return_signature(actor: User, loan: Loan, image: SignatureImage, summary: str) -> Signature:
    """The borrower's signature for the return, signed at the desk, with its receipt."""
    person = loan.person
    text = f"I, {person.name}, have returned the item listed above to the school. {summary}."
    return signatures.create(
        actor,
        person,
        purpose="return",
        image=image,
        title="Return of school IT equipment",
        text=text,
        terms=[],
        capture="desk",
        technician=actor,
        signed_at=loan.returned_at,
        items=[loans.item(loan.asset, loan.due_on)],
        due_date=date_text(loan.due_on) if loan.due_on else None,
        return_note=summary,
    )


def _record_return(
    actor: User,
    loan: Loan,
    condition: str,
    note: str,
    status_before: str,
    condition_before: str,
) -> None:
    asset = loan.asset
    events.record(
        actor,
        "loan.returned",
        loan,
        f"{asset.tag} returned by {loan.person.name}: {RETURN_CONDITION_LABELS[condition].lower()}",
        changes={
            "status": [status_before, "available"],
            "condition": condition,
            **(
                {"asset_condition": [condition_before, asset.condition]}
                if asset.condition != condition_before
                else {}
            ),
            "note": note,
            "return_signature_id": loan.return_signature.id if loan.return_signature else None,
        },
        asset=asset,
        person=loan.person,
    )
