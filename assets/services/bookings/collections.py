"""A booking's hand-over and return: collected through the usual one-signature check-out
(loans), returned when its loan is checked in, released when nobody came for it; and the
desk's list of today's collections and returns.

Imports run one way: bookings use loans, loans know nothing of bookings. So the return
reaches a booking through returns.AFTER_LOAN_CLOSED, a list of hooks called when a loan ends
(checked in, or ended by an incident); this module adds its hook when it is imported (the
bookings package imports it), and the hook moves the booking holding that loan from collected
to returned in the same transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Booking, Loan, User
from assets.services.bookings import availability
from assets.services.bookings.bookings import _move, _record
from assets.services.common import events, mailer
from assets.services.common.clock import local_date, local_time_text, start_of_day
from assets.services.common.errors import DomainError
from assets.services.loans import lending_rules, loans, returns

# A booking can be handed over from this long before it starts.
COLLECT_EARLY = timedelta(minutes=30)
# An approved booking nobody collected is released this long after it starts (the command's
# default; BOOKING_RELEASE_MINUTES in the configuration).
RELEASE_AFTER_MINUTES = 30


def due_on(booking: Booking):
    """The loan's due date: the school date the booking ends on (a booking ending at
    midnight is due back the day before, its last day)."""
    return local_date(booking.ends_at - timedelta(microseconds=1))


def _check_collectable(booking: Booking, now: datetime) -> None:
    tag = booking.asset.tag
    if booking.state == "collected":
        raise DomainError(
            f"{tag} has already been handed over for this booking"
            + (f" ({local_time_text(booking.loans[0].out_at)})." if booking.loans else ".")
        )
    if booking.state == "requested":
        raise DomainError(
            "This booking is waiting for the IT technician's approval: approve it before "
            "handing the item over."
        )
    if booking.state != "approved":
        raise DomainError(
            f"This booking is {booking.state_label.lower()} and cannot be handed over."
        )
    if booking.ends_at <= now:
        raise DomainError("This booking has already ended and cannot be handed over.")
    opens = booking.starts_at - COLLECT_EARLY
    if now < opens:
        minutes = int(COLLECT_EARLY.total_seconds() // 60)
        raise DomainError(
            f"{tag} can be collected from {local_time_text(opens)}, {minutes} minutes before "
            "the booking starts."
        )
    refusal = loans.why_not_lendable(booking.asset)
    if refusal is not None:
        raise DomainError(f"{tag} cannot be handed over now: {refusal}")


def plan_collect(
    actor: User,
    booking: Booking,
    now: datetime,
    reasons: lending_rules.Reasons | None = None,
) -> loans.CheckoutPlan:
    """What the borrower is about to sign for this booking (loans.plan_checkout), after the
    booking's own checks. Writes nothing."""
    _check_collectable(booking, now)
    return loans.plan_checkout(
        actor,
        booking.person,
        [booking.asset],
        due_on=due_on(booking),
        today=local_date(now),
        reasons=reasons,
        collecting=booking.id,
    )


def collect(
    actor: User,
    booking: Booking,
    signature: str | bytes | None,
    now: datetime,
    *,
    terms_ids: list[int] | None = None,
    reasons: lending_rules.Reasons | None = None,
) -> Loan:
    """Hand the booked asset over: the usual check-out with the borrower's one signature,
    due back on the booking's end's school date, and the booking collected with its loan.
    Refused (nothing written) for a booking not approved, not yet within COLLECT_EARLY of
    its start, already collected or ended, or whose asset cannot be lent now."""
    _check_collectable(booking, now)
    (loan,) = loans.check_out(
        actor,
        booking.person,
        [booking.asset],
        due_on=due_on(booking),
        signature=signature,
        terms_ids=terms_ids,
        reasons=reasons,
        now=now,
        collecting=booking.id,
    )
    _move(
        booking,
        ("approved",),
        {"state": "collected", "updated_at": now},
        "This booking is {state} already: nothing was handed over.",
    )
    loan.booking = booking
    _record(
        actor,
        booking,
        "booking.collected",
        f"{booking.asset.tag} collected by {booking.person.name}",
        changes={"state": ["approved", "collected"], "loan_id": loan.id},
    )
    return loan


