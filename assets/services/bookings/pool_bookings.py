"""Booking a number of a pool's units ahead, once or every week, and handing them over.

A pool's bookings overlap by design, so no exclusion constraint guards them: each booker
locks the pool's row first (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the database's write
lock, availability.serialise_writers), then counts what is free and writes in the same
transaction. Of several bookers at once, each sees what the one before wrote.

The units are chosen at collection: the technician scans them, each must be a unit of the pool
and lendable now, and the borrower signs once for them all (loans.check_out).
"""

import uuid
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Booking, Loan, Person, Pool, User
from assets.models.base import tag_key
from assets.services.bookings import availability, bookings, collections, pool_capacity, repeats
from assets.services.bookings.availability import BookingRefused
from assets.services.bookings.collections import due_on
from assets.services.common.clock import local_date
from assets.services.common.errors import DomainError
from assets.services.loans import lending_rules, loans
from assets.services.pools.pools import units_of
from assets.services.register import scanning

# A pool booking asks for a number of units; a check-out lends this many at most.
MOST = loans.MAX_ITEMS


def check_quantity(quantity) -> int:
    """The number asked for, or a DomainError a person can act on."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError("Say how many as a whole number, such as 3.", field="quantity")
    if quantity < 1:
        raise DomainError("Book at least 1.", field="quantity")
    if quantity > MOST:
        raise DomainError(f"One booking holds {MOST} at most.", field="quantity")
    return quantity


# Make the count that follows and the writes after it one step for this pool.
lock_pool = pool_capacity.lock_pool


def _refuse_short(pool: Pool, quantity: int, occurrences, now: datetime) -> None:
    """Refuse, saying how many are free then and the free periods later that day, if any
    occurrence has fewer than `quantity` free."""
    name = pool.name  # read before anything can expire it
    capacity = pool_capacity.load(pool, occurrences[0][0], occurrences[-1][1], now)
    if capacity.total == 0:
        raise DomainError(f"{name} has no units to book.", field="quantity")
    if quantity > capacity.total:
        raise DomainError(
            f"{name} has {capacity.total} units: book {capacity.total} at most.",
            field="quantity",
        )
    short = [(s, e, capacity.free(s, e)) for s, e in occurrences]
    short = [(s, e, free) for s, e, free in short if free < quantity]
    if not short:
        return
    start, end, free = short[0]
    when = pool_capacity.when_text(start, end)
    message = f"Only {free} of {capacity.total} in {name} are free on {when}"
    if len(occurrences) > 1:
        message += ", so nothing was booked"
        if len(short) > 1:
            others = availability.days_text([local_date(s) for s, _e, _f in short[1:]])
            message += f" (nor enough on {others})"
    message += "."
    later = pool_capacity.free_periods_after(pool, start, quantity, now)
    if later:
        message += " Free later that day: " + ", ".join(f"{p} ({n} free)" for p, n in later) + "."
    raise BookingRefused(message, field="quantity")


def _prepare(actor, pool, person, quantity, start, end, now, purpose):
    purpose = bookings.prepare(actor, pool, person, purpose)
    check_quantity(quantity)
    # The category's rules (longest booking, notice) read only `.category`.
    bookings.check_range(actor, pool, start, end, now)
    return purpose


def book_pool(
    actor: User,
    pool: Pool,
    person: Person,
    quantity: int,
    start: datetime,
    end: datetime,
    now: datetime,
    purpose: str = "",
) -> Booking:
    """Book `quantity` of `pool`'s units for `person` over [start, end) (UTC): approved, or
    requested when the category needs approval. BookingRefused says how many are free then;
    nothing is written."""
    purpose = _prepare(actor, pool, person, quantity, start, end, now, purpose)
    lock_pool(pool)
    _refuse_short(pool, quantity, [(start, end)], now)
    (booking,) = bookings.write(
        actor, pool, person, [(start, end)], now, purpose, None, quantity=quantity
    )
    bookings.record_created(actor, [booking])
    return booking


def book_pool_repeating(
    actor: User,
    pool: Pool,
    person: Person,
    quantity: int,
    start: datetime,
    end: datetime,
    until: date,
    now: datetime,
    skip: Callable[[date], bool | str | None] = lambda day: False,
    purpose: str = "",
) -> repeats.Repeat:
    """Book `quantity` of `pool` every week from [start, end) to `until`, all or nothing,
    skipping the days `skip` names (as bookings.book_repeating)."""
    purpose = _prepare(actor, pool, person, quantity, start, end, now, purpose)
    occurrences, skipped = repeats.occurrences(start, end, until, now, skip)
    lock_pool(pool)
    _refuse_short(pool, quantity, occurrences, now)
    made = bookings.write(
        actor, pool, person, occurrences, now, purpose, uuid.uuid4().hex, quantity=quantity
    )
    bookings.record_created(actor, made, until, skipped)
    return repeats.Repeat(made, skipped)


# ---- handing the units over ---------------------------------------------------------------------


def check_collectable(booking: Booking, now: datetime) -> None:
    """Refuse a booking that is not a pool's, or cannot be handed over now, saying why."""
    if booking.pool_id is None:
        raise DomainError("This booking is not of a pool.")
    collections.check_collectable(booking, now)


