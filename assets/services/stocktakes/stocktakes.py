"""Stocktakes: scan what is really at a location (or in the whole school) against the register.

Starting one lists what the register expects there; each scan marks an asset found, or adds
it as unexpected; finishing turns what was not found into missing and records where and when
each found asset was last seen. The state lives in the database, so a closed tab or a second
phone carries on where the first left off.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from assets.extensions import db
from assets.models import (
    STATUS_LABELS,
    Asset,
    Kit,
    Loan,
    Location,
    Stocktake,
    StocktakeItem,
    User,
)
from assets.models.base import utcnow
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.clock import local_time_text
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.kits import kits
from assets.services.register import register, scanning

# What the register expects to find on the shelf: not on loan, and not lost, stolen or retired.
EXPECTED_STATUSES = ("available", "in_repair")


def _check_may_run(actor: User | None) -> None:
    if not allows(actor, "can_run_stocktakes"):
        raise NotAllowed("Only the IT technician or an admin can run a stocktake.")


def _check_open(stocktake: Stocktake) -> None:
    if not stocktake.is_open:
        raise DomainError(f"This stocktake of {stocktake.place} is {stocktake.status} already.")


# ---- finding stocktakes ---------------------------------------------------------------------


def _moment_after_start(stocktake: Stocktake, now: datetime | None, what: str) -> datetime:
    """`now` (the present by default), refused with a clear message when it is before the
    stocktake began: a device's clock or a caller's time that runs behind."""
    now = now or utcnow()
    if now < stocktake.started_at:
        raise DomainError(
            f"{what} at {local_time_text(now)} is before this stocktake began "
            f"({local_time_text(stocktake.started_at)}); nothing was recorded."
        )
    return now


def get_stocktake(stocktake_id: int) -> Stocktake | None:
    return db.session.get(Stocktake, stocktake_id)


def open_stocktake_at(location: Location | None) -> Stocktake | None:
    query = select(Stocktake).where(Stocktake.status == "open")
    if location is None:
        query = query.where(Stocktake.location_id.is_(None))
    else:
        query = query.where(Stocktake.location_id == location.id)
    return db.session.scalar(query)


def list_stocktakes(limit: int = 100) -> list[Stocktake]:
    """Stocktakes under way first, then the latest."""
    query = (
        select(Stocktake)
        .options(selectinload(Stocktake.location), selectinload(Stocktake.started_by))
        .order_by((Stocktake.status == "open").desc(), Stocktake.started_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# ---- running one ----------------------------------------------------------------------------


def start_stocktake(
    actor: User, location_id: int | None, now: datetime | None = None
) -> tuple[Stocktake, bool]:
    """Start a stocktake of a location (None: the whole school) and list the assets the
    register expects there. When one is already under way there, return it instead, so a
    second phone joins it. The bool says whether a new one was started."""
    _check_may_run(actor)
    location = None
    if location_id is not None:
        location = db.session.get(Location, location_id)
        if location is None:
            raise DomainError("Choose a location from the list.", field="location_id")
    existing = open_stocktake_at(location)
    if existing is not None:
        return existing, False
    stocktake = Stocktake(location=location, started_by_id=actor.id, started_at=now or utcnow())
    db.session.add(stocktake)
    db.session.flush()
    expected = select(Asset.id, Asset.location_id, Asset.status).where(
        Asset.status.in_(EXPECTED_STATUSES)
    )
    if location is not None:
        expected = expected.where(Asset.location_id == location.id)
    rows = [
        {
            "stocktake_id": stocktake.id,
            "asset_id": asset_id,
            "expected": True,
            "register_location_id": place_id,
            "register_status": status,
            "moved": False,
        }
        for asset_id, place_id, status in db.session.execute(expected)
    ]
    if rows:
        db.session.execute(StocktakeItem.__table__.insert(), rows)
    db.session.expire(stocktake, ["items"])
    events.record(
        actor,
        "stocktake.started",
        stocktake,
        f"Stocktake of {stocktake.place} started: {len(rows)} assets expected",
        changes={"place": stocktake.place, "expected": len(rows)},
    )
    return stocktake, True


@dataclass
class ScanResult:
    """What one scan did: "found" (expected here), "unexpected", "kit" (a kit's label: its
    parts not out on loan counted), or "again" (counted before, nothing changed)."""

    result: str
    # The item counted (for a kit's label, the last part; None when every part is out).
    item: StocktakeItem | None
    message: str


def _item_for(stocktake: Stocktake, asset: Asset) -> StocktakeItem | None:
    return db.session.scalar(
        select(StocktakeItem).where(
            StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.asset_id == asset.id
        )
    )


def record_scan(
    actor: User, stocktake: Stocktake, code: str, now: datetime | None = None
) -> ScanResult:
    """Count the asset a scanned or typed `code` names as seen in this stocktake. A kit's
    label counts every part of the kit that is not out on loan. A code that is not ours, or
    an unknown tag, raises a DomainError and changes nothing."""
    _check_may_run(actor)
    _check_open(stocktake)
    kit = kits.kit_for_code(code, current_app.config["BASE_URL"])
    if kit is not None:
        return _record_kit_scan(actor, stocktake, kit, now)
    asset = scanning.asset_for_code(code)
    item = _item_for(stocktake, asset)
    if item is not None and item.found_at is not None:
        return ScanResult("again", item, f"{asset.tag} is already counted.")
    now = _moment_after_start(stocktake, now, f"A scan of {asset.tag}")
    result, item = _count(actor, stocktake, asset, item, now)
    if item.expected:
        message = f"{asset.tag} found."
    else:
        message = f"{asset.tag} was not expected here: {why_unexpected(item)}."
    return ScanResult(result, item, message)


def _count(
    actor: User, stocktake: Stocktake, asset: Asset, item: StocktakeItem | None, now: datetime
) -> tuple[str, StocktakeItem]:
    """Mark `asset` found now ("found" or "unexpected"), with its event."""
    if item is None:
        item = StocktakeItem(
            stocktake=stocktake,
            asset=asset,
            # Added to the register here after the stocktake began: expected all the same.
            expected=_expected_at(asset, stocktake),
            register_location_id=asset.location_id,
            register_status=asset.status,
        )
        db.session.add(item)
    item.found_at = now
    item.found_by_id = actor.id
    db.session.flush()
    result = "found" if item.expected else "unexpected"
    events.record(
        actor,
        "stocktake.scanned",
        stocktake,
        f"{asset.tag} {result} in the stocktake of {stocktake.place}",
        changes={"result": result},
        asset=asset,
    )
    return result, item


def _record_kit_scan(
    actor: User, stocktake: Stocktake, kit: Kit, now: datetime | None
) -> ScanResult:
    """A kit's label: count each part that is not out on loan (a part on loan is with its
    borrower, not on this shelf, whatever the kit's label says)."""
    if not kit.parts:
        raise DomainError(f"The kit {kit.tag} has no parts, so there is nothing to count.")
    now = _moment_after_start(stocktake, now, f"A scan of the kit {kit.tag}")
    counted, again, out, last = [], [], [], None
    for asset in kit.assets:
        if asset.open_loan is not None:
            out.append(f"{asset.tag} (on loan to {asset.open_loan.person.name})")
            continue
        item = _item_for(stocktake, asset)
        if item is not None and item.found_at is not None:
            again.append(asset.tag)
            last = item
            continue
        _result, last = _count(actor, stocktake, asset, item, now)
        counted.append(asset.tag)
    message = f"Kit {kit.tag}: " + (
        f"{len(counted)} part{'s' if len(counted) != 1 else ''} counted ({', '.join(counted)})"
        if counted
        else "no part newly counted"
    )
    if again:
        message += f"; already counted: {', '.join(again)}"
    if out:
        message += f"; not counted, out on loan: {', '.join(out)}"
    return ScanResult("kit" if counted else "again", last, message + ".")