def _loan_returned(actor: User | None, loan: Loan, now: datetime) -> None:
    """The hook for a loan that ended: the booking it was collected for is returned once
    none of its loans is still out (a kit's missing charger keeps it collected)."""
    booking = loan.booking
    if booking is None or booking.state != "collected":
        return
    still_out = db.session.scalar(
        select(Loan.id)
        .where(Loan.booking_id == booking.id, Loan.id != loan.id, Loan.returned_at.is_(None))
        .limit(1)
    )
    if still_out is None:
        db.session.execute(
            update(Booking)
            .where(Booking.id == booking.id, Booking.state == "collected")
            .values(state="returned", updated_at=now, sequence=Booking.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(booking)
        _record(
            actor,
            booking,
            "booking.returned",
            f"{booking.item_text} returned by {booking.person.name}",
            changes={"state": ["collected", "returned"], "loan_id": loan.id},
        )


if _loan_returned not in returns.AFTER_LOAN_CLOSED:
    returns.AFTER_LOAN_CLOSED.append(_loan_returned)


# ---- releasing what nobody collected ----------------------------------------------------------


@dataclass
class Released:
    """The bookings released, and those whose booker could not be told, with why."""

    bookings: list[Booking] = field(default_factory=list)
    not_told: list[tuple[Booking, str]] = field(default_factory=list)


def uncollected(now: datetime, after_minutes: int = RELEASE_AFTER_MINUTES) -> list[Booking]:
    """Approved bookings that started more than `after_minutes` ago and were not collected
    (exactly `after_minutes` after the start is not yet late)."""
    cutoff = now - timedelta(minutes=after_minutes)
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.state == "approved", Booking.starts_at < cutoff)
            .options(selectinload(Booking.asset), selectinload(Booking.person))
            .order_by(Booking.starts_at, Booking.id)
        )
    )


def release_uncollected(now: datetime, after_minutes: int = RELEASE_AFTER_MINUTES) -> Released:
    """Release every approved booking not collected `after_minutes` after its start (no
    login acts: the command's), so its time is free again; an audit event each, and each
    booker emailed (templates/email/booking_released.txt). A booking collected or cancelled
    meanwhile is left alone. The caller commits; a mail error is listed, not raised."""
    if after_minutes < 0:
        raise DomainError("Release after 0 minutes or more.")
    done = Released()
    for booking in uncollected(now, after_minutes):
        try:
            _move(
                booking,
                ("approved",),
                {"state": "released", "updated_at": now},
                "This booking is {state} already.",
            )
        except DomainError:
            continue  # collected or cancelled a moment ago
        _record(
            None,
            booking,
            "booking.released",
            f"Booking of {booking.item_text} for {booking.person.name} released: not "
            f"collected within {after_minutes} minutes of its start",
            changes={"state": ["approved", "released"]},
        )
        done.bookings.append(booking)
    db.session.flush()
    for booking in done.bookings:
        error = _tell_released(booking, after_minutes)
        if error:
            done.not_told.append((booking, error))
    return done


def _tell_released(booking: Booking, after_minutes: int) -> str | None:
    person = booking.person
    if not person.email:
        return f"{person.name} has no email address"
    what = booking.asset.tag if booking.asset else booking.item_text
    try:
        mailer.send_template(
            [person.email],
            f"Your booking of {what} was released",
            "email/booking_released.txt",
            booking=booking,
            person=person,
            when=availability.range_text(booking.starts_at, booking.ends_at),
            after_minutes=after_minutes,
        )
    except mailer.MailError as error:
        return str(error)
    events.record(
        None,
        "booking.release_emailed",
        booking,
        f"{person.name} told by email that the booking of {booking.item_text} was released",
        asset=booking.asset,
        person=person,
    )
    return None


# ---- the desk's day ---------------------------------------------------------------------------


@dataclass
class Today:
    day: object
    collections: list[Booking]
    returns: list[Booking]


def today_at_desk(now: datetime) -> Today:
    """The school day of `now`: approved bookings starting that day (to hand over) and
    collected bookings ending that day (to come back), in the school's time zone."""
    day = local_date(now)
    first, last = start_of_day(day), start_of_day(day + timedelta(days=1))

    def within(column, state):
        return list(
            db.session.scalars(
                select(Booking)
                .where(Booking.state == state, column >= first, column < last)
                .options(selectinload(Booking.asset), selectinload(Booking.person))
                .order_by(column, Booking.id)
            )
        )

    return Today(day, within(Booking.starts_at, "approved"), within(Booking.ends_at, "collected"))
