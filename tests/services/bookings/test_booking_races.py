"""No double booking, guaranteed by the database: six bookers at once for the same asset and
range end with exactly one booking and five clear messages naming the free alternatives, on
SQLite and PostgreSQL; and on PostgreSQL the exclusion constraint itself refuses an overlap
written past the service."""

import itertools
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from assets.extensions import db
from assets.models import Booking, Event, Pool
from assets.services.bookings import availability, bookings, pool_bookings
from assets.services.common.errors import DomainError
from tests.support.bookings import asset, at, kit, kit_school, person_of, school, user
from tests.support.concurrency import race

BOOKERS = 6


@pytest.fixture
def s(make, database, clock):
    return school(make)


def test_six_bookers_at_once_end_with_one_booking(app, make, s, database):
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]
    start, end = at("2026-11-24", "09:50"), at("2026-11-24", "10:50")

    def try_booking(i: int, barrier: threading.Barrier):
        actor, trolley = user(teachers[i]), asset(s.trolley)
        barrier.wait()
        try:
            bookings.book(actor, trolley, person_of(teachers[i]), start, end, datetime.now(UTC))
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "booked"

    outcomes = race(app, try_booking, desks=BOOKERS)

    unexpected = [o for o in outcomes if o != "booked" and not isinstance(o, DomainError)]
    assert unexpected == [], f"{database}: {unexpected!r}"
    assert outcomes.count("booked") == 1, outcomes
    for refusal in [o for o in outcomes if isinstance(o, DomainError)]:
        assert "TROLLEY-A" in refusal.message
        assert "Free instead: TROLLEY-B." in refusal.message
        assert "locked" not in refusal.message.lower()
    with app.app_context():
        winner = teachers[outcomes.index("booked")]
        made = db.session.scalars(select(Booking)).all()
        assert [(b.asset_id, b.person_id) for b in made] == [(s.trolley.id, winner.person_id)]
        created = db.session.scalar(
            select(func.count(Event.id)).where(Event.action == "booking.created")
        )
        assert created == 1


def test_six_repeating_bookers_at_once_end_with_one_series(app, make, s, database):
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]

    def try_booking(i: int, barrier: threading.Barrier):
        actor, trolley = user(teachers[i]), asset(s.trolley)
        # Each repeat overlaps the others on a different first week.
        start = at(f"2026-12-{1 + i:02d}", "09:00")
        barrier.wait()
        try:
            made = bookings.book_repeating(
                actor,
                trolley,
                person_of(teachers[i]),
                start,
                at(f"2026-12-{1 + i:02d}", "09:00").replace(hour=23),
                datetime(2027, 1, 31).date(),
                datetime.now(UTC),
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return len(made)

    outcomes = race(app, try_booking, desks=BOOKERS)
    assert all(isinstance(o, int | DomainError) for o in outcomes), outcomes
    with app.app_context():
        series = db.session.scalars(select(Booking.series_id).distinct()).all()
        booked = [o for o in outcomes if isinstance(o, int)]
        assert len(series) == len(booked) >= 1
        rows = db.session.scalars(select(Booking).order_by(Booking.starts_at)).all()
        for earlier, later in itertools.pairwise(rows):
            assert earlier.ends_at <= later.starts_at, "two bookings overlap"


@pytest.mark.databases("postgresql")  # SQLite has no exclusion constraints
def test_the_postgresql_constraint_refuses_an_overlap_written_past_the_service(
    app, make, s, database
):
    insert = text(
        "INSERT INTO bookings (asset_id, person_id, starts_at, ends_at, state, purpose, "
        "created_at, updated_at) VALUES (:asset, :person, :start, :end, :state, '', now(), now())"
    )
    values = {"asset": s.trolley.id, "person": s.borrower.id}
    with app.app_context():
        db.session.execute(
            insert,
            values
            | {
                "start": at("2026-11-24", "09:00"),
                "end": at("2026-11-24", "09:50"),
                "state": "approved",
            },
        )
        # Touching is allowed; so is overlapping a declined booking.
        db.session.execute(
            insert,
            values
            | {
                "start": at("2026-11-24", "09:50"),
                "end": at("2026-11-24", "10:50"),
                "state": "requested",
            },
        )
        db.session.execute(
            insert,
            values
            | {
                "start": at("2026-11-24", "09:00"),
                "end": at("2026-11-24", "10:50"),
                "state": "declined",
            },
        )
        db.session.commit()
        with pytest.raises(IntegrityError, match="no_double_booking"):
            db.session.execute(
                insert,
                values
                | {
                    "start": at("2026-11-24", "09:49"),
                    "end": at("2026-11-24", "09:51"),
                    "state": "collected",
                },
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count(Booking.id))) == 3


