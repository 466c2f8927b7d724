"""What is booked next for some assets, and the rule it makes for lending and extending:
a loan (or a longer loan) must not run into a later booking.

A loan due back on a date holds its asset to the end of that school day (availability's rule
for an open loan), so a booking at 10:50 today clashes with a loan due today, and the latest
due date that fits a booking is the day before the booking's first day. A loan with no due
date (a long-term allocation) clashes with any booking ahead. Only live bookings not yet
handed over count (requested, approved): a collected one already holds its asset on loan.

A pool's units are lent walk-up only while every live booking of the pool they would be out
over still finds enough units free (pool_lending_refusal).

Loans know nothing of bookings: `lending_refusal` joins loans.BEFORE_CHECKOUT when this
module is imported (the bookings package imports it), as collections joins
returns.AFTER_LOAN_CLOSED.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, KitPart, Person, Pool, User
from assets.models.booking import LIVE_STATES, LONGEST_BOOKING
from assets.services.bookings import availability, pool_capacity
from assets.services.common.clock import date_text, local_date, start_of_day
from assets.services.loans import extensions, loans
from assets.services.pools import pools

# Booked, not yet handed over: what a new loan of the asset would run into.
AHEAD_STATES = ("requested", "approved")


def held_until(due: date | None) -> datetime | None:
    """The moment a loan due back on `due` stops holding its asset: the end of that school
    day; None (for ever) without a due date."""
    return None if due is None else start_of_day(due + timedelta(days=1))


def booked_ahead(
    asset_ids: list[int], now: datetime, *, before: datetime | None = None
) -> list[tuple[int, Booking]]:
    """The live bookings (requested, approved) holding these assets, not yet over at `now`
    and starting before `before` (any time when None), earliest first, each with the asset
    it holds: the asset's own booking, or a booking of the kit it is a part of (one pair for
    each of the kit's parts asked about)."""
    if not asset_ids:
        return []
    kits: dict[int, list[int]] = {}
    for kit_id, asset_id in db.session.execute(
        select(KitPart.kit_id, KitPart.asset_id).where(KitPart.asset_id.in_(asset_ids))
    ):
        kits.setdefault(kit_id, []).append(asset_id)
    holds = Booking.asset_id.in_(asset_ids)
    if kits:
        holds = or_(holds, Booking.kit_id.in_(kits))
    query = select(Booking).where(holds, Booking.state.in_(AHEAD_STATES), Booking.ends_at > now)
    if before is not None:
        query = query.where(Booking.starts_at < before)
    query = query.options(
        selectinload(Booking.person), selectinload(Booking.asset), selectinload(Booking.kit)
    ).order_by(Booking.starts_at, Booking.id)
    return [
        (asset_id, booking)
        for booking in db.session.scalars(query)
        for asset_id in ([booking.asset_id] if booking.asset_id else kits[booking.kit_id])
    ]


def next_booking(asset_ids: list[int], now: datetime) -> dict[int, Booking]:
    """Each asset's next live booking not yet over, by asset id (assets with none are left
    out)."""
    found: dict[int, Booking] = {}
    for asset_id, booking in booked_ahead(asset_ids, now):
        found.setdefault(asset_id, booking)
    return found


def latest_due(booking: Booking) -> date:
    """The latest due date of a loan that does not run into `booking`: the day before it
    starts (a loan holds its asset to the end of its due date)."""
    return local_date(booking.starts_at) - timedelta(days=1)


def _booking_words(booking: Booking, viewer: User | None) -> str:
    """ "booked 08/12/2026 10:50-11:50 to Zoë O'Brien-Ngô" (whose for those who may see)."""
    return availability.clash_text(availability.Clash(booking.starts_at, booking=booking), viewer)


def _collect_instead(booking: Booking, person: Person) -> str:
    tag = booking.item.tag
    when = availability.range_text(booking.starts_at, booking.ends_at)
    if booking.state == "requested":
        return (
            f"{person.name} has booked {tag} for {when}, waiting for approval: approve the "
            "booking and hand it over from it (Bookings, Collect) instead of lending it now."
        )
    return (
        f"{person.name} has booked {tag} for {when}: collect the booking instead (its page, "
        "Collect), so the loan is the booking's."
    )


def refusal_for(
    actor: User | None,
    person: Person,
    assets: list[Asset],
    due_dates: dict[int, date | None],
    now: datetime,
    *,
    ignore: set[int] = frozenset(),
) -> str | None:
    """Why lending `assets` to `person` until their due dates would run into a booking (the
    first one, named, with the latest due date that fits), or None. The borrower's own
    bookings starting later do not stand in the way; one starting today (or already begun)
    is to be collected instead, and the message says so. `ignore`: booking ids left out."""
    today = local_date(now)
    ids = [a.id for a in assets]
    for asset_id, booking in booked_ahead(ids, now):
        if booking.id in ignore:
            continue
        due = due_dates.get(asset_id)
        until = held_until(due)
        if until is not None and booking.starts_at >= until:
            continue
        if booking.person_id == person.id:
            if local_date(booking.starts_at) <= today:
                return _collect_instead(booking, person)
            continue
        return _refusal_text(actor, booking, due, today)
    return None


