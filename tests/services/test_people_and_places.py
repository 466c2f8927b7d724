import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Event, Person
from assets.services import accounts, declarations, people, places
from assets.services.errors import DomainError


def test_people_are_unique_by_email_and_staff_number(ctx, make, database):
    make.person("Mrs N Quinn", email="quinn@ashbrook.sch.uk", staff_number="S0005")
    with pytest.raises(DomainError, match="already has the email"):
        people.create_person(None, people.PersonDetails(name="X", email="QUINN@ashbrook.sch.uk"))
    with pytest.raises(DomainError, match="staff number"):
        people.create_person(None, people.PersonDetails(name="X", staff_number="S0005"))
    with pytest.raises(DomainError, match="not an email"):
        people.create_person(None, people.PersonDetails(name="X", email="quinn at school"))


def test_person_edit_records_the_change(ctx, make, database):
    person = db.session.get(Person, make.person("Mrs H Floyd").id)
    details = people.PersonDetails(
        name="Mrs H Floyd", email=person.email, job_title="Teaching Assistant"
    )
    assert people.update_person(None, person, details)
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.action == "person.updated"))
    assert event.person_id == person.id
    assert event.changes == {"job_title": [None, "Teaching Assistant"]}


def test_people_search(ctx, make):
    make.person("Mrs S Judd", staff_number="S0100")
    make.person("Mr M Savage")
    found = db.session.scalars(people.people_select("judd")).all()
    assert [p.name for p in found] == ["Mrs S Judd"]
    assert [p.name for p in db.session.scalars(people.people_select("s0100"))] == ["Mrs S Judd"]


def test_people_lists_sort_by_surname_not_title(ctx, make, database):
    """The staff list, the declaration register and the logins list read as a register does:
    by surname, then given names; "Miss", "Mr", "Mrs", "Dr." and friends are left out."""
    names = [
        "Mrs Alice Zephyr",
        "Mr Bob Abbott",
        "Miss Dana Moss",
        "Dr. Carys Moss",
        "Cher",
        "Mx Ola Nowak-Ødegård",
        "mrs ellen rowe",
        "Mrsa Pyke",  # a name, not a title
    ]
    for name in names:
        make.person(name)
        make.user("staff", name=name)
    expected = [
        "Mr Bob Abbott",
        "Cher",
        "Dr. Carys Moss",
        "Miss Dana Moss",
        "Mx Ola Nowak-Ødegård",
        "Mrsa Pyke",
        "mrs ellen rowe",
        "Mrs Alice Zephyr",
    ]
    assert [p.name for p in people.active_people()] == expected
    _, rows = declarations.register()
    assert [row.person.name for row in rows] == expected
    assert [user.name for user in accounts.list_users()] == expected


def test_category_and_location_names_are_unique(ctx, make, database):
    make.category("Laptop")
    make.location("ICT suite")
    with pytest.raises(DomainError, match="already exists"):
        places.save_category(
            None,
            None,
            name="laptop",
            terms_kind="laptop",
            loan_kind="allocation",
            default_loan_days=None,
        )
    with pytest.raises(DomainError, match="already exists"):
        places.save_location(None, None, name=" ict suite ")
    with pytest.raises(DomainError, match="loan terms"):
        places.save_category(
            None, None, name="Camera", terms_kind="other", loan_kind="short", default_loan_days=None
        )
