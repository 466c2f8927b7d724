"""password reset requests: the rate limits of "Forgot your password?"

One row for each reset email asked for in the last hour (older rows are deleted as new
requests come in): a keyed hash of the address, the client's network address (NULL when an
admin sent it), and when. Kept in the database so that several app servers agree.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(address_hash) = 64", name=op.f("ck_password_reset_requests_address_hash")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_password_reset_requests_address_at", ["address_hash", "requested_at"]
        )
        batch_op.create_index("ix_password_reset_requests_client_at", ["client", "requested_at"])
        batch_op.create_index("ix_password_reset_requests_requested_at", ["requested_at"])


def downgrade():
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_password_reset_requests_requested_at")
        batch_op.drop_index("ix_password_reset_requests_client_at")
        batch_op.drop_index("ix_password_reset_requests_address_at")
    op.drop_table("password_reset_requests")
