"""booking calendar: iCalendar SEQUENCE on bookings, private calendar feeds

bookings.sequence counts the changes of a booking, so a calendar app replaces its event;
calendar_feeds keeps one private feed link per login, as a SHA-256 hash of its token only.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.create_check_constraint(op.f("ck_bookings_sequence"), "sequence >= 0")
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(token_hash) = 64", name=op.f("ck_calendar_feeds_token_hash")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feeds_user_id")),
    )


def downgrade():
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_sequence"), type_="check")
        batch_op.drop_column("sequence")
