"""booking reminders: when the booker was emailed to collect, and to return

bookings.collect_reminded_at and bookings.return_reminded_at: `flask daily` emails each booker
once, on the day, to collect their booking and to bring it back; a booking already reminded is
never reminded again.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 04:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("bookings", sa.Column("collect_reminded_at", sa.DateTime(timezone=True)))
    op.add_column("bookings", sa.Column("return_reminded_at", sa.DateTime(timezone=True)))


def downgrade():
    # Plain columns, no constraints: SQLite drops them in place (no table rebuild).
    op.drop_column("bookings", "return_reminded_at")
    op.drop_column("bookings", "collect_reminded_at")