@pytest.mark.databases("postgresql")  # SQLite has no exclusion constraints
def test_an_overlap_the_service_missed_is_refused_by_postgresql_with_a_message(
    app, make, s, database, monkeypatch
):
    """Were the lock and the check ever to miss an overlap, the constraint still refuses it,
    and the booker reads a message, not an error page."""
    start, end = at("2026-11-24", "09:50"), at("2026-11-24", "10:50")
    with app.app_context():
        bookings.book(
            user(s.technician),
            asset(s.trolley),
            person_of(s.borrower),
            start,
            end,
            datetime.now(UTC),
        )
        db.session.commit()
        monkeypatch.setattr(availability, "serialise_writers", lambda asset_ids: None)
        monkeypatch.setattr(
            availability, "clashes_each", lambda item, ranges, now: [[] for _r in ranges]
        )
        with pytest.raises(DomainError, match="TROLLEY-A has just been booked by someone else"):
            bookings.book(
                user(s.staff), asset(s.trolley), person_of(s.staff), start, end, datetime.now(UTC)
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count(Booking.id))) == 1


# ---- a kit: the same guarantee over kit_id ----------------------------------------------------


@pytest.fixture
def k(make, database, clock):
    return kit_school(make)


def test_six_bookers_of_one_kit_at_once_end_with_one_booking(app, make, k, database):
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]
    start, end = at("2026-11-24", "11:10"), at("2026-11-24", "12:10")

    def try_booking(i: int, barrier: threading.Barrier):
        actor, trolley = user(teachers[i]), kit(k.kit_a)
        barrier.wait()
        try:
            bookings.book(actor, trolley, person_of(teachers[i]), start, end, datetime.now(UTC))
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "booked"

    outcomes = race(app, try_booking, desks=BOOKERS)

    unexpected = [o for o in outcomes if o != "booked" and not isinstance(o, DomainError)]
    assert unexpected == [], f"{database}: {unexpected!r}"
    assert outcomes.count("booked") == 1, outcomes
    for refusal in [o for o in outcomes if isinstance(o, DomainError)]:
        assert refusal.message.startswith("KIT-A is not free then: booked 24/11/2026 11:10")
        assert refusal.message.endswith("Free instead: KIT-B.")
    with app.app_context():
        made = db.session.scalars(select(Booking)).all()
        winner = teachers[outcomes.index("booked")]
        assert [(b.kit_id, b.asset_id, b.person_id) for b in made] == [
            (k.kit_a.id, None, winner.person_id)
        ]


