"""Lending equipment: signing out (policy 8.1 and 10.1); checking in is in returns.py. Items
handed over awaiting signature are signed for later through pending_signatures.py. Who may
take what for how long, and unencrypted devices, are decided in lending_rules.py.

One open loan per asset: the status change is a compare-and-set in the database, and the
unique partial index uq_loans_open_asset is the guarantee behind it. Two desks racing for the
same laptop end with one loan and a message for the other, never an error page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.files.images.signatures import SignatureImage
from assets.models import (
    Asset,
    Loan,
    Person,
    Signature,
    User,
)
from assets.models.base import tag_key, utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import lending_holds, lending_rules
from assets.services.register import scanning
from assets.services.terms import declarations, signatures, terms

# A class set with its trolley goes out in one check-out (an iPad trolley holds 30-36 and itself).
MAX_ITEMS = 40
NOT_LOANABLE = {
    "retired": "is retired",
    "lost": "is reported lost",
    "stolen": "is reported stolen",
    "in_repair": "is in repair",
}
# Called as check(actor, person, assets, due_dates, now, collecting) while a check-out is
# planned; each gives back why it cannot go out (a message) or None. `collecting` is the id
# of the booking this check-out hands over, or None for a walk-up loan. How another domain
# that uses loans (bookings: what is booked ahead) stops a loan without loans importing it.
BEFORE_CHECKOUT: list[
    Callable[[User, Person, list[Asset], dict[int, date | None], datetime, int | None], str | None]
] = []
TERMS_CHANGED = (
    "The terms changed while this page was open. Please read the new terms below and sign again."
)


@dataclass
class CheckoutPlan:
    """What a borrower is about to sign: the items, their due dates and the exact text."""

    person: Person
    assets: list[Asset]
    due_dates: dict[int, date | None]
    terms: list = field(default_factory=list)
    title: str = ""
    text: str = ""
    # The reasons each loan keeps for going past a policy rule, by asset id (lending_rules).
    kept: dict[int, lending_rules.Kept] = field(default_factory=dict)

    @property
    def terms_ids(self) -> list[int]:
        return [t.id for t in self.terms]

    def due_text(self) -> str | None:
        """The due date as the receipt shows it; None for long allocations only."""
        return _due_text([(a.tag, self.due_dates[a.id]) for a in self.assets])


def _due_text(pairs: list[tuple[str, date | None]]) -> str | None:
    dates = {due for _tag, due in pairs}
    if dates == {None}:
        return None
    if len(dates) == 1:
        return date_text(dates.pop())
    return "; ".join(
        f"{tag}: {date_text(due) if due else 'long-term allocation'}" for tag, due in pairs
    )


def item(asset: Asset, due: date | None) -> dict:
    """One item as a signature lists it."""
    return {
        "tag": asset.tag,
        "name": asset.name,
        "model": asset.model,
        "serial": asset.serial_number,
        "due_on": due.isoformat() if due else None,
    }


# ---- finding what to lend ---------------------------------------------------------------------


def _too_many() -> str:
    return f"Sign out at most {MAX_ITEMS} items at a time."


def find_assets(text: str) -> list[Asset]:
    """The assets whose tags are in `text`; a DomainError naming any tag that is unknown."""
    tags = scanning.tags_in_text(text, MAX_ITEMS, _too_many())
    if not tags:
        raise DomainError("Type or scan the tag of at least one item.", field="tags")
    if len(tags) > MAX_ITEMS:
        raise DomainError(_too_many(), field="tags")
    found = {
        asset.tag_key: asset
        for asset in db.session.scalars(
            select(Asset)
            .where(Asset.tag_key.in_([tag_key(t) for t in tags]))
            .options(selectinload(Asset.category), selectinload(Asset.open_loan))
        )
    }
    unknown = [tag for tag in tags if tag_key(tag) not in found]
    if unknown:
        raise DomainError(
            f"No asset has the tag {', '.join(unknown)}. Check the label and try again.",
            field="tags",
        )
    return [found[tag_key(tag)] for tag in tags]


def due_date_for(asset: Asset, due_on: date | None, today: date) -> date | None:
    """Long allocations have no due date; short loans are due on `due_on` or after the
    category's usual loan length."""
    category = asset.category
    if category.loan_kind == "allocation":
        return None
    if due_on is not None:
        return due_on
    return today + timedelta(days=category.usual_loan_days)


