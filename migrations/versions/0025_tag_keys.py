"""assets and kits: tag_key, the tag in any letter case, indexed

A tag typed or scanned in another letter case was found by lower(tag) = the typed tag lowered
in Python: no index served it (PostgreSQL read the whole register, 110 ms at 100,000 assets),
and each database folded letters its own way (PostgreSQL by the server's locale, ASCII only
under C; SQLite only through the lower() the app gives it, which an index must not rely on: a
backup's integrity check or the sqlite3 shell runs the built-in one). The key is NFKC + Unicode
case folding, worked out by the application (assets.models.base.tag_key), stored beside the
tag and indexed; existing rows are filled here with the same function.

SQLite adds the column in place (a copy of assets would drop its search triggers) and then
declares it NOT NULL by editing the table's CREATE statement, as revision 0010 does, once every
row has its key.

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-07 05:00:00.000000

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None

KEY = "tag_key VARCHAR(765)"
BATCH = 5_000


def _key(tag: str) -> str:
    # A copy of assets.models.base.tag_key as it was when this revision was written.
    return unicodedata.normalize("NFKC", tag).casefold()


def _fill(table: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, tag FROM {table}")).all()  # noqa: S608 (ours)
    update = sa.text(f"UPDATE {table} SET tag_key = :key WHERE id = :id")  # noqa: S608
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        bind.execute(update, [{"id": row.id, "key": _key(row.tag)} for row in batch])


def _sqlite_not_null(table: str) -> None:
    bind = op.get_bind()
    create = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if create.count(KEY) != 1:
        raise RuntimeError(f"{table} is not as revision 0025 expects: no single {KEY!r}")
    create = create.replace(KEY, f"{KEY} NOT NULL")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (create, table)
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA quick_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"{table} after revision 0025: {problems}")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("assets", "kits"):
        op.add_column(table, sa.Column("tag_key", sa.String(length=765), nullable=True))
        _fill(table)
        if sqlite:
            _sqlite_not_null(table)
        else:
            op.alter_column(table, "tag_key", existing_type=sa.String(length=765), nullable=False)
        op.create_index(op.f(f"ix_{table}_tag_key"), table, ["tag_key"], unique=False)


def downgrade():
    for table in ("kits", "assets"):
        op.drop_index(op.f(f"ix_{table}_tag_key"), table_name=table)
        op.drop_column(table, "tag_key")
