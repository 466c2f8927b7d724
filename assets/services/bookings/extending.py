"""Extending a booking: a later end, only while nothing later holds the item (issue 16:
"extending a loan or booking is allowed only when nothing later is booked")."""

from datetime import datetime, timedelta

from assets.extensions import db
from assets.models import Booking, Pool, User
from assets.models.booking import LONGEST_BOOKING
from assets.permissions import allows
from assets.services.bookings import availability, bookings, pool_capacity
from assets.services.bookings.availability import BookingRefused
from assets.services.common.clock import local_date, local_time_text
from assets.services.common.errors import DomainError, NotAllowed


def may_extend(actor: User, booking: Booking) -> bool:
    """Whether `actor` may extend `booking`: the person it is for, the login that made it,
    or the desk."""
    own = actor.person_id is not None and actor.person_id == booking.person_id
    return own or booking.booked_by_id == actor.id or allows(actor, "can_book_for_anyone")


def extend(actor: User, booking: Booking, new_end: datetime, now: datetime) -> Booking:
    """Move a live booking's end later to `new_end` (UTC): the booker for their own, the
    desk for any. Refused, nothing changed, when the time added [end, new_end) is not free
    (an asset or a kit: the same clashes as booking, a kit's parts' too; a pool: fewer of its
    units free then than the booking holds; the message says the latest end that is free) or
    the booking would last longer than its category allows (a kit: the strictest part's). A
    collected booking's loans (every open one: a kit's parts, a pool's units) are due back on
    the new end's date."""
    if not may_extend(actor, booking):
        raise NotAllowed("You can extend only your own bookings.")
    desk = allows(actor, "can_book_for_anyone")
    if new_end.tzinfo is None:
        raise ValueError("bookings take aware datetimes")
    item = booking.item
    # The lock a booking of the item takes, then the booking as it is now: of two desks
    # extending it at once, the second sees the first's end.
    if isinstance(item, Pool):
        pool_capacity.lock_pool(item)
    else:
        availability.serialise_writers(bookings.locks_for(item))
    db.session.refresh(booking, with_for_update=_on_postgresql())
    if not booking.is_live:
        raise DomainError(f"This booking is {booking.state_label.lower()} and cannot be extended.")
    if booking.ends_at <= now:
        raise DomainError("This booking has already ended and cannot be extended.")
    if new_end <= booking.ends_at:
        raise DomainError(
            f"It already ends at {local_time_text(booking.ends_at)}: choose a later end.",
            field="ends_at",
        )
    if new_end - booking.starts_at > LONGEST_BOOKING:
        raise DomainError("A booking can last a year at most.", field="ends_at")
    longest = bookings.rules_for(item).longest
    if not desk and longest and new_end - booking.starts_at > timedelta(hours=longest[0]):
        hours, whose = longest
        raise DomainError(
            f"{whose} can be booked for at most {bookings.hours_text(hours)} at a time.",
            field="ends_at",
        )
    tag = bookings.item_tag(booking)
    if isinstance(item, Pool):
        _check_pool_extension(actor, booking, item, new_end, now)
    else:
        _check_extension(actor, item, booking.ends_at, new_end, now)
    before = booking.ends_at
    booking.ends_at = new_end
    booking.updated_at = now
    booking.sequence = Booking.sequence + 1  # in SQL, as move_state
    bookings.flush_or_refuse(tag, field="ends_at")
    changes = {"ends_at": [before.isoformat(), new_end.isoformat()]}
    if booking.state == "collected":
        due = local_date(new_end - timedelta(microseconds=1))
        moved = []
        for loan in booking.loans:
            if loan.is_open and loan.due_on != due:
                changes["loan_due_on"] = [loan.due_on.isoformat(), due.isoformat()]
                moved.append(loan.id)
                loan.due_on = due
        if moved:
            changes["loan_ids"] = moved
    bookings.record(
        actor,
        booking,
        "booking.extended",
        f"Booking of {tag} for {booking.person.name} extended",
        changes=changes,
    )
    return booking


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _check_extension(
    actor: User, item: bookings.Item, end: datetime, new_end: datetime, now
) -> None:
    """Refuse, naming the first clash and the latest end that is free, unless an asset or a
    kit (its own bookings, each part's) is free for all of [end, new_end). Under the lock
    a booking of `item` takes (extend takes it first)."""
    refusal = availability.status_refusal(item)
    if refusal:
        raise DomainError(refusal, field="ends_at")
    found = availability.clashes(item, end, new_end, now)
    if not found:
        return
    first = min(found, key=lambda clash: clash.start)
    free_until = "it cannot be extended"
    if first.start > end:
        free_until = f"it can be extended to {local_time_text(first.start)} at most"
    said = availability.clash_text(first, actor)
    raise BookingRefused(
        f"{item.tag} "
        + ("is " if first.part is None else "cannot run later: ")
        + f"{said}, so {free_until}.",
        clashes=found,
        field="ends_at",
    )


def _check_pool_extension(actor, booking: Booking, pool: Pool, new_end: datetime, now) -> None:
    """Refuse unless `booking.quantity` of the pool's units stay free for all of [end,
    new_end), saying how many are free then and the latest end with enough. Under the pool's
    lock, as pool bookings are written (pool_capacity.lock_pool, which extend took)."""
    end, wanted = booking.ends_at, booking.quantity
    capacity = pool_capacity.load(pool, end, new_end, now, skip_booking=booking.id)
    free = capacity.free(end, new_end)
    if free >= wanted:
        return
    # Free only shrinks as the end moves later, and changes only where a booking starts.
    latest = None
    for moment in sorted({first for first, _last, _q in capacity.bookings if end < first}):
        if moment >= new_end or capacity.free(end, moment) < wanted:
            break
        latest = moment
    free_until = (
        f"it can be extended to {local_time_text(latest)} at most"
        if latest is not None
        else "it cannot be extended"
    )
    when = availability.range_text(end, new_end)
    raise BookingRefused(
        f"Only {free} of {capacity.total} in {pool.name} are free {when}, and this booking "
        f"needs {wanted}, so {free_until}.",
        field="ends_at",
    )
