"""Booking a kit whole: the strictest of its parts' rules, clashes that name the part, other
free kits as alternatives, a part never booked alone; and the hand-over by scanning every
part, the return with a charger missing. On both databases.

The clock stands at Monday 23/11/2026 09:00 (GMT); times are school-local."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Booking, Category, KitPart, Loan
from assets.services.bookings import bookings, collections
from assets.services.bookings.availability import BookingRefused
from assets.services.common.errors import DomainError
from assets.services.kits import kit_loans, kits
from assets.services.loans import returns
from tests.support import drawings
from tests.support.bookings import asset, at, booking, kit, kit_school, person_of, user

TUESDAY = ("2026-11-24", "11:10"), ("2026-11-24", "12:10")


@pytest.fixture
def s(make, database, clock):
    make.terms()
    return kit_school(make)


def book_kit(s, who=None, *, when=TUESDAY, thing=None, for_=None):
    who = who or s.staff
    made = bookings.book(
        user(who),
        kit(thing or s.kit_a),
        person_of(for_ or who),
        at(*when[0]),
        at(*when[1]),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    return made.id


def refused(s, who=None, *, when=TUESDAY, thing=None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        book_kit(s, who, when=when, thing=thing)
    db.session.rollback()
    return caught.value


def test_a_teacher_books_a_self_service_kit_whole(s, ctx):
    made = booking(book_kit(s))
    assert (made.kit_id, made.asset_id, made.state) == (s.kit_a.id, None, "approved")
    assert made.item_text == "KIT-A iPad trolley A"
    # The same Tuesday again, by a colleague: the message names the booking and kit B.
    error = refused(s, s.colleague)
    assert isinstance(error, BookingRefused)
    assert error.message == (
        "KIT-A is not free then: booked 24/11/2026 11:10\u201312:10. Free instead: KIT-B."
    )
    assert [k.tag for k in error.alternatives] == ["KIT-B"]
    # Touching ranges do not clash.
    book_kit(s, s.colleague, when=(("2026-11-24", "12:10"), ("2026-11-24", "13:10")))


def test_a_part_is_not_booked_on_its_own(s, ctx):
    with pytest.raises(DomainError, match="ASH-0031 is part of kit KIT-A iPad trolley A: book"):
        bookings.book(
            user(s.staff),
            asset(s.parts_a[1]),
            person_of(s.staff),
            at(*TUESDAY[0]),
            at(*TUESDAY[1]),
            at("2026-11-23", "09:00"),
        )


def _set_category(category, **values):
    row = db.session.get(Category, category.id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.commit()


def test_the_strictest_of_the_parts_rules_apply(s, ctx):
    _set_category(s.chargers, booking_needs_approval=True, min_notice_hours=48)
    _set_category(s.ipads, max_booking_hours=2, min_notice_hours=24)
    error = refused(s)
    assert error.message == (
        "KIT-A iPad trolley A (its part ASH-0035, Charger) must be booked at least 48 hours ahead."
    )
    later = (("2026-11-26", "09:00"), ("2026-11-26", "12:00"))
    assert refused(s, when=later).message == (
        "KIT-A iPad trolley A (its part ASH-0031, iPad) can be booked for at most 2 hours at "
        "a time."
    )
    made = booking(book_kit(s, when=(("2026-11-26", "09:00"), ("2026-11-26", "11:00"))))
    assert made.state == "requested"
    # The desk is held to none of it, and its own bookings need no approval.
    made = booking(book_kit(s, s.technician, for_=s.borrower, thing=s.kit_b))
    assert made.state == "approved"


def test_a_part_not_self_service_keeps_the_kit_for_the_desk(s, ctx):
    _set_category(s.chargers, self_service=False)
    error = refused(s)
    assert error.message == (
        "KIT-A iPad trolley A (its part ASH-0035, Charger) cannot be booked for yourself. "
        "Ask the IT technician to book it for you."
    )
    assert booking(book_kit(s, s.technician, for_=s.staff)).kit_id == s.kit_a.id


def test_a_part_in_repair_or_lent_stops_the_kit_and_is_named(s, ctx, make):
    part = asset(s.parts_a[2])
    part.status = "in_repair"
    db.session.commit()
    assert refused(s).message == (
        "KIT-A iPad trolley A cannot be booked: its part ASH-0032 is in repair."
    )
    part = asset(s.parts_a[2])
    part.status = "available"
    db.session.commit()
    make.lend(s.parts_a[8], s.borrower)  # a charger lent on its own, no due date
    error = refused(s)
    # A teacher is not told who holds it.
    assert error.message == (
        "KIT-A is not free then: its part ASH-0038 is on loan, due back 30/11/2026. "
        "Free instead: KIT-B."
    )


def test_a_part_booked_on_its_own_before_it_joined_stops_the_kit(s, ctx, make):
    spare = make.asset("ASH-0099", category=s.chargers, name="Spare charger")
    bookings.book(
        user(s.technician),
        asset(spare),
        person_of(s.borrower),
        at(*TUESDAY[0]),
        at(*TUESDAY[1]),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    # The register refuses it now; a part that joined earlier (written past the service).
    with pytest.raises(DomainError, match="ASH-0099 is booked on its own"):
        kits.add_part(user(s.technician), kit(s.kit_a), "ASH-0099")
    db.session.rollback()
    db.session.add(KitPart(kit_id=s.kit_a.id, asset_id=spare.id))
    db.session.commit()
    assert refused(s).message == (
        "KIT-A is not free then: its part ASH-0099 is booked 24/11/2026 11:10\u201312:10. "
        "Free instead: KIT-B."
    )


def test_add_part_is_allowed_once_the_bookings_are_over(s, ctx, make, clock):
    spare = make.asset("ASH-0099", category=s.chargers, name="Spare charger")
    made = bookings.book(
        user(s.technician),
        asset(spare),
        person_of(s.borrower),
        at("2026-11-23", "10:00"),
        at("2026-11-23", "11:00"),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    with pytest.raises(DomainError, match="a part is booked only with its kit"):
        kits.add_part(user(s.technician), kit(s.kit_b), "ASH-0099")
    db.session.rollback()
    kits.add_part(user(s.technician), kit(s.kit_b), "ASH-0099", now=made.ends_at)
    db.session.commit()
    assert spare.id in [p.asset_id for p in kit(s.kit_b).parts]


def test_a_weekly_kit_booking_is_all_or_nothing_and_names_the_clashing_dates(s, ctx):
    start, end = at(*TUESDAY[0]), at(*TUESDAY[1])
    made = bookings.book_repeating(
        user(s.staff),
        kit(s.kit_a),
        person_of(s.staff),
        start,
        end,
        date(2026, 12, 15),
        at("2026-11-23", "09:00"),
    )
    db.session.commit()
    assert len(made) == 4 and {b.kit_id for b in made} == {s.kit_a.id}
    with pytest.raises(BookingRefused) as caught:
        bookings.book_repeating(
            user(s.colleague),
            kit(s.kit_a),
            person_of(s.colleague),
            at("2026-12-08", "11:00"),
            at("2026-12-08", "11:30"),
            date(2026, 12, 22),
            at("2026-11-23", "09:00"),
        )
    assert caught.value.message == (
        "KIT-A is not free on 08/12/2026, 15/12/2026, so nothing was booked. The first "
        "clash: it is booked 08/12/2026 11:10\u201312:10. Free instead: KIT-B."
    )


# ---- the hand-over by scanning, and the return ----------------------------------------------


def _collect(s, booking_id, scanned, moment=None):
    lent = collections.collect_kit(
        user(s.technician),
        booking(booking_id),
        scanned,
        drawings.drawn_signature(),
        moment or at("2026-11-24", "11:00"),
    )
    db.session.commit()
    return lent


def test_every_part_must_be_scanned_before_the_kit_goes_out(s, ctx, clock):
    made = book_kit(s)
    clock.move_to(at("2026-11-24", "11:00"))
    tags = [p.tag for p in s.parts_a]
    scan = collections.scan_kit(booking(made), "\n".join([*tags[:-1], "ASH-0041", "NOPE-9"]))
    assert [a.tag for a in scan.missing] == ["ASH-0038"]
    assert scan.problems == [
        "ASH-0041 is not part of kit KIT-A (iPad trolley A): put it aside.",
        "No asset has the tag NOPE-9. Check the label.",
    ]
    with pytest.raises(DomainError, match=r"Not scanned yet: ASH-0038 Charger A4\. Kit KIT-A"):
        _collect(s, made, "\n".join(tags[:-1]))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Loan.id))) == 0
    assert booking(made).state == "approved"

    lent = _collect(s, made, "\n".join(reversed(tags)))
    assert sorted(loan.asset.tag for loan in lent) == sorted(tags)
    assert {loan.booking_id for loan in lent} == {made}
    assert {loan.due_on for loan in lent} == {date(2026, 11, 24)}
    assert len({loan.signature_id for loan in lent}) == 1
    assert booking(made).state == "collected"


def test_the_kits_own_label_counts_as_every_part(s, ctx, app, clock):
    made = book_kit(s)
    clock.move_to(at("2026-11-24", "11:00"))
    label = f"{app.config['BASE_URL']}/k/KIT-A"
    assert collections.scan_kit(booking(made), label).complete
    assert len(_collect(s, made, "kit-a")) == 9


def test_a_charger_missing_keeps_the_booking_collected_until_it_is_back(s, ctx, clock):
    made = book_kit(s)
    clock.move_to(at("2026-11-24", "11:00"))
    _collect(s, made, "KIT-A")
    charger = s.parts_a[-1]
    checks = {p.id: "fine" for p in s.parts_a} | {charger.id: "missing"}
    back = kit_loans.return_kit(
        user(s.technician), kit(s.kit_a), checks, now=at("2026-11-24", "12:05")
    )
    db.session.commit()
    assert [loan.asset.tag for loan in back.missing] == ["ASH-0038"]
    assert booking(made).state == "collected"
    today = collections.today_at_desk(at("2026-11-24", "12:06"))
    (due,) = today.returns
    assert [a.tag for a in today.back_except(due)] == ["ASH-0038"]
    # Found the next day: checked in on its own, the booking is returned.
    returns.check_in(
        user(s.technician),
        asset(charger),
        "full_working",
        "",
        now=at("2026-11-24", "12:30") + timedelta(days=1),
    )
    db.session.commit()
    assert booking(made).state == "returned"
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_a_kit_handed_over_early_is_booked_from_the_hand_over(s, ctx, clock):
    made = book_kit(s)  # Tuesday 11:10-12:10
    book_kit(s, s.colleague, when=(("2026-11-24", "10:30"), ("2026-11-24", "10:50")))
    with pytest.raises(DomainError, match="cannot be handed over early: it is booked"):
        _collect(s, made, "KIT-A", at("2026-11-24", "10:45"))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Loan.id))) == 0
    _collect(s, made, "KIT-A", at("2026-11-24", "10:50"))
    assert booking(made).starts_at == at("2026-11-24", "10:50")
    with pytest.raises(DomainError, match="KIT-A is not free then"):
        book_kit(s, s.colleague, when=(("2026-11-24", "10:55"), ("2026-11-24", "11:10")))
    db.session.rollback()