def _expected_at(asset: Asset, stocktake: Stocktake) -> bool:
    return asset.status in EXPECTED_STATUSES and stocktake.location_id in (None, asset.location_id)


def why_unexpected(item: StocktakeItem) -> str:
    """Why the register did not expect this asset here, in words."""
    status = item.register_status
    if status == "on_loan":
        loan = item.asset.open_loan
        return f"it is on loan to {loan.person.name}" if loan else "it is on loan"
    if status not in EXPECTED_STATUSES:
        return f"it is recorded as {STATUS_LABELS[status].lower()}"
    if item.register_location is None:
        return "the register has no location for it"
    return f"the register has it in {item.register_location.name}"


def can_move_here(item: StocktakeItem) -> bool:
    """Whether the one-tap move applies: an unexpected asset of another (or no) location,
    scanned in an open stocktake of one location."""
    stocktake = item.stocktake
    return (
        stocktake.is_open
        and stocktake.location_id is not None
        and item.found_at is not None
        and not item.expected
        and not item.moved
        and item.asset.location_id != stocktake.location_id
    )


def can_check_in(item: StocktakeItem) -> bool:
    """Whether to offer Check in beside Move: an asset the register has on loan, found on
    the shelf in an open stocktake, is most likely back without having been checked in."""
    return (
        item.stocktake.is_open
        and item.found_at is not None
        and not item.expected
        and item.asset.open_loan is not None
    )


def move_here(actor: User, stocktake: Stocktake, tag: str) -> StocktakeItem:
    """Move an unexpected asset, in the register, to the stocktake's location."""
    _check_may_run(actor)
    _check_open(stocktake)
    if stocktake.location is None:
        raise DomainError(
            "A whole-school stocktake has no one place to move a device to: "
            "move it from its own page."
        )
    asset = scanning.asset_for_tag(tag)
    item = _item_for(stocktake, asset) if asset is not None else None
    if item is None or item.found_at is None or item.expected:
        raise DomainError(f"{tag} was not scanned here as unexpected, so it is not moved.")
    if item.moved or not can_move_here(item):
        return item
    register.move_asset(
        actor, asset, stocktake.location_id, note=f"found in the stocktake of {stocktake.place}"
    )
    item.moved = True
    return item


