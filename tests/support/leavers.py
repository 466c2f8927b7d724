"""A leaver for tests: Mrs J Smullen leaves in ten days holding a laptop and a camera, and has
a login; and helpers that work her checklist through the services."""

from datetime import date, timedelta
from types import SimpleNamespace

from flask import Flask

from assets.extensions import db
from assets.models import Asset, LeaverCase, Loan, Person, User
from assets.services.common.clock import local_date
from assets.services.leavers import leaver_closing, leaver_steps, leavers
from assets.services.people import people
from tests.support.drawings import drawn_signature
from tests.support.factories import Factory


def school_today(app: Flask) -> date:
    """Today at the school (its time zone, not the machine's), as the app computes it."""
    with app.app_context():
        return local_date()


def set_contract_end(app: Flask, person_id: int, ends: date | None) -> None:
    with app.app_context():
        person = db.session.get(Person, person_id)
        details = people.PersonDetails(
            **{name: getattr(person, name) for name in people.FIELDS} | {"contract_end_date": ends}
        )
        people.update_person(None, person, details)
        db.session.commit()


def new_leaver_with_kit(app: Flask, make: Factory, days_left: int = 10) -> SimpleNamespace:
    """Mrs J Smullen leaves in `days_left` days holding a laptop and a camera, and has a
    login (the `leaver_with_kit` fixture, leaving in ten days)."""
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    technician = make.user("technician", name="Mr M Savage")
    staff = make.user("staff", person=True, name="Mrs J Smullen")
    leaver = SimpleNamespace(id=staff.person_id, name="Mrs J Smullen")
    set_contract_end(app, leaver.id, school_today(app) + timedelta(days=days_left))
    laptop = make.asset("ASH-0003", category=laptops, name="HP ProBook 440", serial_number="HP-3")
    camera = make.asset("ASH-0025", category=cameras, name="Canon PowerShot")
    return SimpleNamespace(
        technician=technician,
        staff=staff,
        leaver=leaver,
        laptop=laptop,
        camera=camera,
        laptop_loan=make.loan(laptop, leaver, by=technician),
        camera_loan=make.loan(camera, leaver, by=technician),
        make=make,
    )


def technician_of(leaver_with_kit) -> User:
    return db.session.get(User, leaver_with_kit.technician.id)


def opened(leaver_with_kit) -> LeaverCase:
    """The leaver's checklist, opened by the technician (call inside an app context)."""
    case, _ = leavers.open_case(
        technician_of(leaver_with_kit), db.session.get(Person, leaver_with_kit.leaver.id)
    )
    db.session.commit()
    return case


def record(leaver_with_kit, case, loan, outcome, note=""):
    step = leaver_steps.record_item(
        technician_of(leaver_with_kit), case, db.session.get(Loan, loan.id), outcome, note
    )
    db.session.commit()
    return step


def finish_everything_but_closing(leaver_with_kit, case) -> None:
    """Laptop back in full and wiped, camera back damaged, network account and login off."""
    record(leaver_with_kit, case, leaver_with_kit.laptop_loan, "full_working")
    record(leaver_with_kit, case, leaver_with_kit.camera_loan, "damaged", "Lens cracked.")
    technician = technician_of(leaver_with_kit)
    leaver_steps.record_wipe(
        technician, case, db.session.get(Asset, leaver_with_kit.laptop.id), "reimaged"
    )
    leaver_steps.disable_network_account(technician, case, "jsmullen")
    leaver_steps.deactivate_login(technician, case)
    db.session.commit()


def closed_case(app: Flask, technician_id: int, person_id: int, account: str) -> int:
    """`person`'s leaver's checklist with their network account `account` disabled, closed and
    signed by both at the desk by the technician; its id."""
    with app.app_context():
        tech = db.session.get(User, technician_id)
        case, _ = leavers.open_case(tech, db.session.get(Person, person_id))
        leaver_steps.disable_network_account(tech, case, account)
        db.session.commit()
        leaver_closing.close_case(
            tech,
            case,
            technician_signature=drawn_signature(),
            leaver_signature=drawn_signature(),
        )
        db.session.commit()
        return case.id
