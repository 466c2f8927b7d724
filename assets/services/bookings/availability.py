"""What stands in the way of booking an asset or a kit for a UTC range [start, end), and what
is free.

Ranges are half-open: 09:00-09:50 and 09:50-10:50 do not clash. A booking clashes with the
live bookings of the same asset (requested, approved, collected), with an open loan up to its
due date (to the end of that school day; an overdue loan until today is over; a loan with no
due date for ever), and with an item that is in repair, lost, stolen or retired. A kit is
booked whole: it clashes with its own live bookings and with whatever holds any of its parts
(a part's open loan, a live booking of the part itself, a part's status); each such clash
names the part.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, false, inspect, or_, select, text, true
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from assets.extensions import db
from assets.models import Asset, Booking, Kit, KitPart, Loan, Person, Pool, User
from assets.models.booking import LIVE_STATES
from assets.permissions import allows
from assets.services.common.clock import date_text, local_date, local_moment, start_of_day
from assets.services.common.errors import DomainError
from assets.services.loans.loans import NOT_LOANABLE

ALTERNATIVES = 5


@dataclass(frozen=True)
class Clash:
    """One thing in the way: a booking, or an open loan (`booking` None); `part`, the kit's
    part it holds, when a kit is being booked and the clash is the part's own."""

    start: datetime
    booking: Booking | None = None
    loan: Loan | None = None
    part: Asset | None = None


class BookingRefused(DomainError):
    """A booking clashes: the message names the clashes and the free alternatives, which are
    also kept for the page to show."""

    def __init__(
        self,
        message: str,
        *,
        clashes: list[Clash] | None = None,
        alternatives: list[Asset | Kit] | None = None,
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


def _holding_loan(start: datetime, now: datetime):
    """The SQL condition for an open loan that holds its asset at `start`: still out at
    `start`, to the end of its due date (or of today, once overdue), for ever without one.
    The one rule behind the clash, the free alternatives and a pool's free count.

    A collected booking's own loan is held by the booking's range (a live booking), not by
    its due date, so back-to-back bookings on one day stay possible. Past that range the loan
    holds like any other once it is late (the booking is over, the item not back) or once its
    due date was moved past the booking's last day (an extended loan)."""
    day = local_date(start)
    overdue_or_today = true() if day <= local_date(now) else false()
    still_out = or_(overdue_or_today, Loan.due_on.is_(None), Loan.due_on >= day)
    booking = select(Booking.ends_at).where(
        Booking.id == Loan.booking_id, Booking.state == "collected"
    )
    collected = booking.exists()
    ended = booking.where(Booking.ends_at <= start)
    booking_over = ended.where(Booking.ends_at <= now).exists()
    # An extended booking loan: due after `start`'s day (the booking ended earlier that day
    # or before it), or due that very day when the booking ended before the day began (a
    # loan due on its booking's last day is not extended: back-to-back bookings that day).
    extended = or_(
        and_(ended.exists(), Loan.due_on > day),
        and_(booking.where(Booking.ends_at <= start_of_day(day)).exists(), Loan.due_on >= day),
    )
    return and_(
        Loan.returned_at.is_(None),
        or_(
            and_(~collected, still_out),
            and_(booking_over, overdue_or_today),
            extended,
        ),
    )


def status_refusal(item: Asset | Kit) -> str | None:
    """Why `item` cannot be booked at any time (its status, or for a kit: no parts, or a
    part's status), or None."""
    if isinstance(item, Kit):
        if not item.parts:
            return f"{item.tag} has no parts yet, so there is nothing to book."
        broken = [
            f"its part {a.tag} {NOT_LOANABLE[a.status]}"
            for a in parts_of(item)
            if a.status in NOT_LOANABLE
        ]
        if broken:
            return f"{item.tag} {item.name} cannot be booked: {'; '.join(broken)}."
        return None
    if item.status in NOT_LOANABLE:
        return f"{item.tag} {NOT_LOANABLE[item.status]} and cannot be booked."
    return None


def parts_of(kit: Kit) -> list[Asset]:
    """The kit's parts' assets with their categories, in order, read in two queries (not
    two lazy loads a part)."""
    missing = [part for part in kit.parts if "asset" in inspect(part).unloaded]
    if missing:
        found = {
            asset.id: asset
            for asset in db.session.scalars(
                select(Asset)
                .where(Asset.id.in_([part.asset_id for part in missing]))
                .options(selectinload(Asset.category))
            )
        }
        for part in missing:
            set_committed_value(part, "asset", found[part.asset_id])
    return kit.assets


def clashes(item: Asset | Kit, start: datetime, end: datetime, now: datetime) -> list[Clash]:
    """Everything that holds `item` somewhere in [start, end), earliest first: for an asset,
    its open loan, then its bookings; for a kit, its own bookings, then whatever holds each
    part (its open loan, then its bookings)."""
    return clashes_each(item, [(start, end)], now)[0]


def clashes_each(
    item: Asset | Kit, ranges: list[tuple[datetime, datetime]], now: datetime
) -> list[list[Clash]]:
    """clashes() for each of `ranges` (a repeat's occurrences), in order, read together:
    one query for the live bookings overlapping any range (of the asset; of the kit and of
    each part), one for the open loans holding any part at any range's start
    (_holding_loan), matched to each range here. An asset's check is a kit's of one part."""
    if not ranges:
        return []
    kit = isinstance(item, Kit)
    parts = parts_of(item) if kit else [item]
    ids = [part.id for part in parts]
    any_range = or_(*(overlapping(start, end) for start, end in ranges))
    owned = Booking.asset_id.in_(ids)
    if kit:
        owned = or_(owned, Booking.kit_id == item.id)
    booked = list(
        db.session.scalars(
            select(Booking)
            .where(owned, Booking.state.in_(LIVE_STATES), any_range)
            .options(selectinload(Booking.person))
            .order_by(Booking.starts_at, Booking.id)
        )
    )
    held = [_holding_loan(start, now) for start, _end in ranges]
    lent = db.session.execute(
        select(Loan, *held)
        .where(Loan.asset_id.in_(ids), or_(*held))
        .options(selectinload(Loan.person))
    ).all()
    found = []
    for n, (start, end) in enumerate(ranges):
        during = [b for b in booked if b.starts_at < end and b.ends_at > start]
        at_start = {row[0].asset_id: row[0] for row in lent if row[n + 1]}
        each = [Clash(start=b.starts_at, booking=b) for b in during if b.kit_id is not None]
        for part in parts:
            named = part if kit else None
            if part.id in at_start:
                each.append(Clash(start=start, loan=at_start[part.id], part=named))
            each.extend(
                Clash(start=b.starts_at, booking=b, part=named)
                for b in during
                if b.asset_id == part.id
            )
        found.append(each)
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
    or the person it is for). A kit's part's clash names the part: "its part ASH-0031 is on
    loan, due back 24/11/2026"."""
    if clash.part is not None:
        return f"its part {clash.part.tag} is " + clash_text(
            Clash(clash.start, clash.booking, clash.loan), viewer
        )
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
    item: Asset | Kit, start: datetime, end: datetime, now: datetime, limit: int = ALTERNATIVES
) -> list[Asset] | list[Kit]:
    """Other assets of the same category (for a kit: other kits) free for all of [start,
    end), by tag, at most `limit`; never a kit's part nor a pool's unit, which are not
    booked on their own."""
    if isinstance(item, Kit):
        return _free_kits(item, start, end, now, limit)
    asset = item
    booked = exists().where(
        Booking.asset_id == Asset.id, Booking.state.in_(LIVE_STATES), overlapping(start, end)
    )
    lent = exists().where(Loan.asset_id == Asset.id, _holding_loan(start, now))
    a_part = exists().where(KitPart.asset_id == Asset.id)
    a_unit = exists().where(
        Pool.category_id == Asset.category_id, Pool.location_id == Asset.location_id
    )
    return list(
        db.session.scalars(
            select(Asset)
            .where(
                Asset.category_id == asset.category_id,
                Asset.id != asset.id,
                Asset.status.not_in(tuple(NOT_LOANABLE)),
                ~booked,
                ~lent,
                ~a_part,
                ~a_unit,
            )
            .order_by(Asset.tag)
            .limit(limit)
        )
    )


