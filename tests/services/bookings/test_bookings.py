"""Booking single assets ahead: ranges that touch are both allowed, overlaps never, what no
longer holds the asset does not block, open loans and the item's status do, repeats keep the
school's local times across a change of clocks and are all or nothing. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT); every time is a school-local wall-clock
time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Booking, Category, Event
from assets.services.bookings import availability, bookings
from assets.services.bookings.availability import BookingRefused
from assets.services.common.errors import DomainError, NotAllowed
from tests.support.bookings import LONDON, asset, at, booking, person_of, school, user


@pytest.fixture
def s(make, database, clock):
    return school(make)


def book(s, start, end, *, who=None, thing=None, now=None, **extra):
    """Book as the technician (or `who`) for `who`'s person (or the borrower), committed."""
    actor = user(who or s.technician)
    person = person_of(who) if who else person_of(s.borrower)
    made = bookings.book(
        actor, asset(thing or s.trolley), person, start, end, now or _now(), **extra
    )
    db.session.commit()
    return made


def _now():
    return datetime.now(UTC)


def refused(s, start, end, **extra) -> DomainError:
    with pytest.raises(DomainError) as caught:
        book(s, start, end, **extra)
    db.session.rollback()
    return caught.value


def count_bookings() -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def test_touching_ranges_are_both_allowed_and_an_overlap_is_refused(s, ctx):
    first = book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"))
    second = book(s, at("2026-11-24", "09:50"), at("2026-11-24", "10:50"))
    assert (first.state, second.state) == ("approved", "approved")
    before = book(s, at("2026-11-24", "08:00"), at("2026-11-24", "09:00"))
    assert before.id

    error = refused(s, at("2026-11-24", "09:49"), at("2026-11-24", "09:51"))
    assert isinstance(error, BookingRefused)
    assert "TROLLEY-A is not free then" in error.message
    assert "24/11/2026 09:00\u201309:50" in error.message
    assert "Miss A Guthrie" in error.message  # the technician may see whose it is
    assert "Free instead: TROLLEY-B." in error.message
    assert [a.tag for a in error.alternatives] == ["TROLLEY-B"]
    assert count_bookings() == 3


def test_a_range_inside_another_and_one_around_it_are_refused(s, ctx):
    book(s, at("2026-11-24", "09:00"), at("2026-11-24", "12:00"))
    refused(s, at("2026-11-24", "10:00"), at("2026-11-24", "11:00"))
    refused(s, at("2026-11-24", "08:00"), at("2026-11-24", "13:00"))
    refused(s, at("2026-11-24", "09:00"), at("2026-11-24", "12:00"))  # the same range twice
    assert count_bookings() == 1


def test_a_booking_ending_at_midnight_does_not_block_the_next_day(s, ctx):
    book(s, at("2026-11-24", "18:00"), at("2026-11-25", "00:00"))
    book(s, at("2026-11-25", "00:00"), at("2026-11-25", "08:00"))
    assert count_bookings() == 2


def test_cancelled_and_declined_bookings_do_not_block(s, ctx):
    first = book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"))
    bookings.cancel(user(s.technician), first, _now())
    db.session.commit()
    assert booking(first.id).state == "cancelled"
    assert booking(first.id).cancelled_by_id == s.technician.id
    second = book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"))

    db.session.get(Category, s.trolleys.id).booking_needs_approval = True
    db.session.commit()
    asked = book(s, at("2026-11-25", "09:00"), at("2026-11-25", "09:50"), who=s.staff)
    assert asked.state == "requested"
    refused(s, at("2026-11-25", "09:00"), at("2026-11-25", "09:50"), who=s.colleague)
    bookings.decline(user(s.technician), booking(asked.id), _now())
    db.session.commit()
    again = book(s, at("2026-11-25", "09:00"), at("2026-11-25", "09:50"), who=s.colleague)
    assert again.state == "requested"
    assert booking(second.id).state == "approved"
    actions = db.session.scalars(select(Event.action).order_by(Event.id)).all()
    assert actions[-4:] == [
        "booking.created",
        "booking.created",
        "booking.declined",
        "booking.created",
    ]


