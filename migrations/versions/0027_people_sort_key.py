"""people: sort_key, the staff list's order, stored and indexed with id

The staff list, the leavers' lists and the declaration register were ordered by by_surname
(assets.models.person): an expression with a CASE of 22 LIKEs, worked out for every row that
matched before a page could be read (64 ms of CPU on SQLite, 100 ms on PostgreSQL for a
search matching 3,000 people). The same order is now worked out by the application
(assets.models.person.sort_key) when the name is set, stored beside it and indexed with id, so
a page reads the index in order and stops. Existing rows are filled here with the same
function.

The key is compared byte by byte: collation "C" on PostgreSQL (whatever the server's locale;
a locale's collation would skip the separator), SQLite's own everywhere.

SQLite adds the column in place (a copy of people would drop the people_search triggers of
revision 0026) and then declares it NOT NULL by editing the table's CREATE statement, as
revision 0025 does, once every row has its key.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 05:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

KEY = "sort_key VARCHAR(400)"
BATCH = 5_000
TITLES = ("mr", "mrs", "miss", "ms", "mx", "dr", "prof", "rev", "revd", "sir", "dame")
TITLE_STARTS = tuple(f"{title}{dot} " for title in TITLES for dot in ("", "."))


def _key(name: str) -> str:
    # A copy of assets.models.person.sort_key as it was when this revision was written.
    before_surname = name[: name.rfind(" ") + 1]
    surname = name[len(before_surname) :]
    lowered = before_surname.lower()
    given = next(
        (before_surname[len(start) :] for start in TITLE_STARTS if lowered.startswith(start)),
        before_surname,
    )
    return "\x01".join((surname.lower(), given.lower(), name))


def _fill() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM people")).all()
    update = sa.text("UPDATE people SET sort_key = :key WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        bind.execute(update, [{"id": row.id, "key": _key(row.name)} for row in batch])


def _sqlite_not_null() -> None:
    bind = op.get_bind()
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'people'"
    ).scalar_one()
    if create.count(KEY) != 1:
        raise RuntimeError(f"people is not as revision 0027 expects: no single {KEY!r}")
    create = create.replace(KEY, f"{KEY} NOT NULL")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'people'", (create,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"people after revision 0027: {problems}")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    column_type = sa.String(length=400).with_variant(
        sa.String(length=400, collation="C"), "postgresql"
    )
    op.add_column("people", sa.Column("sort_key", column_type, nullable=True))
    _fill()
    if sqlite:
        _sqlite_not_null()
    else:
        op.alter_column("people", "sort_key", existing_type=column_type, nullable=False)
    op.create_index("ix_people_sort_key", "people", ["sort_key", "id"], unique=False)


def downgrade():
    op.drop_index("ix_people_sort_key", table_name="people")
    op.drop_column("people", "sort_key")
