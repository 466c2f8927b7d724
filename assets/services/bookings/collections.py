"""A booking's hand-over and return: collected through the usual one-signature check-out
(loans), returned when its loan is checked in, released when nobody came for it; and the
desk's list of today's collections and returns.

Imports run one way: bookings use loans, loans know nothing of bookings. So the return
reaches a booking through returns.AFTER_LOAN_CLOSED, a list of hooks called when a loan ends
(checked in, or ended by an incident); this module adds its hook when it is imported (the
bookings package imports it), and the hook moves the booking holding that loan from collected
to returned in the same transaction.

A kit's booking is handed over by scanning its parts (or the kit's own label): every part
must be there, as a kit goes out whole (kit_loans.lend_kit), each part's loan points to the
booking, and the booking stays collected while any part is still out (a missing charger).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, Kit, Loan, User
from assets.services.bookings import availability, pool_capacity
from assets.services.bookings.bookings import item_tag, locks_for, move_state, record
from assets.services.common import events, mailer
from assets.services.common.clock import local_date, local_time_text, start_of_day
from assets.services.common.errors import DomainError
from assets.services.kits import kit_loans, kits
from assets.services.loans import lending_rules, loans, returns
from assets.services.register import scanning

# A booking can be handed over from this long before it starts.
COLLECT_EARLY = timedelta(minutes=30)
# An approved booking nobody collected is released this long after it starts (the command's
# default; BOOKING_RELEASE_MINUTES in the configuration).
RELEASE_AFTER_MINUTES = 30


def due_on(booking: Booking):
    """The loan's due date: the school date the booking ends on (a booking ending at
    midnight is due back the day before, its last day)."""
    return local_date(booking.ends_at - timedelta(microseconds=1))


def check_collectable(booking: Booking, now: datetime) -> None:
    """Refuse (DomainError) a booking that cannot be handed over now, saying why: an
    asset's, a kit's or a pool's (whose units are checked as they are scanned,
    pool_bookings.scanned_units)."""
    tag = item_tag(booking)
    if booking.state == "collected":
        raise DomainError(
            f"{tag} has already been handed over for this booking"
            + (f" ({local_time_text(booking.loans[0].out_at)})." if booking.loans else ".")
        )
    if booking.state == "requested":
        raise DomainError(
            "This booking is waiting for the IT technician's approval: approve it before "
            "handing anything over."
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
    if booking.kit is not None:
        refused = kit_loans.refusals(booking.kit)
        refusal = " ".join(why for _asset, why in refused) if refused else None
    elif booking.asset is not None:
        refusal = loans.why_not_lendable(booking.asset)
    else:
        refusal = None
    if refusal is not None:
        raise DomainError(f"{tag} cannot be handed over now: {refusal}")


def check_early(actor: User, booking: Booking, now: datetime, quantity: int = 1) -> None:
    """Refuse a hand-over before the booking starts while what it holds is taken meanwhile,
    in [now, start): an asset or a kit (a part) booked by another, or fewer than `quantity`
    of a pool's units free. Collected, the booking starts at the hand-over (mark_collected),
    so nobody books the item between the two. Takes the lock a booking of the item takes, so
    the check and that move are one step."""
    start = booking.starts_at
    if now >= start:
        return
    tag = item_tag(booking)
    later = f"Hand it over from {local_time_text(start)}, when the booking starts."
    if booking.pool is not None:
        pool_capacity.lock_pool(booking.pool)
        capacity = pool_capacity.load(booking.pool, now, start, now, skip_booking=booking.id)
        free = capacity.free(now, start)
        if free < quantity:
            raise DomainError(
                f"Only {free} of {capacity.total} in {booking.pool.name} are free until "
                f"{local_time_text(start)}, so {quantity} cannot be handed over early. {later}"
            )
        return
    item = booking.item
    availability.serialise_writers(locks_for(item))
    found = availability.clashes(item, now, start, now)
    if found:
        first = min(found, key=lambda clash: clash.start)
        said = availability.clash_text(first, actor)
        raise DomainError(
            f"{tag} cannot be handed over early: {'it is ' if first.part is None else ''}"
            f"{said}. {later}"
        )


@dataclass
class KitScan:
    """What the desk has scanned of a booked kit: the tags as scanned (kept in the box), the
    parts found, and what was scanned that is not one of them, in words."""

    kit: Kit
    tags: list[str] = field(default_factory=list)
    found: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[tuple[Asset, bool]]:
        """Each part, and whether it has been scanned."""
        return [(asset, asset.id in self.found) for asset in self.kit.assets]

    @property
    def missing(self) -> list[Asset]:
        return [asset for asset, scanned in self.parts if not scanned]

    @property
    def complete(self) -> bool:
        return bool(self.kit.parts) and not self.missing

    def missing_text(self) -> str:
        """ "Not scanned yet: ASH-0035 Charger 4. Kit ... goes out whole: ..." """
        names = ", ".join(f"{a.tag} {a.name}" for a in self.missing)
        return (
            f"Not scanned yet: {names}. Kit {self.kit.tag} goes out whole: scan every part, "
            "or the kit's own label, before the borrower signs. Nothing was lent."
        )


def scan_kit(booking: Booking, text: str) -> KitScan:
    """Read what was scanned or typed for a kit's booking (one tag or label a line, as a
    scanner types them): the kit's own label counts as every part. Writes nothing."""
    kit = booking.kit
    if kit is None:
        raise ValueError("scan_kit is for a kit's booking")
    base_url = current_app.config["BASE_URL"]
    done = KitScan(kit)
    parts = {asset.id for asset in kit.assets}
    codes = scanning.tags_in_text(
        text, 2 * kit_loans.loans.MAX_ITEMS, "That is more tags than the kit has parts."
    )
    for code in codes:
        named_kit = kits.kit_for_code(code, base_url)
        if named_kit is not None:
            if named_kit.id == kit.id:
                done.found |= parts
                done.tags.append(code)
            else:
                done.problems.append(
                    f"{named_kit.tag} is another kit ({named_kit.name}), not the booked "
                    f"{kit.tag}: put it aside."
                )
            continue
        try:
            asset = scanning.asset_for_tag(scanning.tag_in_code(code, base_url))
        except DomainError as error:
            done.problems.append(error.message)
            continue
        if asset is None:
            done.problems.append(f"No asset has the tag {code}. Check the label.")
        elif asset.id not in parts:
            done.problems.append(
                f"{asset.tag} is not part of kit {kit.tag} ({kit.name}): put it aside."
            )
        else:
            done.found.add(asset.id)
            done.tags.append(asset.tag)
    return done