def test_approving_twice_says_so_and_changes_nothing(s, ctx):
    db.session.get(Category, s.trolleys.id).booking_needs_approval = True
    db.session.commit()
    asked = book(s, at("2026-11-25", "09:00"), at("2026-11-25", "09:50"), who=s.staff)
    bookings.approve(user(s.technician), booking(asked.id), _now())
    db.session.commit()
    with pytest.raises(DomainError, match="booked already"):
        bookings.decline(user(s.technician), booking(asked.id), _now())
    db.session.rollback()
    with pytest.raises(NotAllowed):
        bookings.approve(user(s.staff), booking(asked.id), _now())
    assert booking(asked.id).state == "approved"


def test_an_open_loan_blocks_up_to_the_end_of_its_due_date(s, ctx, make):
    make.loan(s.trolley, s.borrower, due_on=date(2026, 11, 26))
    error = refused(s, at("2026-11-26", "15:00"), at("2026-11-26", "16:00"))
    assert "on loan to Miss A Guthrie, due back 26/11/2026" in error.message
    assert "Free instead: TROLLEY-B." in error.message
    # A range that starts before the due date and runs past it is refused too.
    refused(s, at("2026-11-24", "15:00"), at("2026-11-30", "16:00"))
    assert book(s, at("2026-11-27", "00:00"), at("2026-11-27", "09:00")).id


def test_an_open_loan_without_a_due_date_blocks_everything(s, ctx, make):
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    laptop = make.asset("ASH-0001", category=laptops)
    make.loan(laptop, s.borrower)
    error = refused(s, at("2027-06-01", "09:00"), at("2027-06-01", "10:00"), thing=laptop)
    assert "on a long-term loan" in error.message


@pytest.mark.parametrize("status", ["in_repair", "lost", "stolen", "retired"])
def test_an_item_out_of_use_cannot_be_booked(s, ctx, status):
    asset(s.trolley).status = status
    db.session.commit()
    error = refused(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"))
    assert "cannot be booked" in error.message
    assert count_bookings() == 0


def test_times_that_make_no_sense_are_refused_with_a_message(s, ctx):
    start = at("2026-11-24", "09:00")
    assert "end must be after" in refused(s, start, start).message
    assert "end must be after" in refused(s, start, start - timedelta(hours=1)).message
    assert "already passed" in refused(s, at("2026-11-23", "08:59"), start).message
    assert "a year at most" in refused(s, start, start + timedelta(days=400)).message
    assert (
        "a year ahead"
        in refused(s, start + timedelta(days=400), start + timedelta(days=401)).message
    )
    assert count_bookings() == 0


def test_staff_book_self_service_items_for_themselves_only(s, ctx):
    mine = book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), who=s.staff)
    assert mine.person_id == s.staff.person_id
    with pytest.raises(NotAllowed, match="cannot be booked for yourself"):
        book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), who=s.staff, thing=s.camera)
    db.session.rollback()
    with pytest.raises(NotAllowed, match="only for yourself"):
        bookings.book(
            user(s.staff),
            asset(s.spare),
            person_of(s.borrower),
            at("2026-11-24", "09:00"),
            at("2026-11-24", "09:50"),
            _now(),
        )
    db.session.rollback()
    # The desk books a camera for anyone.
    assert book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), thing=s.camera).id


def test_a_colleague_sees_that_it_is_booked_but_not_by_whom(s, ctx):
    book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), who=s.staff)
    error = refused(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), who=s.colleague)
    assert "booked 24/11/2026 09:00\u201309:50" in error.message
    assert "Okafor" not in error.message


def test_a_categorys_longest_booking_and_notice_bind_staff_not_the_desk(s, ctx):
    category = db.session.get(Category, s.trolleys.id)
    category.max_booking_hours = 2
    category.min_notice_hours = 24
    db.session.commit()
    error = refused(s, at("2026-11-25", "09:00"), at("2026-11-25", "12:00"), who=s.staff)
    assert "at most 2 hours" in error.message
    error = refused(s, at("2026-11-23", "13:00"), at("2026-11-23", "14:00"), who=s.staff)
    assert "at least 24 hours ahead" in error.message
    assert book(s, at("2026-11-23", "13:00"), at("2026-11-23", "17:00")).id


