"""kits: named sets of assets that go out and come back together

A kit has its own tag (never an asset's: the services refuse it) and its parts; an asset is a
part of at most one kit (unique asset_id). A part marked missing when its kit came back keeps
when (missing_since).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(tag)) > 0", name=op.f("ck_kits_tag_not_blank")),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_kits_name_not_blank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kits")),
        sa.UniqueConstraint("tag", name=op.f("uq_kits_tag")),
    )
    op.create_table(
        "kit_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("missing_since", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_kit_parts_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(["kit_id"], ["kits.id"], name=op.f("fk_kit_parts_kit_id_kits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_parts")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_kit_parts_asset_id")),
    )
    op.create_index(op.f("ix_kit_parts_kit_id"), "kit_parts", ["kit_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_kit_parts_kit_id"), table_name="kit_parts")
    op.drop_table("kit_parts")
    op.drop_table("kits")
