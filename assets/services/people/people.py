"""Staff who may borrow equipment."""

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, Select, column, or_, select, text

from assets.extensions import db
from assets.models import Person, User
from assets.models.person import SEARCHED_COLUMNS
from assets.services.common import events
from assets.services.common.errors import DomainError
from assets.services.common.text_search import (
    fts_query,
    like_pattern,
    search_words,
    split_words,
)
from assets.services.people.logins import normalise_email


@dataclass
class PersonDetails:
    name: str
    email: str | None = None
    staff_number: str | None = None
    job_title: str | None = None
    contract_end_date: date | None = None
    active: bool = True
    notes: str = ""


FIELDS = tuple(PersonDetails.__dataclass_fields__)


def _clean(details: PersonDetails, person: Person | None) -> dict:
    values = asdict(details)
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip() or (
                None if key in ("email", "staff_number", "job_title") else ""
            )
    check_rules(values)
    if values["email"]:
        other = db.session.scalar(select(Person).where(Person.email == values["email"]))
        if other is not None and other is not person:
            raise DomainError(
                f"{other.name} already has the email {values['email']}.", field="email"
            )
    if values["staff_number"]:
        other = db.session.scalar(
            select(Person).where(Person.staff_number == values["staff_number"])
        )
        if other is not None and other is not person:
            raise DomainError(
                f"{other.name} already has staff number {values['staff_number']}.",
                field="staff_number",
            )
    return values


def check_rules(values: dict) -> None:
    """The rules on a person's own values, with no database lookups; the form and the import
    apply these. Values are already trimmed; the email is normalised in place."""
    if not values["name"]:
        raise DomainError("Give the person's name.", field="name")
    if values["email"]:
        values["email"] = normalise_email(values["email"])


def created_summary(name: str) -> str:
    return f"{name} added to staff"


def updated_summary(name: str, changes: dict) -> str:
    return f"{name}: {', '.join(changes)} changed"


def create_person(actor: User | None, details: PersonDetails) -> Person:
    values = _clean(details, None)
    person = Person(**values)
    db.session.add(person)
    db.session.flush()
    events.record(
        actor,
        "person.created",
        person,
        created_summary(person.name),
        changes=events.snapshot(person, FIELDS),
    )
    return person


def update_person(actor: User | None, person: Person, details: PersonDetails) -> bool:
    if person.anonymised_at is not None:
        raise DomainError(
            "This person's personal data was removed under the retention policy: their record "
            "is no longer edited."
        )
    values = _clean(details, person)
    changes = events.apply_changes(person, values)
    if not changes:
        return False
    events.record(
        actor,
        "person.updated",
        person,
        updated_summary(person.name, changes),
        changes=changes,
    )
    return True


def save_person(actor: User | None, person: Person | None, details: PersonDetails) -> Person:
    """Create (person None) or edit a person; gives the person either way."""
    if person is None:
        return create_person(actor, details)
    update_person(actor, person, details)
    return person


def people_matching(q: str, *, names_only: bool = False) -> Select | None:
    """Ids of people with every word of `q` in their name, email or staff number (in their
    name alone with `names_only`), whatever its case; None for an empty search."""
    words = search_words(q)
    if not words:
        return None
    indexed, short = split_words(words)
    columns = ["name"] if names_only else list(SEARCHED_COLUMNS)
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    query = select(Person.id)
    if indexed and sqlite:
        # FTS5 trigram folds case in every alphabet, as the lower() the app gives SQLite.
        match = fts_query(indexed, "name" if names_only else None)
        found = text("SELECT rowid AS id FROM people_search WHERE people_search MATCH :words")
        found = found.bindparams(words=match).columns(column("id", Integer)).subquery()
        query = select(found.c.id)
        if short:
            query = query.join(Person, Person.id == found.c.id)
        indexed = []

    def contains(name: str, word: str) -> ColumnElement[bool]:
        # ILIKE: PostgreSQL's trigram indexes on these columns answer it. SQLite's own LIKE
        # ignores the case of A-Z, so only other letters need the (slower) lower() in Python.
        if sqlite and word.isascii():
            return getattr(Person, name).like(like_pattern(word), escape="\\")
        return getattr(Person, name).ilike(like_pattern(word), escape="\\")

    return query.where(
        *(or_(*(contains(name, word) for name in columns)) for word in indexed + short)
    )


def people_select(q: str = "", include_inactive: bool = False) -> Select:
    query = select(Person).order_by(Person.sort_key, Person.id)
    if not include_inactive:
        query = query.where(Person.active.is_(True))
    matching = people_matching(q)
    if matching is not None:
        query = query.where(Person.id.in_(matching))
    return query


def active_people() -> list[Person]:
    return list(db.session.scalars(people_select()))
