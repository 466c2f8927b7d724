"""Keeping pools: making one for a category at a location, renaming it, deleting it while no
live booking holds it; its units and the pool a unit belongs to.

A pool's units are found, not listed: the assets of its category at its location that are not
parts of a kit. Moving an iPad to the IT office puts it in that office's pool.
"""

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import Asset, Booking, Category, KitPart, Loan, Location, Pool, User
from assets.models.asset import NAME_LENGTH, NOTES_LENGTH
from assets.models.booking import LIVE_STATES
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.common.text import clean_text


def _check_may_manage(actor: User | None) -> None:
    if not allows(actor, "can_manage_register"):
        raise NotAllowed("Only the IT technician or an admin can make and change pools.")


# ---- finding pools and their units ------------------------------------------------------------


def get_pool(pool_id: int) -> Pool | None:
    return db.session.scalar(
        select(Pool)
        .where(Pool.id == pool_id)
        .options(selectinload(Pool.category), selectinload(Pool.location))
    )


def all_pools() -> list[Pool]:
    return list(
        db.session.scalars(
            select(Pool)
            .options(selectinload(Pool.category), selectinload(Pool.location))
            .order_by(Pool.name)
        )
    )


def units_of(pool: Pool):
    """The SQL condition for an asset being one of `pool`'s units: its category, its
    location, and no kit's part."""
    return (
        (Asset.category_id == pool.category_id)
        & (Asset.location_id == pool.location_id)
        & ~exists().where(KitPart.asset_id == Asset.id)
    )


def units(pool: Pool) -> list[Asset]:
    """The pool's units by tag, each with its open loan and borrower loaded (who has it)."""
    return list(
        db.session.scalars(
            select(Asset)
            .where(units_of(pool))
            .options(selectinload(Asset.open_loan).selectinload(Loan.person))
            .order_by(Asset.tag)
        )
    )


def pool_of(asset: Asset) -> Pool | None:
    """The pool `asset` is a unit of, if any."""
    if asset.location_id is None:
        return None
    is_part = db.session.scalar(select(KitPart.id).where(KitPart.asset_id == asset.id))
    if is_part is not None:
        return None
    return db.session.scalar(
        select(Pool).where(
            Pool.category_id == asset.category_id, Pool.location_id == asset.location_id
        )
    )


def pools_of(assets: list[Asset]) -> list[tuple[Pool, list[Asset]]]:
    """The pools these assets are units of, each with its units among them, by pool name
    (assets in no pool are left out). Two queries, however many assets."""
    placed = [a for a in assets if a.location_id is not None]
    if not placed:
        return []
    parts = set(
        db.session.scalars(
            select(KitPart.asset_id).where(KitPart.asset_id.in_([a.id for a in placed]))
        )
    )
    found = db.session.scalars(
        select(Pool).where(
            Pool.category_id.in_({a.category_id for a in placed}),
            Pool.location_id.in_({a.location_id for a in placed}),
        )
    )
    by_place = {(p.category_id, p.location_id): p for p in found}
    grouped: dict[int, tuple[Pool, list[Asset]]] = {}
    for asset in placed:
        pool = by_place.get((asset.category_id, asset.location_id))
        if pool is not None and asset.id not in parts:
            grouped.setdefault(pool.id, (pool, []))[1].append(asset)
    return sorted(grouped.values(), key=lambda pair: pair[0].name)


def unit_refusal(asset: Asset) -> str | None:
    """Why `asset` cannot be booked on its own: it is a unit of a pool, booked by number."""
    pool = pool_of(asset)
    if pool is None:
        return None
    return f"{asset.tag} is in the pool {pool.name}: book from the pool."


def has_live_bookings(pool: Pool) -> bool:
    return (
        db.session.scalar(
            select(Booking.id)
            .where(Booking.pool_id == pool.id, Booking.state.in_(LIVE_STATES))
            .limit(1)
        )
        is not None
    )


# ---- keeping pools -------------------------------------------------------------------------------