def test_only_the_booker_or_the_desk_cancels_and_only_once(s, ctx):
    mine = book(s, at("2026-11-24", "09:00"), at("2026-11-24", "09:50"), who=s.staff)
    with pytest.raises(NotAllowed):
        bookings.cancel(user(s.colleague), booking(mine.id), _now())
    db.session.rollback()
    bookings.cancel(user(s.staff), booking(mine.id), _now())
    db.session.commit()
    with pytest.raises(DomainError, match="cancelled and cannot be cancelled"):
        bookings.cancel(user(s.staff), booking(mine.id), _now())
    db.session.rollback()


def test_repeats_keep_local_times_across_the_change_of_clocks(s, ctx):
    # Tuesdays 09:50-10:50 from 16/03/2027; the clocks go forward on Sunday 28/03/2027.
    made = bookings.book_repeating(
        user(s.technician),
        asset(s.trolley),
        person_of(s.borrower),
        at("2027-03-16", "09:50"),
        at("2027-03-16", "10:50"),
        date(2027, 4, 13),
        _now(),
    )
    db.session.commit()
    local = [
        (
            b.starts_at.astimezone(LONDON).strftime("%d/%m %H:%M"),
            b.ends_at.astimezone(LONDON).strftime("%H:%M"),
        )
        for b in made
    ]
    assert local == [
        ("16/03 09:50", "10:50"),
        ("23/03 09:50", "10:50"),
        ("30/03 09:50", "10:50"),
        ("06/04 09:50", "10:50"),
        ("13/04 09:50", "10:50"),
    ]
    assert made[0].starts_at.hour == 9 and made[2].starts_at.hour == 8  # UTC moves, not local
    assert len({b.series_id for b in made}) == 1 and made[0].series_id
    # One occurrence is cancelled on its own.
    bookings.cancel(user(s.technician), booking(made[1].id), _now())
    db.session.commit()
    states = [booking(b.id).state for b in made]
    assert states == ["approved", "cancelled", "approved", "approved", "approved"]


def test_repeats_skip_the_days_they_are_told_to(s, ctx):
    holiday = {date(2027, 3, 23)}
    made = bookings.book_repeating(
        user(s.technician),
        asset(s.trolley),
        person_of(s.borrower),
        at("2027-03-16", "09:50"),
        at("2027-03-16", "10:50"),
        date(2027, 3, 30),
        _now(),
        skip=lambda day: day in holiday,
    )
    assert [b.starts_at.astimezone(LONDON).date() for b in made] == [
        date(2027, 3, 16),
        date(2027, 3, 30),
    ]


def test_a_repeat_reaches_a_year_ahead_at_most(s, ctx):
    # It is Monday 23/11/2026: a repeat starting in eleven months may not run for another year.
    def repeat(until):
        return bookings.book_repeating(
            user(s.technician),
            asset(s.trolley),
            person_of(s.borrower),
            at("2027-10-19", "09:50"),
            at("2027-10-19", "10:50"),
            until,
            _now(),
        )

    with pytest.raises(DomainError) as caught:
        repeat(date(2028, 10, 17))
    db.session.rollback()
    assert caught.value.message == (
        "Bookings can be made up to a year ahead: repeat until 24/11/2027 at most."
    )
    assert count_bookings() == 0
    made = repeat(date(2027, 11, 24))  # the last day allowed
    assert [b.starts_at.astimezone(LONDON).date() for b in made] == [
        date(2027, 10, 19),
        date(2027, 10, 26),
        date(2027, 11, 2),
        date(2027, 11, 9),
        date(2027, 11, 16),
        date(2027, 11, 23),
    ]


