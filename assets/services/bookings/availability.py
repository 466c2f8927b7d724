"""What stands in the way of booking an asset for a UTC range [start, end), and what is free.

Ranges are half-open: 09:00-09:50 and 09:50-10:50 do not clash. A booking clashes with the
live bookings of the same asset (requested, approved, collected), with an open loan up to its
due date (to the end of that school day; an overdue loan until today is over; a loan with no
due date for ever), and with an item that is in repair, lost, stolen or retired.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, or_, select, text, true
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, Loan, Person, User
from assets.models.booking import LIVE_STATES
from assets.permissions import allows
from assets.services.common.clock import date_text, local_date, local_moment
from assets.services.common.errors import DomainError
from assets.services.loans.loans import NOT_LOANABLE

ALTERNATIVES = 5


@dataclass(frozen=True)
class Clash:
    """One thing in the way: a booking, or an open loan (`booking` None)."""

    start: datetime
    booking: Booking | None = None
    loan: Loan | None = None


class BookingRefused(DomainError):
    """A booking clashes: the message names the clashes and the free alternatives, which are
    also kept for the page to show."""

    def __init__(
        self,
        message: str,
        *,
        clashes: list[Clash] | None = None,
        alternatives: list[Asset] | None = None,
        field: str | None = "starts_at",
    ):
        super().__init__(message, field=field)
        self.clashes = clashes or []
        self.alternatives = alternatives or []


def serialise_writers(asset_ids: list[int]) -> None:
    """Make the check that follows and the writes after it one step for these assets: on
    PostgreSQL lock their rows (another booker of the same asset waits, then sees what this
    one wrote); on SQLite take the database's write lock now (writers queue behind the busy
    timeout). On PostgreSQL the exclusion constraint stays the guarantee."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            select(Asset.id).where(Asset.id.in_(asset_ids)).order_by(Asset.id).with_for_update()
        ).all()
    else:
        # A write that changes nothing still takes SQLite's one write lock until commit.
        db.session.execute(text("DELETE FROM bookings WHERE 0 = 1"))


def overlapping(start: datetime, end: datetime):
    """The SQL condition for a booking overlapping [start, end)."""
    return and_(Booking.starts_at < end, Booking.ends_at > start)


def live_bookings(asset_id: int, start: datetime, end: datetime) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.asset_id == asset_id,
                Booking.state.in_(LIVE_STATES),
                overlapping(start, end),
            )
            .options(selectinload(Booking.person))
            .order_by(Booking.starts_at)
        )
    )


def _holding_loan(start: datetime, now: datetime):
    """The SQL condition for an open loan that holds its asset at `start`: not a collected
    booking's own loan (the booking's range holds the asset then, not the loan's due date),
    and still out at `start`: to the end of its due date (or of today, once overdue), for
    ever without one. The one rule behind both the clash and the free alternatives."""
    collected = exists().where(Booking.id == Loan.booking_id, Booking.state == "collected")
    day = local_date(start)
    still_out = true() if day <= local_date(now) else or_(Loan.due_on.is_(None), Loan.due_on >= day)
    return and_(Loan.returned_at.is_(None), ~collected, still_out)


def _open_loan(asset_id: int, start: datetime, now: datetime) -> Loan | None:
    """The asset's open loan that holds it at `start` (_holding_loan), or None."""
    return db.session.scalar(
        select(Loan)
        .where(Loan.asset_id == asset_id, _holding_loan(start, now))
        .options(selectinload(Loan.person))
    )


def status_refusal(asset: Asset) -> str | None:
    if asset.status in NOT_LOANABLE:
        return f"{asset.tag} {NOT_LOANABLE[asset.status]} and cannot be booked."
    return None


def clashes(asset: Asset, start: datetime, end: datetime, now: datetime) -> list[Clash]:
    """Everything that holds `asset` somewhere in [start, end), earliest first."""
    found = [Clash(start=b.starts_at, booking=b) for b in live_bookings(asset.id, start, end)]
    loan = _open_loan(asset.id, start, now)
    if loan is not None:
        found.insert(0, Clash(start=start, loan=loan))
    return found