def _values(name: str, category_id, location_id, notes: str) -> dict:
    name = clean_text(name, field="name", label="the name", max_length=NAME_LENGTH, multiline=False)
    if not name:
        raise DomainError("Give the pool a name, such as Loan iPads, IT office.", field="name")
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        raise DomainError("Choose the category of its units.", field="category_id")
    location = db.session.get(Location, location_id) if location_id else None
    if location is None:
        raise DomainError("Choose where its units are kept.", field="location_id")
    notes = clean_text(
        notes, field="notes", label="the notes", max_length=NOTES_LENGTH, multiline=True
    )
    return {"name": name, "category": category, "location": location, "notes": notes}


def _check_free(values: dict, pool: Pool | None) -> None:
    same_name = select(Pool).where(Pool.name == values["name"])
    same_place = select(Pool).where(
        Pool.category_id == values["category"].id, Pool.location_id == values["location"].id
    )
    if pool is not None:
        same_name = same_name.where(Pool.id != pool.id)
        same_place = same_place.where(Pool.id != pool.id)
    if db.session.scalar(same_name) is not None:
        raise DomainError(f"There is already a pool called {values['name']}.", field="name")
    other = db.session.scalar(same_place)
    if other is not None:
        raise DomainError(
            f"{values['category'].name} at {values['location'].name} is already the pool "
            f"{other.name}.",
            field="category_id",
        )


def _flush(values: dict) -> None:
    try:
        db.session.flush()
    except IntegrityError as error:  # another desk saved the same name or place meanwhile
        raise DomainError(
            f"Another pool was saved as {values['name']}, or for the same category and place, "
            "a moment ago. Check the list of pools."
        ) from error


def create_pool(
    actor: User, name: str, category_id: int | None, location_id: int | None, notes: str = ""
) -> Pool:
    """A pool of `category_id` at `location_id`, one per category and place, its name unique."""
    _check_may_manage(actor)
    values = _values(name, category_id, location_id, notes)
    _check_free(values, None)
    pool = Pool(**values)
    db.session.add(pool)
    _flush(values)
    events.record(
        actor,
        "pool.created",
        pool,
        f"Pool {pool.name} made: {pool.category.name} at {pool.location.name}",
        changes={
            "name": pool.name,
            "category_id": pool.category_id,
            "location_id": pool.location_id,
        },
    )
    return pool


def update_pool(
    actor: User,
    pool: Pool,
    name: str,
    category_id: int | None,
    location_id: int | None,
    notes: str = "",
) -> dict:
    """Rename a pool or move it to another category or place; the changes, {} when none. A
    pool with live bookings keeps its category and place: its bookings counted those units."""
    _check_may_manage(actor)
    values = _values(name, category_id, location_id, notes)
    moved = (values["category"].id, values["location"].id) != (pool.category_id, pool.location_id)
    if moved and has_live_bookings(pool):
        raise DomainError(
            f"{pool.name} has bookings to come, which counted its units: it keeps its category "
            "and place until they are over or cancelled.",
            field="category_id",
        )
    _check_free(values, pool)
    changes = {}
    for key, value in values.items():
        before = getattr(pool, key)
        if before != value:
            changes[key] = [str(before), str(value)]
            setattr(pool, key, value)
    if not changes:
        return {}
    _flush(values)
    events.record(actor, "pool.updated", pool, f"Pool {pool.name} changed", changes=changes)
    return changes


def delete_pool(actor: User, pool: Pool) -> None:
    """Delete a pool with no live booking (its past bookings keep their history: refused too,
    since they name it). Its units stay in the register."""
    _check_may_manage(actor)
    if has_live_bookings(pool):
        raise DomainError(
            f"{pool.name} has bookings that are waiting, booked or out: cancel them or wait "
            "until they are over before deleting the pool."
        )
    if db.session.scalar(select(Booking.id).where(Booking.pool_id == pool.id).limit(1)):
        raise DomainError(
            f"{pool.name} has past bookings, which keep its name in their history: it cannot "
            "be deleted. Rename it instead."
        )
    events.record(
        actor,
        "pool.deleted",
        pool,
        f"Pool {pool.name} deleted",
        changes={
            "name": pool.name,
            "category_id": pool.category_id,
            "location_id": pool.location_id,
        },
    )
    db.session.delete(pool)
    db.session.flush()
