"""people's names, emails and staff numbers searched through a trigram index; loans by date

Holder searches (the asset list, loans, reports) and the staff list's search read the people
table: PostgreSQL gets pg_trgm GIN indexes on the three columns (ILIKE uses them), SQLite an
external-content FTS5 trigram table kept in step by triggers, as asset_search is for assets.
Both get ix_loans_out_at, so the loans page reads newest first and a broad search stops at
the page.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 04:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

COLUMNS = ("name", "email", "staff_number")
# The same statements as assets/models/person.py (revisions never import application code).
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


def upgrade():
    op.create_index("ix_loans_out_at", "loans", ["out_at", "id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_PEOPLE_SEARCH_DDL:
            op.execute(statement)
        op.execute("INSERT INTO people_search(people_search) VALUES ('rebuild')")
    else:
        for column in COLUMNS:
            op.create_index(
                f"ix_people_{column}_trgm",
                "people",
                [column],
                unique=False,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade():
    op.drop_index("ix_loans_out_at", table_name="loans")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS people_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS people_search")
    else:
        for column in COLUMNS:
            op.drop_index(f"ix_people_{column}_trgm", table_name="people")
