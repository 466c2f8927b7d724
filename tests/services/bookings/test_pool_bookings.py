"""Booking a number of a pool's units: what is free (peak, not sum; touching is not
overlapping; a unit in repair or on a walk-up loan), the refusals, the week by period, and the
hand-over by scanning units. On both databases. The clock stands at Monday 23/11/2026 09:00."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Asset, Booking, Category, Event, Loan, Pool
from assets.services.bookings import bookings, collections, pool_bookings, pool_capacity
from assets.services.bookings.availability import BookingRefused
from assets.services.common.errors import DomainError
from assets.services.loans import returns
from assets.services.pools import pools
from tests.support import drawings
from tests.support.bookings import asset, at, booking, person_of, school, user


@pytest.fixture
def s(make, database, clock):
    make.terms()
    s = school(make)
    office = make.location("IT office")
    ipads = make.category("iPad", default_loan_days=7)
    s.pool = make.pool("Loan iPads, IT office", category=ipads, location=office, units=10)
    s.ipads, s.office = ipads, office
    return s


def pool(s) -> Pool:
    return db.session.get(Pool, s.pool.id)


def book(s, quantity, start, end, now, who=None):
    made = pool_bookings.book_pool(
        user(who or s.technician), pool(s), person_of(s.borrower), quantity, start, end, now
    )
    db.session.commit()
    return made


def free(s, start, end, now):
    return pool_capacity.free_between(pool(s), start, end, now)


P3 = ("11:10", "12:10")


def test_touching_bookings_do_not_add_up_and_the_peak_is_not_the_sum(s, ctx, clock):
    day = "2026-11-24"
    book(s, 6, at(day, "09:00"), at(day, "10:00"), clock.now)
    book(s, 4, at(day, "10:00"), at(day, "11:00"), clock.now)
    # 6 then 4, touching: over 09:00-11:00 the most held at once is 6.
    assert free(s, at(day, "09:00"), at(day, "11:00"), clock.now) == (4, 10)
    assert free(s, at(day, "10:00"), at(day, "11:00"), clock.now) == (6, 10)
    # A third of 4 over both: the peak is 6 + 4 = 10, so nothing is free over 09:30-10:30.
    book(s, 4, at(day, "10:00"), at(day, "10:30"), clock.now)
    assert free(s, at(day, "09:30"), at(day, "10:30"), clock.now) == (2, 10)
    assert free(s, at(day, "10:00"), at(day, "10:30"), clock.now) == (2, 10)
    assert free(s, at(day, "10:30"), at(day, "11:00"), clock.now) == (6, 10)


def test_a_refusal_says_how_many_are_free_then_and_later_that_day(s, ctx, clock):
    start, end = at("2026-12-08", P3[0]), at("2026-12-08", P3[1])
    book(s, 7, start, end, clock.now)
    with pytest.raises(BookingRefused) as refused:
        book(s, 4, start, end, clock.now)
    db.session.rollback()
    assert refused.value.message == (
        "Only 3 of 10 in Loan iPads, IT office are free on Tue 8 Dec Period 3. Free later "
        "that day: Period 4 (10 free), Period 5 (10 free), Period 6 (10 free)."
    )
    assert db.session.scalar(select(db.func.count(Booking.id))) == 1
    assert book(s, 3, start, end, clock.now).quantity == 3


def test_a_unit_in_repair_and_one_on_a_walk_up_loan_reduce_what_is_free(make, s, ctx, clock):
    db.session.scalar(select(Asset).where(Asset.tag == s.pool.unit_tags[0])).status = "in_repair"
    db.session.commit()
    make.loan(db.session.scalar(select(Asset).where(Asset.tag == s.pool.unit_tags[1])), s.borrower)
    start, end = at("2026-11-23", P3[0]), at("2026-11-23", P3[1])
    assert free(s, start, end, clock.now) == (8, 10)
    with pytest.raises(BookingRefused, match="Only 8 of 10"):
        book(s, 9, start, end, clock.now)
    db.session.rollback()


def test_quantities_the_pool_cannot_hold_are_refused_with_a_reason(s, ctx, clock):
    start, end = at("2026-11-24", P3[0]), at("2026-11-24", P3[1])
    for quantity, message in (
        (0, "Book at least 1."),
        (-2, "Book at least 1."),
        ("3", "Say how many as a whole number, such as 3."),
        (11, "Loan iPads, IT office has 10 units: book 10 at most."),
    ):
        with pytest.raises(DomainError) as caught:
            book(s, quantity, start, end, clock.now)
        db.session.rollback()
        assert caught.value.message == message
        assert caught.value.field == "quantity"


def test_a_repeat_is_all_or_nothing(s, ctx, clock):
    book(s, 8, at("2026-12-08", P3[0]), at("2026-12-08", P3[1]), clock.now)
    with pytest.raises(BookingRefused) as refused:
        pool_bookings.book_pool_repeating(
            user(s.technician),
            pool(s),
            person_of(s.borrower),
            3,
            at("2026-11-24", P3[0]),
            at("2026-11-24", P3[1]),
            date(2026, 12, 15),
            clock.now,
        )
    db.session.rollback()
    assert refused.value.message.startswith(
        "Only 2 of 10 in Loan iPads, IT office are free on Tue 8 Dec Period 3, so nothing was "
        "booked."
    )
    made = pool_bookings.book_pool_repeating(
        user(s.technician),
        pool(s),
        person_of(s.borrower),
        2,
        at("2026-11-24", P3[0]),
        at("2026-11-24", P3[1]),
        date(2026, 12, 15),
        clock.now,
    )
    db.session.commit()
    assert len(made) == 4 and len({b.series_id for b in made}) == 1


def test_a_unit_cannot_be_booked_on_its_own(s, ctx, clock):
    unit = db.session.scalar(select(Asset).where(Asset.tag == s.pool.unit_tags[0]))
    with pytest.raises(DomainError) as caught:
        bookings.book(
            user(s.technician),
            unit,
            person_of(s.borrower),
            at("2026-11-24", "09:00"),
            at("2026-11-24", "10:00"),
            clock.now,
        )
    db.session.rollback()
    assert caught.value.message == (
        f"{unit.tag} is in the pool Loan iPads, IT office: book from the pool."
    )


def test_the_week_by_period(s, ctx, clock):
    book(s, 7, at("2026-11-24", P3[0]), at("2026-11-24", P3[1]), clock.now)
    grid = pool_capacity.pool_week(pool(s), date(2026, 11, 23), clock.now)
    assert len(grid) == 5 * 6
    assert grid[(date(2026, 11, 24), "Period 3")] == (3, 10)
    assert grid[(date(2026, 11, 24), "Period 4")] == (10, 10)
    assert grid[(date(2026, 11, 27), "Period 1")] == (10, 10)


def test_a_pool_with_live_bookings_is_not_deleted_and_a_unicode_name_is_kept(make, s, ctx, clock):
    book(s, 1, at("2026-11-24", P3[0]), at("2026-11-24", P3[1]), clock.now)
    with pytest.raises(DomainError, match="bookings that are waiting"):
        pools.delete_pool(user(s.technician), pool(s))
    db.session.rollback()
    other = make.pool("Caméras de Zoë — ½ set 📷")
    assert db.session.get(Pool, other.id).name == "Caméras de Zoë — ½ set 📷"
    pools.delete_pool(user(s.technician), db.session.get(Pool, other.id))
    db.session.commit()
    assert db.session.get(Pool, other.id) is None
    assert "pool.deleted" in db.session.scalars(select(Event.action)).all()


def test_handing_over_by_scanning_then_returned_when_all_are_in(s, ctx, clock):
    made = book(s, 3, at("2026-11-23", "09:10"), at("2026-11-25", "15:00"), clock.now)
    tags = s.pool.unit_tags
    with pytest.raises(DomainError, match="Only 2 of 3 scanned"):
        pool_bookings.collect_pool(
            user(s.technician),
            booking(made.id),
            f"{tags[0]}\n{tags[1]}\n{tags[0]}",
            drawings.drawn_signature(),
            clock.now,
        )
    db.session.rollback()
    with pytest.raises(DomainError, match="not in the pool"):
        pool_bookings.collect_pool(
            user(s.technician),
            booking(made.id),
            f"{tags[0]}\nTROLLEY-A",
            drawings.drawn_signature(),
            clock.now,
            fewer_ok=True,
        )
    db.session.rollback()
    loans = pool_bookings.collect_pool(
        user(s.technician),
        booking(made.id),
        f"{tags[0]}\n{tags[1]}",
        drawings.drawn_signature(),
        clock.now,
        fewer_ok=True,
    )
    db.session.commit()
    collected = booking(made.id)
    assert collected.state == "collected" and collected.quantity == 2
    assert {loan.due_on for loan in loans} == {date(2026, 11, 25)}
    event = db.session.scalars(select(Event).where(Event.action == "booking.collected")).one()
    assert event.summary.startswith("Only 2 of 3 handed over.")
    returns.check_in(user(s.technician), asset(loans[0].asset), "full_working")
    db.session.commit()
    assert booking(made.id).state == "collected"
    returns.check_in(user(s.technician), asset(loans[1].asset), "full_working")
    db.session.commit()
    assert booking(made.id).state == "returned"


def test_the_desk_books_a_pool_of_a_category_not_self_service(make, s, ctx, clock):
    office_cameras = make.pool("Cameras, IT office", category=s.cameras, units=2)
    cameras = db.session.get(Pool, office_cameras.id)
    start, end = at("2026-11-24", "09:00"), at("2026-11-24", "10:00")

    made = pool_bookings.book_pool(
        user(s.technician), cameras, person_of(s.borrower), 1, start, end, clock.now
    )
    assert made.state == "approved"
    assert bookings.rules_for(cameras).not_self_service == "Cameras, IT office (Camera)"
    with pytest.raises(DomainError, match=r"^Cameras, IT office \(Camera\) cannot be booked"):
        pool_bookings.book_pool(
            user(s.staff), cameras, person_of(s.staff), 1, start, end, clock.now
        )


def test_a_pools_limits_are_named_by_the_pools_name(s, ctx, clock):
    ipads = db.session.get(Category, s.ipads.id)
    ipads.booking_needs_approval, ipads.min_notice_hours = True, 48
    db.session.commit()

    def staff_book(day):
        return pool_bookings.book_pool(
            user(s.staff),
            pool(s),
            person_of(s.staff),
            1,
            at(day, "09:00"),
            at(day, "10:00"),
            clock.now,
        )

    with pytest.raises(DomainError) as refused:
        staff_book("2026-11-24")
    assert refused.value.message == "Loan iPads, IT office must be booked at least 48 hours ahead."
    assert staff_book("2026-11-26").state == "requested"
    # The desk books past the notice; approval is the desk's own to give.
    assert book(s, 1, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), clock.now).state == (
        "approved"
    )


def test_a_pool_booking_is_never_handed_over_as_one_asset(s, ctx, clock):
    made = book(s, 2, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    for attempt in (
        lambda: collections.plan_collect(user(s.technician), booking(made.id), clock.now),
        lambda: collections.collect(
            user(s.technician), booking(made.id), drawings.drawn_signature(), clock.now
        ),
    ):
        with pytest.raises(DomainError, match="is handed over by scanning the units"):
            attempt()
        db.session.rollback()
    assert booking(made.id).state == "approved"
    assert db.session.scalar(select(func.count(Loan.id))) == 0
    # The same checks as any booking's, with the pool's words.
    late = book(s, 1, at("2026-11-23", "14:00"), at("2026-11-23", "15:00"), clock.now)
    with pytest.raises(DomainError) as early:
        pool_bookings.check_collectable(booking(late.id), clock.now)
    assert early.value.message == (
        "1 from Loan iPads, IT office can be collected from 23/11/2026 13:30, 30 minutes "
        "before the booking starts."
    )


def test_units_handed_over_early_are_booked_from_the_hand_over(s, ctx, clock):
    day = "2026-11-23"
    made = book(s, 3, at(day, "09:10"), at(day, "10:00"), clock.now)
    book(s, 8, at(day, "09:00"), at(day, "09:10"), clock.now)
    tags = s.pool.unit_tags

    def collect(text, **extra):
        return pool_bookings.collect_pool(
            user(s.technician),
            booking(made.id),
            text,
            drawings.drawn_signature(),
            clock.now,
            **extra,
        )

    # 8 of 10 are booked until 09:10: 3 cannot go out early, 2 can.
    with pytest.raises(DomainError, match="Only 2 of 10 in Loan iPads, IT office are free until"):
        collect("\n".join(tags[:3]))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Loan.id))) == 0
    collect("\n".join(tags[:2]), fewer_ok=True)
    db.session.commit()
    assert booking(made.id).starts_at == at(day, "09:00")
    assert free(s, at(day, "09:00"), at(day, "09:10"), clock.now) == (0, 10)


def test_a_units_own_booking_from_before_it_joined_the_pool_holds_it(make, s, ctx, clock):
    lab = make.location("Media lab")
    cameras = s.cameras
    first = make.asset("CAM-Ł1", category=cameras, location=lab)
    make.asset("CAM-Ł2", category=cameras, location=lab)
    day = "2026-11-24"
    bookings.book(
        user(s.technician),
        asset(first),
        person_of(s.borrower),
        at(day, "09:00"),
        at(day, "10:00"),
        clock.now,
    )
    db.session.commit()
    made = make.pool("Cameras, Media lab", category=cameras, location=lab)
    cameras_pool = db.session.get(Pool, made.id)
    assert pool_capacity.free_between(
        cameras_pool, at(day, "09:00"), at(day, "10:00"), clock.now
    ) == (1, 2)
    assert pool_capacity.free_between(
        cameras_pool, at(day, "10:00"), at(day, "11:00"), clock.now
    ) == (2, 2)
    with pytest.raises(BookingRefused, match="Only 1 of 2 in Cameras, Media lab are free"):
        pool_bookings.book_pool(
            user(s.technician),
            cameras_pool,
            person_of(s.colleague),
            2,
            at(day, "09:30"),
            at(day, "10:30"),
            clock.now,
        )
    db.session.rollback()
