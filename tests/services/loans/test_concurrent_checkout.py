"""Several desks lend the same device at the same moment, each on its own connection: one
loan results and every other desk gets a message, never an error or "database is locked"."""

import threading

from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event, Loan, Person, Signature, User
from assets.services.common.errors import DomainError
from assets.services.loans import loans, pending_signatures, returns
from tests.support import drawings
from tests.support.concurrency import DESKS, race


def test_concurrent_checkouts_of_one_device_end_with_one_loan(app, make, database):
    make.terms()
    laptop = make.asset("ASH-0001")
    technicians = [make.user("technician") for _ in range(DESKS)]
    borrowers = [make.person(f"Borrower {i}") for i in range(DESKS)]
    signature = drawings.drawn_signature()

    def lend(i: int, barrier: threading.Barrier):
        technician = db.session.get(User, technicians[i].id)
        borrower = db.session.get(Person, borrowers[i].id)
        # Every desk has the device on screen as available before anyone confirms.
        device = loans.find_assets("ASH-0001")
        assert device[0].status == "available"
        barrier.wait()
        try:
            loans.check_out(technician, borrower, device, signature=signature)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "lent"

    outcomes = race(app, lend)

    unexpected = [o for o in outcomes if o != "lent" and not isinstance(o, DomainError)]
    assert unexpected == [], f"{database}: {unexpected!r}"
    assert outcomes.count("lent") == 1, outcomes
    refusals = [o.message for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == DESKS - 1
    for message in refusals:
        assert "ASH-0001" in message
        assert "locked" not in message.lower()
        assert ("just been signed out by someone else" in message) or ("already on loan" in message)
    with app.app_context():
        winner = borrowers[outcomes.index("lent")]
        open_loans = db.session.scalars(select(Loan).where(Loan.returned_at.is_(None))).all()
        assert [(loan.asset_id, loan.person_id) for loan in open_loans] == [(laptop.id, winner.id)]
        assert db.session.scalar(select(func.count(Signature.id))) == 1
        assert db.session.get(Asset, laptop.id).status == "on_loan"
        created = db.session.scalars(select(Event).where(Event.action == "loan.created")).all()
        assert len(created) == 1


def test_concurrent_checkouts_of_overlapping_sets_lend_each_device_once(app, make, database):
    """Desks lending [A, B], [B, C] and [C, A] at once: all or none for each desk, and no
    device ends up with two loans."""
    make.terms()
    tags = ["T-A", "T-B", "T-C"]
    for tag in tags:
        make.asset(tag)
    wanted = [("T-A", "T-B"), ("T-B", "T-C"), ("T-C", "T-A")] * 2
    technician = make.user("technician")
    borrowers = [make.person() for _ in wanted]
    signature = drawings.drawn_signature()

    def lend(i: int, barrier: threading.Barrier):
        devices = loans.find_assets(" ".join(wanted[i]))
        barrier.wait()
        try:
            loans.check_out(
                db.session.get(User, technician.id),
                db.session.get(Person, borrowers[i].id),
                devices,
                signature=signature,
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "lent"

    outcomes = race(app, lend, desks=len(wanted))

    assert all(o == "lent" or isinstance(o, DomainError) for o in outcomes), outcomes
    winners = [wanted[i] for i, o in enumerate(outcomes) if o == "lent"]
    assert len(winners) == 1, outcomes  # any two sets overlap, so only one desk can win
    with app.app_context():
        lent = db.session.scalars(
            select(Asset.tag).join(Loan, Loan.asset_id == Asset.id).order_by(Asset.tag)
        ).all()
        assert lent == sorted(winners[0])
        statuses = dict(db.session.execute(select(Asset.tag, Asset.status)).all())
        for tag in tags:
            assert statuses[tag] == ("on_loan" if tag in winners[0] else "available")


def test_concurrent_returns_of_one_device_record_one_return(app, make, database):
    desks = 4
    make.terms()
    loan = make.loan()
    technicians = [make.user("technician") for _ in range(desks)]

    def check_in(i: int, barrier: threading.Barrier):
        device = loans.find_assets(loan.tag)[0]
        assert device.open_loan is not None
        barrier.wait()
        try:
            returns.check_in(db.session.get(User, technicians[i].id), device, "full_working")
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "returned"

    outcomes = race(app, check_in, desks=desks)

    assert all(o == "returned" or isinstance(o, DomainError) for o in outcomes), outcomes
    assert outcomes.count("returned") == 1, outcomes
    with app.app_context():
        returned = db.session.scalars(select(Event).where(Event.action == "loan.returned")).all()
        assert len(returned) == 1
        assert db.session.get(Loan, loan.id).returned_at is not None


def test_a_double_tap_on_confirm_at_the_desk_makes_one_signature(app, make, database):
    """Two or more submits of the desk's signing page at once (a double tap, or two desks):
    one signature covers the loans, and every other submit is told it was already signed."""
    taps = 4
    make.terms()
    borrower = make.person("Mr K Ojo")
    handed = [make.loan(person=borrower, signed=False) for _ in range(2)]
    technician = make.user("technician")
    signature = drawings.drawn_signature()

    def confirm(i: int, barrier: threading.Barrier):
        desk = db.session.get(User, technician.id)
        person = db.session.get(Person, borrower.id)
        shown = pending_signatures.plan_pending_signature(desk, person, capture="desk")
        loan_ids = [loan.id for loan in pending_signatures.awaiting_signature_for(person)]
        barrier.wait()
        try:
            pending_signatures.sign_pending(
                desk,
                person,
                signature,
                capture="desk",
                terms_ids=shown.terms_ids,
                loan_ids=loan_ids,
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "signed"

    outcomes = race(app, confirm, desks=taps)

    assert outcomes.count("signed") == 1, outcomes
    others = [o for o in outcomes if o != "signed"]
    assert all(isinstance(o, pending_signatures.AlreadySigned) for o in others), outcomes
    with app.app_context():
        (only,) = db.session.scalars(select(Signature)).all()
        assert {o.signature_id for o in others} == {only.id}
        loans_now = [db.session.get(Loan, loan.id) for loan in handed]
        assert {loan.signature_id for loan in loans_now} == {only.id}
        signed = db.session.scalars(select(Event).where(Event.action == "loan.signed")).all()
        assert len(signed) == 2