def _whole_kit(booking: Booking, scanned: str) -> list[Asset]:
    scan = scan_kit(booking, scanned)
    if scan.problems:
        raise DomainError(" ".join(scan.problems), field="tags")
    if not scan.complete:
        raise DomainError(scan.missing_text(), field="tags")
    return booking.kit.assets


def _not_a_pool(booking: Booking) -> None:
    """A pool's booking is handed over by scanning the units chosen (pool_bookings): never
    here, where there is no unit to lend."""
    if booking.pool_id is not None:
        raise DomainError(
            f"{item_tag(booking)} is handed over by scanning the units: open it from "
            "Today at the desk."
        )


def mark_collected(
    actor: User,
    booking: Booking,
    lent: list[Loan],
    now: datetime,
    summary: str,
    *,
    values: dict | None = None,
    changes: dict | None = None,
) -> None:
    """The end of every hand-over (an asset's, a kit's, a pool's): the booking collected,
    only from approved (of two desks at once, one), with `values` besides; each loan in
    `lent` pointing to it; and its booking.collected event, saying `summary`. Handed over
    early (COLLECT_EARLY, after check_early), the booking starts at the hand-over: what it
    holds is taken from then."""
    values, changes = dict(values or {}), dict(changes or {})
    if now < booking.starts_at:
        values["starts_at"] = now
        changes["starts_at"] = [booking.starts_at.isoformat(), now.isoformat()]
    move_state(
        booking,
        ("approved",),
        {"state": "collected", "updated_at": now, **values},
        "This booking is {state} already: nothing was handed over.",
    )
    for loan in lent:
        loan.booking = booking
    record(
        actor,
        booking,
        "booking.collected",
        summary,
        changes={
            "state": ["approved", "collected"],
            "loan_ids": [loan.id for loan in lent],
            **changes,
        },
    )


