"""Extending a loan or a booking only while nothing later is booked. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT); times are school-local."""

from datetime import date

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, Kit, Loan
from assets.services.bookings import bookings, collections, extending
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.kits import kit_loans
from assets.services.loans import extensions, lending_rules, loans
from tests.support import drawings
from tests.support.bookings import asset, at, booking, extend_at_once, person_of, school, user

NOW = at("2026-11-23", "09:00")


@pytest.fixture
def s(make, database, clock):
    make.terms()
    return school(make)


def book(s, start, end, now, *, who=None, thing=None, by=None):
    made = bookings.book(
        user(by or s.technician),
        asset(thing or s.trolley),
        person_of(who or s.borrower),
        start,
        end,
        now,
    )
    db.session.commit()
    return made.id


def lend(s, due_on, now, *, thing=None) -> Loan:
    (made,) = loans.check_out(
        user(s.technician),
        person_of(s.colleague),
        [asset(thing or s.trolley)],
        due_on=due_on,
        signature=drawings.drawn_signature(),
        now=now,
    )
    db.session.commit()
    return made


def extend_refused(s, loan_id, new_due, now, actor=None) -> str:
    with pytest.raises(DomainError) as caught:
        extensions.extend(
            user(actor or s.technician), db.session.get(Loan, loan_id), new_due, now=now
        )
    db.session.rollback()
    return caught.value.message


# ---- loans --------------------------------------------------------------------------------


def test_a_loan_extends_to_exactly_the_day_before_the_next_booking(s, ctx, clock):
    loan = lend(s, date(2026, 11, 24), clock.now)
    book(s, at("2026-11-27", "08:50"), at("2026-11-27", "09:50"), clock.now)
    message = extend_refused(s, loan.id, date(2026, 11, 27), clock.now)
    assert "TROLLEY-A is booked 27/11/2026 08:50\u201309:50 to Miss A Guthrie" in message
    assert "it can be extended to 26/11/2026 at most" in message
    assert db.session.get(Loan, loan.id).due_on == date(2026, 11, 24)

    (extended,) = extensions.extend(
        user(s.technician), db.session.get(Loan, loan.id), date(2026, 11, 26), now=clock.now
    )
    db.session.commit()
    assert extended.due_on == date(2026, 11, 26)
    event = db.session.scalars(select(Event).where(Event.action == "loan.extended")).one()
    assert "from 24/11/2026 to 26/11/2026" in event.summary


def test_a_booking_the_day_after_the_current_due_date_leaves_nothing_to_extend(s, ctx, clock):
    loan = lend(s, date(2026, 11, 24), clock.now)
    book(s, at("2026-11-25", "08:50"), at("2026-11-25", "09:50"), clock.now)
    message = extend_refused(s, loan.id, date(2026, 11, 26), clock.now)
    assert "so it cannot be extended" in message


def test_a_cancelled_booking_does_not_stop_an_extension(s, ctx, clock):
    loan = lend(s, date(2026, 11, 24), clock.now)
    made = book(s, at("2026-11-25", "08:50"), at("2026-11-25", "09:50"), clock.now)
    bookings.cancel(user(s.technician), booking(made), clock.now)
    db.session.commit()
    (extended,) = extensions.extend(
        user(s.technician), db.session.get(Loan, loan.id), date(2026, 11, 27), now=clock.now
    )
    assert extended.due_on == date(2026, 11, 27)


def test_an_extension_is_refused_into_the_past_backwards_or_for_an_allocation(s, ctx, clock, make):
    loan = lend(s, date(2026, 11, 25), clock.now)
    assert "already passed" in extend_refused(s, loan.id, date(2026, 11, 22), clock.now)
    assert "due back 25/11/2026 already" in extend_refused(
        s, loan.id, date(2026, 11, 24), clock.now
    )
    laptops = make.category("Staff laptop", loan_kind="allocation", terms_kind="laptop")
    laptop = lend(s, None, clock.now, thing=make.asset("LAP-1", category=laptops))
    assert "no due date" in extend_refused(s, laptop.id, date(2026, 12, 1), clock.now)
    with pytest.raises(NotAllowed):
        extensions.extend(
            user(s.staff), db.session.get(Loan, loan.id), date(2026, 11, 27), now=clock.now
        )


def test_the_longest_loan_counts_from_the_day_it_went_out(s, ctx, clock, make):
    short = make.category("Camera kit", max_loan_days=7, default_loan_days=7)
    loan = lend(s, date(2026, 11, 30), clock.now, thing=make.asset("CAM-9", category=short))
    message = extend_refused(s, loan.id, date(2026, 12, 1), clock.now)
    assert "would be out for 8 days" in message
    (extended,) = extensions.extend(
        user(s.technician),
        db.session.get(Loan, loan.id),
        date(2026, 12, 1),
        reasons=lending_rules.Reasons(long_loan="Residential trip"),
        now=clock.now,
    )
    assert extended.long_loan_reason == "Residential trip"


