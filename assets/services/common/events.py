"""The audit trail. Every change writes one event in the same transaction as the change."""

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.orm import joinedload

from assets.extensions import db
from assets.models import Asset, Event, Person, User

if TYPE_CHECKING:  # only for a type: common/ depends on no domain package
    from assets.services.spreadsheets.bulk import BulkWriter

_ALREADY_PLAIN = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value, as a person would read it."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with each one in its JSON-safe form, as snapshot gives them. (An import
    calls this twice for each row it updates: most values are plain already.)"""
    return {
        name: value if value.__class__ in _ALREADY_PLAIN else _plain(value)
        for name, value in values.items()
    }


def snapshot(record: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(record, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for each field whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def apply_changes(target: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set `values` on `target`; {field: [before, after]} for those that changed."""
    before = snapshot(target, tuple(values))
    for name, value in values.items():
        setattr(target, name, value)
    return diff(before, snapshot(target, tuple(values)))


def record(
    actor: User | None,
    action: str,
    entity: Any,
    summary: str,
    *,
    changes: dict[str, Any] | None = None,
    asset: Asset | None = None,
    person: Person | None = None,
) -> Event:
    """Add an event about `entity` to the session; it commits with the change it describes."""
    if getattr(entity, "id", None) is None:
        db.session.flush()
    event = Event(**_row(actor, action, entity, summary, changes, asset, person))
    db.session.add(event)
    return event


def record_each(
    actor: User | None,
    action: str,
    entries: Iterable[tuple[Any, str, dict[str, Any] | None, Asset | None, Person | None]],
) -> None:
    """record() for many entities at once, each (entity, summary, changes, asset, person):
    one INSERT for them all (an executemany; the session's flush writes one row a
    statement on SQLite, which cannot hand back the new ids in order), in the same
    transaction."""
    entries = list(entries)
    if any(getattr(entity, "id", None) is None for entity, *_rest in entries):
        db.session.flush()
    rows = [_row(actor, action, *entry) for entry in entries]
    if rows:
        db.session.execute(insert(Event), rows)


def _row(actor, action, entity, summary, changes, asset, person) -> dict[str, Any]:
    if isinstance(entity, Asset):
        asset = asset or entity
    if isinstance(entity, Person):
        person = person or entity
    return {
        "actor_id": actor.id if actor else None,
        "action": action,
        "entity_type": entity.__tablename__,
        "entity_id": entity.id,
        "asset_id": asset.id if asset else None,
        "person_id": person.id if person else None,
        "summary": summary[:300],
        "changes": {k: _plain(v) for k, v in (changes or {}).items()},
    }


def record_many(
    actor: User | None, entries: Iterable[dict[str, Any]], at: datetime, writer: "BulkWriter"
) -> int:
    """Write many events at once through `writer`, all at `at` (an import of thousands of
    rows). Each entry has action, entity_type, entity_id, summary and changes, and may have
    asset_id and person_id. Returns how many there were."""
    actor_id = actor.id if actor else None
    rows = [
        {
            "at": at,
            "actor_id": actor_id,
            "action": entry["action"],
            "entity_type": entry["entity_type"],
            "entity_id": entry["entity_id"],
            "asset_id": entry.get("asset_id"),
            "person_id": entry.get("person_id"),
            "summary": entry["summary"][:300],
            "changes": plain(entry["changes"]),
        }
        for entry in entries
    ]
    writer.insert(Event.__table__, rows)
    return len(rows)


def _history_of(column) -> Select:
    return (
        select(Event)
        .where(column == bindparam("subject"))
        .options(joinedload(Event.actor))
        .order_by(Event.at.desc(), Event.id.desc())
    )


# Built once (see register.asset_by_tag): the asset and person pages show these.
_ASSET_HISTORY = _history_of(Event.asset_id)
_PERSON_HISTORY = _history_of(Event.person_id)


def history_for_asset(asset: Asset) -> list[Event]:
    """Every event about the asset, newest first."""
    return list(db.session.scalars(_ASSET_HISTORY, {"subject": asset.id}))


def history_for_person(person: Person) -> list[Event]:
    """Every event about the person, newest first."""
    return list(db.session.scalars(_PERSON_HISTORY, {"subject": person.id}))
