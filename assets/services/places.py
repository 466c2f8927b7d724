"""Categories and locations: the lists the register is sorted by."""

from sqlalchemy import func, select

from assets.extensions import db
from assets.models import LOAN_KINDS, TERMS_KINDS, Category, Location, User
from assets.services import events
from assets.services.errors import DomainError


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def locations() -> list[Location]:
    return list(db.session.scalars(select(Location).order_by(Location.name)))


def _check_name_free(model, name: str, record=None) -> str:
    name = name.strip()
    if not name:
        raise DomainError("Give it a name.", field="name")
    other = db.session.scalar(select(model).where(func.lower(model.name) == name.lower()))
    if other is not None and other is not record:
        raise DomainError(f"'{name}' already exists.", field="name")
    return name


def save_category(
    actor: User | None,
    category: Category | None,
    *,
    name: str,
    terms_kind: str,
    loan_kind: str,
    default_loan_days: int | None,
) -> Category:
    """Create (category None) or edit a category."""
    if terms_kind not in TERMS_KINDS:
        raise DomainError("Choose which loan terms apply.", field="terms_kind")
    if loan_kind not in LOAN_KINDS:
        raise DomainError("Choose the kind of loan.", field="loan_kind")
    if default_loan_days is not None and default_loan_days <= 0:
        raise DomainError("The loan length must be at least one day.", field="default_loan_days")
    name = _check_name_free(Category, name, category)
    values = {
        "name": name,
        "terms_kind": terms_kind,
        "loan_kind": loan_kind,
        "default_loan_days": default_loan_days,
    }
    return _save(actor, Category, category, values, "category")


def save_location(
    actor: User | None, location: Location | None, *, name: str, notes: str = ""
) -> Location:
    """Create (location None) or edit a location."""
    name = _check_name_free(Location, name, location)
    values = {"name": name, "notes": notes.strip()}
    return _save(actor, Location, location, values, "location")


def _save(actor: User | None, model, record, values: dict, noun: str):
    """Create a `model` from `values` (record None) or apply them to `record`, recording
    an event either way when anything changed."""
    if record is None:
        record = model(**values)
        db.session.add(record)
        events.record(
            actor,
            f"{noun}.created",
            record,
            f"{noun.capitalize()} {values['name']} added",
            changes=values,
        )
        return record
    changes = events.apply_changes(record, values)
    if changes:
        events.record(
            actor,
            f"{noun}.updated",
            record,
            f"{noun.capitalize()} {values['name']} changed",
            changes=changes,
        )
    return record