# ---- signing out ------------------------------------------------------------------------------


def _check_actor(actor: User, person: Person) -> None:
    if allows(actor, "can_lend"):
        return
    if actor.person_id is None or actor.person_id != person.id:
        raise NotAllowed("You can sign out equipment only for yourself.", field="person_id")


def _check_loanable(asset: Asset) -> None:
    if asset.status == "on_loan" or asset.open_loan is not None:
        holder = asset.open_loan.person.name if asset.open_loan else "someone"
        raise DomainError(
            f"{asset.tag} is already on loan to {holder}. It must be checked in first.",
            field="tags",
        )
    if asset.status in NOT_LOANABLE:
        raise DomainError(
            f"{asset.tag} {NOT_LOANABLE[asset.status]} and cannot be lent.", field="tags"
        )


def _check_not_held(asset: Asset) -> None:
    """An item that came back damaged, or has an open report, waits for the report."""
    hold = lending_holds.lending_hold(asset)
    if hold is not None:
        raise DomainError(hold.message, field="tags")


def why_not_lendable(asset: Asset) -> str | None:
    """Why `asset` cannot be lent now, in words that name what stops it (the report it waits
    for, its holder, or its status); None when it can be. Check-out refuses with these
    words."""
    for check in (_check_not_held, _check_loanable):
        try:
            check(asset)
        except DomainError as refusal:
            return refusal.message
    return None


def plan_checkout(
    actor: User,
    person: Person,
    assets: list[Asset],
    *,
    due_on: date | None = None,
    today: date | None = None,
    reasons: lending_rules.Reasons | None = None,
    now: datetime | None = None,
    collecting: int | None = None,
) -> CheckoutPlan:
    """Check that `person` may borrow `assets` now and say what they will sign. Writes
    nothing; `check_out` runs the same checks again when the signature arrives. `reasons`:
    why the desk lends past the policy's rules (lending_rules). The BEFORE_CHECKOUT checks
    run last (what is booked ahead); `collecting`: the booking this check-out hands over."""
    now = now or utcnow()
    today = today or local_date(now)
    _check_actor(actor, person)
    if not person.active:
        raise DomainError(
            f"{person.name} is no longer on the staff list and cannot borrow equipment.",
            field="person_id",
        )
    if not assets:
        raise DomainError("Type or scan the tag of at least one item.", field="tags")
    if len(assets) > MAX_ITEMS:
        raise DomainError(_too_many(), field="tags")
    if len({a.id for a in assets}) != len(assets):
        raise DomainError("The same item is listed twice.", field="tags")
    for asset in assets:
        refusal = why_not_lendable(asset)
        if refusal is not None:
            raise DomainError(refusal, field="tags")
    if due_on is not None and due_on < today:
        raise DomainError("The due date has already passed. Choose a later one.", field="due_on")
    due_dates = {a.id: due_date_for(a, due_on, today) for a in assets}
    kept = lending_rules.check(actor, assets, due_dates, today, reasons)
    for check in BEFORE_CHECKOUT:
        refusal = check(actor, person, list(assets), due_dates, now, collecting)
        if refusal is not None:
            raise DomainError(refusal, field="due_on")
    declarations.check_signed_before_first_loan(person)
    chosen = [terms.require_current(kind) for kind in terms.kinds_for(assets)]
    title, text = terms.combined(chosen)
    return CheckoutPlan(
        person=person,
        assets=list(assets),
        due_dates=due_dates,
        terms=chosen,
        title=title,
        text=text,
        kept=kept,
    )


def _claim(asset: Asset, now: datetime) -> None:
    """Mark the asset on loan only if it is still available, in one statement, so that of two
    desks lending it at once the second finds it taken."""
    result = db.session.execute(
        update(Asset)
        .where(Asset.id == asset.id, Asset.status == "available")
        .values(status="on_loan", updated_at=now)
        .execution_options(synchronize_session="evaluate")
    )
    if result.rowcount != 1:
        raise DomainError(
            f"{asset.tag} has just been signed out by someone else. Check it and try again.",
            field="tags",
        )


