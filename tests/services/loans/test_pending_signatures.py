"""pending_signatures at the IT desk: a technician or admin takes the borrower's signature on
the desk tablet for everything they hold awaiting signature, login or not."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person, Signature, User
from assets.models.base import utcnow
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.loans import loans, pending_signatures, returns
from assets.services.terms import signatures, terms
from assets.services.terms.policy_texts import EQUIPMENT_TERMS, LAPTOP_TERMS
from tests.support import drawings
from tests.support.pdf import pdf_words


@pytest.fixture
def handed_over(make):
    """A laptop and a camera handed over on different days, awaiting the signature of a
    member of staff who has no login, by a technician who is not at the desk today."""
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    borrower = make.person("Mr K Ojo")
    earlier = make.user("technician", name="Mr M Savage")
    laptop = make.loan(
        make.asset("ASH-0001", category=laptops, name="Dell Latitude 3440", serial_number="DL-1"),
        borrower,
        by=earlier,
        signed=False,
        now=utcnow() - timedelta(days=3),
    )
    camera = make.loan(
        make.asset("ASH-0025", category=cameras, name="Canon PowerShot"),
        borrower,
        by=earlier,
        signed=False,
    )
    return SimpleNamespace(
        borrower=borrower,
        earlier=earlier,
        desk=make.user("technician", name="Ms R Patel"),
        loans=[laptop, camera],
    )


def live(model, record):
    return db.session.get(model, record.id)


def shown(actor: User, person: Person):
    """What the desk's signing page shows: the plan, and the ids of the loans listed."""
    plan = pending_signatures.plan_pending_signature(actor, person, capture="desk")
    loan_ids = [loan.id for loan in pending_signatures.awaiting_signature_for(person)]
    return plan.terms_ids, loan_ids


def submit(actor: User, person: Person, page, signature=None) -> Signature:
    """Sign at the desk for what `page` (the terms and loan ids of `shown`) listed."""
    terms_ids, loan_ids = page
    return pending_signatures.sign_pending(
        actor,
        person,
        drawings.drawn_signature() if signature is None else signature,
        capture="desk",
        terms_ids=terms_ids,
        loan_ids=loan_ids,
    )


def sign_at_desk(actor: User, person: Person, signature=None) -> Signature:
    """Sign at the desk for what the signing page shows now."""
    return submit(actor, person, shown(actor, person), signature)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", ["technician", "admin"])
def test_a_borrower_without_a_login_signs_at_the_desk_for_everything_pending(
    make, handed_over, ctx, role
):
    at_desk = make.user(role)
    desk, borrower = live(User, at_desk), live(Person, handed_over.borrower)
    assert borrower.user is None
    page = shown(desk, borrower)

    signature = submit(desk, borrower, page)
    db.session.commit()

    assert signature.capture == "desk"
    assert signature.purpose == "loan"
    # Recorded as a desk sign-out is: the login it was drawn on is the technician's.
    assert signature.technician_id == signature.recorded_by_id == at_desk.id
    assert signature.person_id == borrower.id
    assert [item["tag"] for item in signature.items] == ["ASH-0001", "ASH-0025"]
    assert {t.kind for t in signature.terms} == {"laptop", "equipment"}
    assert LAPTOP_TERMS in signature.text
    assert EQUIPMENT_TERMS in signature.text
    assert {db.session.get(Loan, i).signature_id for i in page[1]} == {signature.id}
    assert pending_signatures.awaiting_signature_for(borrower) == []
    receipt = signatures.receipt_for(signature)
    assert receipt.capture == "at the IT desk"
    assert receipt.technician_name == at_desk.name


def test_the_receipt_lists_every_pending_item_and_verifies(handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)

    signature = sign_at_desk(desk, borrower)
    db.session.commit()

    assert signature.receipt_pdf.startswith(b"%PDF-")
    assert signatures.verify(signature)
    text = pdf_words(signature.receipt_pdf)
    for words in (
        "ASH-0001",
        "Dell Latitude 3440",
        "DL-1",
        "ASH-0025",
        "Canon PowerShot",
        "Mr K Ojo",
        "Ms R Patel",
        "at the IT desk",
        f"Verification code: {signature.receipt_code}",
    ):
        assert words in text


def test_desk_signing_writes_the_audit_events(handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)

    signature = sign_at_desk(desk, borrower)
    db.session.commit()

    created = db.session.scalars(
        select(Event).where(Event.action == "signature.created", Event.entity_id == signature.id)
    ).one()
    assert created.actor_id == desk.id
    assert created.person_id == borrower.id
    assert created.changes["capture"] == "desk"
    assert created.changes["items"] == ["ASH-0001", "ASH-0025"]
    signed = db.session.scalars(
        select(Event).where(Event.action == "loan.signed").order_by(Event.entity_id)
    ).all()
    assert [e.entity_id for e in signed] == [loan.id for loan in handed_over.loans]
    for event in signed:
        assert event.actor_id == desk.id
        assert event.person_id == borrower.id
        assert event.asset_id is not None
        assert event.changes == {"signature_id": signature.id, "capture": "desk"}
        assert "Mr K Ojo signed for ASH-00" in event.summary
        assert "at the IT desk with Ms R Patel" in event.summary


