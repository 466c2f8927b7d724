"""Importing the asset register: the columns it knows, and what each row does to it.

Rows are checked with the register's own rules (register.check_rules) and written in bulk,
with the same audit events register.create_asset and update_asset write: calling those once
a row costs two queries and a flush a row, which for a trust's 100,000 devices took minutes.
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import select

from assets.extensions import db
from assets.models import Asset, Category, Kit, Location
from assets.models.base import tag_key
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.register import places, register
from assets.services.spreadsheets.imports import statuses
from assets.services.spreadsheets.imports.asset_columns import FIELDS, NOT_IMPORTED
from assets.services.spreadsheets.imports.engine import ParsedRow, RowResult
from assets.services.spreadsheets.imports.kinds import Kind, PassContext, changed_fields, show
from assets.services.spreadsheets.imports.moves import MOVE_FIELDS, Moves

# A blank cell in these keeps what the register holds (a new asset gets the default); a blank
# cell in any other column clears the value.
KEEP_IF_BLANK = frozenset({"name", "category", "condition", "encrypted"})
DEFAULTS: dict[str, Any] = dict.fromkeys(register.DETAIL_FIELDS) | {
    "condition": "good",
    "encrypted": False,
    "notes": "",
}
OPTIONAL_TEXT = ("manufacturer", "model", "serial_number", "supplier", "software_image")
LABELS = {
    "tag": "Asset tag",
    "category_id": "Category",
    "location_id": "Location",
} | {f.name: f.label for f in FIELDS}
_FIELDS = {f.name: f for f in FIELDS}


def _mapping_problem(mapping) -> str | None:
    if "tag" not in mapping:
        return (
            "No column is set to Asset tag. Choose the column that holds the tags printed on "
            "the labels: every row is matched to the register by its tag."
        )
    return None


def _add_months(start: date, count: int) -> date:
    month = start.month - 1 + count
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class AssetRows:
    """One pass of the asset import: the register's tags, categories and locations, looked
    up once, and the rows written a batch at a time."""

    def __init__(self, context: PassContext) -> None:
        self.context = context
        self.tags: dict[str, int] = dict(db.session.execute(select(Asset.tag_key, Asset.id)).all())
        self.seen: dict[str, int] = {}
        # A kit's tag is never an asset's: a scanned label names one or the other.
        self.kit_tags = set(db.session.scalars(select(Kit.tag_key)))
        # Not self._title: a bound method would make a reference cycle of this object, and
        # its lookups of a whole file (the tags seen) would stay until the cyclic garbage
        # collector ran, under the next parse of the sheet.
        self.moves = Moves(context, partial(context.title, fields=_FIELDS))
        # Tags of digits only, by their number: "004711" and "4711" are the same number.
        self.numbers: dict[int, tuple[str, int | None]] = {
            int(tag): (tag, None) for tag in self.tags if tag.isascii() and tag.isdigit()
        }
        options = context.options
        self.places = {
            "category": _Names(
                Category, "category", "categories", options.create_categories, context
            ),
            "location": _Names(
                Location, "location", "locations", options.create_locations, context
            ),
        }

    def _title(self, name: str) -> str:
        return self.context.title(name, _FIELDS)

    # ---- checking -----------------------------------------------------------------------------

    def resolve(self, batch: list[ParsedRow]) -> list[RowResult]:
        self.moves.rows.clear()
        ids = [
            self.tags.get(tag_key(row.values["tag"]))
            for row in batch
            if row.values.get("tag") is not None
        ]
        existing = self._snapshots([i for i in ids if i is not None])
        return [self._resolve(row, existing) for row in batch]

    def _snapshots(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        columns = [getattr(Asset, name) for name in register.DETAIL_FIELDS]
        found = {}
        for row in db.session.execute(select(Asset.id, *columns).where(Asset.id.in_(ids))):
            values = dict(zip(register.DETAIL_FIELDS, row[1:], strict=True))
            for name in OPTIONAL_TEXT:
                values[name] = values[name] or None
            found[row[0]] = values
        return found

    def _resolve(self, row: ParsedRow, existing: dict[int, dict[str, Any]]) -> RowResult:
        errors, warnings = list(row.errors), []
        tag = row.values.get("tag")
        if tag is None:
            if "tag" in row.values:
                errors.append((self._title("tag"), "give the asset tag printed on the label"))
            return RowResult(row.number, "error", "", row.cells, errors)
        self._check_tag_once(row, tag, errors)
        # Carry on past a bad cell, so that the row's other problems are listed too.
        asset_id = self.tags.get(tag_key(tag))
        before = existing.get(asset_id) if asset_id is not None else None
        target = self._target(row, tag, before, errors, warnings)
        outcome = ""
        if before is None:
            outcome = self.moves.read(row, tag, target, errors, warnings)
        if not errors:
            try:
                register.check_rules(target)
            except DomainError as error:
                errors.append((self._title(error.field or "tag"), error.message))
        if errors:
            return RowResult(row.number, "error", tag, row.cells, errors, warnings=warnings)
        if before is None:
            warnings.extend(self._near_duplicate(row.number, tag))
            return RowResult(
                row.number,
                "create",
                tag,
                row.cells,
                values=target,
                warnings=warnings,
                outcome=outcome,
            )
        changes = {
            LABELS[name]: (self._show(name, before[name]), self._show(name, target[name]))
            for name in changed_fields(before, target, register.DETAIL_FIELDS)
        }
        action = "update" if changes else "unchanged"
        return RowResult(
            row.number,
            action,
            tag,
            row.cells,
            [],
            changes,
            "",
            asset_id,
            target,
            before,
            warnings,
        )

    def _check_tag_once(self, row: ParsedRow, tag: str, errors: list) -> None:
        first = self.seen.setdefault(tag_key(tag), row.number)
        if first != row.number:
            errors.append(
                (self._title("tag"), f"'{tag}' is also on row {first}; a tag can be on one row")
            )
        if tag_key(tag) in self.kit_tags:
            errors.append(
                (self._title("tag"), f"'{tag}' is a kit's tag; an asset needs a tag of its own")
            )

    def _near_duplicate(self, number: int, tag: str) -> list[tuple[str, str]]:
        """A warning when a new tag of digits is another's number with its zeros added or
        lost (4711 beside 004711): Excel drops leading zeros from a cell not set as Text."""
        if not (tag.isascii() and tag.isdigit()):
            return []
        other, row = self.numbers.setdefault(int(tag), (tag, number))
        if other == tag:
            return []
        where = f"on row {row}" if row is not None else "in the register"
        return [
            (
                self._title("tag"),
                f"'{tag}' would be a new asset, but '{other}' is {where}: if they are the same "
                "label, one lost its leading zeros (Excel drops them unless the column is Text)",
            )
        ]

    def _target(
        self,
        row: ParsedRow,
        tag: str,
        before: dict[str, Any] | None,
        errors: list,
        warnings: list,
    ) -> dict[str, Any]:
        """The asset's values after this row: what the register holds (or the defaults), with
        the row's cells over them, a new asset's name made up, and the warranty counted."""
        values = row.values
        target = dict(before if before is not None else DEFAULTS)
        target["tag"] = tag
        for name, value in values.items():
            if name in ("tag", "warranty_months") or name in MOVE_FIELDS:
                continue
            if name in self.places:
                if value is not None:
                    names = self.places[name]
                    found = names.ids.get(value.lower()) or names.id_for(value)
                    if found is None:
                        errors.append((self._title(name), names.missing(value)))
                    target[f"{name}_id"] = found
                elif name == "location":
                    target["location_id"] = None
            elif value is not None:
                target[name] = value
            elif name not in KEEP_IF_BLANK:
                target[name] = "" if name == "notes" else None
        if before is None:
            if values.get("category") is None and "category" not in self.context.failed(row):
                errors.append((self._title("category"), "a new asset needs a category"))
            if target["name"] is None:
                made = " ".join(filter(None, (target["manufacturer"], target["model"])))
                target["name"] = made or None
        if values.get("warranty_months") and not values.get("warranty_end"):
            self._count_warranty(row, target, warnings)
        if target["name"] is None:
            target["name"] = ""
        return target

    def _count_warranty(self, row: ParsedRow, target: dict[str, Any], warnings: list) -> None:
        """The warranty's end from the purchase date and a number of months. Without a
        purchase date the end stays as it is, with a warning (Snipe-IT allows that too)."""
        if target["purchase_date"] is None:
            # An unreadable purchase date is reported already, under its own column.
            if "purchase_date" not in self.context.failed(row):
                months = row.values["warranty_months"]
                warnings.append(
                    (
                        self._title("warranty_months"),
                        f"{months} months, but no purchase date to count them from: the "
                        "warranty end is not set",
                    )
                )
            return
        target["warranty_end"] = _add_months(target["purchase_date"], row.values["warranty_months"])

    def _show(self, name: str, value: Any) -> str:
        if name in ("category_id", "location_id") and value is not None:
            return self.places[name[:-3]].name_of(value)
        return show(value)

    def describe(self, result: RowResult) -> str:
        """A new asset in a few words, for the preview."""
        target = result.values
        status, holder, _ = self.moves.of(result.number)
        parts = (
            target["name"],
            self._show("category_id", target["category_id"]),
            self._show("location_id", target["location_id"]),
            target["serial_number"],
            statuses.CHOICES[status] if status != "available" else "",
            f"lent to {holder.name}, awaiting signature" if holder else "",
        )
        return " · ".join(part for part in parts if part)

    # ---- writing ------------------------------------------------------------------------------

    def write(self, results: list[RowResult]) -> None:
        now, writer = self.context.now, self.context.writer
        creates = [r for r in results if r.action == "create"]
        updates = [r for r in results if r.action == "update"]
        states = {r.number: self.moves.status(r.number) for r in creates}
        ids = writer.insert_new(
            Asset.__table__,
            [
                r.values
                | {
                    "tag_key": tag_key(r.values["tag"]),
                    "status": states[r.number],
                    "created_at": now,
                    "updated_at": now,
                }
                for r in creates
            ],
        )
        for result, asset_id in zip(creates, ids, strict=True):
            result.record_id = asset_id
            self.tags[tag_key(result.values["tag"])] = asset_id
        writer.update(
            Asset.__table__, [r.values | {"id": r.record_id, "updated_at": now} for r in updates]
        )
        entries = [
            {
                "action": "asset.created",
                "entity_type": "assets",
                "entity_id": r.record_id,
                "asset_id": r.record_id,
                "summary": register.created_summary(r.values["tag"]),
                # As register.create_asset records it, with the status when it is not
                # the usual "available" (Snipe-IT's statuses, a loan).
                "changes": r.values
                | ({"status": states[r.number]} if states[r.number] != "available" else {}),
            }
            for r in creates
        ]
        entries += self.moves.write_loans(creates, writer)
        for r in updates:
            changes = events.diff(events.plain(r.before), events.plain(r.values))
            entries.append(
                {
                    "action": "asset.updated",
                    "entity_type": "assets",
                    "entity_id": r.record_id,
                    "asset_id": r.record_id,
                    "summary": register.updated_summary(r.values["tag"], changes),
                    "changes": changes,
                }
            )
        events.record_many(self.context.actor, entries, now, writer)


class _Names:
    """Categories or locations by name, whatever the case; new ones added when ticked."""

    def __init__(self, model, noun: str, plural: str, allowed: bool, context: PassContext):
        self.model, self.noun, self.plural = model, noun, plural
        self.allowed, self.context = allowed, context
        rows = db.session.execute(select(model.id, model.name)).all()
        self.ids = {name.lower(): id_ for id_, name in rows}
        self.names = dict(rows)
        # Shared with the caller: the names to be added, and those refused (with how often).
        self.new = context.new_names.setdefault(plural, {})
        self.unknown = context.missing.setdefault(plural, Counter())

    def id_for(self, name: str) -> int | None:
        key = name.lower()
        found = self.ids.get(key)
        if found is not None or not self.allowed:
            if found is None:
                self.unknown[name] += 1
            return found
        self.new[key] = name
        if self.context.writing:
            record = self._create(name)
            found = record.id
        else:
            found = -len(self.new)
        self.ids[key] = found
        self.names[found] = name
        return found

    def name_of(self, id_: int) -> str:
        return self.names.get(id_, "")

    def missing(self, name: str) -> str:
        return (
            f"'{name}' is not a {self.noun} in the register (tick 'Add new {self.plural}' "
            "to add it, or correct the name)"
        )

    def _create(self, name: str):
        actor = self.context.actor
        if self.noun == "category":
            record = places.save_category(
                actor,
                None,
                name=name,
                terms_kind="equipment",
                loan_kind="short",
                default_loan_days=None,
            )
        else:
            record = places.save_location(actor, None, name=name)
        db.session.flush()
        return record


ASSETS = Kind(
    name="assets",
    title="Asset register",
    plural="assets",
    fields=FIELDS,
    not_imported=NOT_IMPORTED,
    rows=AssetRows,
    actions=("asset.created", "asset.updated"),
    mapping_problem=_mapping_problem,
)