def check_out(
    actor: User,
    person: Person,
    assets: list[Asset],
    *,
    due_on: date | None = None,
    signature: str | bytes | None = None,
    awaiting_signature: bool = False,
    terms_ids: list[int] | None = None,
    reasons: lending_rules.Reasons | None = None,
    now: datetime | None = None,
    collecting: int | None = None,
) -> list[Loan]:
    """Lend `assets` to `person`, all or none, one loan each.

    With `signature` (the drawn PNG data URL) the borrower signs now for every item at once,
    and a receipt is made. With `awaiting_signature` (technicians and admins only) the items
    are handed over to be signed for later, on the borrower's own login or at the desk
    (pending_signatures.py). `terms_ids` are the terms shown to the signer; if they are no
    longer current, nothing is saved. `reasons`: why the desk lends past the policy's rules,
    kept on the loans that needed them. `collecting`: the id of the booking this check-out
    hands over (bookings' collect), which is then not in its own way.
    """
    now = now or utcnow()
    plan = plan_checkout(
        actor,
        person,
        assets,
        due_on=due_on,
        today=local_date(now),
        reasons=reasons,
        now=now,
        collecting=collecting,
    )
    image = None
    if awaiting_signature:
        if not allows(actor, "can_lend"):
            raise NotAllowed("Only the IT technician can hand over items to be signed for later.")
    else:
        if terms_ids is not None and sorted(terms_ids) != sorted(plan.terms_ids):
            raise DomainError(TERMS_CHANGED, field="signature")
        image = signatures.clean_image(signature)
    loans = _open_loans(actor, plan, now)
    signed = None
    if image is not None:
        desk = allows(actor, "can_take_signatures_at_desk")
        signed = _loan_signature(actor, plan, image, desk=desk, now=now)
        for loan in loans:
            loan.signature = signed
    for loan in loans:
        _record_loan(actor, loan, plan, signed)
    return loans


def _open_loans(actor: User, plan: CheckoutPlan, now: datetime) -> list[Loan]:
    """Claim every asset and open its loan, all or none."""
    # Always in the same order, so two desks lending overlapping sets cannot deadlock.
    for asset in sorted(plan.assets, key=lambda a: a.id):
        _claim(asset, now)
    loans = []
    for asset in plan.assets:
        loan = Loan(
            asset=asset,
            person=plan.person,
            out_at=now,
            out_by_id=actor.id,
            due_on=plan.due_dates[asset.id],
            **plan.kept[asset.id].columns(),
        )
        db.session.add(loan)
        loans.append(loan)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The index caught what the status did not (a loan left open on an available asset).
        raise DomainError(
            "One of these items is already on loan. Check the items and try again.",
            field="tags",
        ) from error
    return loans


def _loan_signature(
    actor: User, plan: CheckoutPlan, image: SignatureImage, *, desk: bool, now: datetime
) -> Signature:
    """The borrower's signature for everything in `plan`, with its receipt."""
    return signatures.create(
        actor,
        plan.person,
        purpose="loan",
        image=image,
        title=plan.title,
        text=plan.text,
        terms=plan.terms,
        capture="desk" if desk else "remote",
        technician=actor if desk else None,
        signed_at=now,
        items=[item(a, plan.due_dates[a.id]) for a in plan.assets],
        due_date=plan.due_text(),
    )


def _record_loan(actor: User, loan: Loan, plan: CheckoutPlan, signed: Signature | None) -> None:
    due = loan.due_on
    events.record(
        actor,
        "loan.created",
        loan,
        f"{loan.asset.tag} lent to {plan.person.name}"
        + (f", due back {date_text(due)}" if due else " as a long-term allocation")
        + (": signed" if signed else ": awaiting signature"),
        changes={
            "status": ["available", "on_loan"],
            "due_on": due,
            "signature_id": signed.id if signed else None,
            **plan.kept[loan.asset.id].given(),
        },
        asset=loan.asset,
        person=plan.person,
    )


# ---- lists ------------------------------------------------------------------------------------


def held_by(person: Person | None) -> list[Loan]:
    if person is None:
        return []
    query = (
        select(Loan)
        .where(Loan.person_id == person.id, Loan.returned_at.is_(None))
        .options(selectinload(Loan.asset))
        .order_by(Loan.due_on.is_(None), Loan.due_on, Loan.out_at)
    )
    return list(db.session.scalars(query))
