"""kit and pool bookings: a booking holds an asset, a kit, or a number of a pool's units

Pools are a category at a location booked by quantity. A booking now names exactly one of an
asset, a kit or a pool (with a quantity); on PostgreSQL the exclusion constraint
no_double_kit_booking refuses overlapping live bookings of one kit as no_double_booking does
for an asset. The link between a booking and what it became moves to the loans (a kit or a
pool booking becomes several loans): loans.booking_id replaces bookings.loan_id, with the
existing links copied across.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 04:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# A copy of assets.models.booking.LIVE_STATES as it was when this revision was written.
LIVE = "('requested', 'approved', 'collected')"
ONE_THING = (
    "(asset_id IS NOT NULL AND kit_id IS NULL AND pool_id IS NULL)"
    " OR (asset_id IS NULL AND kit_id IS NOT NULL AND pool_id IS NULL)"
    " OR (asset_id IS NULL AND kit_id IS NULL AND pool_id IS NOT NULL)"
)


def upgrade():
    op.create_table(
        "pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_pools_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_pools_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_pools_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pools")),
        sa.UniqueConstraint("category_id", "location_id", name="uq_pools_one_pool_per_place"),
        sa.UniqueConstraint("name", name=op.f("uq_pools_name")),
    )
    op.create_index(op.f("ix_pools_location_id"), "pools", ["location_id"], unique=False)

    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch_op.create_index(op.f("ix_loans_booking_id"), ["booking_id"], unique=False)
        batch_op.create_foreign_key(
            op.f("fk_loans_booking_id_bookings"), "bookings", ["booking_id"], ["id"]
        )
    op.execute(
        "UPDATE loans SET booking_id = "
        "(SELECT bookings.id FROM bookings WHERE bookings.loan_id = loans.id) "
        "WHERE EXISTS (SELECT 1 FROM bookings WHERE bookings.loan_id = loans.id)"
    )

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_loan"), type_="check")
        batch_op.drop_constraint(op.f("fk_bookings_loan_id_loans"), type_="foreignkey")
        batch_op.drop_column("loan_id")
        batch_op.alter_column("asset_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("kit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pool_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quantity", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_bookings_kit_id_kits"), "kits", ["kit_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_bookings_pool_id_pools"), "pools", ["pool_id"], ["id"])
        batch_op.create_check_constraint(op.f("ck_bookings_one_thing_booked"), ONE_THING)
        batch_op.create_check_constraint(
            op.f("ck_bookings_quantity_for_pool"), "(pool_id IS NULL) = (quantity IS NULL)"
        )
        batch_op.create_check_constraint(
            op.f("ck_bookings_quantity_positive"), "quantity IS NULL OR quantity > 0"
        )
        batch_op.create_index("ix_bookings_kit_starts", ["kit_id", "starts_at"], unique=False)
        batch_op.create_index("ix_bookings_pool_starts", ["pool_id", "starts_at"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT no_double_kit_booking EXCLUDE USING gist "
            "(kit_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (state IN {LIVE})"
        )


def downgrade():
    # Kit and pool bookings cannot be held by the older table: they go.
    op.execute(
        "UPDATE loans SET booking_id = NULL WHERE booking_id IN "
        "(SELECT id FROM bookings WHERE asset_id IS NULL)"
    )
    op.execute("DELETE FROM bookings WHERE asset_id IS NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT no_double_kit_booking")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_pool_starts")
        batch_op.drop_index("ix_bookings_kit_starts")
        batch_op.drop_constraint(op.f("ck_bookings_quantity_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_quantity_for_pool"), type_="check")
        batch_op.drop_constraint(op.f("ck_bookings_one_thing_booked"), type_="check")
        batch_op.drop_constraint(op.f("fk_bookings_pool_id_pools"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_bookings_kit_id_kits"), type_="foreignkey")
        batch_op.drop_column("quantity")
        batch_op.drop_column("pool_id")
        batch_op.drop_column("kit_id")
        batch_op.alter_column("asset_id", existing_type=sa.Integer(), nullable=False)
        batch_op.add_column(sa.Column("loan_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_bookings_loan_id_loans"), "loans", ["loan_id"], ["id"])
        batch_op.create_check_constraint(
            op.f("ck_bookings_loan"), "loan_id IS NULL OR state IN ('collected', 'returned')"
        )
    op.execute(
        "UPDATE bookings SET loan_id = (SELECT max(loans.id) FROM loans "
        "WHERE loans.booking_id = bookings.id)"
    )
    with op.batch_alter_table("loans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_loans_booking_id_bookings"), type_="foreignkey")
        batch_op.drop_index(op.f("ix_loans_booking_id"))
        batch_op.drop_column("booking_id")
    op.drop_index(op.f("ix_pools_location_id"), table_name="pools")
    op.drop_table("pools")
