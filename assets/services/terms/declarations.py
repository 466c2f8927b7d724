"""The Acceptable Use Agreement - Staff: every member of staff signs the current declaration,
and an admin sees who has. An admin may require it before a person's first loan."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Loan, Person, Signature, Terms, User, signature_terms
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import settings
from assets.services.common.clock import date_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.terms import signatures, terms

REQUIRED_KEY = "declaration_before_first_loan"


def required_before_first_loan() -> bool:
    return bool(settings.get(REQUIRED_KEY, False))


def set_required_before_first_loan(actor: User, required: bool) -> bool:
    if not allows(actor, "can_set_lending_policy"):
        raise NotAllowed("Only an admin can change this rule.")
    word = "must now sign" if required else "no longer need to sign"
    return settings.put(
        actor,
        REQUIRED_KEY,
        bool(required),
        f"Staff {word} the acceptable use declaration before their first loan",
    )


def signature_of(person: Person, version: Terms) -> Signature | None:
    """`person`'s signature of this declaration version, if they signed it."""
    query = (
        select(Signature)
        .join(signature_terms, signature_terms.c.signature_id == Signature.id)
        .where(
            Signature.person_id == person.id,
            Signature.purpose == "declaration",
            signature_terms.c.terms_id == version.id,
        )
        .order_by(Signature.signed_at.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def current_signature(person: Person) -> Signature | None:
    version = terms.current("declaration")
    return signature_of(person, version) if version else None


def check_signed_before_first_loan(person: Person) -> None:
    """A DomainError when the rule is on, `person` has never borrowed and has not signed the
    current declaration."""
    if not required_before_first_loan():
        return
    borrowed = db.session.scalar(select(exists().where(Loan.person_id == person.id)))
    if borrowed or current_signature(person) is not None:
        return
    raise DomainError(
        f"{person.name} must sign the staff acceptable use declaration before their first "
        "loan. They can sign it from their own login, or at the desk under Declarations.",
        field="person_id",
    )


def sign(
    actor: User,
    person: Person,
    signature: str | bytes | None,
    *,
    terms_id: int | None = None,
    now: datetime | None = None,
) -> Signature:
    """`person` signs the current declaration: from their own login, or at the IT desk on a
    technician's or admin's login. `terms_id` is the version shown to them."""
    now = now or utcnow()
    own = actor.person_id is not None and actor.person_id == person.id
    if not own and not allows(actor, "can_take_signatures_at_desk"):
        raise NotAllowed("You can sign the declaration only for yourself.")
    version = terms.require_current("declaration")
    if terms_id is not None and terms_id != version.id:
        raise DomainError(
            "The declaration changed while this page was open. Please read it again and sign.",
            field="signature",
        )
    already = signature_of(person, version)
    if already is not None:
        raise DomainError(
            f"{person.name} already signed this declaration on {date_text(already.signed_at)}."
        )
    image = signatures.clean_image(signature)
    return signatures.create(
        actor,
        person,
        purpose="declaration",
        image=image,
        title=version.versioned_title,
        text=version.body,
        terms=[version],
        capture="remote" if own else "desk",
        technician=None if own else actor,
        signed_at=now,
    )


@dataclass
class RegisterRow:
    person: Person
    signed: Signature | None  # of the current version
    earlier: Signature | None  # their latest signature of an older version


def register() -> tuple[Terms | None, list[RegisterRow]]:
    """Every active member of staff and whether they signed the current declaration."""
    version = terms.current("declaration")
    people = list(
        db.session.scalars(
            select(Person).where(Person.active.is_(True)).order_by(Person.sort_key, Person.id)
        )
    )
    declarations = list(
        db.session.scalars(
            select(Signature)
            .where(Signature.purpose == "declaration")
            .options(selectinload(Signature.terms))
            .order_by(Signature.signed_at)
        )
    )
    current_by_person: dict[int, Signature] = {}
    earlier_by_person: dict[int, Signature] = {}
    for signature in declarations:
        if version is not None and any(t.id == version.id for t in signature.terms):
            current_by_person[signature.person_id] = signature
        else:
            earlier_by_person[signature.person_id] = signature
    rows = [
        RegisterRow(p, current_by_person.get(p.id), earlier_by_person.get(p.id)) for p in people
    ]
    return version, rows


def not_signed(rows: list[RegisterRow]) -> list[RegisterRow]:
    """The register's rows of those who have not signed the current version."""
    return [row for row in rows if row.signed is None]
