"""list_versions: a token per kept list, which triggers renew on every change to its table

The pages with a select of every location or category (the page a label's QR code opens, the
asset list's filters, the asset, pool and stocktake forms) read the list once per process and
again only when its token changed (assets.services.register.choice_lists). The database sets
the token to a new random value on every INSERT, UPDATE and DELETE of locations or categories
(row triggers on SQLite; a statement trigger and one plpgsql function on PostgreSQL), so a
change made by any worker, import, command or shell is seen by every process at its next page.
Random, not a counter: a restored backup keeps its own contents' token.

The SQL is a copy of assets.models.list_version's as it was when this revision was written.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 07:30:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

TABLES = ("locations", "categories")
VERBS = ("INSERT", "UPDATE", "DELETE")
SQLITE_LIST_CHANGED = (
    "CREATE TRIGGER {table}_list_version_{verb} AFTER {verb} ON {table} BEGIN "
    "INSERT INTO list_versions (name, token) VALUES ('{table}', lower(hex(randomblob(16)))) "
    "ON CONFLICT (name) DO UPDATE SET token = excluded.token; END"
)
POSTGRES_NEW_LIST_VERSION = (
    "CREATE OR REPLACE FUNCTION new_list_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "INSERT INTO list_versions (name, token) "
    "VALUES (TG_ARGV[0], replace(CAST(gen_random_uuid() AS TEXT), '-', '')) "
    "ON CONFLICT (name) DO UPDATE SET token = excluded.token; "
    "RETURN NULL; "
    "END $$"
)
POSTGRES_LIST_CHANGED = (
    "CREATE TRIGGER {table}_list_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    "ON {table} FOR EACH STATEMENT EXECUTE FUNCTION new_list_version('{table}')"
)


def upgrade():
    list_versions = op.create_table(
        "list_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_list_versions")),
    )
    op.bulk_insert(
        list_versions, [{"name": table, "token": secrets.token_hex(16)} for table in TABLES]
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for verb in VERBS:
                op.execute(SQLITE_LIST_CHANGED.format(table=table, verb=verb))
    else:
        op.execute(POSTGRES_NEW_LIST_VERSION)
        for table in TABLES:
            op.execute(POSTGRES_LIST_CHANGED.format(table=table))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for verb in VERBS:
                op.execute(f"DROP TRIGGER {table}_list_version_{verb}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_list_version ON {table}")
        op.execute("DROP FUNCTION new_list_version()")
    op.drop_table("list_versions")
