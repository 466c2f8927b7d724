"""Damaged and reported items are not lent: a damaged return or an open report keeps an item
on the shelf until the report is resolved, and its condition follows the return."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Event, Incident, Loan, Person, User
from assets.models.base import utcnow
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError
from assets.services.incidents import cases, incidents
from assets.services.loans import lending_holds, loans, returns
from assets.services.stocktakes import stocktakes
from tests.support import drawings


@pytest.fixture
def desk(make):
    """Miss A Guthrie holds ASH-0001 (in good condition); Mr B Next would borrow it next."""
    make.terms()
    laptop = make.asset("ASH-0001", name="Dell Latitude 3440")
    technician = make.user("technician", name="Mr M Savage")
    return SimpleNamespace(
        laptop=laptop,
        technician=technician,
        loan=make.loan(laptop, make.person("Miss A Guthrie"), by=technician),
        next=make.person("Mr B Next"),
    )


def live(desk):
    return (
        db.session.get(User, desk.technician.id),
        db.session.get(Asset, desk.laptop.id),
        db.session.get(Person, desk.next.id),
    )


def lend(technician, asset, person):
    return loans.check_out(technician, person, [asset], signature=drawings.drawn_signature())


def report(actor, asset, now, kind="damage", **values):
    values = {"description": "Cracked screen.", "occurred_on": local_date(now)} | values
    return incidents.report_incident(actor, asset, kind, now=now, **values)


def loan_count() -> int:
    return db.session.scalar(select(func.count(Loan.id)))


@pytest.mark.parametrize(
    ("returned", "condition"),
    [("damaged", "broken"), ("incomplete", "fair"), ("full_working", "good")],
)
def test_the_condition_follows_the_return(ctx, desk, returned, condition):
    technician, laptop, _ = live(desk)
    returns.check_in(
        technician, laptop, returned, "Hinge cracked" if returned != "full_working" else ""
    )
    db.session.commit()
    assert laptop.condition == condition
    event = db.session.scalar(select(Event).where(Event.action == "loan.returned"))
    if condition == "good":
        assert "asset_condition" not in event.changes
    else:
        assert event.changes["asset_condition"] == ["good", condition]


def test_an_incomplete_return_never_improves_the_condition(ctx, desk):
    technician, laptop, _ = live(desk)
    laptop.condition = "poor"
    returns.check_in(technician, laptop, "incomplete", "No charger")
    assert laptop.condition == "poor"


def test_a_damaged_return_waits_for_a_report_and_the_report_for_its_outcome(ctx, desk, database):
    now = utcnow()
    technician, laptop, next_borrower = live(desk)
    returns.check_in(technician, laptop, "damaged", "Cracked screen", now=now)
    db.session.commit()
    assert laptop.status == "available"

    why = loans.why_not_lendable(laptop)
    assert why.startswith("ASH-0001 cannot be lent: it came back damaged from Miss A Guthrie")
    assert "no report has been made" in why
    with pytest.raises(DomainError, match="came back damaged from Miss A Guthrie") as refused:
        lend(technician, laptop, next_borrower)
    assert refused.value.field == "tags"
    db.session.rollback()

    incident = report(technician, laptop, now + timedelta(minutes=1), loan_id=desk.loan.id)
    db.session.commit()
    message = (
        f"ASH-0001 cannot be lent: damage incident #{incident.id} (reported) is still open. It "
        "can be lent again once the report is resolved (repaired, closed with no action, or "
        "found)."
    )
    assert loans.why_not_lendable(laptop) == message
    with pytest.raises(DomainError) as refused:
        loans.plan_checkout(technician, next_borrower, [laptop])
    assert refused.value.message == message
    cases.change_status(technician, incident, "in_repair", now=now + timedelta(days=1))
    assert f"damage incident #{incident.id} (under repair) is still open" in (
        loans.why_not_lendable(laptop)
    )
    db.session.commit()
    assert loan_count() == 1

    cases.change_status(technician, incident, "repaired", now=now + timedelta(days=5))
    db.session.commit()
    assert (laptop.status, laptop.condition) == ("available", "good")
    assert loans.why_not_lendable(laptop) is None
    (again,) = lend(technician, laptop, next_borrower)
    db.session.commit()
    assert again.person.name == "Mr B Next"


@pytest.mark.parametrize("kind", ["fault", "damage", "criminal_damage"])
def test_an_open_report_holds_an_item_that_never_left_the_shelf(ctx, make, kind):
    technician = db.session.get(User, make.user("technician").id)
    projector = db.session.get(Asset, make.asset("ASH-0100", name="Epson projector").id)
    incident = report(technician, projector, utcnow(), kind, police_reference="CR/1/26")
    db.session.commit()
    hold = lending_holds.lending_hold(projector)
    assert hold.incident == incident
    assert f"incident #{incident.id}" in loans.why_not_lendable(projector)

    cases.change_status(technician, incident, "no_action")
    db.session.commit()
    assert lending_holds.lending_hold(projector) is None
    assert projector.condition == "good"


def test_a_lost_item_found_again_can_be_lent(ctx, desk):
    technician, laptop, _ = live(desk)
    incident = report(technician, laptop, utcnow(), "loss")
    db.session.commit()
    assert f"loss incident #{incident.id} (reported) is still open" in loans.why_not_lendable(
        laptop
    )
    returns.check_in(technician, laptop, "full_working")
    assert laptop.status == "available"
    assert f"loss incident #{incident.id}" in loans.why_not_lendable(laptop)
    cases.change_status(technician, incident, "found")
    db.session.commit()
    assert laptop.status == "available"
    assert loans.why_not_lendable(laptop) is None


def test_an_incomplete_return_is_lent_again_without_a_report(ctx, desk):
    technician, laptop, next_borrower = live(desk)
    returns.check_in(technician, laptop, "incomplete", "No charger")
    db.session.commit()
    assert loans.why_not_lendable(laptop) is None
    lend(technician, laptop, next_borrower)
    db.session.commit()
    assert loan_count() == 2


def test_a_report_filed_during_the_loan_covers_the_damaged_return(ctx, make, desk):
    """The borrower reported it first; once that report is resolved the return is covered."""
    now = utcnow()
    technician, laptop, _ = live(desk)
    incident = report(technician, laptop, now, "damage")
    returns.check_in(technician, laptop, "damaged", "Cracked screen", now=now + timedelta(hours=1))
    db.session.commit()
    assert lending_holds.lending_hold(laptop).incident == incident
    cases.change_status(technician, incident, "repaired", now=now + timedelta(days=2))
    db.session.commit()
    assert loans.why_not_lendable(laptop) is None


def test_one_refused_item_lends_nothing(ctx, make, desk):
    technician, laptop, next_borrower = live(desk)
    camera = db.session.get(Asset, make.asset("ASH-0025").id)
    returns.check_in(technician, laptop, "damaged", "Cracked screen")
    db.session.commit()
    with pytest.raises(DomainError, match="ASH-0001 cannot be lent"):
        loans.check_out(
            technician, next_borrower, [camera, laptop], signature=drawings.drawn_signature()
        )
    db.session.rollback()
    assert loan_count() == 1
    assert db.session.get(Asset, camera.id).status == "available"
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_a_stocktake_offers_check_in_for_an_item_on_loan_found_on_the_shelf(ctx, make, desk):
    store = make.location("Office store")
    technician, laptop, _ = live(desk)
    spare = make.asset("ASH-0200", location=store)
    stocktake, _ = stocktakes.start_stocktake(technician, store.id)
    on_loan = stocktakes.record_scan(technician, stocktake, "ASH-0001").item
    expected = stocktakes.record_scan(technician, stocktake, spare.tag).item
    db.session.commit()
    assert on_loan.outcome == "unexpected"
    assert stocktakes.can_check_in(on_loan) and stocktakes.can_move_here(on_loan)
    assert not stocktakes.can_check_in(expected)

    returns.check_in(technician, laptop, "full_working")
    db.session.commit()
    db.session.expire_all()
    assert not stocktakes.can_check_in(db.session.get(type(on_loan), on_loan.id))


def test_a_damaged_return_from_before_does_not_hold_an_item_out_on_loan_again(ctx, make, desk):
    """Lent again before this rule existed: its page must not say it came back damaged."""
    technician, laptop, next_borrower = live(desk)
    returns.check_in(technician, laptop, "damaged", "Cracked screen")
    db.session.add(Loan(asset=laptop, person=next_borrower, out_at=utcnow()))
    laptop.status = "on_loan"
    db.session.commit()
    db.session.expire_all()
    laptop = db.session.get(Asset, desk.laptop.id)
    assert lending_holds.lending_hold(laptop) is None
    assert "already on loan to Mr B Next" in loans.why_not_lendable(laptop)
