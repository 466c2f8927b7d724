"""Shared set-up for the booking tests: a school with trolleys of iPads to book."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from assets.extensions import db
from assets.models import Asset, Booking, Person, User

LONDON = ZoneInfo("Europe/London")


def at(day: str, hhmm: str) -> datetime:
    """A school-local wall-clock time as the UTC moment it is stored as."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON).astimezone(UTC)


def school(make) -> SimpleNamespace:
    trolleys = make.category("iPad trolley", default_loan_days=7)
    cameras = make.category("Camera", default_loan_days=7, self_service=False)
    staff = make.user("staff", person=True, name="Mr B Okafor")
    colleague = make.user("staff", person=True, name="Ms C Nowak")
    return SimpleNamespace(
        trolleys=trolleys,
        cameras=cameras,
        staff=staff,
        colleague=colleague,
        technician=make.user("technician"),
        borrower=make.person("Miss A Guthrie"),
        trolley=make.asset("TROLLEY-A", category=trolleys),
        spare=make.asset("TROLLEY-B", category=trolleys),
        camera=make.asset("CAM-01", category=cameras),
    )


def get(model, record):
    return db.session.get(model, record.id)


def user(record) -> User:
    return db.session.get(User, record.id)


def person_of(record) -> Person:
    return db.session.get(Person, record.person_id if hasattr(record, "role") else record.id)


def asset(record) -> Asset:
    return db.session.get(Asset, record.id)


def booking(booking_id: int) -> Booking:
    return db.session.get(Booking, booking_id)
