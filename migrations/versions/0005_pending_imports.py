"""pending imports: uploaded spreadsheets kept between preview and apply

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:09:10.853749

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('assets', 'people')", name=op.f("ck_pending_imports_kind")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_pending_imports_sha256")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pending_imports_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_imports")),
    )
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_imports_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pending_imports_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("pending_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_imports_user_id"))
        batch_op.drop_index(batch_op.f("ix_pending_imports_expires_at"))
    op.drop_table("pending_imports")