def test_a_kit_loan_extends_whole_and_a_booking_of_the_kit_stops_it(s, ctx, clock, make):
    charger = make.asset("CHG-1", category=s.trolleys)
    kit = make.kit("KIT-1", parts=[s.spare, charger], by=s.technician)
    lent = kit_loans.lend_kit(
        user(s.technician),
        db.session.get(Kit, kit.id),
        person_of(s.colleague),
        due_on=date(2026, 11, 24),
        signature=drawings.drawn_signature(),
        now=clock.now,
    )
    db.session.commit()
    bookings.book(
        user(s.technician),
        db.session.get(Kit, kit.id),
        person_of(s.borrower),
        at("2026-11-27", "12:00"),
        at("2026-11-27", "13:00"),
        clock.now,
    )
    db.session.commit()
    first = next(loan for loan in lent if loan.asset_id == s.spare.id)
    message = extend_refused(s, first.id, date(2026, 11, 30), clock.now)
    assert "KIT-1 is booked 27/11/2026 12:00" in message
    assert "26/11/2026 at most" in message
    moved = extensions.extend(
        user(s.technician), db.session.get(Loan, first.id), date(2026, 11, 26), now=clock.now
    )
    assert sorted(loan.asset.tag for loan in moved) == ["CHG-1", "TROLLEY-B"]
    assert {loan.due_on for loan in moved} == {date(2026, 11, 26)}


# ---- bookings -----------------------------------------------------------------------------


def test_a_booker_extends_their_own_booking_up_to_the_next_one(s, ctx, clock):
    mine = book(
        s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), clock.now, who=s.staff, by=s.staff
    )
    book(s, at("2026-11-24", "10:50"), at("2026-11-24", "11:50"), clock.now, who=s.colleague)
    with pytest.raises(DomainError) as caught:
        extending.extend(user(s.staff), booking(mine), at("2026-11-24", "11:00"), clock.now)
    db.session.rollback()
    assert "booked 24/11/2026 10:50" in caught.value.message
    assert "extended to 24/11/2026 10:50 at most" in caught.value.message

    extended = extending.extend(user(s.staff), booking(mine), at("2026-11-24", "10:50"), clock.now)
    db.session.commit()
    assert extended.ends_at == at("2026-11-24", "10:50")
    assert db.session.scalars(select(Event).where(Event.action == "booking.extended")).one()


def test_only_the_booker_or_the_desk_extends_and_not_past_the_longest_booking(s, ctx, clock, make):
    s_trolleys = db.session.get(type(asset(s.trolley).category), s.trolleys.id)
    s_trolleys.max_booking_hours = 2
    db.session.commit()
    mine = book(
        s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), clock.now, who=s.staff, by=s.staff
    )
    with pytest.raises(NotAllowed):
        extending.extend(user(s.colleague), booking(mine), at("2026-11-24", "10:50"), clock.now)
    db.session.rollback()
    with pytest.raises(DomainError) as caught:
        extending.extend(user(s.staff), booking(mine), at("2026-11-24", "11:00"), clock.now)
    db.session.rollback()
    assert "at most 2 hours" in caught.value.message
    extended = extending.extend(
        user(s.technician), booking(mine), at("2026-11-24", "13:00"), clock.now
    )
    assert extended.ends_at == at("2026-11-24", "13:00")


def test_a_cancelled_booking_cannot_be_extended(s, ctx, clock):
    made = book(s, at("2026-11-24", "08:50"), at("2026-11-24", "09:50"), clock.now)
    bookings.cancel(user(s.technician), booking(made), clock.now)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        extending.extend(user(s.technician), booking(made), at("2026-11-24", "10:50"), clock.now)
    assert "cancelled" in caught.value.message


def test_a_collected_booking_extended_to_another_day_moves_its_loan(s, ctx, clock):
    made = book(s, at("2026-11-23", "09:00"), at("2026-11-23", "15:30"), clock.now)
    loan = collections.collect(
        user(s.technician), booking(made), drawings.drawn_signature(), clock.now
    )
    db.session.commit()
    extending.extend(user(s.technician), booking(made), at("2026-11-24", "15:30"), clock.now)
    db.session.commit()
    assert db.session.get(Loan, loan.id).due_on == date(2026, 11, 24)


def test_two_desks_extending_one_booking_at_once_take_turns(app, s):
    with app.app_context():
        made = book(s, at("2026-11-24", "09:10"), at("2026-11-24", "10:00"), NOW)
        first_sequence = booking(made).sequence

    outcomes = extend_at_once(app, made, s.technician, at("2026-11-24", "11:00"), NOW)
    # The second sees the first's end, not its own booking in the way.
    assert sorted(outcomes) == [
        "It already ends at 24/11/2026 11:00: choose a later end.",
        "extended",
    ]
    with app.app_context():
        assert booking(made).sequence == first_sequence + 1
