"""Signing later: items handed over awaiting signature are signed for, once, by the borrower.

Two ways, one signature for everything pending: the borrower on their own login ("My
equipment", capture "remote"), or on the IT desk tablet, logged in as a technician or admin,
for any borrower, with or without a login of their own (capture "desk", recorded as a desk
sign-out is).
"""

from datetime import datetime

from sqlalchemy import select, update

from assets.extensions import db
from assets.models import CAPTURES, Asset, Loan, Person, Signature, User
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import loans
from assets.services.terms import signatures, terms

LIST_CHANGED = "The list of items changed while this page was open. Please check it and sign again."


class AlreadySigned(DomainError):
    """What was shown has been signed for already (a second tap on Confirm, or two desks at
    once). Nothing is saved the second time; `signature_id` is the signature that was."""

    def __init__(self, message: str, signature_id: int):
        super().__init__(message)
        self.signature_id = signature_id


def awaiting_signature_for(person: Person) -> list[Loan]:
    query = (
        select(Loan)
        .where(
            Loan.person_id == person.id,
            Loan.returned_at.is_(None),
            Loan.signature_id.is_(None),
        )
        .order_by(Loan.out_at, Loan.id)
    )
    return list(db.session.scalars(query))


def _check_signer(actor: User, person: Person, capture: str) -> None:
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}")
    if capture == "desk":
        if not allows(actor, "can_take_signatures_at_desk"):
            raise NotAllowed(
                "Only the IT technician or an admin can take a signature at the IT desk."
            )
    elif actor.person_id is None or actor.person_id != person.id:
        raise NotAllowed("Only the borrower can sign for their own equipment.")


def _plan(person: Person, pending: list[Loan], capture: str) -> loans.CheckoutPlan:
    if not pending:
        raise DomainError(
            "There is nothing waiting for your signature."
            if capture == "remote"
            else f"{person.name} has nothing awaiting signature."
        )
    assets = [loan.asset for loan in pending]
    chosen = [terms.require_current(kind) for kind in terms.kinds_for(assets)]
    title, text = terms.combined(chosen)
    return loans.CheckoutPlan(
        person=person,
        assets=assets,
        due_dates={loan.asset_id: loan.due_on for loan in pending},
        terms=chosen,
        title=title,
        text=text,
    )


def plan_pending_signature(
    actor: User, person: Person, *, capture: str = "remote"
) -> loans.CheckoutPlan:
    """What `person` signs for the items handed over to them unsigned: from their own login
    (capture "remote") or at the IT desk on a technician's or admin's login ("desk")."""
    _check_signer(actor, person, capture)
    return _plan(person, awaiting_signature_for(person), capture)


def _what_changed(person: Person, shown: list[int], capture: str) -> DomainError:
    """Why the loans shown to the signer are not exactly those awaiting signature now, as a
    message they can act on: an item checked in, everything already signed, or the list
    changed."""
    now_pending = {loan.id for loan in awaiting_signature_for(person)}
    gone = set(shown) - now_pending
    # Columns, not Loan objects: the session may hold the loans as they were read earlier.
    rows = db.session.execute(
        select(Loan.signature_id, Loan.returned_at, Asset.tag)
        .join(Asset, Asset.id == Loan.asset_id)
        .where(Loan.id.in_(gone), Loan.person_id == person.id)
        .order_by(Loan.id)
    ).all()
    returned = [row.tag for row in rows if row.returned_at is not None]
    if returned:
        one = len(returned) == 1
        return DomainError(
            f"{', '.join(returned)} {'was' if one else 'were'} checked in while this page was "
            f"open, so {'it is' if one else 'they are'} no longer to be signed for. Please "
            "check the list and sign again.",
            field="signature",
        )
    signed_ids = {row.signature_id for row in rows}
    if shown and not now_pending and len(rows) == len(set(shown)) and None not in signed_ids:
        signed = db.session.get(Signature, max(signed_ids))
        who = "You have" if capture == "remote" else f"{person.name} has"
        items = "this item" if len(rows) == 1 else "these items"
        return AlreadySigned(
            f"{who} already signed for {items}, at {local_time_text(signed.signed_at)}. "
            "It was saved once: there is nothing more to sign.",
            signed.id,
        )
    return DomainError(LIST_CHANGED, field="signature")


def _attach(signed: Signature, pending: list[Loan], person: Person, capture: str) -> None:
    """Put the signature on every pending loan only if each is still open and unsigned, in
    one statement: of two submits at once (a double tap, two desks), one signs."""
    ids = [loan.id for loan in pending]
    result = db.session.execute(
        update(Loan)
        .where(Loan.id.in_(ids), Loan.signature_id.is_(None), Loan.returned_at.is_(None))
        .values(signature_id=signed.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != len(ids):
        raise _what_changed(person, ids, capture)
    for loan in pending:
        db.session.expire(loan, ["signature_id", "signature"])


def sign_pending(
    actor: User,
    person: Person,
    signature: str | bytes | None,
    *,
    capture: str = "remote",
    terms_ids: list[int] | None = None,
    loan_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Signature:
    """`person` signs, once, for every item handed over to them awaiting signature: on their
    own login ("remote"), or at the IT desk on a technician's or admin's login ("desk"), who
    is then recorded as the technician, as at a desk sign-out. `loan_ids` and `terms_ids` are
    what the page showed; if either changed since, nothing is saved (AlreadySigned when it
    was all signed for meanwhile)."""
    now = now or utcnow()
    _check_signer(actor, person, capture)
    pending = awaiting_signature_for(person)
    if loan_ids is not None and sorted(set(loan_ids)) != sorted(loan.id for loan in pending):
        raise _what_changed(person, loan_ids, capture)
    plan = _plan(person, pending, capture)
    if terms_ids is not None and sorted(terms_ids) != sorted(plan.terms_ids):
        raise DomainError(loans.TERMS_CHANGED, field="signature")
    image = signatures.clean_image(signature)
    desk = capture == "desk"
    signed = signatures.create(
        actor,
        person,
        purpose="loan",
        image=image,
        title=plan.title,
        text=plan.text,
        terms=plan.terms,
        capture=capture,
        technician=actor if desk else pending[0].out_by,
        signed_at=now,
        items=[loans.item(loan.asset, loan.due_on) for loan in pending],
        due_date=plan.due_text(),
    )
    _attach(signed, pending, person, capture)
    where = f"at the IT desk with {actor.name}" if desk else "from their own login"
    for loan in pending:
        events.record(
            actor,
            "loan.signed",
            loan,
            f"{person.name} signed for {loan.asset.tag} {where}",
            changes={"signature_id": signed.id, "capture": capture},
            asset=loan.asset,
            person=person,
        )
    return signed
