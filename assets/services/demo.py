"""A small demo school, loaded once so a newcomer has something to work with."""

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import func, select

from assets.extensions import db
from assets.models import Category, Location, Person, User
from assets.models.base import utcnow
from assets.services.common.clock import local_date
from assets.services.loans import lending_rules, loans
from assets.services.people import login_admin, logins, people
from assets.services.register import places, register
from assets.services.terms import declarations, terms

DEMO_LOGINS = (
    ("admin", "head@demo.school", "Mrs H Roebuck", "Headteacher1"),
    ("technician", "it@demo.school", "Mr M Savage", "Technician1"),
    ("office", "office@demo.school", "Mrs S Mann", "Office1234"),
    ("staff", "teacher@demo.school", "Miss A Guthrie", "Teacher123"),
)
STAFF = (
    ("Mrs H Roebuck", "Head Teacher"),
    ("Mr M Savage", "IT Technician"),
    ("Mrs S Mann", "School Business Manager"),
    ("Miss A Guthrie", "Class Teacher"),
    ("Mrs N Quinn", "Class Teacher"),
    ("Mrs H Jackson", "Class Teacher"),
    ("Mrs H Floyd", "Teaching Assistant"),
    ("Mrs S Judd", "SENCo"),
    ("Miss P Chinellato", "Class Teacher"),
    ("Mrs D Webster", "Teaching Assistant"),
    ("Mrs V Jones", "Office Assistant"),
    ("Mrs J Smullen", "Class Teacher"),
)
# Name, terms, kind of loan, usual and longest loan in days, self-service, mobile device.
# Laptops are allocated at the desk (policy 8.1); the rest staff may sign out themselves.
CATEGORIES = (
    ("Laptop", "laptop", "allocation", None, None, False, True),
    ("Tablet", "equipment", "short", 7, 14, True, True),
    ("Camera", "equipment", "short", 7, 14, True, False),
    ("Projector", "equipment", "short", 14, 28, True, False),
    ("Visualiser", "equipment", "short", 14, 28, True, False),
)
LOCATIONS = ("ICT suite", "Office store", "Reception class", "Year 1 class", "Staff room")
MODELS = {
    "Laptop": [("Dell", "Latitude 3440"), ("Lenovo", "ThinkPad E14"), ("HP", "ProBook 440")],
    "Tablet": [("Apple", "iPad 10th gen"), ("Samsung", "Galaxy Tab A9")],
    "Camera": [("Canon", "PowerShot SX740"), ("Nikon", "Coolpix W150")],
    "Projector": [("Epson", "EB-E20")],
    "Visualiser": [("IPEVO", "V4K")],
}


def demo_loaded() -> bool:
    return (db.session.scalar(select(func.count(User.id))) or 0) > 0


def load_demo() -> bool:
    """Load the demo school into an empty database. False (and nothing written) when the
    database already has users: a second `make run` keeps the data."""
    if demo_loaded():
        return False
    terms.ensure_seeded()
    staff = _demo_staff()
    _demo_logins(staff)
    categories = _demo_categories()
    locations = [places.save_location(None, None, name=name) for name in LOCATIONS]
    db.session.flush()
    _demo_assets(categories, locations)
    _demo_loans(staff)
    db.session.flush()
    return True


def _demo_staff() -> dict[str, Person]:
    """The staff list by name; the twelfth person leaves in 20 days."""
    staff = {}
    for number, (name, title) in enumerate(STAFF, start=1):
        email = name.split()[-1].lower() + "@demo.school"
        login = next((row for row in DEMO_LOGINS if row[2] == name), None)
        staff[name] = people.create_person(
            None,
            people.PersonDetails(
                name=name,
                email=login[1] if login else email,
                staff_number=f"S{number:04d}",
                job_title=title,
                contract_end_date=local_date() + timedelta(days=20) if number == 12 else None,
            ),
        )
    return staff


def _demo_logins(staff: dict[str, Person]) -> None:
    for role, email, name, password in DEMO_LOGINS:
        login_admin.create_user(
            None,
            email=email,
            name=name,
            role=role,
            password=password,
            person=staff[name],
            must_change=False,
        )


