"""asset tags and names up to 255 characters; search text in every alphabet on SQLite

Snipe-IT allows 255 characters in an asset tag and an asset name, so a register moved from it
must fit: assets.tag grows from 40 and assets.name from 120 to 255. Notes were already TEXT.

PostgreSQL widens a varchar in place, but not one a generated column reads: the search text
and its trigram index are dropped and made again (one rewrite of the table). SQLite never enforces a
varchar's length, so only the declared type changes: the table's CREATE statement is edited in
place, as SQLite's own documentation describes for changes that leave the stored rows as they
are (VARCHAR(40) and VARCHAR(255) have the same TEXT affinity). A batch copy of assets would
drop the FTS5 search triggers and rebuild every table that points at it.

SQLite's lower() now folds every alphabet (the app gives it Python's), so the stored search
text of assets with capitals beyond A-Z is worked out again. Only the app's connections have
that lower(): another tool writing to the SQLite file (the sqlite3 shell, a DB browser) stores
search text folded A-Z only, which the search then misses for other alphabets. Change the
register through the app or its `flask` commands, never by writing to the file.

Going down shortens the columns again, and refuses while any tag or name is too long for them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD = {"tag": 40, "name": 120}
NEW = {"tag": 255, "name": 255}

# A copy of assets.models.asset.SEARCH_TEXT_SQL as it was when this revision was written.
SEARCH_TEXT_SQL = (
    "lower(tag || ' ' || coalesce(serial_number, '') || ' ' || name || ' '"
    " || coalesce(manufacturer, '') || ' ' || coalesce(model, ''))"
)

assets = sa.table(
    "assets",
    sa.column("tag", sa.String),
    sa.column("name", sa.String),
    sa.column("search_text", sa.Text),
)


def _sqlite_declare(lengths_from: dict, lengths_to: dict) -> None:
    bind = op.get_bind()
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'assets'"
    ).scalar_one()
    for column, length in lengths_from.items():
        old = f"{column} VARCHAR({length}) NOT NULL"
        if create.count(old) != 1:
            raise RuntimeError(f"assets is not as revision 0010 expects: no single {old!r}")
        create = create.replace(old, f"{column} VARCHAR({lengths_to[column]}) NOT NULL")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'assets'", (create,)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"assets after revision 0010: {problems}")


def _resize(lengths_from: dict, lengths_to: dict) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_declare(lengths_from, lengths_to)
        return
    # PostgreSQL cannot change the type of a column a generated column reads: the search
    # text (and its trigram index) goes, and comes back worked out from the new columns.
    op.drop_index("ix_assets_search_trgm", table_name="assets")
    op.drop_column("assets", "search_text")
    for column, length in lengths_to.items():
        op.alter_column(
            "assets",
            column,
            existing_type=sa.String(length=lengths_from[column]),
            type_=sa.String(length=length),
            existing_nullable=False,
        )
    op.add_column(
        "assets",
        sa.Column(
            "search_text", sa.Text(), sa.Computed(SEARCH_TEXT_SQL, persisted=True), nullable=False
        ),
    )
    op.create_index(
        "ix_assets_search_trgm",
        "assets",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def upgrade():
    _resize(OLD, NEW)
    bind = op.get_bind()
    # The app now gives SQLite a lower() that folds every alphabet, as PostgreSQL's does
    # (assets/database.py). Search text stored with the old, A-Z only, lower() is worked
    # out again by rewriting those rows; the FTS5 triggers follow.
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql("SELECT lower('Ł')").scalar() == "ł":
        stale = assets.c.search_text.is_not(sa.literal_column(SEARCH_TEXT_SQL))
        op.execute(assets.update().where(stale).values(name=assets.c.name))


def downgrade():
    bind = op.get_bind()
    for column, length in OLD.items():
        too_long = bind.execute(
            sa.select(sa.func.count()).where(sa.func.length(assets.c[column]) > length)
        ).scalar_one()
        if too_long:
            raise RuntimeError(
                f"{too_long} asset {column}s are longer than {length} characters: "
                "shorten them before going below revision 0010."
            )
    _resize(NEW, OLD)