def test_six_repeating_bookers_of_one_kit_at_once_end_with_one_series(app, make, k, database):
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]

    def try_booking(i: int, barrier: threading.Barrier):
        actor, trolley = user(teachers[i]), kit(k.kit_a)
        barrier.wait()
        try:
            made = bookings.book_repeating(
                actor,
                trolley,
                person_of(teachers[i]),
                at("2026-11-24", "11:10"),
                at("2026-11-24", "12:10"),
                datetime(2026, 12, 15).date(),
                datetime.now(UTC),
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return len(made)

    outcomes = race(app, try_booking, desks=BOOKERS)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [4], outcomes
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == BOOKERS - 1, outcomes
    for refusal in refusals:
        assert "KIT-A is not free on 24/11/2026, 01/12/2026, 08/12/2026, 15/12/2026" in (
            refusal.message
        )
        assert refusal.message.endswith("Free instead: KIT-B.")
    with app.app_context():
        assert db.session.scalar(select(func.count(Booking.id))) == 4


@pytest.mark.databases("postgresql")  # SQLite has no exclusion constraints
def test_the_postgresql_constraint_refuses_a_kit_overlap_written_past_the_service(
    app, make, k, database
):
    insert = text(
        "INSERT INTO bookings (kit_id, person_id, starts_at, ends_at, state, purpose, "
        "created_at, updated_at) VALUES (:kit, :person, :start, :end, 'approved', '', now(), "
        "now())"
    )
    values = {"kit": k.kit_a.id, "person": k.borrower.id}
    with app.app_context():
        db.session.execute(
            insert, values | {"start": at("2026-11-24", "11:10"), "end": at("2026-11-24", "12:10")}
        )
        # Another kit at the same time, and the same kit touching, are fine.
        db.session.execute(
            insert,
            values
            | {
                "kit": k.kit_b.id,
                "start": at("2026-11-24", "11:10"),
                "end": at("2026-11-24", "12:10"),
            },
        )
        db.session.execute(
            insert, values | {"start": at("2026-11-24", "12:10"), "end": at("2026-11-24", "13:10")}
        )
        db.session.commit()
        with pytest.raises(IntegrityError, match="no_double_kit_booking"):
            db.session.execute(
                insert,
                values | {"start": at("2026-11-24", "12:00"), "end": at("2026-11-24", "12:20")},
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count(Booking.id))) == 3


# ---- a pool: the summed quantity under a lock ----------------------------------------------


def _pool_school(make):
    s = school(make)
    s.pool = make.pool("Loan iPads, IT office", units=10)
    return s


def test_six_pool_bookers_of_3_from_10_at_once_end_with_3(app, make, database, clock):
    s = _pool_school(make)
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]
    start, end = at("2026-11-24", "11:10"), at("2026-11-24", "12:10")

    def try_booking(i: int, barrier: threading.Barrier):
        actor, pool = user(teachers[i]), db.session.get(Pool, s.pool.id)
        barrier.wait()
        try:
            pool_bookings.book_pool(
                actor, pool, person_of(teachers[i]), 3, start, end, datetime.now(UTC)
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return "booked"

    outcomes = race(app, try_booking, desks=BOOKERS)
    unexpected = [o for o in outcomes if o != "booked" and not isinstance(o, DomainError)]
    assert unexpected == [], f"{database}: {unexpected!r}"
    assert outcomes.count("booked") == 3, outcomes
    for refusal in [o for o in outcomes if isinstance(o, DomainError)]:
        assert refusal.message.startswith("Only 1 of 10 in Loan iPads, IT office are free")
    with app.app_context():
        assert db.session.scalar(select(func.sum(Booking.quantity))) == 9


def test_six_repeating_pool_bookers_at_once_never_overbook(app, make, database, clock):
    s = _pool_school(make)
    teachers = [make.user("staff", person=True) for _ in range(BOOKERS)]

    def try_booking(i: int, barrier: threading.Barrier):
        actor, pool = user(teachers[i]), db.session.get(Pool, s.pool.id)
        # Each repeat starts a week apart from another, so they overlap on later weeks.
        first = f"2026-12-{1 + 7 * (i % 3):02d}"
        barrier.wait()
        try:
            made = pool_bookings.book_pool_repeating(
                actor,
                pool,
                person_of(teachers[i]),
                4,
                at(first, "11:10"),
                at(first, "12:10"),
                date(2027, 1, 31),
                datetime.now(UTC),
            )
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused
        return len(made)

    outcomes = race(app, try_booking, desks=BOOKERS)
    assert all(isinstance(o, int | DomainError) for o in outcomes), outcomes
    assert 1 <= len([o for o in outcomes if isinstance(o, int)]) <= 2
    with app.app_context():
        rows = db.session.execute(
            select(Booking.starts_at, func.sum(Booking.quantity)).group_by(Booking.starts_at)
        ).all()
        assert rows and all(total <= 10 for _start, total in rows), rows
