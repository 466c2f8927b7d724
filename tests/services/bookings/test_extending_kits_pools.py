"""Extending a booking of a kit or of a pool: up to exactly what is free, refused one minute
past (naming what is in the way and the latest end that is free), and a collected booking's
loans (every part's, every unit's) moved to the new end's date. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT); times are school-local."""

from datetime import date

import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Category, Event, KitPart, Loan, Pool
from assets.services.bookings import bookings, collections, extending, pool_bookings
from assets.services.bookings.availability import BookingRefused
from assets.services.common.errors import DomainError
from tests.support import drawings
from tests.support.bookings import at, booking, extend_at_once, kit, kit_school, person_of, user

NOW = at("2026-11-23", "09:00")


@pytest.fixture
def s(make, database, clock):
    make.terms()
    s = kit_school(make)
    office = make.location("IT office")
    ipads = make.category("Loan iPad", default_loan_days=7)
    s.pool = make.pool("Loan iPads, IT office", category=ipads, location=office, units=3)
    return s


def book_kit(s, day, start, end, now, who=None) -> int:
    who = who or s.staff
    made = bookings.book(user(who), kit(s.kit_a), person_of(who), at(day, start), at(day, end), now)
    db.session.commit()
    return made.id


def book_pool(s, quantity, start, end, now, who=None) -> int:
    who = who or s.staff
    made = pool_bookings.book_pool(
        user(who), db.session.get(Pool, s.pool.id), person_of(who), quantity, start, end, now
    )
    db.session.commit()
    return made.id


def refusal(s, booking_id, new_end, now, who=None) -> str:
    with pytest.raises(DomainError) as caught:
        extending.extend(user(who or s.staff), booking(booking_id), new_end, now)
    db.session.rollback()
    assert caught.value.field == "ends_at"
    return caught.value.message


# ---- a kit ----------------------------------------------------------------------------------


def test_a_kit_booking_extends_to_exactly_the_next_booking_of_the_kit(s, ctx, clock):
    mine = book_kit(s, "2026-11-24", "08:50", "09:50", clock.now)
    book_kit(s, "2026-11-24", "10:50", "11:50", clock.now, who=s.colleague)
    message = refusal(s, mine, at("2026-11-24", "10:51"), clock.now)
    assert message == (
        "KIT-A is booked 24/11/2026 10:50\u201311:50, so it can be extended to 24/11/2026 "
        "10:50 at most."
    )
    extending.extend(user(s.staff), booking(mine), at("2026-11-24", "10:50"), clock.now)
    db.session.commit()
    extended = booking(mine)
    assert extended.ends_at == at("2026-11-24", "10:50") and extended.sequence == 1
    event = db.session.scalars(select(Event).where(Event.action == "booking.extended")).one()
    assert event.summary.startswith("Booking of KIT-A for Mr B Okafor extended")


def test_a_kit_booking_stops_at_a_parts_own_booking_and_its_rules(make, s, ctx, clock):
    mine = book_kit(s, "2026-11-24", "08:50", "09:50", clock.now)
    spare = make.asset("ASH-0099", category=s.chargers, name="Spare charger")
    make.booking(spare, person_of(s.colleague), start=at("2026-11-24", "12:00"), now=clock.now)
    # A part that joined before its own booking was refused (written past the service).
    db.session.add(KitPart(kit_id=s.kit_a.id, asset_id=spare.id))
    db.session.commit()
    assert refusal(s, mine, at("2026-11-24", "12:01"), clock.now) == (
        "KIT-A cannot run later: its part ASH-0099 is booked 24/11/2026 12:00\u201313:00, so "
        "it can be extended to 24/11/2026 12:00 at most."
    )
    db.session.get(Category, s.chargers.id).max_booking_hours = 2
    db.session.commit()
    assert refusal(s, mine, at("2026-11-24", "11:00"), clock.now) == (
        "KIT-A iPad trolley A (its part ASH-0035, Charger) can be booked for at most 2 hours "
        "at a time."
    )
    extending.extend(user(s.staff), booking(mine), at("2026-11-24", "10:50"), clock.now)
    db.session.commit()
    assert booking(mine).ends_at == at("2026-11-24", "10:50")


