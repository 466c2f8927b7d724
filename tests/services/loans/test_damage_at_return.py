"""A report made at a return belongs to that loan and its borrower, and only a borrower can be
charged (policy 8.6): return -> report -> charge, and the loans a report may name."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Asset, Incident, IncidentCharge, Loan, User
from assets.models.base import utcnow
from assets.services.common import events
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError
from assets.services.incidents import charges, incidents
from assets.services.loans import returns


def user(record) -> User:
    return db.session.get(User, record.id)


def asset_of(record) -> Asset:
    return db.session.get(Asset, record.id)


def report(actor, asset, now, kind="damage", **values):
    values = {"description": "Cracked screen.", "occurred_on": local_date(now)} | values
    return incidents.report_incident(actor, asset, kind, now=now, **values)


def incident_count() -> int:
    return db.session.scalar(select(func.count(Incident.id)))


@pytest.fixture
def desk(make):
    """Miss A Guthrie holds ASH-0001; the technician and the head teacher are at work."""
    borrower = make.person("Miss A Guthrie")
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    technician = make.user("technician", name="Mr M Savage")
    loan = make.loan(laptop, borrower, by=technician)
    return SimpleNamespace(
        borrower=borrower,
        laptop=laptop,
        loan=loan,
        technician=technician,
        head=make.user("admin", name="Mrs H Roebuck"),
    )


def test_return_report_and_charge_name_the_borrower(ctx, desk, database):
    now = utcnow()
    tech, head = user(desk.technician), user(desk.head)
    returned = returns.check_in(tech, asset_of(desk.laptop), "damaged", "Cracked screen", now=now)
    db.session.commit()

    incident = report(tech, asset_of(desk.laptop), now + timedelta(minutes=2), loan_id=returned.id)
    db.session.commit()
    assert incident.loan_id == desk.loan.id
    assert incident.person_id == desk.borrower.id
    assert incident.person.name == "Miss A Guthrie"

    charge = charges.decide_charge(
        head, incident, applies=True, amount=Decimal("45"), reason="Dropped, not in its case"
    )
    charges.settle_charge(head, incident, "paid", "Cash to the office")
    db.session.commit()
    db.session.expire_all()
    charge = db.session.get(IncidentCharge, charge.id)
    assert charge.person_id == desk.borrower.id
    assert (charge.amount, charge.settlement) == (Decimal("45.00"), "paid")
    history = [e.summary for e in events.history_for_person(incident.person)]
    assert any("charge of £45.00 decided, to be paid by Miss A Guthrie" in s for s in history)
    assert any("charge of £45.00 paid" in s for s in history)


def test_the_desk_is_asked_about_a_recent_return_and_may_say_nobody(ctx, desk, database):
    now = utcnow()
    tech = user(desk.technician)
    returns.check_in(tech, asset_of(desk.laptop), "incomplete", "No charger", now=now)
    db.session.commit()
    later = now + timedelta(days=3)
    assert incidents.loans_to_offer(tech, asset_of(desk.laptop), later) == [
        db.session.get(Loan, desk.loan.id)
    ]

    with pytest.raises(DomainError, match="came back from Miss A Guthrie on") as asked:
        report(tech, asset_of(desk.laptop), later)
    assert asked.value.field == "loan_id"
    assert "Say whether this report concerns that loan" in asked.value.message
    db.session.rollback()
    assert incident_count() == 0

    nobody = report(tech, asset_of(desk.laptop), later, "fault", loan_id=incidents.NO_LOAN)
    assert (nobody.loan_id, nobody.person_id) == (None, None)
    with pytest.raises(DomainError, match="names no borrower, so there is nobody to charge"):
        charges.decide_charge(
            user(desk.head), nobody, applies=True, amount=Decimal(45), reason="Misuse"
        )


def test_a_return_older_than_30_days_is_not_offered(ctx, desk):
    now = utcnow()
    tech = user(desk.technician)
    returns.check_in(tech, asset_of(desk.laptop), "full_working", now=now)
    db.session.commit()
    edge = now + timedelta(days=incidents.RECENT_RETURN_DAYS)
    assert len(incidents.loans_to_offer(tech, asset_of(desk.laptop), edge)) == 1
    past = edge + timedelta(minutes=1)
    assert incidents.loans_to_offer(tech, asset_of(desk.laptop), past) == []
    spare = report(tech, asset_of(desk.laptop), past, "fault")
    assert spare.person_id is None
    with pytest.raises(DomainError, match="not one a report about ASH-0001 can name"):
        report(tech, asset_of(desk.laptop), past, "fault", loan_id=desk.loan.id)


def test_a_loan_of_another_item_or_an_older_loan_is_refused(ctx, make, desk, database):
    now = utcnow()
    tech = user(desk.technician)
    other = make.loan(make.asset("ASH-0002"), make.person("Mr B Other"), by=desk.technician)
    returns.check_in(tech, asset_of(desk.laptop), "incomplete", "No charger", now=now)
    db.session.commit()
    # A second borrower since: the first loan is no longer the last one.
    second = make.loan(desk.laptop, make.person("Ms C Third"), by=desk.technician)
    returns.check_in(
        tech, asset_of(desk.laptop), "damaged", "Hinge", now=now + timedelta(minutes=5)
    )
    db.session.commit()

    later = now + timedelta(minutes=10)
    for forged in (other.id, desk.loan.id, 10_000_000):
        with pytest.raises(DomainError, match="choose from the list") as refused:
            report(tech, asset_of(desk.laptop), later, loan_id=forged)
        assert refused.value.field == "loan_id"
        db.session.rollback()
    assert incident_count() == 0
    incident = report(tech, asset_of(desk.laptop), later, loan_id=second.id)
    assert incident.person.name == "Ms C Third"


def test_a_borrower_cannot_name_someone_elses_loan(ctx, make, desk):
    now = utcnow()
    staff = make.user("staff", person=True, name="Mr D Staff")
    tech = user(desk.technician)
    returns.check_in(tech, asset_of(desk.laptop), "full_working", now=now)
    db.session.commit()
    mine = make.loan(desk.laptop, SimpleNamespace(id=staff.person_id), by=desk.technician)
    incident = report(user(staff), "ASH-0001", now + timedelta(minutes=1), loan_id=desk.loan.id)
    assert incident.loan_id == mine.id and incident.person_id == staff.person_id


def test_an_open_loan_is_the_default_and_nobody_can_be_chosen(ctx, desk):
    now = utcnow()
    tech = user(desk.technician)
    held = report(tech, asset_of(desk.laptop), now, "fault")
    assert held.loan_id == desk.loan.id
    unlinked = report(tech, asset_of(desk.laptop), now, "fault", loan_id=incidents.NO_LOAN)
    assert unlinked.person_id is None


def test_the_database_refuses_a_charge_with_no_borrower_or_another_one(ctx, make, desk, database):
    now = utcnow()
    tech, head = user(desk.technician), user(desk.head)
    spare_asset, someone_else = make.asset(), make.person("Mr E Nobody")
    incident = report(tech, asset_of(desk.laptop), now)
    spare = report(tech, asset_of(spare_asset), now, "fault")
    db.session.commit()
    for target, person_id in ((incident, None), (incident, someone_else.id), (spare, None)):
        db.session.add(
            IncidentCharge(
                incident_id=target.id,
                person_id=person_id,
                applies=True,
                amount=Decimal(45),
                reason="Misuse",
                decided_by_id=head.id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    # No charge needs no borrower; a charge to the report's own borrower is accepted.
    db.session.add(
        IncidentCharge(incident_id=spare.id, applies=False, reason="", decided_by_id=head.id)
    )
    db.session.add(
        IncidentCharge(
            incident_id=incident.id,
            person_id=desk.borrower.id,
            applies=True,
            amount=Decimal(45),
            reason="Misuse",
            decided_by_id=head.id,
        )
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(IncidentCharge.id))) == 2
