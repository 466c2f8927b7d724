"""how each login last signed in: its password, Microsoft 365 or Google

The logins page shows when each login last signed in and how. users.last_login_method holds
one of 'password', 'microsoft', 'google' (NULL until the next sign-in: a login that signed in
before this revision shows only when).

SQLite adds the column with its CHECK in one ALTER TABLE (a column constraint), which leaves
the table's other rows and the tables pointing at it as they are; PostgreSQL adds the column,
then the constraint.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHECK = "last_login_method IS NULL OR last_login_method IN ('password', 'microsoft', 'google')"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE users ADD COLUMN last_login_method VARCHAR(20) "
            f"CONSTRAINT ck_users_last_login_method CHECK ({CHECK})"
        )
    else:
        op.add_column("users", sa.Column("last_login_method", sa.String(20)))
        op.create_check_constraint(op.f("ck_users_last_login_method"), "users", CHECK)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column only without constraints on it: the table is rebuilt.
        with op.batch_alter_table("users") as batch:
            batch.drop_constraint(op.f("ck_users_last_login_method"), type_="check")
            batch.drop_column("last_login_method")
    else:
        op.drop_constraint(op.f("ck_users_last_login_method"), "users", type_="check")
        op.drop_column("users", "last_login_method")
