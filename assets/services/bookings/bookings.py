"""Booking an asset or a kit ahead, once or every week, and what happens to a booking
afterwards.

Every write first takes availability.serialise_writers (for a kit: over its parts), then
checks and writes in the same transaction, so of several bookers at once exactly one gets a
clashing range; on PostgreSQL the exclusion constraints no_double_booking (assets) and
no_double_kit_booking (kits) refuse an overlap whatever the code does.

A kit is booked whole, under the strictest of its parts' categories' rules: self-service
only if every part's category is, approval if any part's category needs it, the shortest
longest booking and the longest notice. A part of a kit is never booked on its own.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, Kit, KitPart, Person, Pool, User
from assets.models.booking import (
    LONGEST_BOOKING,
    NO_DOUBLE_BOOKING,
    NO_DOUBLE_KIT_BOOKING,
    PURPOSE_LENGTH,
)
from assets.permissions import allows
from assets.services.bookings import availability, repeats
from assets.services.bookings.availability import BookingRefused
from assets.services.common import events
from assets.services.common.clock import date_text, local_date
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.pools import pools

LONGEST = LONGEST_BOOKING


Item = Asset | Kit


@dataclass(frozen=True)
class Rules:
    """The booking rules of an asset's category, or the strictest of a kit's parts'. Each
    limit says whose it is ("Camera", or "KIT-01's part ASH-0031 (Camera)")."""

    not_self_service: str | None  # who is not self-service, or None
    needs_approval: bool
    longest: tuple[int, str] | None  # (hours, whose)
    notice: tuple[int, str] | None  # (hours, whose)


def rules_for(item: Item | Pool) -> Rules:
    """The rules `item` is booked under: its category's (an asset's, or a pool's, named by
    the pool's name), or the strictest of a kit's parts'."""
    if not isinstance(item, Kit):
        category = item.category
        name = item.name if isinstance(item, Pool) else category.name
        who = f"{item.name if isinstance(item, Pool) else item.tag} ({category.name})"
        return Rules(
            None if category.self_service else who,
            category.booking_needs_approval,
            (category.max_booking_hours, name) if category.max_booking_hours else None,
            (category.min_notice_hours, name) if category.min_notice_hours else None,
        )
    parts = [(a, a.category) for a in availability.parts_of(item)]

    def whose(part, category):
        return f"{item.tag} {item.name} (its part {part.tag}, {category.name})"

    not_self = [whose(p, c) for p, c in parts if not c.self_service]
    longest = [(c.max_booking_hours, whose(p, c)) for p, c in parts if c.max_booking_hours]
    notice = [(c.min_notice_hours, whose(p, c)) for p, c in parts if c.min_notice_hours]
    return Rules(
        not_self[0] if not_self else None,
        any(c.booking_needs_approval for _p, c in parts),
        min(longest, key=lambda pair: pair[0]) if longest else None,
        max(notice, key=lambda pair: pair[0]) if notice else None,
    )


def _check_who(actor: User, item: Item | Pool, person: Person) -> None:
    """The desk books anything for anyone; everyone else books self-service categories for
    themselves (a kit: only if every part's category is self-service)."""
    if allows(actor, "can_book_for_anyone"):
        return
    if actor.person_id is None or actor.person_id != person.id:
        raise NotAllowed("You can book equipment only for yourself.", field="person_id")
    who = rules_for(item).not_self_service
    if who:
        raise NotAllowed(
            f"{who} cannot be booked for yourself. Ask the IT technician to book it for you.",
            field="quantity" if isinstance(item, Pool) else "asset",
        )


def _check_not_a_part(asset: Item | Pool) -> None:
    """A part of a kit goes out with its kit: it is not booked on its own."""
    if not isinstance(asset, Asset):
        return
    kit = db.session.scalar(select(Kit).join(KitPart).where(KitPart.asset_id == asset.id))
    if kit is not None:
        raise DomainError(
            f"{asset.tag} is part of kit {kit.tag} {kit.name}: book the kit.", field="asset"
        )