def scanned_units(booking: Booking, text: str, *, fewer_ok: bool = False) -> list[Asset]:
    """The units scanned into `text` (one tag a scan), in order: each a unit of the booking's
    pool, lendable now, named once (a tag scanned twice counts once), and as many as booked:
    fewer only with `fewer_ok` (the desk confirmed "only 2 of 3 handed over")."""
    pool, wanted = booking.pool, booking.quantity
    tags = scanning.tags_in_text(
        text, MOST, f"Scan {wanted} units at most: that is more than one check-out lends."
    )
    if not tags:
        raise DomainError(f"Scan the {wanted} units handed over.", field="tags")
    found = {
        a.tag_key: a
        for a in db.session.scalars(
            select(Asset).where(Asset.tag_key.in_([tag_key(t) for t in tags]))
        )
    }
    unknown = [t for t in tags if tag_key(t) not in found]
    if unknown:
        raise DomainError(
            "No asset has the tag " + ", ".join(unknown) + ". Check the label.", field="tags"
        )
    scanned = [found[tag_key(t)] for t in tags]
    ids = {a.id for a in scanned}
    in_pool = set(db.session.scalars(select(Asset.id).where(Asset.id.in_(ids), units_of(pool))))
    strangers = [a.tag for a in scanned if a.id not in in_pool]
    if strangers:
        raise DomainError(
            ", ".join(strangers) + f" {'is' if len(strangers) == 1 else 'are'} not in the pool "
            f"{pool.name}: hand over its own units.",
            field="tags",
        )
    for unit in scanned:
        refusal = loans.why_not_lendable(unit)
        if refusal is not None:
            raise DomainError(f"{unit.tag} cannot be handed over now: {refusal}", field="tags")
    if len(scanned) > wanted:
        raise DomainError(
            f"{len(scanned)} scanned but {wanted} booked: take {len(scanned) - wanted} back "
            "and remove its tag.",
            field="tags",
        )
    if len(scanned) < wanted and not fewer_ok:
        raise DomainError(
            f"Only {len(scanned)} of {wanted} scanned. Scan the rest, or confirm that only "
            f"{len(scanned)} of {wanted} are handed over.",
            field="fewer_ok",
        )
    return scanned


def plan_pool_collect(
    actor: User,
    booking: Booking,
    units: list[Asset],
    now: datetime,
    reasons: lending_rules.Reasons | None = None,
) -> loans.CheckoutPlan:
    """What the borrower is about to sign for these units. Writes nothing."""
    check_collectable(booking, now)
    return loans.plan_checkout(
        actor,
        booking.person,
        units,
        due_on=due_on(booking),
        today=local_date(now),
        reasons=reasons,
        collecting=booking.id,
    )


def collect_pool(
    actor: User,
    booking: Booking,
    text: str,
    signature: str | bytes | None,
    now: datetime,
    *,
    fewer_ok: bool = False,
    terms_ids: list[int] | None = None,
    reasons: lending_rules.Reasons | None = None,
) -> list[Loan]:
    """Hand the scanned units over: one loan each, signed for once, due on the booking's last
    school day, each pointing to the booking, which is collected. Fewer than booked (with
    `fewer_ok`) is recorded on the booking's event, and the booking keeps only what went out
    so the rest is free for others. Nothing is written when refused."""
    check_collectable(booking, now)
    units = scanned_units(booking, text, fewer_ok=fewer_ok)
    collections.check_early(actor, booking, now, len(units))
    booked = booking.quantity
    made = loans.check_out(
        actor,
        booking.person,
        units,
        due_on=due_on(booking),
        signature=signature,
        terms_ids=terms_ids,
        reasons=reasons,
        now=now,
        collecting=booking.id,
    )
    tags = ", ".join(unit.tag for unit in units)
    summary = f"{booking.pool.name}: {tags} collected by {booking.person.name}"
    changes = {}
    if len(made) < booked:
        summary = f"Only {len(made)} of {booked} handed over. " + summary
        changes["quantity"] = [booked, len(made)]
    collections.mark_collected(
        actor, booking, made, now, summary, values={"quantity": len(made)}, changes=changes
    )
    return made
