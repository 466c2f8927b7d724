"""A booking handed over through the one-signature check-out, returned with its loan,
released when nobody came, and the desk's day in the school's time zone. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT) unless moved; times are school-local."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Category, Event, Loan, Signature
from assets.services.bookings import bookings, collections
from assets.services.common.errors import DomainError
from assets.services.incidents import cases, incidents
from assets.services.loans import returns
from tests.support import drawings
from tests.support.bookings import asset, at, booking, person_of, school, user
from tests.support.smtp import send_mail_through


@pytest.fixture
def s(make, database, clock):
    make.terms()
    return school(make)


def book(s, start, end, now, thing=None):
    made = bookings.book(
        user(s.technician), asset(thing or s.trolley), person_of(s.borrower), start, end, now
    )
    db.session.commit()
    return made.id


def collect(s, booking_id, now):
    loan = collections.collect(
        user(s.technician), booking(booking_id), drawings.drawn_signature(), now
    )
    db.session.commit()
    return loan


def refusal(s, booking_id, now, **extra) -> str:
    with pytest.raises(DomainError) as caught:
        collections.collect(
            user(s.technician),
            booking(booking_id),
            extra.get("signature", drawings.drawn_signature()),
            now,
        )
    db.session.rollback()
    return caught.value.message


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def actions(booking_id) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.action)
            .where(Event.entity_type == "bookings", Event.entity_id == booking_id)
            .order_by(Event.id)
        )
    )


def test_collecting_lends_it_with_one_signature_due_on_the_last_day(s, ctx, clock):
    # Monday 09:30 to Wednesday 15:30: collected at 09:00, 30 minutes early.
    booking_id = book(s, at("2026-11-23", "09:30"), at("2026-11-25", "15:30"), clock.now)
    loan = collect(s, booking_id, clock.now)
    made = booking(booking_id)
    assert made.state == "collected"
    assert made.loans == [loan]
    assert loan.due_on == date(2026, 11, 25)
    assert loan.signature is not None and loan.person_id == s.borrower.id
    assert asset(s.trolley).status == "on_loan"
    assert count(Signature) == 1 and count(Loan) == 1
    assert actions(booking_id) == ["booking.created", "booking.collected"]


def test_a_booking_ending_at_midnight_is_due_back_on_its_last_day(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:00"), at("2026-11-25", "00:00"), clock.now)
    assert collect(s, booking_id, clock.now).due_on == date(2026, 11, 24)


def test_no_signature_no_hand_over(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    assert "sign" in refusal(s, booking_id, clock.now, signature=None).lower()
    assert booking(booking_id).state == "approved"
    assert count(Loan) == 0


def test_too_early_says_from_when(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:31"), at("2026-11-23", "10:00"), clock.now)
    message = refusal(s, booking_id, clock.now)
    assert message == (
        "TROLLEY-A can be collected from 23/11/2026 09:01, 30 minutes before the booking starts."
    )
    assert count(Loan) == 0
    # Exactly 30 minutes before is within the window.
    assert collect(s, booking_id, clock.advance(minutes=1)).id


def test_a_requested_booking_and_one_collected_twice_are_refused(make, s, ctx, clock):
    needs = make.category("Visualiser", default_loan_days=7)
    db.session.get(Category, needs.id).booking_needs_approval = True
    db.session.commit()
    visualiser = make.asset("VIS-01", category=needs)
    requested = bookings.book(
        user(s.staff),
        asset(visualiser),
        person_of(s.staff),
        at("2026-11-23", "09:10"),
        at("2026-11-23", "10:00"),
        clock.now,
    )
    db.session.commit()
    assert requested.state == "requested"
    assert "waiting for the IT technician's approval" in refusal(s, requested.id, clock.now)

    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    collect(s, booking_id, clock.now)
    message = refusal(s, booking_id, clock.now)
    assert message.startswith("TROLLEY-A has already been handed over for this booking")
    assert count(Loan) == 1 and count(Signature) == 1


def test_an_asset_gone_into_repair_is_refused_with_the_reason(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    asset(s.trolley).status = "in_repair"
    db.session.commit()
    assert refusal(s, booking_id, clock.now) == (
        "TROLLEY-A cannot be handed over now: TROLLEY-A is in repair and cannot be lent."
    )
    assert booking(booking_id).state == "approved"
    assert count(Loan) == 0


def test_checking_the_loan_in_marks_the_booking_returned(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "15:00"), clock.now)
    collect(s, booking_id, clock.now)
    returns.check_in(
        user(s.technician), asset(s.trolley), "full_working", now=clock.advance(hours=5)
    )
    db.session.commit()
    made = booking(booking_id)
    assert made.state == "returned"
    assert made.loans[0].returned_at is not None
    assert actions(booking_id)[-1] == "booking.returned"


def test_a_loan_written_off_after_an_incident_ends_its_booking_too(s, ctx, clock):
    """An item lost while out on a booking is written off: the loan ends without a check-in,
    and the booking must stop holding its time (and leave today's returns)."""
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "15:00"), clock.now)
    collect(s, booking_id, clock.now)
    lost = incidents.report_incident(
        user(s.technician),
        asset(s.trolley),
        "loss",
        description="Left on the coach after the trip.",
        occurred_on=date(2026, 11, 23),
        now=clock.advance(hours=1),
    )
    cases.change_status(user(s.technician), lost, "written_off", "Not found", now=clock.now)
    db.session.commit()
    ended = booking(booking_id)
    assert ended.state == "returned"
    assert ended.loans[0].returned_at is not None
    assert actions(booking_id)[-1] == "booking.returned"