def check_range(actor: User, item: Item | Pool, start: datetime, end: datetime, now: datetime):
    """Refuse a range that is not a booking's: backwards, past, too long or too far ahead,
    or (for all but the desk) against the category's longest booking and notice."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("bookings take aware datetimes")
    if end <= start:
        raise DomainError("The end must be after the start.", field="ends_at")
    if start < now:
        raise DomainError("That time has already passed. Choose a later one.", field="starts_at")
    if end - start > LONGEST:
        raise DomainError("A booking can last a year at most.", field="ends_at")
    if start - now > LONGEST:
        raise DomainError("Bookings can be made up to a year ahead.", field="starts_at")
    if allows(actor, "can_book_for_anyone"):
        return
    rules = rules_for(item)
    if rules.longest is not None and end - start > timedelta(hours=rules.longest[0]):
        hours, whose = rules.longest
        raise DomainError(
            f"{whose} can be booked for at most {hours_text(hours)} at a time.", field="ends_at"
        )
    if rules.notice is not None and start - now < timedelta(hours=rules.notice[0]):
        hours, whose = rules.notice
        raise DomainError(
            f"{whose} must be booked at least {hours_text(hours)} ahead.", field="starts_at"
        )


def hours_text(n: int) -> str:
    return "1 hour" if n == 1 else f"{n} hours"


def _check_person(person: Person) -> None:
    if not person.active:
        raise DomainError(
            f"{person.name} is no longer on the staff list and cannot book equipment.",
            field="person_id",
        )


def _purpose(purpose: str) -> str:
    return clean_text(
        purpose, field="purpose", label="the purpose", max_length=PURPOSE_LENGTH, multiline=False
    )


def _first_state(actor: User, item: Item | Pool) -> str:
    if rules_for(item).needs_approval and not allows(actor, "can_approve_bookings"):
        return "requested"
    return "approved"


def _refuse_clashes(actor, asset, occurrences, now) -> None:
    """Refuse, naming every clash and the free alternatives for the first, if any occurrence
    is not free. A pool's unit is booked through its pool (a kit's parts never are units)."""
    refusal = availability.status_refusal(asset) or (
        isinstance(asset, Asset) and pools.unit_refusal(asset)
    )
    if refusal:
        raise DomainError(refusal, field="asset")
    each = availability.clashes_each(asset, occurrences, now)
    found = [(s, e, held[0]) for (s, e), held in zip(occurrences, each, strict=True) if held]
    if not found:
        return
    start, end, first = found[0]
    alternatives = availability.free_alternatives(asset, start, end, now)
    if len(occurrences) == 1:
        message = f"{asset.tag} is not free then: {availability.clash_text(first, actor)}."
    else:
        days = availability.days_text([local_date(s) for s, _e, _c in found])
        message = (
            f"{asset.tag} is not free on {days}, so nothing was booked. The first clash: "
            + ("it is " if first.part is None else "")
            + f"{availability.clash_text(first, actor)}."
        )
    if alternatives:
        message += " Free instead: " + ", ".join(a.tag for a in alternatives) + "."
    raise BookingRefused(message, clashes=[c for _s, _e, c in found], alternatives=alternatives)


def write(
    actor: User,
    item: Item | Pool,
    person: Person,
    occurrences: list[tuple[datetime, datetime]],
    now: datetime,
    purpose: str,
    series_id: str | None,
    quantity: int = 1,
) -> list[Booking]:
    """Add a booking of `item` (an asset, a kit, or `quantity` of a pool's units) for each
    occurrence, approved or requested as its rules say, and flush them."""
    state = _first_state(actor, item)
    held = {"kit_id": item.id} if isinstance(item, Kit) else {"asset_id": item.id}
    if isinstance(item, Pool):
        held = {"pool_id": item.id, "quantity": quantity}
    rows = [
        dict(
            held,
            person_id=person.id,
            booked_by_id=actor.id,
            starts_at=start,
            ends_at=end,
            state=state,
            purpose=purpose,
            series_id=series_id,
            created_at=now,
            updated_at=now,
        )
        for start, end in occurrences
    ]
    tag = item.name if isinstance(item, Pool) else item.tag
    if series_id is None:
        made = [Booking(**row) for row in rows]
        db.session.add_all(made)
        flush_or_refuse(tag)
        return made
    # A repeat: one INSERT for every occurrence (the flush would send one a row on SQLite),
    # then the bookings read back in one query.
    flush_or_refuse(tag, run=lambda: db.session.execute(insert(Booking), rows))
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.series_id == series_id)
            .options(selectinload(Booking.person))
            .order_by(Booking.starts_at)
        )
    )


def flush_or_refuse(tag: str, field: str = "starts_at", run=None) -> None:
    """Flush (or `run` the write given); a double booking the database refused (the
    exclusion constraints, on PostgreSQL) becomes a BookingRefused naming `tag`."""
    try:
        (run or db.session.flush)()
    except IntegrityError as error:
        if NO_DOUBLE_BOOKING not in str(error.orig) and NO_DOUBLE_KIT_BOOKING not in str(
            error.orig
        ):
            raise
        raise BookingRefused(
            f"{tag} has just been booked by someone else for that time. Check the "
            "bookings and try again.",
            field=field,
        ) from error


def prepare(actor: User, item: Item | Pool, person: Person, purpose: str) -> str:
    """Refuse a booking of `item` for `person` by `actor` that no range could make right (a
    kit's part, someone else's for a non-desk login, a category not self-service, a person
    who has left); the purpose, cleaned."""
    _check_not_a_part(item)
    _check_who(actor, item, person)
    _check_person(person)
    return _purpose(purpose)


def book(
    actor: User,
    asset: Item,
    person: Person,
    start: datetime,
    end: datetime,
    now: datetime,
    purpose: str = "",
) -> Booking:
    """Book `asset` (an Asset or a whole Kit) for `person` over [start, end) (UTC): approved
    at once, or requested when its category (a kit: any part's) needs a technician's
    approval. BookingRefused names a clash and the free alternatives; nothing is written
    then."""
    purpose = prepare(actor, asset, person, purpose)
    check_range(actor, asset, start, end, now)
    availability.serialise_writers(locks_for(asset))
    _refuse_clashes(actor, asset, [(start, end)], now)
    (booking,) = write(actor, asset, person, [(start, end)], now, purpose, None)
    record_created(actor, [booking])
    return booking


def locks_for(item: Item) -> list[int]:
    """The asset rows a booking of `item` serialises on: the asset, or every part of the kit
    (so a kit's bookers queue, and so does anything else holding one of its parts)."""
    if isinstance(item, Kit):
        return [part.asset_id for part in item.parts]
    return [item.id]


def book_repeating(
    actor: User,
    asset: Item,
    person: Person,
    start: datetime,
    end: datetime,
    until: date,
    now: datetime,
    skip: Callable[[date], bool | str | None] = lambda day: False,
    purpose: str = "",
) -> repeats.Repeat:
    """Book `asset` every week from [start, end) to `until`, all or nothing: if any
    occurrence clashes, nothing is booked and the message lists the clashing dates. The
    occurrences share a series id and are cancelled one by one.

    `skip` names the days to leave out: True, or better the reason as text. The booking
    pages pass the school week's closed days (`week.closed_days(first, until).get`: read
    once), so a repeat never lands on a weekend, in the holidays, on an INSET day or a bank
    holiday; the default skips nothing (bookings know nothing of the school week). The
    result lists the bookings and `skipped`."""
    purpose = prepare(actor, asset, person, purpose)
    check_range(actor, asset, start, end, now)
    occurrences, skipped = repeats.occurrences(start, end, until, now, skip)
    availability.serialise_writers(locks_for(asset))
    _refuse_clashes(actor, asset, occurrences, now)
    made = write(actor, asset, person, occurrences, now, purpose, uuid.uuid4().hex)
    record_created(actor, made, until, skipped)
    return repeats.Repeat(made, skipped)


def record_created(
    actor: User,
    made: list[Booking],
    until: date | None = None,
    skipped: list[tuple[date, str]] | None = None,
) -> None:
    """The "booking.created" event of each booking made (of a weekly repeat when `until` is
    given, saying the days it left out)."""
    entries = []
    for booking in made:
        summary = f"{item_tag(booking)} booked for {booking.person.name}"
        if until is not None:
            left_out = f"; not {repeats.skipped_text(skipped)}" if skipped else ""
            summary += f" (weekly until {date_text(until)}{left_out})"
        entries.append(_event_of(booking, summary))
    events.record_each(actor, "booking.created", entries)


def record(actor: User, booking: Booking, action: str, summary: str, changes=None) -> None:
    """The audit event of a change to `booking`, its range added to `summary`."""
    events.record_each(actor, action, [_event_of(booking, summary, changes)])


def _event_of(booking: Booking, summary: str, changes=None) -> tuple:
    """(entity, summary, changes, asset, person) of `booking`'s event, for events.record_each."""
    return (
        booking,
        f"{summary}, {availability.range_text(booking.starts_at, booking.ends_at)}",
        changes
        or {
            "state": booking.state,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "series_id": booking.series_id,
        },
        booking.asset,
        booking.person,
    )


def item_tag(booking: Booking) -> str:
    """What a booking holds, in its summary: an asset's or kit's tag, or the pool's words."""
    item = booking.item
    return item.tag if booking.pool is None else booking.item_text


def move_state(booking: Booking, allowed: tuple[str, ...], values: dict, message: str) -> None:
    """Change the booking's state only if it is still in one of `allowed`, in one statement,
    so two technicians (or a booker and a technician) acting at once cannot both. Every
    change goes through here (or bumps `sequence` as this does), so calendar apps holding
    the booking's event (services/bookings/ical) see a higher SEQUENCE and replace it."""
    changed = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.state.in_(allowed))
        .values(sequence=Booking.sequence + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.refresh(booking)
        raise DomainError(message.format(state=booking.state_label.lower()))
    db.session.refresh(booking)


def cancel(actor: User, booking: Booking, now: datetime) -> Booking:
    """Cancel one booking (one occurrence of a series on its own), by the person it is for,
    the login that made it, or the desk; only before it ends and while not collected."""
    own = actor.person_id is not None and actor.person_id == booking.person_id
    if not (own or booking.booked_by_id == actor.id or allows(actor, "can_book_for_anyone")):
        raise NotAllowed("You can cancel only your own bookings.")
    if booking.ends_at <= now:
        raise DomainError("This booking has already ended and cannot be cancelled.")
    before = booking.state
    move_state(
        booking,
        ("requested", "approved"),
        {"state": "cancelled", "cancelled_at": now, "cancelled_by_id": actor.id, "updated_at": now},
        "This booking is {state} and cannot be cancelled.",
    )
    record(
        actor,
        booking,
        "booking.cancelled",
        f"Booking of {item_tag(booking)} for {booking.person.name} cancelled",
        changes={"state": [before, "cancelled"]},
    )
    return booking


def _decide(actor: User, booking: Booking, now: datetime, state: str) -> Booking:
    if not allows(actor, "can_approve_bookings"):
        raise NotAllowed("Only the IT technician approves or declines bookings.")
    move_state(
        booking,
        ("requested",),
        {"state": state, "decided_at": now, "decided_by_id": actor.id, "updated_at": now},
        "This booking is {state} already: nothing changed.",
    )
    record(
        actor,
        booking,
        f"booking.{state}",
        f"Booking of {item_tag(booking)} for {booking.person.name} {state}",
        changes={"state": ["requested", state]},
    )
    return booking


def approve(actor: User, booking: Booking, now: datetime) -> Booking:
    """A technician approves a requested booking (it already holds its range)."""
    return _decide(actor, booking, now, "approved")


def decline(actor: User, booking: Booking, now: datetime) -> Booking:
    """A technician declines a requested booking; its range is free again."""
    return _decide(actor, booking, now, "declined")
