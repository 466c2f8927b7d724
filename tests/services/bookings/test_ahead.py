"""A walk-up loan must not run into a later booking: check-out (single items and kits)
consults what is booked ahead. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT); times are school-local."""

import threading
import time
from datetime import date

import pytest

from assets.extensions import db
from assets.models import Kit
from assets.services.bookings import ahead, bookings, collections
from assets.services.common.errors import DomainError
from assets.services.kits import kit_loans
from assets.services.loans import loans
from tests.support import drawings
from tests.support.bookings import asset, at, booking, person_of, school, user
from tests.support.concurrency import race


@pytest.fixture
def s(make, database, clock):
    make.terms()
    return school(make)


def book(s, start, end, now, *, who=None, thing=None):
    made = bookings.book(
        user(s.technician),
        asset(thing or s.trolley),
        person_of(who or s.borrower),
        start,
        end,
        now,
    )
    db.session.commit()
    return made.id


def lend(s, due_on, now, *, to=None, thing=None):
    made = loans.check_out(
        user(s.technician),
        person_of(to or s.colleague),
        [asset(thing or s.trolley)],
        due_on=due_on,
        signature=drawings.drawn_signature(),
        now=now,
    )
    db.session.commit()
    return made


def refused(s, due_on, now, **extra) -> str:
    with pytest.raises(DomainError) as caught:
        lend(s, due_on, now, **extra)
    db.session.rollback()
    assert asset(extra.get("thing") or s.trolley).status == "available"
    return caught.value.message


def test_a_loan_due_the_day_before_a_booking_goes_out(s, ctx, clock):
    book(s, at("2026-11-26", "08:50"), at("2026-11-26", "09:50"), clock.now)
    (loan,) = lend(s, date(2026, 11, 25), clock.now)
    assert loan.due_on == date(2026, 11, 25)


def test_a_loan_due_the_day_of_a_booking_is_refused_naming_it_and_the_latest_date(s, ctx, clock):
    book(s, at("2026-11-26", "08:50"), at("2026-11-26", "09:50"), clock.now)
    message = refused(s, date(2026, 11, 26), clock.now)
    assert "TROLLEY-A is booked 26/11/2026 08:50\u201309:50 to Miss A Guthrie" in message
    assert "on or before 25/11/2026" in message


def test_a_booking_later_today_leaves_no_due_date_that_fits(s, ctx, clock):
    book(s, at("2026-11-23", "10:50"), at("2026-11-23", "11:50"), clock.now)
    message = refused(s, date(2026, 11, 23), clock.now)
    assert "booked 23/11/2026 10:50" in message and "cannot go out now" in message


def test_the_plan_refuses_as_the_check_out_does(s, ctx, clock):
    book(s, at("2026-11-24", "10:50"), at("2026-11-24", "11:50"), clock.now)
    with pytest.raises(DomainError) as caught:
        loans.plan_checkout(
            user(s.technician),
            person_of(s.colleague),
            [asset(s.trolley)],
            due_on=date(2026, 11, 30),
            now=clock.now,
        )
    assert "on or before 23/11/2026" in caught.value.message


def test_a_booking_that_ended_or_was_cancelled_or_declined_is_no_obstacle(s, ctx, clock):
    first = book(s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), clock.now)
    bookings.cancel(user(s.technician), booking(first), clock.now)
    db.session.commit()
    (loan,) = lend(s, date(2026, 11, 27), clock.now)
    assert loan.due_on == date(2026, 11, 27)


def test_the_borrowers_own_booking_today_is_to_be_collected_instead(s, ctx, clock):
    book(s, at("2026-11-23", "13:00"), at("2026-11-23", "14:00"), clock.now)
    message = refused(s, date(2026, 11, 23), clock.now, to=s.borrower)
    assert "Miss A Guthrie has booked TROLLEY-A" in message
    assert "collect the booking instead" in message


def test_the_borrowers_own_later_booking_does_not_stand_in_the_way(s, ctx, clock):
    book(s, at("2026-11-25", "13:00"), at("2026-11-25", "14:00"), clock.now)
    (loan,) = lend(s, date(2026, 11, 27), clock.now, to=s.borrower)
    assert loan.person_id == s.borrower.id