def range_text(start: datetime, end: datetime) -> str:
    """A range as the school reads it: "08/12/2026 09:00-09:50", the end's date only when it
    is another day."""
    first, last = local_moment(start), local_moment(end)
    until = last.strftime("%H:%M")
    if last.date() != first.date():
        until = f"{date_text(last.date())} {until}"
    return f"{date_text(first.date())} {first:%H:%M}\u2013{until}"


def clash_text(clash: Clash, viewer: User | None) -> str:
    """One clash in words; whose it is only for those who may see it (the desk and office,
    or the person it is for)."""
    if clash.loan is not None:
        loan = clash.loan
        holder = _whose(loan.person, viewer)
        if loan.due_on is None:
            return f"on a long-term loan{holder}"
        return f"on loan{holder}, due back {date_text(loan.due_on)}"
    booking = clash.booking
    return (
        f"booked {range_text(booking.starts_at, booking.ends_at)}{_whose(booking.person, viewer)}"
    )


def _whose(person: Person, viewer: User | None) -> str:
    if allows(viewer, "can_see_all_loans") or (
        viewer is not None and viewer.person_id == person.id
    ):
        return f" to {person.name}"
    return ""


def free_alternatives(
    asset: Asset, start: datetime, end: datetime, now: datetime, limit: int = ALTERNATIVES
) -> list[Asset]:
    """Other assets of the same category free for all of [start, end), by tag, at most
    `limit`."""
    booked = exists().where(
        Booking.asset_id == Asset.id, Booking.state.in_(LIVE_STATES), overlapping(start, end)
    )
    lent = exists().where(Loan.asset_id == Asset.id, _holding_loan(start, now))
    return list(
        db.session.scalars(
            select(Asset)
            .where(
                Asset.category_id == asset.category_id,
                Asset.id != asset.id,
                Asset.status.not_in(tuple(NOT_LOANABLE)),
                ~booked,
                ~lent,
            )
            .order_by(Asset.tag)
            .limit(limit)
        )
    )


def bookings_for(
    *,
    asset: Asset | None = None,
    person: Person | None = None,
    start: datetime,
    end: datetime,
    live_only: bool = False,
) -> list[Booking]:
    """The bookings of `asset` or `person` (or both) overlapping [start, end), earliest
    first."""
    if asset is None and person is None:
        raise ValueError("bookings_for needs an asset or a person")
    query = select(Booking).where(overlapping(start, end))
    if asset is not None:
        query = query.where(Booking.asset_id == asset.id)
    if person is not None:
        query = query.where(Booking.person_id == person.id)
    if live_only:
        query = query.where(Booking.state.in_(LIVE_STATES))
    query = query.options(selectinload(Booking.asset), selectinload(Booking.person)).order_by(
        Booking.starts_at, Booking.id
    )
    return list(db.session.scalars(query))


def requested(limit: int = 200) -> list[Booking]:
    """Bookings waiting for a technician's approval, soonest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.state == "requested")
            .options(
                selectinload(Booking.asset).selectinload(Asset.category),
                selectinload(Booking.person),
            )
            .order_by(Booking.starts_at, Booking.id)
            .limit(limit)
        )
    )


def days_text(days: list[date]) -> str:
    return ", ".join(date_text(day) for day in days)


def upcoming_for(user: User, now: datetime, limit: int = 200) -> list[Booking]:
    """The bookings for `user`'s own person or made by `user`, not yet ended, soonest first:
    a person's "my bookings"."""
    mine = Booking.booked_by_id == user.id
    if user.person_id is not None:
        mine = or_(mine, Booking.person_id == user.person_id)
    return list(
        db.session.scalars(
            select(Booking)
            .where(mine, Booking.ends_at > now)
            .options(selectinload(Booking.asset), selectinload(Booking.person))
            .order_by(Booking.starts_at, Booking.id)
            .limit(limit)
        )
    )
