"""Keeping kits: making one, naming it, adding and removing its parts, deleting an empty one;
and finding a kit by its tag or label. Lending and returning a kit are in kit_loans.py.

A kit's tag is never an asset's, whatever the letter case: a scanned label names one or the
other. register.create_asset and update_asset refuse a kit's tag the same way.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, Kit, KitPart, Loan, User
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH
from assets.models.base import tag_key, utcnow
from assets.models.booking import LIVE_STATES
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text
from assets.services.loans import loans
from assets.services.register import register, scanning

MAX_PARTS = loans.MAX_ITEMS
"""A kit goes out in one check-out, so it holds no more than one check-out lends."""
# Parts in these states cannot be added: they are not going anywhere with the kit.
NOT_ADDABLE = {"retired": "is retired", "lost": "is reported lost", "stolen": "is reported stolen"}


def _check_may_manage(actor: User | None) -> None:
    if not allows(actor, "can_manage_register"):
        raise NotAllowed("Only the IT technician or an admin can make and change kits.")


# ---- finding kits ------------------------------------------------------------------------------


def _with_parts():
    return (
        selectinload(Kit.parts)
        .selectinload(KitPart.asset)
        .selectinload(Asset.open_loan)
        .selectinload(Loan.person)
    )


def get_kit(kit_id: int) -> Kit | None:
    """The kit with this id, its parts, their open loans and borrowers loaded at once."""
    return db.session.scalar(select(Kit).where(Kit.id == kit_id).options(_with_parts()))


def all_kits() -> list[Kit]:
    query = select(Kit).options(_with_parts()).order_by(Kit.tag)
    return list(db.session.scalars(query))


def kit_for_tag(tag: str) -> Kit | None:
    """The kit with this tag; letter case is forgiven for a tag typed by hand."""
    tag = (tag or "").strip()
    if not tag:
        return None
    kit = db.session.scalar(select(Kit).where(Kit.tag == tag).options(_with_parts()))
    if kit is None:
        kit = db.session.scalar(
            select(Kit).where(Kit.tag_key == tag_key(tag)).options(_with_parts())
        )
    return kit


def kit_for_code(code: str, base_url: str) -> Kit | None:
    """The kit a scanned or typed code names: our kit label's URL (<base_url>/k/<tag>) or a
    bare kit tag; None when the code names no kit (it may still name an asset)."""
    tag = scanning.kit_tag_in_code(code, base_url)
    return kit_for_tag(tag) if tag is not None else None


def kit_of(asset: Asset) -> Kit | None:
    """The kit `asset` is a part of, if any."""
    return db.session.scalar(select(Kit).join(KitPart).where(KitPart.asset_id == asset.id))


# ---- the kit's own values ---------------------------------------------------------------------


def _clean_tag(tag: str, kit: Kit | None = None) -> str:
    tag = (tag or "").strip()
    problem = register.tag_problem(tag)
    if problem:
        raise DomainError(problem.replace("asset tag", "kit's tag"), field="tag")
    other = db.session.scalar(select(Kit).where(Kit.tag_key == tag_key(tag)))
    if other is not None and other is not kit:
        raise DomainError(f"The tag {tag} is already the kit {other.name}'s.", field="tag")
    asset = db.session.scalar(select(Asset).where(Asset.tag_key == tag_key(tag)))
    if asset is not None:
        raise DomainError(
            f"The tag {tag} is the asset {asset.name}'s: a kit needs a tag of its own, so that "
            "a scanned label names one or the other.",
            field="tag",
        )
    return tag


def _clean_name(name: str) -> str:
    return clean_text(
        name,
        field="name",
        label="the name",
        max_length=NAME_LENGTH,
        required="Give the kit a name, such as \u201ciPad trolley A\u201d.",
    )


def _clean_notes(notes: str) -> str:
    return clean_text(
        notes, field="notes", label="the notes", max_length=NOTES_LENGTH, multiline=True
    )


def _flush_or_taken(tag: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise DomainError(
            f"The tag {tag} has just been given to another kit. Choose another.", field="tag"
        ) from error


def create_kit(actor: User, tag: str, name: str, notes: str = "") -> Kit:
    _check_may_manage(actor)
    kit = Kit(tag=_clean_tag(tag), name=_clean_name(name), notes=_clean_notes(notes))
    db.session.add(kit)
    _flush_or_taken(kit.tag)
    events.record(
        actor,
        "kit.created",
        kit,
        f"Kit {kit.tag} ({kit.name}) made",
        changes={"tag": kit.tag, "name": kit.name, "notes": kit.notes},
    )
    return kit


def update_kit(actor: User, kit: Kit, tag: str, name: str, notes: str = "") -> bool:
    """Rename or re-tag a kit, or change its notes. False when nothing changed."""
    _check_may_manage(actor)
    values = {
        "tag": _clean_tag(tag, kit),
        "name": _clean_name(name),
        "notes": _clean_notes(notes),
    }
    changes = events.apply_changes(kit, values)
    if not changes:
        return False
    _flush_or_taken(kit.tag)
    events.record(
        actor, "kit.updated", kit, f"Kit {kit.tag}: {', '.join(changes)} changed", changes=changes
    )
    return True


def delete_kit(actor: User, kit: Kit) -> None:
    """Delete a kit that has no parts left and was never booked (its history stays in the
    audit trail; its bookings name it, so a kit once booked is kept, as a pool is)."""
    _check_may_manage(actor)
    if kit.parts:
        raise DomainError(
            f"{kit.tag} still has {len(kit.parts)} part{'s' if len(kit.parts) > 1 else ''}: "
            "remove them first."
        )
    booked = db.session.scalar(
        select(Booking.state).where(Booking.kit_id == kit.id).order_by(Booking.id).limit(1)
    )
    if booked is not None:
        live = db.session.scalar(
            select(Booking.id)
            .where(Booking.kit_id == kit.id, Booking.state.in_(LIVE_STATES))
            .limit(1)
        )
        raise DomainError(
            f"{kit.tag} has bookings that are waiting, booked or out: cancel them before "
            "deleting the kit."
            if live is not None
            else f"{kit.tag} has past bookings, which keep it in their history: it cannot be "
            "deleted. Rename it instead."
        )
    events.record(actor, "kit.deleted", kit, f"Kit {kit.tag} ({kit.name}) deleted")
    db.session.delete(kit)
    db.session.flush()


# ---- parts ------------------------------------------------------------------------------------


def _booked_from(asset: Asset, now: datetime) -> Booking | None:
    """The asset's first live booking not yet ended at `now`, if any."""
    return db.session.scalar(
        select(Booking)
        .where(
            Booking.asset_id == asset.id,
            Booking.state.in_(LIVE_STATES),
            Booking.ends_at > now,
        )
        .order_by(Booking.starts_at)
        .limit(1)
    )