def plan_collect(
    actor: User,
    booking: Booking,
    now: datetime,
    reasons: lending_rules.Reasons | None = None,
    *,
    scanned: str | None = None,
) -> loans.CheckoutPlan:
    """What the borrower is about to sign for this booking (loans.plan_checkout), after the
    booking's own checks. A kit's booking needs `scanned`, the tags scanned, naming every
    part (scan_kit). Writes nothing. A pool's booking is refused (pool_bookings)."""
    _not_a_pool(booking)
    check_collectable(booking, now)
    if booking.kit is not None:
        assets = _whole_kit(booking, scanned or "")
        return kit_loans.plan_lending(
            actor,
            booking.kit,
            booking.person,
            assets,
            due_on=due_on(booking),
            reasons=reasons,
            collecting=booking.id,
        )
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
    if booking.kit is not None:
        raise DomainError("A kit's booking is handed over by scanning its parts.")
    _not_a_pool(booking)
    check_collectable(booking, now)
    check_early(actor, booking, now)
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
    mark_collected(
        actor, booking, [loan], now, f"{booking.asset.tag} collected by {booking.person.name}"
    )
    return loan


def collect_kit(
    actor: User,
    booking: Booking,
    scanned: str,
    signature: str | bytes | None,
    now: datetime,
    *,
    terms_ids: list[int] | None = None,
    reasons: lending_rules.Reasons | None = None,
) -> list[Loan]:
    """Hand a booked kit over: `scanned` (the tags scanned, one a line, or the kit's label)
    must name every part, and they all go out in one check-out with the borrower's one
    signature (kit_loans.lend_kit), each part's loan pointing to the booking and due back on
    its last school day. All or nothing: a part not scanned, or not lendable, lends none."""
    check_collectable(booking, now)
    if booking.kit is None:
        raise ValueError("collect_kit is for a kit's booking")
    kit = booking.kit
    assets = _whole_kit(booking, scanned)
    check_early(actor, booking, now)
    lent = kit_loans.lend_kit(
        actor,
        kit,
        booking.person,
        assets=assets,
        due_on=due_on(booking),
        signature=signature,
        terms_ids=terms_ids,
        reasons=reasons,
        now=now,
        collecting=booking.id,
    )
    mark_collected(
        actor,
        booking,
        lent,
        now,
        f"Kit {kit.tag} collected by {booking.person.name}: "
        + ", ".join(loan.asset.tag for loan in lent),
    )
    return lent


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
        record(
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
            .options(*availability._items(), selectinload(Booking.person))
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
            move_state(
                booking,
                ("approved",),
                {"state": "released", "updated_at": now},
                "This booking is {state} already.",
            )
        except DomainError:
            continue  # collected or cancelled a moment ago
        record(
            None,
            booking,
            "booking.released",
            f"Booking of {item_tag(booking)} for {booking.person.name} released: not "
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
    try:
        mailer.send_template(
            [person.email],
            f"Your booking of {item_tag(booking)} was released",
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
        f"{person.name} told by email that the booking of {item_tag(booking)} was released",
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

    def back_except(self, booking: Booking) -> list[Asset]:
        """A kit's parts still out once the rest came back (a missing charger); empty while
        nothing (or everything) is back."""
        out = [loan.asset for loan in booking.loans if loan.returned_at is None]
        return out if len(out) < len(booking.loans) else []


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
                .options(
                    *availability._items(),
                    selectinload(Booking.loans).selectinload(Loan.asset),
                    selectinload(Booking.person),
                )
                .order_by(column, Booking.id)
            )
        )

    return Today(day, within(Booking.starts_at, "approved"), within(Booking.ends_at, "collected"))