def _refusal_text(actor: User | None, booking: Booking, due: date | None, today: date) -> str:
    tag = booking.item.tag
    said = _booking_words(booking, actor)
    latest = latest_due(booking)
    if latest < today:
        return f"{tag} is {said}, so it cannot go out now. Lend another one."
    if due is None:
        return (
            f"{tag} is {said}, so it cannot be allocated long-term. Lend it with a due date on "
            f"or before {date_text(latest)}, or lend another one."
        )
    return (
        f"{tag} is {said}, so it cannot be out until {date_text(due)}: choose a due date on "
        f"or before {date_text(latest)}."
    )


def lending_refusal(
    actor: User,
    person: Person,
    assets: list[Asset],
    due_dates: dict[int, date | None],
    now: datetime,
    collecting: int | None,
) -> str | None:
    """loans.BEFORE_CHECKOUT's check: refusal_for a walk-up loan. A booking being collected
    is not checked: its loan holds the asset for the booking's own range (availability), which
    the no-double-booking rule already keeps clear, not to the end of its due date. Takes the
    lock a booking of the assets takes (availability.serialise_writers) before reading."""
    if collecting is not None:
        return None
    # The lock a booking of these assets takes: a booking written meanwhile waits for the
    # loan, then sees it.
    availability.serialise_writers([a.id for a in assets])
    return refusal_for(actor, person, assets, due_dates, now)


def extending_refusal(
    actor: User,
    person: Person,
    assets: list[Asset],
    due_on: date,
    new_due_on: date,
    now: datetime,
) -> str | None:
    """loans' extensions.BEFORE_EXTENDING check: a booking of any of `assets` (by anyone
    but the borrower) starting before `new_due_on` is over stands in the way; the message
    names it and the latest date the loan could be extended to."""
    until = held_until(new_due_on)
    availability.serialise_writers([a.id for a in assets])  # as lending_refusal
    for _asset_id, booking in booked_ahead([a.id for a in assets], now, before=until):
        if booking.person_id == person.id:
            continue
        latest = latest_due(booking)
        said = _booking_words(booking, actor)
        then = (
            f"it can be extended to {date_text(latest)} at most"
            if latest > due_on
            else "it cannot be extended"
        )
        return f"{booking.item.tag} is {said}, so {then}."
    return None


# ---- a pool's units lent walk-up ---------------------------------------------------------------


def pool_lending_refusal(
    actor: User,
    person: Person,
    assets: list[Asset],
    due_dates: dict[int, date | None],
    now: datetime,
    collecting: int | None,
) -> str | None:
    """loans.BEFORE_CHECKOUT's check for a pool's units lent walk-up: refused when, with them
    out until their due dates (to the end of that day; for ever without one), some live
    booking of the pool overlapping that time would no longer find enough units free
    (pool_capacity's count: units lendable, less those lent, less the peak booked). The
    message names the booking, how many are needed then and how many would be left. Under
    the pool's lock, as its bookings are written. A booking's own hand-over is not checked:
    its units are the ones booked."""
    if collecting is not None:
        return None
    for pool, units in pools.pools_of(assets):
        refusal = _pool_short(actor, pool, units, due_dates, now)
        if refusal is not None:
            return refusal
    return None


def _pool_short(actor, pool: Pool, units: list[Asset], due_dates, now: datetime) -> str | None:
    until = {unit.id: held_until(due_dates.get(unit.id)) for unit in units}
    last = max((u or now + LONGEST_BOOKING for u in until.values()), default=now)
    pool_capacity.lock_pool(pool)
    capacity = pool_capacity.load(pool, now, last, now)
    booked = db.session.scalars(
        select(Booking)
        .where(
            Booking.pool_id == pool.id,
            Booking.state.in_(LIVE_STATES),
            availability.overlapping(now, last),
        )
        .options(selectinload(Booking.person))
        .order_by(Booking.starts_at, Booking.id)
    )
    for booking in booked:
        start, end = max(booking.starts_at, now), min(booking.ends_at, last)
        out = [unit for unit in units if until[unit.id] is None or until[unit.id] > start]
        if not out:
            continue
        needed = capacity.peak(start, end)
        left = capacity.lendable - capacity.held(start) - len(out)
        if left >= needed:
            continue
        return _pool_refusal_text(actor, pool, booking, out, due_dates, needed, left, now)
    return None


def _pool_refusal_text(actor, pool, booking, out, due_dates, needed, left, now) -> str:
    tags = ", ".join(unit.tag for unit in out)
    dues = {due_dates.get(unit.id) for unit in out}
    said = _booking_words(booking, actor)
    while_out = (
        "allocated long-term"
        if None in dues
        else f"out until {date_text(max(d for d in dues if d is not None))}"
    )
    text = (
        f"{pool.name} is {said} ({booking.quantity} of its units): with {tags} {while_out}, "
        f"{needed} would be needed then and only {max(left, 0)} free."
    )
    latest = latest_due(booking)
    if latest < local_date(now):
        return f"{text} Lend it after the booking, or lend one that is not in the pool."
    return f"{text} Choose a due date on or before {date_text(latest)}."


if lending_refusal not in loans.BEFORE_CHECKOUT:
    loans.BEFORE_CHECKOUT.append(lending_refusal)
if pool_lending_refusal not in loans.BEFORE_CHECKOUT:
    loans.BEFORE_CHECKOUT.append(pool_lending_refusal)
if extending_refusal not in extensions.BEFORE_EXTENDING:
    extensions.BEFORE_EXTENDING.append(extending_refusal)
