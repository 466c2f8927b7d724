"""one Microsoft 365 and one Google account per login

sign_in_identities gets a unique (user_id, provider): the code already linked a login to one
account of each provider only; two first sign-ins at once could have linked two.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sign_in_identities", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_sign_in_identities_user_provider", ["user_id", "provider"]
        )


def downgrade():
    with op.batch_alter_table("sign_in_identities", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sign_in_identities_user_provider", type_="unique")
