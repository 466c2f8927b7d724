"""stocktakes and last seen

Stocktakes (a scan session at a location, or the whole school) and their lines; each asset's
last-seen date and place, which finishing a stocktake sets.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:33:44.155798

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LAST_SEEN_FK = "fk_assets_last_seen_location_id_locations"


def upgrade():
    op.create_table(
        "stocktakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(status = 'open') = (ended_at IS NULL)", name=op.f("ck_stocktakes_ended_unless_open")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'finished', 'cancelled')", name=op.f("ck_stocktakes_status")
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_stocktakes_ended_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_stocktakes_ended_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_stocktakes_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_stocktakes_started_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktakes")),
    )
    with op.batch_alter_table("stocktakes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stocktakes_location_id"), ["location_id"], unique=False
        )
        # One stocktake under way per location, and one of the whole school.
        batch_op.create_index(
            "uq_stocktakes_open_location",
            ["location_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.create_index(
            "uq_stocktakes_open_whole_school",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'open' AND location_id IS NULL"),
            postgresql_where=sa.text("status = 'open' AND location_id IS NULL"),
        )

    op.create_table(
        "stocktake_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stocktake_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Boolean(), nullable=False),
        sa.Column("register_location_id", sa.Integer(), nullable=True),
        sa.Column("register_status", sa.String(length=20), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found_by_id", sa.Integer(), nullable=True),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(found_at IS NULL) = (found_by_id IS NULL)",
            name=op.f("ck_stocktake_items_found_by_whom"),
        ),
        sa.CheckConstraint(
            "NOT moved OR (found_at IS NOT NULL AND NOT expected)",
            name=op.f("ck_stocktake_items_moved"),
        ),
        sa.CheckConstraint(
            "expected OR found_at IS NOT NULL",
            name=op.f("ck_stocktake_items_unexpected_only_when_found"),
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_stocktake_items_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["found_by_id"], ["users.id"], name=op.f("fk_stocktake_items_found_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["register_location_id"],
            ["locations.id"],
            name=op.f("fk_stocktake_items_register_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["stocktake_id"],
            ["stocktakes.id"],
            name=op.f("fk_stocktake_items_stocktake_id_stocktakes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stocktake_items")),
        sa.UniqueConstraint(
            "stocktake_id", "asset_id", name=op.f("uq_stocktake_items_stocktake_id")
        ),
    )
    with op.batch_alter_table("stocktake_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stocktake_items_asset_id"), ["asset_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stocktake_items_stocktake_id"), ["stocktake_id"], unique=False
        )

    # assets: no batch copy-and-move here. On SQLite that would drop the FTS5 search triggers
    # with the old table and cannot copy the computed search_text; SQLite adds a column with
    # an inline, named reference in place instead.
    op.add_column("assets", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE assets ADD COLUMN last_seen_location_id INTEGER "
            f"CONSTRAINT {LAST_SEEN_FK} REFERENCES locations (id)"
        )
    else:
        op.add_column("assets", sa.Column("last_seen_location_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            LAST_SEEN_FK, "assets", "locations", ["last_seen_location_id"], ["id"]
        )


def downgrade():
    # SQLite (3.35+) drops a column, inline reference and all, in place: again no batch
    # copy-and-move of assets, which would lose the search triggers.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE assets DROP COLUMN last_seen_location_id")
    else:
        op.drop_constraint(LAST_SEEN_FK, "assets", type_="foreignkey")
        op.drop_column("assets", "last_seen_location_id")
    op.drop_column("assets", "last_seen_at")

    with op.batch_alter_table("stocktake_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stocktake_items_stocktake_id"))
        batch_op.drop_index(batch_op.f("ix_stocktake_items_asset_id"))
    op.drop_table("stocktake_items")

    with op.batch_alter_table("stocktakes", schema=None) as batch_op:
        batch_op.drop_index("uq_stocktakes_open_whole_school")
        batch_op.drop_index("uq_stocktakes_open_location")
        batch_op.drop_index(batch_op.f("ix_stocktakes_location_id"))
    op.drop_table("stocktakes")
