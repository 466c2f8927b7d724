"""lending follows the policy: self-service categories, longest loans, mobile devices

Categories gain `self_service` (staff may sign these out for themselves), `mobile_device` (a
laptop, tablet or phone: lent only when encrypted, policy 10.2) and `max_loan_days` (the
longest a loan may run without a reason). Loans keep the reasons the desk gave for going past
either rule.

No existing category becomes self-service: an admin chooses which. A category becomes a mobile
device when it carries the laptop terms or its name says laptop, tablet or phone (the same
default the app gives a new category).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 09:10:00.000000

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# A copy of assets.services.register.places.MOBILE_WORDS as it was when this revision was written.
MOBILE_WORDS = re.compile(
    r"\b(laptop|notebook|chromebook|macbook|ultrabook|tablet|ipad|phone|iphone|smartphone)s?\b",
    re.IGNORECASE,
)

categories = sa.table(
    "categories",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("terms_kind", sa.String),
    sa.column("mobile_device", sa.Boolean),
)


def upgrade():
    # On SQLite the batch copies each table; the other CHECK constraints, the foreign keys and
    # loans' partial index uq_loans_open_asset are carried over (tests/test_migrations.py).
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_loan_days", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("self_service", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("mobile_device", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    connection = op.get_bind()
    mobile = [
        row.id
        for row in connection.execute(sa.select(categories.c.id, categories.c.name))
        if MOBILE_WORDS.search(row.name)
    ]
    op.execute(
        categories.update()
        .where(sa.or_(categories.c.terms_kind == "laptop", categories.c.id.in_(mobile)))
        .values(mobile_device=True)
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_categories_max_loan_days"), "max_loan_days IS NULL OR max_loan_days > 0"
        )
        batch_op.create_check_constraint(
            op.f("ck_categories_usual_within_longest"),
            "max_loan_days IS NULL OR default_loan_days IS NULL"
            " OR default_loan_days <= max_loan_days",
        )
        batch_op.create_check_constraint(
            op.f("ck_categories_self_service"),
            "NOT self_service OR (terms_kind = 'equipment' AND loan_kind = 'short')",
        )
        batch_op.create_check_constraint(
            op.f("ck_categories_laptop_is_mobile"), "mobile_device OR terms_kind <> 'laptop'"
        )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("long_loan_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("unencrypted_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_loans_long_loan_reason"),
            "long_loan_reason IS NULL OR length(trim(long_loan_reason)) > 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_loans_unencrypted_reason"),
            "unencrypted_reason IS NULL OR length(trim(unencrypted_reason)) > 0",
        )


def downgrade():
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_loans_unencrypted_reason"), type_="check")
        batch_op.drop_constraint(op.f("ck_loans_long_loan_reason"), type_="check")
        batch_op.drop_column("unencrypted_reason")
        batch_op.drop_column("long_loan_reason")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_categories_laptop_is_mobile"), type_="check")
        batch_op.drop_constraint(op.f("ck_categories_self_service"), type_="check")
        batch_op.drop_constraint(op.f("ck_categories_usual_within_longest"), type_="check")
        batch_op.drop_constraint(op.f("ck_categories_max_loan_days"), type_="check")
        batch_op.drop_column("mobile_device")
        batch_op.drop_column("self_service")
        batch_op.drop_column("max_loan_days")