@pytest.mark.parametrize("role", ["staff", "office"])
def test_other_roles_cannot_take_a_signature_for_someone_else(make, handed_over, ctx, role):
    login = make.user(role, person=True)
    actor, borrower = live(User, login), live(Person, handed_over.borrower)

    for capture in ("desk", "remote"):
        with pytest.raises(NotAllowed):
            pending_signatures.plan_pending_signature(actor, borrower, capture=capture)
        with pytest.raises(NotAllowed):
            pending_signatures.sign_pending(
                actor, borrower, drawings.drawn_signature(), capture=capture
            )
    db.session.rollback()
    assert count(Signature) == 0


def test_staff_cannot_use_the_desk_even_for_themselves(make, ctx):
    make.terms()
    login = make.user("staff", person=True)
    make.loan(person=SimpleNamespace(id=login.person_id), signed=False)
    staff, me = live(User, login), db.session.get(Person, login.person_id)

    with pytest.raises(NotAllowed, match="Only the IT technician or an admin"):
        pending_signatures.sign_pending(staff, me, drawings.drawn_signature(), capture="desk")


def test_nothing_pending_is_said(make, handed_over, ctx):
    desk = live(User, handed_over.desk)
    nobody = db.session.get(Person, make.person("Mrs N Quinn").id)

    with pytest.raises(DomainError, match="Mrs N Quinn has nothing awaiting signature"):
        pending_signatures.plan_pending_signature(desk, nobody, capture="desk")
    with pytest.raises(DomainError, match="Mrs N Quinn has nothing awaiting signature"):
        pending_signatures.sign_pending(desk, nobody, drawings.drawn_signature(), capture="desk")


def test_terms_that_changed_while_the_page_was_open_are_refused(handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)
    page = shown(desk, borrower)
    terms.revise(desk, "equipment", title="Equipment terms", body="New words.")
    db.session.commit()

    with pytest.raises(DomainError, match="The terms changed") as refused:
        submit(desk, borrower, page)
    assert refused.value.message == loans.TERMS_CHANGED
    assert refused.value.field == "signature"
    db.session.rollback()
    assert count(Signature) == 0
    assert len(pending_signatures.awaiting_signature_for(borrower)) == 2


def test_an_item_checked_in_while_the_page_was_open_is_named(handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)
    page = shown(desk, borrower)
    returns.check_in(desk, db.session.get(Asset, handed_over.loans[1].asset_id), "full_working")
    db.session.commit()

    with pytest.raises(DomainError, match="ASH-0025 was checked in while this page was open"):
        submit(desk, borrower, page)
    db.session.rollback()
    assert count(Signature) == 0
    # Signed again from the page as it now stands, only what is still out is covered.
    signature = sign_at_desk(desk, borrower)
    assert [item["tag"] for item in signature.items] == ["ASH-0001"]


def test_an_item_handed_over_while_the_page_was_open_changes_the_list(make, handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)
    page = shown(desk, borrower)
    make.loan(person=handed_over.borrower, signed=False)

    with pytest.raises(DomainError, match="list of items changed"):
        submit(desk, borrower, page)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "Please sign in the box"),
        (drawings.blank_canvas(), "Please sign in the box"),
        (drawings.svg_signature(), "not an SVG"),
        (drawings.jpeg_signature(), "must be a PNG"),
        ("data:image/png;base64,not base64!", "could not be read"),
    ],
)
def test_a_missing_or_forged_signature_is_refused(handed_over, ctx, signature, message):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)

    with pytest.raises(DomainError, match=message) as refused:
        sign_at_desk(desk, borrower, signature)
    assert refused.value.field == "signature"
    db.session.rollback()

    assert count(Signature) == 0
    assert len(pending_signatures.awaiting_signature_for(borrower)) == 2


def test_a_second_submit_makes_no_second_signature(handed_over, ctx):
    desk, borrower = live(User, handed_over.desk), live(Person, handed_over.borrower)
    page = shown(desk, borrower)
    first = submit(desk, borrower, page)
    db.session.commit()

    with pytest.raises(pending_signatures.AlreadySigned) as again:
        submit(desk, borrower, page)
    db.session.rollback()

    assert again.value.signature_id == first.id
    assert again.value.message.startswith("Mr K Ojo has already signed for these items, at ")
    assert "nothing more to sign" in again.value.message
    assert count(Signature) == 1
    assert db.session.scalar(select(func.count()).where(Event.action == "loan.signed")) == 2


def test_on_their_own_login_the_borrower_is_told_they_signed_already(make, ctx):
    make.terms()
    login = make.user("staff", person=True)
    make.loan(person=SimpleNamespace(id=login.person_id), signed=False)
    staff, me = live(User, login), db.session.get(Person, login.person_id)
    loan_ids = [loan.id for loan in pending_signatures.awaiting_signature_for(me)]
    pending_signatures.sign_pending(staff, me, drawings.drawn_signature(), loan_ids=loan_ids)
    db.session.commit()

    with pytest.raises(pending_signatures.AlreadySigned, match="You have already signed for this"):
        pending_signatures.sign_pending(staff, me, drawings.drawn_signature(), loan_ids=loan_ids)


def test_the_desk_signs_for_someone_who_has_left_and_still_holds_items(make, handed_over, ctx):
    """Items handed over before a contract ended still need the signature."""
    desk = live(User, handed_over.desk)
    borrower = live(Person, handed_over.borrower)
    borrower.active = False
    db.session.commit()

    assert sign_at_desk(desk, borrower).capture == "desk"
