"""Shared set-up for the booking tests: a school with trolleys of iPads to book."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from assets.extensions import db
from assets.models import Asset, Booking, Kit, Person, User
from assets.services.bookings import extending
from assets.services.common.errors import DomainError
from tests.support.concurrency import race

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


def kit_school(make) -> SimpleNamespace:
    """Two iPad trolleys as kits, each the trolley, 4 iPads and 4 chargers: "iPad trolley A"
    (KIT-A: ASH-0030 to ASH-0038) and "iPad trolley B" (KIT-B: ASH-0040 to ASH-0048); the
    people of `school`."""
    s = school(make)
    ipads = make.category("iPad", default_loan_days=7)
    chargers = make.category("Charger", default_loan_days=7)
    technician = s.technician
    kits = {}
    for letter, base in (("A", 30), ("B", 40)):
        parts = [make.asset(f"ASH-{base:04d}", category=s.trolleys, name=f"Trolley {letter}")]
        parts += [
            make.asset(f"ASH-{base + n:04d}", category=ipads, name=f"iPad {letter}{n}")
            for n in range(1, 5)
        ]
        parts += [
            make.asset(f"ASH-{base + 4 + n:04d}", category=chargers, name=f"Charger {letter}{n}")
            for n in range(1, 5)
        ]
        kits[letter] = SimpleNamespace(
            kit=make.kit(f"KIT-{letter}", f"iPad trolley {letter}", parts=parts, by=technician),
            parts=parts,
        )
    s.ipads, s.chargers = ipads, chargers
    s.kit_a, s.parts_a = kits["A"].kit, kits["A"].parts
    s.kit_b, s.parts_b = kits["B"].kit, kits["B"].parts
    return s


def kit(record) -> Kit:
    return db.session.get(Kit, record.id)


def extend_at_once(app, booking_id: int, actor, new_end: datetime, now: datetime) -> list:
    """Two desks extending one booking to `new_end` at the same moment, each with the booking
    read before either writes: what each got ("extended", or the refusal's message)."""

    def desk(i: int, barrier):
        mine = booking(booking_id)
        barrier.wait()
        try:
            extending.extend(user(actor), mine, new_end, now)
            db.session.commit()
        except DomainError as refused:
            db.session.rollback()
            return refused.message
        return "extended"

    return race(app, desk, desks=2)