def test_a_repeat_with_any_clash_books_nothing_and_names_the_dates(s, ctx):
    book(s, at("2027-03-23", "10:00"), at("2027-03-23", "10:30"))
    book(s, at("2027-04-06", "09:00"), at("2027-04-06", "10:00"))
    with pytest.raises(BookingRefused) as caught:
        bookings.book_repeating(
            user(s.technician),
            asset(s.trolley),
            person_of(s.borrower),
            at("2027-03-16", "09:50"),
            at("2027-03-16", "10:50"),
            date(2027, 4, 13),
            _now(),
        )
    db.session.rollback()
    assert "not free on 23/03/2027, 06/04/2027, so nothing was booked" in caught.value.message
    assert "Free instead: TROLLEY-B." in caught.value.message
    assert count_bookings() == 2


def test_free_alternatives_leave_out_what_is_booked_lent_or_out_of_use(s, ctx, make):
    third = make.asset("TROLLEY-C", category=s.trolleys)
    fourth = make.asset("TROLLEY-D", category=s.trolleys)
    book(s, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), thing=s.spare)
    make.loan(third, s.borrower, due_on=date(2026, 11, 24))
    asset(fourth).status = "in_repair"
    db.session.commit()
    trolley = asset(s.trolley)
    found = availability.free_alternatives(
        trolley, at("2026-11-24", "09:30"), at("2026-11-24", "09:40"), _now()
    )
    assert found == []
    found = availability.free_alternatives(
        trolley, at("2026-11-25", "09:30"), at("2026-11-25", "09:40"), _now()
    )
    assert [a.tag for a in found] == ["TROLLEY-B", "TROLLEY-C"]


def test_an_overdue_item_is_offered_only_when_it_could_be_booked(s, ctx, make):
    # TROLLEY-B was due back on Friday 20/11 and is still out; it is Monday 23/11, 09:00.
    make.loan(s.spare, s.borrower, due_on=date(2026, 11, 20), now=at("2026-11-19", "10:00"))
    trolley = asset(s.trolley)
    book(s, at("2026-11-23", "14:00"), at("2026-11-24", "10:00"))  # TROLLEY-A
    for day, free in (("2026-11-23", False), ("2026-11-24", True)):
        start, end = at(day, "14:00"), at(day, "15:00")
        offered = availability.free_alternatives(trolley, start, end, _now())
        bookable = not availability.clashes(asset(s.spare), start, end, _now())
        assert ([a.tag for a in offered] == ["TROLLEY-B"]) is free
        assert bookable is free
    # Today it is held by the overdue loan, so it is refused, and not offered instead.
    error = refused(s, at("2026-11-23", "15:00"), at("2026-11-23", "16:00"))
    assert "Free instead" not in error.message
    assert (
        "on loan to Miss A Guthrie, due back 20/11/2026"
        in refused(s, at("2026-11-23", "15:00"), at("2026-11-23", "16:00"), thing=s.spare).message
    )


def test_bookings_for_an_asset_or_a_person(s, ctx):
    book(s, at("2026-11-24", "09:00"), at("2026-11-24", "10:00"), who=s.staff)
    book(s, at("2026-11-25", "09:00"), at("2026-11-25", "10:00"), thing=s.spare)
    mine = availability.bookings_for(
        person=person_of(s.staff), start=at("2026-11-23", "00:00"), end=at("2026-12-01", "00:00")
    )
    assert [b.asset.tag for b in mine] == ["TROLLEY-A"]
    spare = availability.bookings_for(
        asset=asset(s.spare), start=at("2026-11-25", "10:00"), end=at("2026-11-26", "00:00")
    )
    assert spare == []  # touching the end is not overlapping


def test_a_kits_part_and_a_pools_unit_are_never_offered_instead(make, s, ctx, clock):
    make.kit(
        "KIT-Ż",
        "Trolley and charger",
        parts=[make.asset("TROLLEY-C", category=s.trolleys)],
        by=s.technician,
    )
    make.pool("Trolleys, hall", category=s.trolleys, location=make.location("Hall"), units=1)
    start, end = at("2026-11-24", "09:50"), at("2026-11-24", "10:50")
    bookings.book(user(s.staff), asset(s.trolley), person_of(s.staff), start, end, clock.now)
    db.session.commit()
    offered = availability.free_alternatives(asset(s.trolley), start, end, clock.now)
    assert [a.tag for a in offered] == ["TROLLEY-B"]
