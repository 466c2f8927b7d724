"""bookings: assets reserved ahead, never twice for the same time

A booking holds one asset for a person over [starts_at, ends_at) in UTC. On PostgreSQL the
exclusion constraint no_double_booking (btree_gist) refuses two live bookings (requested,
approved, collected) of one asset whose ranges overlap; on SQLite the booking service
serialises writers and checks in the same transaction. Categories gain what bookings ask of
them: whether each needs a technician's approval, the longest booking and the least notice.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Copies of assets.models.booking's states as they were when this revision was written.
STATES = "('requested', 'approved', 'declined', 'collected', 'returned', 'cancelled', 'released')"
LIVE = "('requested', 'approved', 'collected')"


def upgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "booking_needs_approval", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("max_booking_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_notice_hours", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_categories_max_booking_hours"),
            "max_booking_hours IS NULL OR max_booking_hours > 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_categories_min_notice_hours"),
            "min_notice_hours IS NULL OR min_notice_hours >= 0",
        )
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("series_id", sa.String(length=32), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bookings_ends_after_start")),
        sa.CheckConstraint(f"state IN {STATES}", name=op.f("ck_bookings_state")),
        sa.CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL)",
            name=op.f("ck_bookings_cancelled_recorded"),
        ),
        sa.CheckConstraint(
            "loan_id IS NULL OR state IN ('collected', 'returned')", name=op.f("ck_bookings_loan")
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_bookings_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_bookings_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["users.id"], name=op.f("fk_bookings_booked_by_id_users")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_bookings_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_bookings_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name=op.f("fk_bookings_cancelled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_asset_starts", ["asset_id", "starts_at"], unique=False)
        batch_op.create_index(op.f("ix_bookings_person_id"), ["person_id"], unique=False)
        batch_op.create_index(op.f("ix_bookings_series_id"), ["series_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT no_double_booking EXCLUDE USING gist "
            "(asset_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (state IN {LIVE})"
        )


def downgrade():
    op.drop_table("bookings")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_categories_min_notice_hours"), type_="check")
        batch_op.drop_constraint(op.f("ck_categories_max_booking_hours"), type_="check")
        batch_op.drop_column("min_notice_hours")
        batch_op.drop_column("max_booking_hours")
        batch_op.drop_column("booking_needs_approval")