def _free_kits(kit: Kit, start, end, now, limit: int) -> list[Kit]:
    """Kits with parts, none of them out of use, lent, or booked on its own, and the kit not
    booked, for all of [start, end)."""
    kit_booked = exists().where(
        Booking.kit_id == Kit.id, Booking.state.in_(LIVE_STATES), overlapping(start, end)
    )
    part_booked = exists().where(
        Booking.asset_id == Asset.id, Booking.state.in_(LIVE_STATES), overlapping(start, end)
    )
    part_lent = exists().where(Loan.asset_id == Asset.id, _holding_loan(start, now))
    part_held = (
        select(KitPart.id)
        .join(Asset, Asset.id == KitPart.asset_id)
        .where(
            KitPart.kit_id == Kit.id,
            or_(Asset.status.in_(tuple(NOT_LOANABLE)), part_booked, part_lent),
        )
        .exists()
    )
    has_parts = exists().where(KitPart.kit_id == Kit.id)
    return list(
        db.session.scalars(
            select(Kit)
            .where(Kit.id != kit.id, has_parts, ~kit_booked, ~part_held)
            .order_by(Kit.tag)
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
    query = query.options(*_items(), selectinload(Booking.person)).order_by(
        Booking.starts_at, Booking.id
    )
    return list(db.session.scalars(query))


def _items():
    """Load what each booking holds: its asset, kit or pool."""
    return selectinload(Booking.asset), selectinload(Booking.kit), selectinload(Booking.pool)


def requested(limit: int = 200) -> list[Booking]:
    """Bookings waiting for a technician's approval, soonest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.state == "requested")
            .options(
                selectinload(Booking.asset).selectinload(Asset.category),
                selectinload(Booking.kit),
                selectinload(Booking.pool),
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
            .options(*_items(), selectinload(Booking.person))
            .order_by(Booking.starts_at, Booking.id)
            .limit(limit)
        )
    )
