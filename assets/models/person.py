"""A member of staff who may borrow equipment; they need not have a login."""

from datetime import date, datetime

from sqlalchemy import DDL, CheckConstraint, ColumnElement, Index, String, Text, case, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from assets.extensions import db
from assets.models.base import UTCDateTime, utcnow
from assets.models.loan import Loan

# Titles left out when names are sorted: "Mrs A Roebuck" sorts under R, beside "Dr B Roebuck".
# What a search of the staff list looks in; a holder search looks in the name only.
SEARCHED_COLUMNS = ("name", "email", "staff_number")
TITLES = ("mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev", "revd", "sir", "dame")


def by_surname(name: ColumnElement[str]) -> tuple[ColumnElement, ...]:
    """ORDER BY terms that sort a name column as a staff list is read: by the last word (the
    surname), then the given names without any title ("Miss", "Mr", "Dr."), then as written.

    Plain SQL that SQLite and PostgreSQL both run, so lists page in the database:
    rtrim(name, <the name's own non-space characters>) leaves everything up to the last space.
    """
    before_surname = func.rtrim(name, func.replace(name, " ", ""))
    surname = func.substr(name, func.length(before_surname) + 1)
    lowered = func.lower(before_surname)
    given = case(
        *(
            (
                lowered.like(f"{title}{dot} %"),
                func.substr(before_surname, len(title) + len(dot) + 2),
            )
            for title in TITLES
            for dot in ("", ".")
        ),
        else_=before_surname,
    )
    return func.lower(surname), func.lower(given), name


# Between sort_key's parts: below every character a name holds (PostgreSQL stores no NUL), so
# the joined key sorts as the parts would one after another.
SORT_KEY_SEPARATOR = "\x01"
SORT_KEY_LENGTH = 400  # a 120-character name, twice over lowered (İ lowers to two), and more
TITLE_STARTS = tuple(f"{title}{dot} " for title in TITLES for dot in ("", "."))


def sort_key(name: str) -> str:
    """by_surname's order as one string, worked out here and stored (people.sort_key, indexed
    with id) so the staff list pages by an index instead of working out 22 LIKEs a row.

    The same steps as by_surname: everything up to the last space is before the surname; a
    title is left out of it when it starts with one and a space (its dot optional); then the
    surname lowered, the given names lowered and the name as written. Compared byte by byte
    (collation "C" on PostgreSQL, SQLite's own), the order is the same on both databases.
    """
    before_surname = name[: name.rfind(" ") + 1]
    surname = name[len(before_surname) :]
    lowered = before_surname.lower()
    given = next(
        (before_surname[len(start) :] for start in TITLE_STARTS if lowered.startswith(start)),
        before_surname,
    )
    return SORT_KEY_SEPARATOR.join((surname.lower(), given.lower(), name))


class Person(db.Model):
    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        # Anonymised under the retention policy: nothing left to reach them by.
        CheckConstraint(
            "anonymised_at IS NULL OR (email IS NULL AND staff_number IS NULL"
            " AND job_title IS NULL AND notes = '' AND NOT active)",
            name="anonymised_holds_nothing",
        ),
        # Searches for a name, email or staff number: pg_trgm on PostgreSQL (ILIKE uses it),
        # an FTS5 trigram table on SQLite (below).
        Index("ix_people_sort_key", "sort_key", "id"),
        *(
            Index(
                f"ix_people_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in SEARCHED_COLUMNS
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    # The staff list's order (sort_key above), set with the name.
    sort_key: Mapped[str] = mapped_column(
        String(SORT_KEY_LENGTH).with_variant(String(SORT_KEY_LENGTH, collation="C"), "postgresql")
    )
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    staff_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    job_title: Mapped[str | None] = mapped_column(String(120))
    contract_end_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When their personal data was removed under the retention policy (services/people/
    # retention.py); their name is then "Former member of staff #<id>".
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    loans: Mapped[list[Loan]] = relationship(
        back_populates="person", order_by=Loan.out_at.desc(), viewonly=True
    )
    user = relationship("User", back_populates="person", uselist=False, viewonly=True)
    signatures = relationship(
        "Signature", viewonly=True, order_by="(Signature.signed_at.desc(), Signature.id.desc())"
    )

    @validates("name")
    def _keep_sort_key(self, _key: str, name: str) -> str:
        self.sort_key = sort_key(name)
        return name

    @property
    def open_loans(self) -> list[Loan]:
        return [loan for loan in self.loans if loan.is_open]

    def __str__(self) -> str:
        return self.name


# SQLite: an external-content FTS5 table with the trigram tokenizer over the searched columns,
# kept in step by triggers, as for assets. Migration 0024 holds the same statements.
SQLITE_PEOPLE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE people_search USING fts5("
    "name, email, staff_number, content='people', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER people_search_insert AFTER INSERT ON people BEGIN "
    "INSERT INTO people_search(rowid, name, email, staff_number) "
    "VALUES (new.id, new.name, new.email, new.staff_number); END",
    "CREATE TRIGGER people_search_delete AFTER DELETE ON people BEGIN "
    "INSERT INTO people_search(people_search, rowid, name, email, staff_number) "
    "VALUES ('delete', old.id, old.name, old.email, old.staff_number); END",
    "CREATE TRIGGER people_search_update AFTER UPDATE OF name, email, staff_number ON people "
    "BEGIN "
    "INSERT INTO people_search(people_search, rowid, name, email, staff_number) "
    "VALUES ('delete', old.id, old.name, old.email, old.staff_number); "
    "INSERT INTO people_search(rowid, name, email, staff_number) "
    "VALUES (new.id, new.name, new.email, new.staff_number); END",
)
for _statement in SQLITE_PEOPLE_SEARCH_DDL:
    event.listen(Person.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
event.listen(
    Person.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS people_search").execute_if(dialect="sqlite"),
)