def _demo_categories() -> dict[str, Category]:
    return {
        name: places.save_category(
            None,
            None,
            name=name,
            terms_kind=terms,
            loan_kind=kind,
            default_loan_days=days,
            max_loan_days=longest,
            self_service=self_service,
            mobile_device=mobile,
        )
        for name, terms, kind, days, longest, self_service, mobile in CATEGORIES
    }


def _demo_assets(categories: dict[str, Category], locations: list[Location]) -> None:
    """Laptops, tablets, cameras, projectors and visualisers, tagged ASH-0001 onwards."""
    number = 0
    for category_name, count in (
        ("Laptop", 14),
        ("Tablet", 10),
        ("Camera", 6),
        ("Projector", 3),
        ("Visualiser", 3),
    ):
        for i in range(count):
            number += 1
            make, model = MODELS[category_name][i % len(MODELS[category_name])]
            register.create_asset(
                None,
                register.AssetDetails(
                    tag=f"ASH-{number:04d}",
                    name=f"{make} {model}",
                    manufacturer=make,
                    model=model,
                    serial_number=f"{make[:2].upper()}{7310 + number * 37:08d}",
                    category_id=categories[category_name].id,
                    location_id=locations[number % len(locations)].id,
                    purchase_date=date(2023, 9, 1) + timedelta(days=number * 11),
                    purchase_cost=Decimal(
                        {"Laptop": "649.00", "Tablet": "349.00"}.get(category_name, "199.00")
                    ),
                    supplier="Derbyshire ICT Services",
                    warranty_end=date(2026, 9, 1) + timedelta(days=number * 11),
                    # Every seventh laptop or tablet is not encrypted yet: the compliance
                    # page lists them, and the desk cannot lend them.
                    encrypted=category_name in ("Laptop", "Tablet") and number % 7 != 0,
                    software_image="Staff Windows 11 v3" if category_name == "Laptop" else None,
                ),
            )


def demo_signature(name: str) -> bytes:
    """A scribble standing in for `name`'s drawn signature: the same name, the same scribble."""
    rng = random.Random(name)
    image = Image.new("RGBA", (600, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    x, points = 40, []
    for _ in range(len(name) + 6):
        x += rng.randint(25, 45)
        points.append((min(x, 570), rng.randint(40, 150)))
    draw.line(points, fill=(17, 17, 17, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _demo_loans(staff: dict[str, Person]) -> None:
    """Equipment already out, through the same rules as the desk: signed laptops, an overdue
    tablet, a camera awaiting its borrower's signature, a laptop the head lent before it was
    encrypted (with her reason), and one signed declaration."""
    technician = logins.user_by_email("it@demo.school")
    head = logins.user_by_email("head@demo.school")
    now = utcnow()
    for tag, name, days_ago in (
        ("ASH-0001", "Miss A Guthrie", 60),
        ("ASH-0002", "Mrs N Quinn", 45),
        ("ASH-0003", "Mrs J Smullen", 30),
        ("ASH-0015", "Miss A Guthrie", 10),
    ):
        loans.check_out(
            technician,
            staff[name],
            [register.asset_by_tag(tag)],
            signature=demo_signature(name),
            now=now - timedelta(days=days_ago),
        )
    loans.check_out(
        technician,
        staff["Miss A Guthrie"],
        [register.asset_by_tag("ASH-0025")],
        awaiting_signature=True,
        now=now - timedelta(days=1),
    )
    loans.check_out(
        head,
        staff["Mrs S Judd"],
        [register.asset_by_tag("ASH-0007")],
        signature=demo_signature("Mrs S Judd"),
        reasons=lending_rules.Reasons(
            unencrypted="Needed for the annual reviews this week; BitLocker is booked for Friday."
        ),
        now=now - timedelta(days=3),
    )
    declarations.sign(
        technician,
        staff["Mrs N Quinn"],
        demo_signature("Mrs N Quinn"),
        now=now - timedelta(days=45, minutes=5),
    )