def test_a_loan_from_no_booking_checks_in_as_before(s, ctx, clock):
    booking_id = book(s, at("2026-11-24", "09:10"), at("2026-11-24", "15:00"), clock.now)
    make_loan = collections.loans.check_out(
        user(s.technician),
        person_of(s.borrower),
        [asset(s.spare)],
        signature=drawings.drawn_signature(),
        now=clock.now,
    )
    db.session.commit()
    returns.check_in(user(s.technician), asset(s.spare), "full_working", now=clock.now)
    db.session.commit()
    assert make_loan[0].returned_at is not None
    assert booking(booking_id).state == "approved"


def test_release_after_exactly_n_minutes_not_yet_then_released_and_told(
    app, s, ctx, clock, smtp_server
):
    send_mail_through(app, smtp_server.port)
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    later = book(s, at("2026-11-23", "09:40"), at("2026-11-23", "10:00"), clock.now, s.spare)

    done = collections.release_uncollected(at("2026-11-23", "09:40"), after_minutes=30)
    db.session.commit()
    assert done.bookings == [] and smtp_server.messages == []
    assert booking(booking_id).state == "approved"

    done = collections.release_uncollected(at("2026-11-23", "09:41"), after_minutes=30)
    db.session.commit()
    assert [b.id for b in done.bookings] == [booking_id]
    assert done.not_told == []
    assert booking(booking_id).state == "released"
    assert booking(later).state == "approved"
    assert actions(booking_id) == [
        "booking.created",
        "booking.released",
        "booking.release_emailed",
    ]
    [received] = smtp_server.messages
    assert received.rcpt_tos == [person_of(s.borrower).email]
    assert received.message["Subject"] == "Your booking of TROLLEY-A was released"
    assert "23/11/2026 09:10\u201310:00" in received.body
    assert "not collected within 30 minutes" in received.body
    # Its time is free again, and a second run releases nothing more.
    assert collections.release_uncollected(at("2026-11-23", "09:42")).bookings == []
    book(s, at("2026-11-23", "09:50"), at("2026-11-23", "10:00"), at("2026-11-23", "09:42"))


def test_release_leaves_collected_and_cancelled_bookings_alone(s, ctx, clock):
    taken = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    collect(s, taken, clock.now)
    dropped = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now, s.spare)
    bookings.cancel(user(s.technician), booking(dropped), clock.now)
    db.session.commit()
    done = collections.release_uncollected(clock.now + timedelta(hours=2))
    assert done.bookings == []
    assert (booking(taken).state, booking(dropped).state) == ("collected", "cancelled")


def test_a_booker_with_no_email_is_listed_as_not_told(make, s, ctx, clock):
    quiet = make.person("Mr D Silent", email="")
    made = bookings.book(
        user(s.technician),
        asset(s.trolley),
        person_of(quiet),
        at("2026-11-23", "09:10"),
        at("2026-11-23", "10:00"),
        clock.now,
    )
    db.session.commit()
    done = collections.release_uncollected(at("2026-11-23", "09:41"))
    assert [b.id for b in done.bookings] == [made.id]
    assert done.not_told[0][1] == "Mr D Silent has no email address"


def test_today_is_the_school_date_near_midnight_in_summer_time(s, ctx, clock):
    # 23:30 UTC on Tuesday 9 June is 00:30 on Wednesday in London (BST).
    clock.move_to(at("2026-06-09", "09:00"))
    now = clock.now
    late = book(s, at("2026-06-09", "23:30"), at("2026-06-10", "01:00"), now)  # Tue 22:30 UTC
    early = book(s, at("2026-06-10", "00:30"), at("2026-06-10", "09:00"), now, s.spare)
    collect(s, late, at("2026-06-09", "23:10"))
    wed = at("2026-06-10", "00:35")  # Tuesday 23:35 UTC
    today = collections.today_at_desk(wed)
    assert today.day == date(2026, 6, 10)
    assert [b.id for b in today.collections] == [early]
    assert [b.id for b in today.returns] == [late]
    tuesday = collections.today_at_desk(at("2026-06-09", "23:59"))
    assert [b.id for b in tuesday.collections] == []  # `late` is collected now
    assert [b.id for b in tuesday.returns] == []


