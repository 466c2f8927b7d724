import pytest
from sqlalchemy import select

from assets.extensions import db
from assets.models import Category, Event, Person, User
from assets.services.common.errors import DomainError, NotAllowed
from assets.services.people import login_admin, people
from assets.services.register import places
from assets.services.terms import declarations


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
    assert [user.name for user in login_admin.list_users()] == expected


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


# ---- the lending rules a category carries --------------------------------------------------


def _category(actor=None, category=None, **values):
    values = {
        "name": "Projector",
        "terms_kind": "equipment",
        "loan_kind": "short",
        "default_loan_days": 14,
    } | values
    return places.save_category(actor, category, **values)


@pytest.mark.parametrize(
    ("name", "terms_kind", "mobile"),
    [
        ("Staff laptops", "equipment", True),
        ("iPads", "equipment", True),
        ("Mobile phone", "equipment", True),
        ("Chromebook trolley", "equipment", True),
        ("Projector", "laptop", True),
        ("Headphones", "equipment", False),
        ("Microphone", "equipment", False),
        ("Camera", "equipment", False),
    ],
)
def test_a_new_category_is_a_mobile_device_by_its_name_or_laptop_terms(
    ctx, name, terms_kind, mobile
):
    loan_kind = "allocation" if terms_kind == "laptop" else "short"
    category = _category(name=name, terms_kind=terms_kind, loan_kind=loan_kind)
    assert category.mobile_device is mobile
    assert category.self_service is False


def test_laptop_terms_are_always_a_mobile_device_and_an_edit_keeps_the_flags(ctx, make):
    laptops = _category(
        name="Laptop", terms_kind="laptop", loan_kind="allocation", mobile_device=False
    )
    assert laptops.mobile_device is True
    tablets = _category(name="Tablet", mobile_device=True, self_service=True)
    db.session.flush()
    _category(None, tablets, name="Tablets", default_loan_days=7, max_loan_days=14)
    assert (tablets.mobile_device, tablets.self_service, tablets.max_loan_days) == (True, True, 14)
    assert tablets.longest_loan_days == 14
    _category(None, tablets, name="Tablets", default_loan_days=None, max_loan_days=None)
    assert tablets.longest_loan_days == 7


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"terms_kind": "laptop", "loan_kind": "allocation"}, "self_service", "policy 8.1"),
        ({"loan_kind": "allocation"}, "self_service", "only short loans"),
        ({"max_loan_days": 0}, "max_loan_days", "at least one day"),
        ({"max_loan_days": 13}, "max_loan_days", "cannot be longer than the longest"),
    ],
)
def test_a_category_refuses_rules_that_contradict_the_policy(ctx, values, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        _category(self_service=True, **values)
    assert refused.value.field == field
    assert db.session.scalar(select(Category)) is None


def test_only_an_admin_chooses_self_service(ctx, make):
    technician = db.session.get(User, make.user("technician").id)
    admin = db.session.get(User, make.user("admin").id)

    with pytest.raises(NotAllowed, match="Only an admin"):
        _category(technician, self_service=True)
    projector = _category(admin, self_service=True)
    db.session.flush()
    # A technician edits the rest; leaving self-service as it is (None or the same) is fine.
    _category(technician, projector, max_loan_days=28)
    _category(technician, projector, max_loan_days=28, self_service=True)
    with pytest.raises(NotAllowed, match="Only an admin"):
        _category(technician, projector, self_service=False)
    assert projector.self_service is True
    db.session.commit()
    changes = db.session.scalars(
        select(Event.changes).where(Event.action.like("category.%")).order_by(Event.id)
    ).all()
    assert changes[0]["self_service"] is True
    assert changes[1] == {"max_loan_days": [None, 28]}
    assert len(changes) == 2, "saving the same values again records nothing"
