"""sign-in identities: logins linked to Microsoft 365 or Google accounts

sign_in_identities links a login to the provider's stable subject (Microsoft: tenant id and
object id; Google: sub), unique per provider. used_sign_in_states keeps a hash of each sign-in
attempt's state once its answer is used, so the same answer cannot sign in twice.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider IN ('microsoft', 'google')", name=op.f("ck_sign_in_identities_provider")
        ),
        sa.CheckConstraint(
            "length(subject) > 0", name=op.f("ck_sign_in_identities_subject_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sign_in_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_identities")),
        sa.UniqueConstraint("provider", "subject", name="uq_sign_in_identities_provider_subject"),
    )
    with op.batch_alter_table("sign_in_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_identities_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "used_sign_in_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_used_sign_in_states")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_used_sign_in_states_state_hash")),
    )
    with op.batch_alter_table("used_sign_in_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_used_sign_in_states_used_at"), ["used_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("used_sign_in_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_sign_in_states_used_at"))
    op.drop_table("used_sign_in_states")
    with op.batch_alter_table("sign_in_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_identities_user_id"))
    op.drop_table("sign_in_identities")
