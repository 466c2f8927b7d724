"""A leaver for tests: Mrs J Smullen leaves in ten days holding a laptop and a camera, and has
a login; and helpers that work her checklist through the services."""

from datetime import date, timedelta
from types import SimpleNamespace

from flask import Flask

from assets.extensions import db
from assets.models import Asset, LeaverCase, Loan, Person, User
from assets.services.leavers import leaver_steps, leavers
from assets.services.people import people
from tests.support.factories import Factory


def set_contract_end(app: Flask, person_id: int, ends: date | None) -> None:
    with app.app_context():
        person = db.session.get(Person, person_id)
        details = people.PersonDetails(
            **{name: getattr(person, name) for name in people.FIELDS} | {"contract_end_date": ends}
        )
        people.update_person(None, person, details)
        db.session.commit()


def leaver_school(app: Flask, make: Factory, days_left: int = 10) -> SimpleNamespace:
    make.terms()
    laptops = make.category("Laptop", terms_kind="laptop", loan_kind="allocation")
    cameras = make.category("Camera", terms_kind="equipment", loan_kind="short")
    technician = make.user("technician", name="Mr M Savage")
    staff = make.user("staff", person=True, name="Mrs J Smullen")
    leaver = SimpleNamespace(id=staff.person_id, name="Mrs J Smullen")
    set_contract_end(app, leaver.id, date.today() + timedelta(days=days_left))
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


def technician_of(school) -> User:
    return db.session.get(User, school.technician.id)


def opened(school) -> LeaverCase:
    """The leaver's checklist, opened by the technician (call inside an app context)."""
    case, _ = leavers.open_case(technician_of(school), db.session.get(Person, school.leaver.id))
    db.session.commit()
    return case


def record(school, case, loan, outcome, note=""):
    step = leaver_steps.record_item(
        technician_of(school), case, db.session.get(Loan, loan.id), outcome, note
    )
    db.session.commit()
    return step


def finish_everything_but_closing(school, case) -> None:
    """Laptop back in full and wiped, camera back damaged, network account and login off."""
    record(school, case, school.laptop_loan, "full_working")
    record(school, case, school.camera_loan, "damaged", "Lens cracked.")
    technician = technician_of(school)
    leaver_steps.record_wipe(technician, case, db.session.get(Asset, school.laptop.id), "reimaged")
    leaver_steps.disable_network_account(technician, case, "jsmullen")
    leaver_steps.deactivate_login(technician, case)
    db.session.commit()
