"""Categories and locations: the lists the register is sorted by."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from assets.extensions import db
from assets.models import LOAN_KINDS, TERMS_KINDS, Category, Location, User
from assets.permissions import allows
from assets.services.common import events
from assets.services.common.errors import DomainError, NotAllowed

# A new category whose name says laptop, tablet or phone is a mobile device unless told
# otherwise (policy 10.2). Only a default: the category's own flag is what lending reads.
# "Headphones" and "microphone" are not phones.
MOBILE_WORDS = re.compile(
    r"\b(laptop|notebook|chromebook|macbook|ultrabook|tablet|ipad|phone|iphone|smartphone)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BookingRules:
    """What booking a category's items ahead asks (services/bookings): a technician's
    approval, the longest booking and the least notice in hours (None: no limit)."""

    needs_approval: bool = False
    max_hours: int | None = None
    min_notice_hours: int | None = None

    def columns(self) -> dict:
        if self.max_hours is not None and self.max_hours <= 0:
            raise DomainError(
                "The longest booking must be at least one hour.", field="max_booking_hours"
            )
        if self.min_notice_hours is not None and self.min_notice_hours < 0:
            raise DomainError("The notice cannot be negative.", field="min_notice_hours")
        return {
            "booking_needs_approval": self.needs_approval,
            "max_booking_hours": self.max_hours,
            "min_notice_hours": self.min_notice_hours,
        }


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


def _check_loans(
    terms_kind: str, loan_kind: str, default_loan_days: int | None, max_loan_days: int | None
) -> None:
    """The category's terms, kind of loan, and usual and longest loan in days."""
    if terms_kind not in TERMS_KINDS:
        raise DomainError("Choose which loan terms apply.", field="terms_kind")
    if loan_kind not in LOAN_KINDS:
        raise DomainError("Choose the kind of loan.", field="loan_kind")
    if default_loan_days is not None and default_loan_days <= 0:
        raise DomainError("The loan length must be at least one day.", field="default_loan_days")
    if max_loan_days is not None and max_loan_days <= 0:
        raise DomainError("The longest loan must be at least one day.", field="max_loan_days")
    if max_loan_days is not None and (default_loan_days or 0) > max_loan_days:
        raise DomainError(
            "The usual loan length cannot be longer than the longest loan.",
            field="max_loan_days",
        )


def save_category(
    actor: User | None,
    category: Category | None,
    *,
    name: str,
    terms_kind: str,
    loan_kind: str,
    default_loan_days: int | None,
    max_loan_days: int | None = None,
    self_service: bool | None = None,
    mobile_device: bool | None = None,
    booking: BookingRules | None = None,
) -> Category:
    """Create (category None) or edit a category.

    `self_service` and `mobile_device` None leave them as they are (on a new category: not
    self-service, and a mobile device when its name or laptop terms say so). Only an admin
    changes which categories staff may sign out for themselves (`actor` None: the command
    line or the demo). A category under the laptop terms is always a mobile device.
    `booking` None leaves what booking asks as it is (on a new category: nothing).
    """
    _check_loans(terms_kind, loan_kind, default_loan_days, max_loan_days)
    name = _check_name_free(Category, name, category)
    was_self_service = category.self_service if category else False
    if self_service is None:
        self_service = was_self_service
    elif (
        self_service != was_self_service
        and actor is not None
        and not allows(actor, "can_set_lending_policy")
    ):
        raise NotAllowed(
            "Only an admin chooses which categories staff may sign out for themselves.",
            field="self_service",
        )
    if self_service and terms_kind == "laptop":
        raise DomainError(
            "A laptop under the laptop terms is allocated by the school (policy 8.1), never "
            "signed out by staff for themselves. Untick self-service or choose the equipment "
            "terms.",
            field="self_service",
        )
    if self_service and loan_kind != "short":
        raise DomainError(
            "Staff sign out for themselves only short loans with a due date: choose a short "
            "loan or untick self-service.",
            field="self_service",
        )
    if mobile_device is None:
        mobile_device = category.mobile_device if category else bool(MOBILE_WORDS.search(name))
    values = {
        "name": name,
        "terms_kind": terms_kind,
        "loan_kind": loan_kind,
        "default_loan_days": default_loan_days,
        "max_loan_days": max_loan_days,
        "self_service": self_service,
        "mobile_device": mobile_device or terms_kind == "laptop",
    }
    if booking is not None:
        values |= booking.columns()
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