def test_an_allocation_is_refused_with_any_booking_ahead(s, ctx, clock, make):
    laptops = make.category("Staff laptop", loan_kind="allocation", terms_kind="laptop")
    laptop = make.asset("LAP-1", category=laptops)
    book(s, at("2027-03-01", "08:50"), at("2027-03-01", "09:50"), clock.now, thing=laptop)
    message = refused(s, None, clock.now, thing=laptop)
    assert "cannot be allocated long-term" in message
    assert "on or before 28/02/2027" in message


def test_collecting_a_booking_is_not_stopped_by_a_later_one_the_same_day(s, ctx, clock):
    mine = book(s, at("2026-11-23", "09:00"), at("2026-11-23", "09:50"), clock.now)
    book(s, at("2026-11-23", "10:50"), at("2026-11-23", "11:50"), clock.now, who=s.colleague)
    loan = collections.collect(
        user(s.technician), booking(mine), drawings.drawn_signature(), clock.now
    )
    db.session.commit()
    assert loan.due_on == date(2026, 11, 23)
    assert booking(mine).state == "collected"


def test_a_booked_kit_does_not_go_out_past_its_booking_whole_or_in_part(s, ctx, clock, make):
    tech = s.technician
    charger = make.asset("CHG-1", category=s.trolleys)
    kit = make.kit("KIT-1", parts=[s.spare, charger], by=tech)
    bookings.book(
        user(tech),
        db.session.get(Kit, kit.id),
        person_of(s.borrower),
        at("2026-11-25", "12:00"),
        at("2026-11-25", "13:00"),
        clock.now,
    )
    db.session.commit()
    with pytest.raises(DomainError, match="KIT-1 is booked 25/11/2026 12:00"):
        lend(s, date(2026, 11, 26), clock.now, thing=charger)
    db.session.rollback()
    with pytest.raises(DomainError) as caught:
        kit_loans.lend_kit(
            user(tech),
            db.session.get(Kit, kit.id),
            person_of(s.colleague),
            due_on=date(2026, 11, 25),
            signature=drawings.drawn_signature(),
            now=clock.now,
        )
    db.session.rollback()
    assert "KIT-1 is booked 25/11/2026 12:00" in caught.value.message
    assert "on or before 24/11/2026" in caught.value.message
    lent = kit_loans.lend_kit(
        user(tech),
        db.session.get(Kit, kit.id),
        person_of(s.colleague),
        due_on=date(2026, 11, 24),
        signature=drawings.drawn_signature(),
        now=clock.now,
    )
    assert len(lent) == 2


def test_next_booking_per_asset(s, ctx, clock):
    later = book(s, at("2026-11-27", "08:50"), at("2026-11-27", "09:50"), clock.now)
    sooner = book(s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), clock.now)
    found = ahead.next_booking([s.trolley.id, s.spare.id], clock.now)
    assert {k: v.id for k, v in found.items()} == {s.trolley.id: sooner}
    assert later != sooner


def test_a_booking_made_while_a_loan_is_checked_waits_and_is_refused(app, make, s, monkeypatch):
    """Desk 0 lends the trolley until Friday while desk 1 books it for Wednesday: desk 1
    books just after desk 0 read what is booked ahead. Desk 1 waits for desk 0's lock, then
    sees the loan; without the lock both would go through.

    Desk 0 gives desk 1 half a second to book before it goes on: a plain sleep, as a timed
    Event.wait would never time out under faketime (its deadline is on the faked clock)."""
    read = threading.Event()
    real = ahead.booked_ahead

    def then_let_the_other_desk_book(*args, **kwargs):
        found = real(*args, **kwargs)
        read.set()
        time.sleep(0.5)  # desk 1 books now, unless it is waiting for the lock
        return found

    def desk(i: int, barrier: threading.Barrier):
        barrier.wait()
        try:
            if i == 0:
                monkeypatch.setattr(ahead, "booked_ahead", then_let_the_other_desk_book)
                lend(s, date(2026, 11, 27), at("2026-11-23", "09:00"))
                return "lent"
            read.wait()
            book(s, at("2026-11-25", "09:10"), at("2026-11-25", "10:00"), at("2026-11-23", "09:00"))
            return "booked"
        except DomainError as refusal:
            db.session.rollback()
            return refusal.message
        finally:
            read.set()  # desk 1 never waits for a desk 0 that failed first

    outcomes = race(app, desk, desks=2)
    assert outcomes[0] == "lent"
    assert "on loan" in outcomes[1] and "due back 27/11/2026" in outcomes[1], outcomes
