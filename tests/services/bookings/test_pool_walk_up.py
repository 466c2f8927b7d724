"""A pool's unit lent walk-up must not leave a booking of the pool short: refused when, with
the unit out until its due date, some live booking of the pool then would find too few units
free; the message names the booking and how many it needs. On both databases. The clock
stands at Monday 23/11/2026 09:00 (GMT)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Loan, Pool
from assets.services.bookings import bookings, pool_bookings
from assets.services.common.errors import DomainError
from assets.services.loans import loans
from tests.support import drawings
from tests.support.bookings import at, booking, person_of, school, user

TODAY, TOMORROW = date(2026, 11, 23), date(2026, 11, 24)


@pytest.fixture
def s(make, database, clock):
    make.terms()
    s = school(make)
    office = make.location("IT office")
    ipads = make.category("Loan iPad", default_loan_days=7)
    s.pool = make.pool("Loan iPads, IT office", category=ipads, location=office, units=3)
    return s


def unit(s, n: int) -> Asset:
    return db.session.scalar(select(Asset).where(Asset.tag == s.pool.unit_tags[n]))


def book(s, quantity, day="2026-11-24", start="09:00", end="10:00") -> int:
    made = pool_bookings.book_pool(
        user(s.technician),
        db.session.get(Pool, s.pool.id),
        person_of(s.borrower),
        quantity,
        at(day, start),
        at(day, end),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    return made.id


def lend(s, due_on, n=0, now=None):
    made = loans.check_out(
        user(s.technician),
        person_of(s.colleague),
        [unit(s, n)],
        due_on=due_on,
        signature=drawings.drawn_signature(),
        now=now or at("2026-11-23", "09:00"),
    )
    db.session.commit()
    return made


def refused(s, due_on, n=0) -> str:
    with pytest.raises(DomainError) as caught:
        lend(s, due_on, n)
    db.session.rollback()
    return caught.value.message


def open_loans() -> int:
    return db.session.scalar(select(func.count(Loan.id)).where(Loan.returned_at.is_(None)))


def test_a_booking_of_every_unit_tomorrow_allows_a_loan_due_today_only(s, ctx):
    book(s, 3)
    tag = s.pool.unit_tags[0]
    assert refused(s, TOMORROW) == (
        "Loan iPads, IT office is booked 24/11/2026 09:00\u201310:00 to Miss A Guthrie (3 of "
        f"its units): with {tag} out until 24/11/2026, 3 would be needed then and only 2 "
        "free. Choose a due date on or before 23/11/2026."
    )
    assert refused(s, None).startswith("Loan iPads, IT office is booked 24/11/2026")
    assert open_loans() == 0
    lend(s, TODAY)
    assert open_loans() == 1


def test_a_booking_of_two_leaves_room_for_one_walk_up_loan_not_two(s, ctx):
    book(s, 2)
    lend(s, TOMORROW, n=0)
    assert "3 would be needed" not in refused(s, TOMORROW, n=1)
    assert "2 would be needed then and only 1 free" in refused(s, TOMORROW, n=1)
    assert open_loans() == 1


def test_a_booking_that_has_begun_says_lend_after_it_and_its_own_hand_over_is_not_stopped(s, ctx):
    made = book(s, 3, day="2026-11-23", start="09:10", end="15:00")
    assert refused(s, TODAY).endswith(
        "Lend it after the booking, or lend one that is not in the pool."
    )
    # The booking's own hand-over takes the units it booked.
    lent = pool_bookings.collect_pool(
        user(s.technician),
        booking(made),
        "\n".join(s.pool.unit_tags),
        drawings.drawn_signature(),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    assert len(lent) == 3


def test_touching_is_not_overlapping_and_a_cancelled_booking_is_not_in_the_way(s, ctx):
    made = book(s, 3, day="2026-11-24", start="00:00", end="10:00")  # from the loan's day's end
    lend(s, TODAY, n=0)
    assert "24/11/2026 00:00" in refused(s, TOMORROW, n=1)
    bookings.cancel(user(s.technician), booking(made), at("2026-11-23", "09:00"))
    db.session.commit()
    lend(s, TOMORROW, n=1)
    assert open_loans() == 2