@dataclass
class FinishResult:
    found: int
    unexpected: int
    missing: int


def finish_stocktake(
    actor: User, stocktake: Stocktake, now: datetime | None = None
) -> FinishResult:
    """Close the stocktake: what was not found is missing, and each asset found is recorded as
    last seen when it was scanned, at the stocktake's location (for the whole school: where the
    register has it)."""
    _check_may_run(actor)
    _check_open(stocktake)
    now = _moment_after_start(stocktake, now, "Finishing")
    items = _items(stocktake)
    found = [item for item in items if item.found_at is not None]
    missing = [item for item in items if item.found_at is None]
    for item in found:
        asset = item.asset
        place = stocktake.location or asset.location
        if asset.last_seen_at is not None and asset.last_seen_at > item.found_at:
            continue  # a later stocktake saw it since
        seen_before = asset.last_seen_at
        place_before = asset.last_seen_location.name if asset.last_seen_location else None
        asset.last_seen_at = item.found_at
        asset.last_seen_location = place
        events.record(
            actor,
            "asset.seen",
            asset,
            f"Asset {asset.tag} seen in the stocktake of {stocktake.place}",
            changes={
                "last_seen_at": [
                    seen_before.isoformat() if seen_before else None,
                    item.found_at.isoformat(),
                ],
                "last_seen_location": [place_before, place.name if place else None],
            },
        )
    for item in missing:
        events.record(
            actor,
            "stocktake.missing",
            stocktake,
            f"{item.asset.tag} not found in the stocktake of {stocktake.place}",
            asset=item.asset,
        )
    result = FinishResult(
        found=sum(1 for item in found if item.expected),
        unexpected=sum(1 for item in found if not item.expected),
        missing=len(missing),
    )
    stocktake.status = "finished"
    stocktake.ended_at = now
    stocktake.ended_by_id = actor.id
    events.record(
        actor,
        "stocktake.finished",
        stocktake,
        f"Stocktake of {stocktake.place} finished: {result.found} found, "
        f"{result.missing} missing, {result.unexpected} unexpected",
        changes={"found": result.found, "missing": result.missing, "unexpected": result.unexpected},
    )
    return result


def cancel_stocktake(actor: User, stocktake: Stocktake, now: datetime | None = None) -> None:
    """Abandon a stocktake started by mistake: nothing is recorded against the assets."""
    _check_may_run(actor)
    _check_open(stocktake)
    now = _moment_after_start(stocktake, now, "Cancelling")
    stocktake.status = "cancelled"
    stocktake.ended_at = now
    stocktake.ended_by_id = actor.id
    events.record(
        actor, "stocktake.cancelled", stocktake, f"Stocktake of {stocktake.place} cancelled"
    )


# ---- what it found --------------------------------------------------------------------------


def _items(stocktake: Stocktake) -> list[StocktakeItem]:
    query = (
        select(StocktakeItem)
        .join(Asset, Asset.id == StocktakeItem.asset_id)
        .where(StocktakeItem.stocktake_id == stocktake.id)
        .options(
            selectinload(StocktakeItem.asset).selectinload(Asset.location),
            selectinload(StocktakeItem.asset).selectinload(Asset.last_seen_location),
            selectinload(StocktakeItem.asset).selectinload(Asset.category),
            selectinload(StocktakeItem.asset)
            .selectinload(Asset.open_loan)
            .selectinload(Loan.person),
            selectinload(StocktakeItem.register_location),
            selectinload(StocktakeItem.found_by),
        )
        .order_by(Asset.tag)
    )
    return list(db.session.scalars(query))


@dataclass
class Counts:
    expected: int = 0
    found: int = 0
    unexpected: int = 0

    @property
    def not_found(self) -> int:
        return self.expected - self.found


def counts(stocktake: Stocktake) -> Counts:
    """How many assets were expected, found among them, and found unexpectedly."""
    row = db.session.execute(
        select(
            func.count(case((StocktakeItem.expected, 1))),
            func.count(case((StocktakeItem.expected & StocktakeItem.found_at.isnot(None), 1))),
            func.count(case((~StocktakeItem.expected, 1))),
        ).where(StocktakeItem.stocktake_id == stocktake.id)
    ).one()
    return Counts(*row)


@dataclass
class Report:
    """A stocktake's lines by outcome, each list in tag order. `not_found` are pending while
    the stocktake is open and missing once it is finished."""

    stocktake: Stocktake
    found: list[StocktakeItem] = field(default_factory=list)
    unexpected: list[StocktakeItem] = field(default_factory=list)
    not_found: list[StocktakeItem] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        return Counts(
            expected=len(self.found) + len(self.not_found),
            found=len(self.found),
            unexpected=len(self.unexpected),
        )


def report(stocktake: Stocktake) -> Report:
    result = Report(stocktake)
    for item in _items(stocktake):
        if item.found_at is None:
            result.not_found.append(item)
        elif item.expected:
            result.found.append(item)
        else:
            result.unexpected.append(item)
    return result