def test_a_collected_kit_booking_extended_moves_every_parts_loan(s, ctx, clock):
    mine = book_kit(s, "2026-11-23", "09:10", "15:30", clock.now)
    lent = collections.collect_kit(
        user(s.technician), booking(mine), "KIT-A", drawings.drawn_signature(), clock.now
    )
    db.session.commit()
    assert len(lent) == 9 and {loan.due_on for loan in lent} == {date(2026, 11, 23)}
    extending.extend(user(s.technician), booking(mine), at("2026-11-25", "15:30"), clock.now)
    db.session.commit()
    loans = db.session.scalars(select(Loan).where(Loan.booking_id == mine)).all()
    assert len(loans) == 9 and {loan.due_on for loan in loans} == {date(2026, 11, 25)}


# ---- a pool ---------------------------------------------------------------------------------


def test_a_pool_booking_extends_while_enough_units_stay_free(s, ctx, clock):
    # 3 units: mine holds 2 from 09:00; a colleague's 2 from 10:30 leave 1 after then.
    mine = book_pool(s, 2, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), clock.now)
    book_pool(s, 2, at("2026-11-24", "10:30"), at("2026-11-24", "11:30"), clock.now, s.colleague)
    assert refusal(s, mine, at("2026-11-24", "10:31"), clock.now) == (
        "Only 1 of 3 in Loan iPads, IT office are free 24/11/2026 10:00\u201310:31, and this "
        "booking needs 2, so it can be extended to 24/11/2026 10:30 at most."
    )
    extending.extend(user(s.staff), booking(mine), at("2026-11-24", "10:30"), clock.now)
    db.session.commit()
    assert booking(mine).ends_at == at("2026-11-24", "10:30")
    assert refusal(s, mine, at("2026-11-24", "10:31"), clock.now).endswith(
        "so it cannot be extended."
    )
    # 1 is enough for a booking of 1.
    small = book_pool(s, 1, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), clock.now)
    extending.extend(user(s.staff), booking(small), at("2026-11-24", "12:00"), clock.now)
    db.session.commit()
    assert booking(small).ends_at == at("2026-11-24", "12:00")


def test_a_collected_pool_booking_extended_moves_its_units_loans(s, ctx, clock):
    mine = book_pool(s, 2, at("2026-11-23", "09:10"), at("2026-11-23", "15:30"), clock.now)
    tags = "\n".join(s.pool.unit_tags[:2])
    pool_bookings.collect_pool(
        user(s.technician), booking(mine), tags, drawings.drawn_signature(), clock.now
    )
    db.session.commit()
    # The third unit stays free: a booking of 1 tomorrow does not stop the extension.
    book_pool(s, 1, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), clock.now, s.colleague)
    extending.extend(user(s.staff), booking(mine), at("2026-11-24", "15:30"), clock.now)
    db.session.commit()
    loans = db.session.scalars(select(Loan).where(Loan.booking_id == mine)).all()
    assert {loan.due_on for loan in loans} == {date(2026, 11, 24)}
    book_pool(s, 2, at("2026-11-25", "09:00"), at("2026-11-25", "10:00"), clock.now, s.colleague)
    with pytest.raises(BookingRefused, match="Only 1 of 3"):
        extending.extend(user(s.staff), booking(mine), at("2026-11-25", "09:01"), clock.now)
    db.session.rollback()


def test_two_desks_extending_a_pool_booking_at_once_take_turns(app, s):
    with app.app_context():
        made = book_pool(s, 2, at("2026-11-24", "09:10"), at("2026-11-24", "10:00"), NOW)
        first_sequence = booking(made).sequence

    outcomes = extend_at_once(app, made, s.staff, at("2026-11-24", "11:00"), NOW)
    assert sorted(outcomes) == [
        "It already ends at 24/11/2026 11:00: choose a later end.",
        "extended",
    ]
    with app.app_context():
        assert booking(made).sequence == first_sequence + 1
        assert booking(made).ends_at == at("2026-11-24", "11:00")