def why_not_addable(kit: Kit, asset: Asset, now: datetime | None = None) -> str | None:
    """Why `asset` cannot become a part of `kit`, or None when it can. A part is booked only
    with its kit, so an asset with bookings still to come stays out until they are over or
    cancelled."""
    if any(part.asset_id == asset.id for part in kit.parts):
        return f"{asset.tag} is already in this kit."
    other = kit_of(asset)
    if other is not None:
        return (
            f"{asset.tag} is already in the kit {other.tag} ({other.name}): remove it there first."
        )
    if asset.status in NOT_ADDABLE:
        return f"{asset.tag} {NOT_ADDABLE[asset.status]} and cannot be part of a kit."
    if len(kit.parts) >= MAX_PARTS:
        return f"A kit holds at most {MAX_PARTS} items, as many as one check-out lends."
    booked = _booked_from(asset, now or utcnow())
    if booked is not None:
        return (
            f"{asset.tag} is booked on its own ({local_time_text(booked.starts_at)}, for "
            f"{booked.person.name}): a part is booked only with its kit, so add it once its "
            "bookings are over or cancelled."
        )
    return None


def add_part(actor: User, kit: Kit, tag: str, *, now: datetime | None = None) -> KitPart:
    """Add the asset with `tag` (as typed or scanned) to `kit`."""
    _check_may_manage(actor)
    if not (tag or "").strip():
        raise DomainError("Type or scan the tag of the item to add.", field="tag")
    try:
        found = scanning.tag_in_code(tag, _base_url())
    except DomainError as error:
        raise DomainError(error.message, field="tag") from error
    asset = scanning.asset_for_tag(found)
    if asset is None:
        raise DomainError(f"No asset has the tag {found}. Check the label.", field="tag")
    refusal = why_not_addable(kit, asset, now)
    if refusal is not None:
        raise DomainError(refusal, field="tag")
    part = KitPart(kit=kit, asset=asset)
    db.session.add(part)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        # The unique asset_id caught another desk adding it to another kit at the same moment.
        raise DomainError(
            f"{asset.tag} has just been added to another kit. Check it and try again.",
            field="tag",
        ) from error
    events.record(
        actor,
        "kit.part_added",
        kit,
        f"{asset.tag} added to kit {kit.tag}",
        changes={"asset": asset.tag},
        asset=asset,
    )
    return part


def remove_part(actor: User, kit: Kit, asset_id: int) -> Asset:
    """Take an asset out of `kit` (it stays in the register, on loan or not)."""
    _check_may_manage(actor)
    part = next((p for p in kit.parts if p.asset_id == asset_id), None)
    if part is None:
        raise DomainError("That item is not in this kit (it may have just been removed).")
    asset = part.asset
    if asset.open_loan is not None:
        state = "marked missing" if part.missing else f"on loan to {asset.open_loan.person.name}"
        raise DomainError(
            f"{asset.tag} is {state}, so it stays in kit {kit.tag} for now: check it in or "
            "report the loss first."
        )
    kit.parts.remove(part)
    db.session.flush()
    events.record(
        actor,
        "kit.part_removed",
        kit,
        f"{asset.tag} removed from kit {kit.tag}",
        changes={"asset": asset.tag},
        asset=asset,
    )
    return asset


def _base_url() -> str:
    return current_app.config["BASE_URL"]
