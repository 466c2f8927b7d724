"""Signing later: items handed over awaiting signature are signed for, once, by the borrower
from their own login ("My equipment")."""

from datetime import datetime

from sqlalchemy import select

from assets.extensions import db
from assets.models import Loan, Person, Signature, User
from assets.models.base import utcnow
from assets.services import events, loans, signatures, terms
from assets.services.errors import DomainError, NotAllowed


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


def plan_pending_signature(actor: User, person: Person) -> loans.CheckoutPlan:
    """What `person` signs for the items handed over to them unsigned, from their own login."""
    if actor.person_id is None or actor.person_id != person.id:
        raise NotAllowed("Only the borrower can sign for their own equipment.")
    pending = awaiting_signature_for(person)
    if not pending:
        raise DomainError("There is nothing waiting for your signature.")
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


def sign_pending(
    actor: User,
    person: Person,
    signature: str | bytes | None,
    *,
    terms_ids: list[int] | None = None,
    loan_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Signature:
    """The borrower signs, once, for every item handed over to them awaiting signature.
    `loan_ids` and `terms_ids` are what their page showed; if either changed since, nothing
    is saved."""
    now = now or utcnow()
    plan = plan_pending_signature(actor, person)
    pending = awaiting_signature_for(person)
    if loan_ids is not None and sorted(loan_ids) != sorted(loan.id for loan in pending):
        raise DomainError(
            "The list of items changed while this page was open. Please check it and sign again.",
            field="signature",
        )
    if terms_ids is not None and sorted(terms_ids) != sorted(plan.terms_ids):
        raise DomainError(loans.TERMS_CHANGED, field="signature")
    image = signatures.clean_image(signature)
    signed = signatures.create(
        actor,
        person,
        purpose="loan",
        image=image,
        title=plan.title,
        text=plan.text,
        terms=plan.terms,
        capture="remote",
        technician=pending[0].out_by,
        signed_at=now,
        items=[loans.item(loan.asset, loan.due_on) for loan in pending],
        due_date=plan.due_text(),
    )
    for loan in pending:
        loan.signature = signed
        events.record(
            actor,
            "loan.signed",
            loan,
            f"{person.name} signed for {loan.asset.tag} from their own login",
            changes={"signature_id": signed.id},
            asset=loan.asset,
            person=person,
        )
    return signed
