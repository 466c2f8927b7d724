"""people.sort_key: the staff list's order, worked out in Python and stored, is by_surname's."""

from sqlalchemy import select

from assets.extensions import db
from assets.models import Person, by_surname, sort_key
from assets.services.people import people

NAMES = [
    "Mrs Alice Zephyr",
    "Mr Bob Abbott",
    "Miss Dana Moss",
    "Dr. Carys Moss",
    "Dr Carys Moss",
    "DR. Carys Moss",
    "Cher",
    "cher",
    "Mx Sam Lee",
    "Mx",
    "Dr. A Smith",
    "A Smith",
    "a smith",
    "Dr Smith",
    "Ann  Lee",  # two spaces
    "Mr  Lee",  # two spaces after the title
    "Ann Lee",
    "Ann Leeds",
    "Lee",
    "Leeds",
    "Ms.Ann Lee",  # no space after the dot: not a title
    "Mr Ms Lee",
    "Revd Lee",
    "Rev. Lee",
    "Prof. Ada Lovelace",
    "Sir Ian Lee-Ng",
    "Dame Judi Dench",
    "Mrsa Pyke",  # a name, not a title
    "Łukasz Żółć",
    "łukasz żółć",
    "Zoë O'Brien-Ngô",
    "Zoe O'Brien-Ngo",
    "O'Brien",
    "Émile Zola",
    "Zola",
]


def _names(order) -> list[str]:
    return list(db.session.scalars(select(Person.name).order_by(*order, Person.id)))


def test_sort_key_orders_as_by_surname_on_both_databases(ctx, make, database):
    for name in NAMES:
        make.person(name)
    db.session.commit()
    stored = _names((Person.sort_key,))
    assert stored == _names(by_surname(Person.name))
    # The same order on both databases: the one Python gives the keys.
    assert stored == sorted(NAMES, key=sort_key)
    # What a reader of the list sees first: surnames, titles left out, as written last.
    assert stored[:5] == ["Mr Bob Abbott", "Cher", "cher", "Dame Judi Dench", "Lee"]
    smiths = [name for name in stored if name.lower().endswith("smith")]
    assert smiths == ["Dr Smith", "A Smith", "Dr. A Smith", "a smith"]
    assert stored[-5:] == ["Mrs Alice Zephyr", "Zola", "Émile Zola", "Łukasz Żółć", "łukasz żółć"]


def test_a_renamed_person_moves_in_the_list(ctx, make, database):
    for name in ("Mrs A Abbott", "Mr B Moss", "Dr C Young"):
        make.person(name)
    person = db.session.scalar(select(Person).where(Person.name == "Mrs A Abbott"))
    details = people.PersonDetails(name="Mrs A Zephyr", email=person.email)
    people.update_person(None, person, details)
    db.session.commit()
    assert person.sort_key == sort_key("Mrs A Zephyr")
    assert [p.name for p in people.active_people()] == ["Mr B Moss", "Dr C Young", "Mrs A Zephyr"]
