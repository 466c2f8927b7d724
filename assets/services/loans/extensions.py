"""Extending a loan: the desk moves its due date later, only when nothing later is booked.

A loan of a kit's part moves with the rest of its kit: every part still out in the same
check-out (same borrower, hand-over and signature) gets the new due date, and a booking of
any of them stands in the way. The category's longest loan counts from the day it went out,
as check-out counts it; the desk goes past it only by saying why (lending_rules). What is
booked ahead is bookings' to say: they add their check to BEFORE_EXTENDING (loans know
nothing of bookings).
"""

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, KitPart, Loan, Person, User
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import lending_rules

# Called as check(actor, person, assets, due_on, new_due_on, now) before loans of `assets` to
# `person` due on `due_on` are extended to `new_due_on`; each gives back why not (a message)
# or None.
BEFORE_EXTENDING: list[Callable[[User, Person, list[Asset], date, date, datetime], str | None]] = []


def loans_moving_with(loan: Loan) -> list[Loan]:
    """`loan`, and for a kit's part the open loans of its kit's other parts from the same
    check-out, by asset tag."""
    kit_id = db.session.scalar(select(KitPart.kit_id).where(KitPart.asset_id == loan.asset_id))
    if kit_id is None:
        return [loan]
    parts = select(KitPart.asset_id).where(KitPart.kit_id == kit_id)
    together = db.session.scalars(
        select(Loan).where(
            Loan.asset_id.in_(parts),
            Loan.returned_at.is_(None),
            Loan.person_id == loan.person_id,
            Loan.out_at == loan.out_at,
        )
    ).all()
    same = [
        other
        for other in together
        if other.signature_id == loan.signature_id and other.due_on == loan.due_on
    ]
    return sorted({*same, loan}, key=lambda other: other.asset.tag)


def extend(
    actor: User,
    loan: Loan,
    new_due_on: date | None,
    *,
    reasons: lending_rules.Reasons | None = None,
    now: datetime | None = None,
) -> list[Loan]:
    """Move `loan`'s due date (and its kit's, see loans_moving_with) to `new_due_on`: the
    desk only, for an open loan with a due date, to a later date not in the past, within
    the category's longest loan unless the desk says why, and only when no booking of any of
    its items starts before `new_due_on` is over. The loans extended; an audit event each.
    Nothing else about the loan changes."""
    now = now or utcnow()
    if not allows(actor, "can_lend"):
        raise NotAllowed("Only the IT technician can extend a loan.")
    if loan.returned_at is not None:
        raise DomainError(f"{loan.asset.tag} has already been returned: nothing to extend.")
    if loan.due_on is None:
        raise DomainError(
            f"{loan.asset.tag} is a long-term allocation with no due date: there is nothing "
            "to extend."
        )
    if new_due_on is None:
        raise DomainError("Choose the new due date.", field="due_on")
    today = local_date(now)
    if new_due_on < today:
        raise DomainError("That date has already passed. Choose a later one.", field="due_on")
    if new_due_on <= loan.due_on:
        raise DomainError(
            f"{loan.asset.tag} is due back {date_text(loan.due_on)} already: choose a later "
            "date to extend it.",
            field="due_on",
        )
    moving = loans_moving_with(loan)
    assets = [each.asset for each in moving]
    went_out = local_date(loan.out_at)
    too_long = [a for a in assets if lending_rules.past_longest(a, new_due_on, went_out)]
    reason = None
    if too_long:
        reason = lending_rules.long_loan_reason((reasons or lending_rules.Reasons()).long_loan)
        if reason is None:
            category = too_long[0].category
            raise DomainError(
                f"{too_long[0].tag} would be out for "
                f"{lending_rules.days_text((new_due_on - went_out).days)}, longer than the "
                f"longest loan for {category.name} "
                f"({lending_rules.days_text(category.longest_loan_days)}). Choose an earlier "
                "date, or say why it is needed for longer.",
                field="long_loan_reason",
            )
    for check in BEFORE_EXTENDING:
        refusal = check(actor, loan.person, assets, loan.due_on, new_due_on, now)
        if refusal is not None:
            raise DomainError(refusal, field="due_on")
    for each in moving:
        before = each.due_on
        each.due_on = new_due_on
        changes = {"due_on": [before.isoformat(), new_due_on.isoformat()]}
        if each.asset in too_long:
            each.long_loan_reason = reason
            changes["long_loan_reason"] = reason
        events.record(
            actor,
            "loan.extended",
            each,
            f"Loan of {each.asset.tag} to {each.person.name} extended from "
            f"{date_text(before)} to {date_text(new_due_on)}",
            changes=changes,
            asset=each.asset,
            person=each.person,
        )
    db.session.flush()
    return moving