# ---- what a collected booking's loan holds ----------------------------------------------------


def book_for_colleague(s, start, end, now):
    return bookings.book(
        user(s.technician), asset(s.trolley), person_of(s.colleague), start, end, now
    )


def test_back_to_back_bookings_stay_possible_while_the_first_is_out(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    collect(s, booking_id, clock.now)
    # Its loan is due today, but the booking, not the due date, holds the trolley: the next
    # lesson is free.
    later = book_for_colleague(s, at("2026-11-23", "10:00"), at("2026-11-23", "11:00"), clock.now)
    assert later.state == "approved"


def test_a_booking_not_back_after_its_end_holds_the_item_for_the_rest_of_the_day(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    collect(s, booking_id, clock.now)
    late = at("2026-11-23", "10:05")
    with pytest.raises(DomainError, match=f"on loan to {s.borrower.name}"):
        book_for_colleague(s, at("2026-11-23", "11:00"), at("2026-11-23", "12:00"), late)
    db.session.rollback()
    # Tomorrow is another day: a late item is expected back by then, as for any loan.
    book_for_colleague(s, at("2026-11-24", "09:10"), at("2026-11-24", "10:00"), late)


def test_a_booking_loan_extended_past_the_booking_holds_the_item_to_its_new_due_date(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    loan = collect(s, booking_id, clock.now)
    loan.due_on = date(2026, 11, 27)  # as loans' extensions.extend moves it
    db.session.commit()
    with pytest.raises(DomainError, match="due back 27/11/2026"):
        book_for_colleague(s, at("2026-11-25", "09:10"), at("2026-11-25", "10:00"), clock.now)
    db.session.rollback()
    book_for_colleague(s, at("2026-11-30", "09:10"), at("2026-11-30", "10:00"), clock.now)


def test_a_booking_loan_extended_holds_the_item_for_the_rest_of_the_booking_s_last_day(
    s, ctx, clock
):
    booking_id = book(s, at("2026-11-23", "09:10"), at("2026-11-23", "10:00"), clock.now)
    loan = collect(s, booking_id, clock.now)
    loan.due_on = date(2026, 11, 27)  # as loans' extensions.extend moves it
    db.session.commit()
    # Still 09:00 Monday, the booking not over: the loan, out until Friday, holds it after 10:00.
    with pytest.raises(DomainError, match="due back 27/11/2026"):
        book_for_colleague(s, at("2026-11-23", "11:00"), at("2026-11-23", "12:00"), clock.now)
    db.session.rollback()
    with pytest.raises(DomainError, match="due back 27/11/2026"):
        book_for_colleague(s, at("2026-11-23", "10:00"), at("2026-11-23", "11:00"), clock.now)
    db.session.rollback()


def test_handed_over_early_the_booking_starts_at_the_hand_over(s, ctx, clock):
    booking_id = book(s, at("2026-11-23", "09:20"), at("2026-11-23", "10:00"), clock.now)
    collect(s, booking_id, clock.now)  # 09:00, 20 minutes early
    assert booking(booking_id).starts_at == at("2026-11-23", "09:00")
    event = db.session.scalars(select(Event).where(Event.action == "booking.collected")).one()
    assert event.changes["starts_at"] == [
        at("2026-11-23", "09:20").isoformat(),
        at("2026-11-23", "09:00").isoformat(),
    ]
    # The trolley is out: nobody books it between the hand-over and the booking's start.
    with pytest.raises(DomainError, match="booked 23/11/2026 09:00\u201310:00"):
        book_for_colleague(s, at("2026-11-23", "09:05"), at("2026-11-23", "09:20"), clock.now)
    db.session.rollback()
    # The booking's end still lets the next lesson's booking through.
    later = book_for_colleague(s, at("2026-11-23", "10:00"), at("2026-11-23", "11:00"), clock.now)
    assert later.state == "approved"


def test_not_handed_over_early_while_another_booking_holds_it_until_the_start(s, ctx, clock):
    earlier = at("2026-11-23", "08:40")
    book_for_colleague(s, at("2026-11-23", "08:50"), at("2026-11-23", "09:20"), earlier)
    db.session.commit()
    booking_id = book(s, at("2026-11-23", "09:20"), at("2026-11-23", "10:00"), earlier)
    message = refusal(s, booking_id, clock.now)
    assert message == (
        "TROLLEY-A cannot be handed over early: it is booked 23/11/2026 08:50\u201309:20 to "
        f"{s.colleague.name}. Hand it over from 23/11/2026 09:20, when the booking starts."
    )
    assert count(Loan) == 0
    assert booking(booking_id).state == "approved"
    # At its start it goes out, and the booking keeps its times.
    collect(s, booking_id, at("2026-11-23", "09:20"))
    assert booking(booking_id).starts_at == at("2026-11-23", "09:20")
